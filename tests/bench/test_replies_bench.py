"""Reading a reply is linear in its length: a short reply, and Slack's longest message (40,000 characters) of
decision words, politeness and mentions, twice as long as half of it. Run with `make bench`."""

from __future__ import annotations

import time

import pytest

from bot.domain.replies import Unclear, read_reply

ME = ("migrabot", "U0BOT")
CHUNK = "Validé, merci <@U0CAMILLE> ! ok mais il manque TEH ? *go* :+1: pas d'accord @julien "


def long_reply(length: int) -> str:
    return (CHUNK * (length // len(CHUNK) + 1))[:length]


@pytest.mark.benchmark(group="replies")
def test_read_a_short_reply(benchmark):
    assert isinstance(benchmark(read_reply, "Refusé, il manque le centre TEH", me=ME), object)


@pytest.mark.benchmark(group="replies")
def test_read_slacks_longest_message(benchmark):
    reply = benchmark(read_reply, long_reply(40_000), me=ME)
    assert isinstance(reply, Unclear)
    if benchmark.stats:  # None when benchmarks are disabled (plain `make test`)
        half = min(_timed(long_reply(20_000)) for _ in range(3))
        whole = min(_timed(long_reply(40_000)) for _ in range(3))
        print(f"\nreplies: 20,000 chars {half * 1000:.1f} ms, 40,000 chars {whole * 1000:.1f} ms")
        assert whole < 3 * half  # linear, with room for a loaded machine


def _timed(text: str) -> float:
    started = time.perf_counter()
    read_reply(text, me=ME)
    return time.perf_counter() - started
