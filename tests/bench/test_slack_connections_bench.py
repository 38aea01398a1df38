"""Slack's HTTP endpoint under many connections (issue 25, point 8). Run with `make bench`.

The endpoint runs in a child process (the one `migrabot run` would be), with the default settings
(SLACK_HTTP_WORKERS=16, SLACK_HTTP_TIMEOUT_SECONDS=10). Measured: its threads while 900 connections sit idle,
and its peak resident memory (VmHWM) while 200 clients send 1 MB bodies at once, with a fresh timestamp and a
forged signature (the worst case: the body must be read to be refused) and without any signature.
"""

from __future__ import annotations

import collections
import contextlib
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

SERVE = """
import sys
from slack_bolt import App
from slack_sdk import WebClient
from bot.adapters.slack import SlackEndpoint
from bot.settings import Settings
settings = Settings(_env_file=None, slack_mode="http", slack_signing_secret="s", slack_http_port=0)
app = App(client=WebClient(token="xoxb-x"), signing_secret="s", token_verification_enabled=False)
endpoint = SlackEndpoint(app, settings)
endpoint.start()
print(endpoint.port, flush=True)
sys.stdin.read()
"""
IDLE = 900
CONCURRENT = 200
BODY = 1024 * 1024


def status(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(field)


def send(port: int, *, forged: bool) -> bytes:
    headers = (
        f"X-Slack-Request-Timestamp: {int(time.time())}\r\nX-Slack-Signature: v0=00\r\n" if forged else ""
    )
    head = (
        f"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{headers}"
        f"Content-Length: {BODY}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=60) as conn:
        conn.sendall(head)
        with contextlib.suppress(OSError):
            conn.sendall(b"x" * BODY)
        try:
            return conn.recv(100)
        except OSError:  # refused before the whole body was read: the server's close may reset
            return b""


def bodies(port: int, *, forged: bool) -> list[bytes]:
    with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
        return list(pool.map(lambda _: send(port, forged=forged), range(CONCURRENT)))


@pytest.mark.benchmark(group="slack-http")
def test_threads_under_900_idle_connections_and_memory_under_200_bodies(benchmark):
    child = subprocess.Popen(
        [sys.executable, "-c", SERVE], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        port = int(child.stdout.readline())
        threads_before = status(child.pid, "Threads")
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(IDLE)]
        time.sleep(1.0)  # a measurement, not a test: let the server accept them all
        threads_idle = status(child.pid, "Threads")
        for conn in idle:
            conn.close()
        before = status(child.pid, "VmHWM")
        answers = benchmark.pedantic(bodies, args=(port,), kwargs={"forged": True}, rounds=1, iterations=1)
        forged_growth = (status(child.pid, "VmHWM") - before) / 1024
        unsigned = bodies(port, forged=False)
        total_growth = (status(child.pid, "VmHWM") - before) / 1024
    finally:
        child.stdin.close()
        child.wait(timeout=10)
    print(
        f"\n{IDLE} idle connections: {threads_before} → {threads_idle} threads in the endpoint's process"
        f"\n{CONCURRENT} concurrent 1 MB bodies, forged signature: peak RSS +{forged_growth:.1f} MiB "
        f"({sorted(collections.Counter(a[9:12] for a in answers).items())}); then without signature: +{total_growth:.1f} MiB in all "
        f"({sorted(collections.Counter(a[9:12] for a in unsigned).items())})"
    )
    benchmark.extra_info.update(threads_idle=threads_idle, forged_growth_mib=forged_growth)
    assert threads_idle <= threads_before + 2
    assert forged_growth < 40
