"""Replies that decide: the words people write, with or without mentions around them."""

from __future__ import annotations

import pytest

from bot.domain.decision import read_reply
from bot.domain.lifecycle import Event


@pytest.mark.parametrize(
    "text", ["ok", "Validé !", "go", "@migrabot validé", "validé @camille", "<@U0PO> ok", "@a, @b go"]
)
def test_approvals_with_or_without_mentions(text):
    assert read_reply(text) == (Event.APPROVE, "")


def test_a_refusal_keeps_its_reason_as_written_without_the_mentions_around_it():
    assert read_reply("@camille Refusé : chiffres à revoir\nvoir le CPH @migrabot") == (
        Event.REFUSE,
        "chiffres à revoir\nvoir le CPH",
    )


@pytest.mark.parametrize("text", ["je regarde ça demain", "ok @a merci @b", "@migrabot", ""])
def test_conversation_decides_nothing(text):
    assert read_reply(text) is None
