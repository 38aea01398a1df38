"""The triage table, exhaustively: every state × every list × every observation → the steps written below.

The expectations are spelled out here on purpose, independently of `bot.domain.triage` (written as what a
person expects of each situation, first matching line wins): a new state, list or observation changes the
product below and fails here until each of its rows is decided.
"""

from __future__ import annotations

import itertools
from dataclasses import fields

import pytest

from bot.domain.lifecycle import CardState
from bot.domain.triage import ROWS, Next, Seen, Where, triage

S, N, W = CardState, Next, Where
ALL_STATES = (None, *CardState)
FLAGS = (
    "changed",
    "moved_by_us",
    "retries_left",
    "ticked",
    "launch_ticks",
    "labelled",
    "over_budget",
    "old_checklists",
)
STOPPED = {S.INVALID, S.FAILED}
FINISHED = {S.REFUSED, S.RESIMULATED, S.EXPIRED, S.ABANDONED, S.ARCHIVED, S.UNLABELLED}
# Stopped before any approval: moved by hand into « Validé — à exécuter », put back where it belongs.
NO_DECISION = {S.INVALID, S.FAILED, S.REFUSED, S.EXPIRED}
# An approval may have led here: a new round first retires the old final commands and checklist.
AFTER_APPROVAL = {S.DONE, S.EDITED_DURING_EXECUTION, S.OBSOLETE}


def expected(seen: Seen) -> tuple[Next, ...]:
    # Reads like a migration without the label: asked for the label once, in « À simuler »; else left alone.
    if not seen.labelled:
        return (N.ASK_LABEL,) if seen.where is W.TODO and seen.state in (None, S.UNLABELLED) else ()
    steps = expected_without_launches(seen)
    # A round that would start alone in « À simuler » beyond the poll's dry-run budget waits for the next poll.
    if seen.over_budget and steps == (N.START_ROUND,) and seen.where is W.TODO:
        steps = (N.DEFER_ROUND,)
    # PREPROD_APPLY: a launch tick is refused first on a card neither approved as it reads nor deciding.
    deciding = seen.state in (S.APPROVING, S.REFUSING, S.EXPIRING, S.RESIMULATING)
    executing = seen.state in (S.APPROVED, S.PREPROD_VERIFIED) and not seen.changed
    if seen.launch_ticks and seen.state is not None and not deciding and not executing:
        steps = (N.REFUSE_LAUNCHES, *steps)
    # A tick on an « Exécution » checklist renamed obsolete is answered first in any state, except while a
    # decision is carried out or a new round starts (the next poll answers it) and while the card is followed
    # (the follow-up answers it).
    followed = (
        seen.state in (S.APPROVED, S.PREPROD_VERIFIED) and not seen.changed and seen.where is not W.TODO
    )
    starting = N.START_ROUND in steps
    if seen.old_checklists and seen.state is not None and not (deciding or followed or starting):
        steps = (N.ANSWER_OLD_TICKS, *steps)
    return steps


def expected_without_launches(seen: Seen) -> tuple[Next, ...]:
    state, where, todo = seen.state, seen.where, seen.where is W.TODO
    # A recorded decision: its effects first, whatever the card looks like now.
    if state in (S.APPROVING, S.REFUSING, S.EXPIRING):
        return (N.FINISH_DECISION,)
    if state is S.RESIMULATING:
        return (N.FINISH_DECISION, N.START_ROUND)
    # People were asked about a text that changed: void; a new round unless parked in « À corriger ».
    if state in (S.AWAITING_DECISION, S.AWAITING_APPROVAL) and seen.changed:
        return (N.MAKE_OBSOLETE,) if where is W.FIX else (N.MAKE_OBSOLETE, N.START_ROUND)
    # Approved, then edited: before any tick the final commands are void; after, the team decides.
    if state is S.APPROVED and seen.changed and not seen.ticked:
        return (N.RETIRE_APPROVAL, N.SUPERSEDE_APPROVAL, N.START_ROUND)
    if state in (S.APPROVED, S.PREPROD_VERIFIED) and seen.changed:
        return (N.FREEZE_EXECUTION,)
    if state in (S.APPROVED, S.PREPROD_VERIFIED):
        return (N.SUPERSEDE_APPROVAL, N.START_ROUND) if todo else (N.FOLLOW_EXECUTION,)
    if state in AFTER_APPROVAL:
        return (N.SUPERSEDE_APPROVAL, N.START_ROUND) if todo else ()
    # People are asked, or the card stopped before any decision: not a card for « Validé » (nor, while
    # people are asked, for « Terminé »): one comment, and back where its state says it belongs.
    if state in (S.AWAITING_DECISION, S.AWAITING_APPROVAL) and where in (W.APPROVED, W.DONE):
        return (N.PUT_BACK,)
    if state in NO_DECISION and where is W.APPROVED:
        return (N.PUT_BACK,)
    if state is S.AWAITING_APPROVAL:
        return (N.WITHDRAW_REQUEST, N.START_ROUND) if todo else (N.RETRY_DRIVE,)
    if state is S.AWAITING_DECISION:
        return (N.RESUME_ROUND,) if todo or seen.moved_by_us else ()
    if state in (S.SIMULATING, S.ERROR) and todo:
        if seen.changed:
            return (N.START_ROUND,)
        if state is S.ERROR and not seen.retries_left:
            return ()
        return (N.RESUME_ROUND,)
    if state in (S.SIMULATING, S.ERROR):
        if seen.changed:
            return ()
        return (N.RESUME_ROUND,) if seen.moved_by_us else (N.TAKE_OUT,)
    # Never seen, stopped or finished: a card put in « À simuler » asks for a new round; elsewhere it waits.
    assert state is None or state in STOPPED | FINISHED, f"no expectation written for {state}"
    return (N.START_ROUND,) if todo else ()


def every_seen():
    for state, where, *flags in itertools.product(ALL_STATES, Where, *([(False, True)] * len(FLAGS))):
        yield Seen(state=state, where=where, **dict(zip(FLAGS, flags, strict=True)))


def test_seen_has_exactly_the_observations_this_test_enumerates():
    assert [f.name for f in fields(Seen)] == ["state", "where", *FLAGS]


def test_every_state_has_a_row():
    assert set(ROWS) == set(ALL_STATES)


@pytest.mark.parametrize("state", ALL_STATES, ids=lambda state: str(state))
def test_every_list_and_observation_of_a_state(state):
    cases = [seen for seen in every_seen() if seen.state == state]
    assert len(cases) == len(Where) * 2 ** len(FLAGS)
    wrong = [(seen, triage(seen), expected(seen)) for seen in cases if triage(seen) != expected(seen)]
    assert wrong == []


def test_a_card_never_seen_outside_the_watched_list_is_left_alone():
    assert triage(Seen(state=None, where=W.DONE)) == ()
    assert triage(Seen(state=None, where=W.TODO)) == (N.START_ROUND,)
