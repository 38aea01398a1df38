"""Slack messages stay within Slack's limits whatever the ticket's size: long content is folded."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from bot.domain.decision import RequestKey
from bot.domain.model import AccommodationConflict
from bot.texts.blocks import (
    FOLDED,
    CardLink,
    approval_request,
    closed_blocks,
    conflict_request,
    refusal_modal,
)
from tests.support.text import plain

KEY = RequestKey("6b058dd0ba7415e6b655fe65", 3, "0123456789abcdef")
CARD = CardLink("Migration des dossiers usagers - <test> & co", "https://trello.com/c/abc")


def texts(blocks: list[dict]) -> list[str]:
    """Section texts, read with plain spaces (typography has its own tests)."""
    return [plain(b["text"]["text"]) for b in blocks if b["type"] == "section"]


def assert_valid(blocks: list[dict]) -> None:
    assert len(blocks) <= 50
    for block in blocks:
        Block.parse(block).validate_json()  # slack_sdk's own checks
    assert all(len(text) <= 3000 for text in texts(blocks))


def test_a_short_request_shows_everything_and_its_buttons():
    text, blocks = approval_request(
        card=CARD,
        key=KEY,
        synthesis="Centre d'origine : A (ID 1)\n→ vers B (ID 2) : 3 migrés | reste 7",
        po_ids=["U2", "U1"],
    )
    assert (
        plain(text) == "Validation PO demandée : Migration des dossiers usagers - &lt;test&gt; &amp; co"
    )  # mrkdwn too
    assert_valid(blocks)
    assert texts(blocks)[0] == (
        "*<https://trello.com/c/abc|Migration des dossiers usagers - &lt;test&gt; &amp; co>*\n"
        "<@U1> <@U2>, la simulation est prête : merci de valider ou de refuser la migration."
    )
    assert texts(blocks)[1] == "```Centre d'origine : A (ID 1)\n→ vers B (ID 2) : 3 migrés | reste 7```"
    [actions] = [b for b in blocks if b["type"] == "actions"]
    assert [(e["text"]["text"], e["action_id"]) for e in actions["elements"]] == [
        ("Valider", "approve"),
        ("Refuser", "refuse"),
        ("Relancer la simulation", "resimulate"),
    ]
    assert RequestKey.parse(actions["elements"][0]["value"]) == KEY


def test_a_huge_synthesis_is_folded_within_slacks_limits():
    synthesis = "\n".join(
        f"→ vers Centre numéro {i} avec un nom assez long (ID {5000 + i}) : {i} migrés | reste {9999 - i}"
        for i in range(2000)
    )
    _, blocks = approval_request(card=CARD, key=KEY, synthesis=synthesis, po_ids=["U1"])
    assert_valid(blocks)
    assert sum(len(t) for t in texts(blocks)) <= 12000
    assert any(FOLDED in t for t in texts(blocks))
    assert blocks[-1]["type"] == "actions"  # the buttons survive the folding


def test_one_enormous_line_is_cut_into_sections_not_refused():
    _, blocks = approval_request(card=CARD, key=KEY, synthesis="x" * 7000, po_ids=["U1"])
    assert_valid(blocks)


def test_closing_replaces_the_buttons_with_the_outcome_once():
    _, blocks = approval_request(card=CARD, key=KEY, synthesis="s", po_ids=["U1"])
    closed = closed_blocks(closed_blocks(blocks, "premier"), "✅ *Validé* par <@U1>")
    assert not [b for b in closed if b["type"] == "actions"]
    assert [b["text"]["text"] for b in closed if b.get("block_id") == "outcome"] == ["✅ *Validé* par <@U1>"]
    assert_valid(closed)


def test_conflict_request_and_refusal_modal_are_valid():
    conflicts = [AccommodationConflict(4537, 892 + i, (1042, 1078), (1035,)) for i in range(300)]
    _, blocks = conflict_request(card=CARD, key=KEY, conflicts=conflicts, to_migrate=3, deciders=["U1"])
    assert_valid(blocks)
    assert [e["action_id"] for e in blocks[-1]["elements"]] == ["conflict_migrate", "conflict_without"]
    modal = refusal_modal(metadata="m" * 5000, card_name="Carte")
    assert len(modal["private_metadata"]) <= 3000
    assert all(len(modal[k]["text"]) <= 24 for k in ("title", "submit", "close"))
