"""Which of two instances acting on one board stands down, and when the other is known to have stopped."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.instances import Instance, Mark, Seen, acting_now, nobody_takes, safe_host, stands_down

ELDER = Instance(id="0a0a0a0a", host="machine-a", since=1_790_000_000)
YOUNGER = Instance(id="0b0b0b0b", host="machine-b", since=1_790_000_600)

instances = st.builds(
    Instance,
    id=st.text("0123456789abcdef", min_size=8, max_size=8),
    host=st.just("h"),
    since=st.integers(min_value=0, max_value=2**40),
)


def test_the_instance_that_began_last_stands_down_and_the_elder_goes_on():
    assert stands_down(YOUNGER, before=ELDER)
    assert not stands_down(ELDER, before=YOUNGER)


@given(instances, instances)
def test_of_two_different_instances_exactly_one_stands_down(one, other):
    if one.id == other.id:
        return
    assert stands_down(one, before=other) != stands_down(other, before=one)


def test_a_mark_of_the_same_instance_never_counts():
    assert not acting_now(Mark(ELDER, posted_at=1_800_000_000), me=ELDER)
    assert acting_now(Mark(ELDER, posted_at=1_800_000_000), me=YOUNGER)


def test_marks_written_before_the_other_was_found_stopped_are_history():
    stopped_at = 1_790_100_000
    assert not acting_now(Mark(ELDER, posted_at=stopped_at - 1), me=YOUNGER, ignored_before=stopped_at)
    assert acting_now(Mark(ELDER, posted_at=stopped_at + 1), me=YOUNGER, ignored_before=stopped_at)


def test_only_a_card_nobody_wrote_on_waiting_past_the_grace_on_a_quiet_board_shows_the_other_stopped():
    now = 1_790_000_000 + 3600
    old, recent = "2026-09-21T14:13:20Z", "2026-09-21T15:13:10Z"  # 3600 s and 10 s before `now`
    assert nobody_takes([Seen(old, 0, in_todo=True)], now=now, grace_s=600)
    assert not nobody_takes([Seen(recent, 0, in_todo=True)], now=now, grace_s=600)
    # A card with comments may have been left there on purpose (a conflict the team decides).
    assert not nobody_takes([Seen(old, 3, in_todo=True)], now=now, grace_s=600)
    assert not nobody_takes([Seen(old, 0, in_todo=False)], now=now, grace_s=600)
    # Another card moved within the grace: the other may be in a long poll (its dry-runs leave traces).
    assert not nobody_takes(
        [Seen(old, 0, in_todo=True), Seen(recent, 4, in_todo=False)], now=now, grace_s=600
    )
    assert nobody_takes([Seen(old, 0, in_todo=True), Seen(old, 4, in_todo=False)], now=now, grace_s=600)
    assert not nobody_takes(
        [Seen("not a date", 0, in_todo=True), Seen("", 0, in_todo=True)], now=now, grace_s=600
    )
    assert not nobody_takes([], now=now, grace_s=600)


def test_a_host_name_is_made_safe_for_a_code_span_and_a_mark():
    assert safe_host("srv-migrabot.example.org") == "srv-migrabot.example.org"
    assert safe_host("my_host`*name with spaces") == "my-host--name-with-spaces"
    assert safe_host("x" * 80) == "x" * 40
    assert safe_host("  ") == "inconnu"
