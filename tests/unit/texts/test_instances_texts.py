"""The mark naming the instance that wrote a comment, read back exactly; what a stood-down instance says."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.instances import Instance, safe_host
from bot.texts.card import marked_by, marker, with_marker
from bot.texts.instances import stood_down_comment, stood_down_slack, stood_down_status
from tests.support.text import plain

HASH = "892d5078e54a9001"
ELDER = Instance(id="0a0a0a0a", host="machine-a", since=1_790_000_000)
YOUNGER = Instance(id="0b0b0b0b", host="machine-b", since=1_790_000_600)


def test_the_mark_names_the_instance_after_the_round_and_the_fingerprint():
    line = marker(round_=2, description_hash=HASH, instance=ELDER)
    assert line == (
        "migrabot · simulation n° 2 · empreinte 892d5078 · instance 0a0a0a0a (machine-a, depuis 2026-09-21T14:13:20Z)"
    )
    assert marker(round_=2, description_hash=HASH) == "migrabot · simulation n° 2 · empreinte 892d5078"


@given(
    host=st.text(max_size=60),
    instance_id=st.text("0123456789abcdef", min_size=8, max_size=8),
    since=st.integers(min_value=0, max_value=4_000_000_000),
    body=st.text(max_size=200),
)
def test_a_mark_is_read_back_as_the_instance_that_wrote_it(host, instance_id, since, body):
    instance = Instance(id=instance_id, host=safe_host(host), since=since)
    comment = with_marker(body or "texte", marker(round_=1, description_hash=HASH, instance=instance))
    assert marked_by(comment) == instance


def test_lines_that_only_look_like_a_mark_name_nobody():
    mark = marker(round_=1, description_hash=HASH, instance=ELDER)
    assert marked_by(f"texte\n\n{mark}") == ELDER
    for text in (
        "texte\n\nmigrabot · simulation n° 1 · empreinte 892d5078",  # before instances
        f"{mark}\n\nune ligne après",  # not the last line
        f"texte\n\n{mark} de plus",
        f"texte\n\n{mark.replace('machine-a', 'machine a')}",  # a space: never a host of ours
        f"texte\n\n{mark.replace('machine-a', '[clic](https://x)')}",
    ):
        assert marked_by(text) is None, text


def test_the_card_and_the_team_are_told_who_acts_where_and_since_when():
    comment = plain(stood_down_comment(other=ELDER, me=YOUNGER))
    assert comment.startswith(
        "⏸️ **Une autre instance de migrabot agit sur ce tableau** : `0a0a0a0a` sur `machine-a`"
    )
    assert "en service depuis le 21/09/2026 à 16:13" in comment  # Paris time, like every date on the card
    assert "celle-ci (`0b0b0b0b` sur `machine-b`" in comment
    assert "reprendra d'elle-même quand l'autre se sera arrêtée" in comment
    slack = plain(
        stood_down_slack(
            other=ELDER, me=YOUNGER, card_name="Lot <@U123> *gras*", card_url="https://trello.com/c/abc"
        )
    )
    assert "`0a0a0a0a` sur `machine-a`" in slack and "`0b0b0b0b` sur `machine-b`" in slack
    assert "<@U123>" not in slack  # the card's name cannot mention anybody
    status = plain(stood_down_status(other=ELDER))
    assert status.startswith("⏸️ En retrait : l'instance 0a0a0a0a sur machine-a")
