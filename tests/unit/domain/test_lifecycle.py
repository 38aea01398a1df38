"""The lifecycle table, exhaustively: every state × every event is either the transition written below or
an `IllegalTransition`. The expectations are spelled out here on purpose, independently of the table."""

from __future__ import annotations

import itertools

import pytest

from bot.domain.lifecycle import TRANSITIONS, CardState, Event, IllegalTransition, allows, next_state

S, E = CardState, Event
IN_PROGRESS = {
    S.SIMULATING,
    S.ERROR,
    S.AWAITING_DECISION,
    S.AWAITING_APPROVAL,
    S.APPROVED,
    S.PREPROD_VERIFIED,
    S.EDITED_DURING_EXECUTION,
}
DECIDING = {S.APPROVING, S.REFUSING, S.RESIMULATING, S.EXPIRING}

EXPECTED: dict[tuple[CardState | None, Event], CardState] = {
    **{(state, E.ROUND_STARTED): S.SIMULATING for state in [None, *S]},
    (S.SIMULATING, E.TICKET_REJECTED): S.INVALID,
    (S.ERROR, E.TICKET_REJECTED): S.INVALID,
    **{(state, E.SIMULATION_FAILED): S.FAILED for state in (S.SIMULATING, S.ERROR, S.AWAITING_DECISION)},
    **{
        (state, E.CONFLICTS_FOUND): S.AWAITING_DECISION
        for state in (S.SIMULATING, S.ERROR, S.AWAITING_DECISION)
    },
    **{(state, E.PUBLISHED): S.AWAITING_APPROVAL for state in (S.SIMULATING, S.ERROR, S.AWAITING_DECISION)},
    (S.AWAITING_DECISION, E.CONFLICT_SETTLED): S.SIMULATING,
    (None, E.LABEL_MISSING): S.UNLABELLED,
    (S.AWAITING_APPROVAL, E.APPROVE): S.APPROVING,
    (S.AWAITING_APPROVAL, E.REFUSE): S.REFUSING,
    (S.AWAITING_APPROVAL, E.RESIMULATE): S.RESIMULATING,
    (S.AWAITING_APPROVAL, E.EXPIRE): S.EXPIRING,
    (S.AWAITING_DECISION, E.EXPIRE): S.EXPIRING,
    (S.APPROVING, E.EFFECTS_DONE): S.APPROVED,
    (S.REFUSING, E.EFFECTS_DONE): S.REFUSED,
    (S.RESIMULATING, E.EFFECTS_DONE): S.RESIMULATED,
    (S.EXPIRING, E.EFFECTS_DONE): S.EXPIRED,
    (S.APPROVED, E.PREPROD_VERIFIED): S.PREPROD_VERIFIED,
    (S.PREPROD_VERIFIED, E.MIGRATION_DONE): S.DONE,
    (S.AWAITING_APPROVAL, E.DESCRIPTION_CHANGED): S.OBSOLETE,
    (S.AWAITING_DECISION, E.DESCRIPTION_CHANGED): S.OBSOLETE,
    # Edited after approval: nothing run yet, the final commands are obsolete (a new round follows);
    # once a group was ticked, the team decides (verifications stop until the card is simulated again).
    (S.APPROVED, E.DESCRIPTION_CHANGED): S.OBSOLETE,
    (S.APPROVED, E.EDITED_DURING_EXECUTION): S.EDITED_DURING_EXECUTION,
    (S.PREPROD_VERIFIED, E.EDITED_DURING_EXECUTION): S.EDITED_DURING_EXECUTION,
    (S.SIMULATING, E.TAKEN_OUT): S.ABANDONED,
    (S.ERROR, E.TAKEN_OUT): S.ABANDONED,
    **{(state, E.LEFT_BOARD): S.ARCHIVED for state in IN_PROGRESS | DECIDING},
    # An unexpected error: a running round is retried; any other state stays as it was.
    **{(state, E.INTERNAL_ERROR): state for state in S},
    (S.SIMULATING, E.INTERNAL_ERROR): S.ERROR,
}


@pytest.mark.parametrize(("state", "event"), list(itertools.product([None, *S], E)))
def test_every_state_and_event_is_the_expected_transition_or_illegal(state, event):
    if (state, event) in EXPECTED:
        assert next_state(state, event) is EXPECTED[(state, event)]
        assert allows(state, event)
    else:
        assert not allows(state, event)
        with pytest.raises(IllegalTransition):
            next_state(state, event)


def test_the_table_holds_nothing_more_than_expected():
    assert set(TRANSITIONS) == set(EXPECTED)


def test_a_decision_is_taken_only_while_people_are_asked():
    for event in (E.APPROVE, E.REFUSE, E.RESIMULATE, E.CONFLICT_SETTLED):
        assert {state for state in S if allows(state, event)} <= {S.AWAITING_APPROVAL, S.AWAITING_DECISION}


def test_final_states_only_leave_through_a_new_round():
    for state in (
        S.REFUSED,
        S.RESIMULATED,
        S.EXPIRED,
        S.OBSOLETE,
        S.ABANDONED,
        S.ARCHIVED,
        S.INVALID,
        S.FAILED,
    ):
        leaving = {event for event in E if allows(state, event) and next_state(state, event) is not state}
        assert leaving == {E.ROUND_STARTED}, state


def test_an_approved_card_edited_mid_execution_waits_for_the_team_and_leaves_only_by_a_new_round():
    state = S.EDITED_DURING_EXECUTION
    assert not allows(state, E.PREPROD_VERIFIED) and not allows(state, E.MIGRATION_DONE)
    leaving = {event for event in E if allows(state, event) and next_state(state, event) is not state}
    assert leaving == {E.ROUND_STARTED, E.LEFT_BOARD}
    assert not allows(S.PREPROD_VERIFIED, E.DESCRIPTION_CHANGED)  # preprod was run: never silently obsolete


def test_execution_goes_preprod_then_prod_then_done_and_never_back():
    assert next_state(S.APPROVED, E.PREPROD_VERIFIED) is S.PREPROD_VERIFIED
    assert next_state(S.PREPROD_VERIFIED, E.MIGRATION_DONE) is S.DONE
    assert not allows(S.APPROVED, E.MIGRATION_DONE)  # prod never before preprod
