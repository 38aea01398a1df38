"""A migration card's lifecycle: one enum of states, one table of allowed transitions.

Every state change in the product is `next_state(state, event)`: a pair missing from the table is a bug and
raises `IllegalTransition`. The store persists the enum's values; no other module spells a state.

A *round* starts each time a card (re)enters « À simuler » or its description changes. A decision (the PO's,
the team's, the clock's) is first recorded with a transient state (« approving »…): the poll finishes its
effects if the process dies before they are all done, so a recorded decision is always carried out.
"""

from __future__ import annotations

from enum import StrEnum


class CardState(StrEnum):
    SIMULATING = "simulating"  # a round is under way: parse, dry-runs, publication
    INVALID = "invalid"  # the ticket does not parse: sent to « À corriger »
    FAILED = "failed"  # a dry-run failed or could not be read: sent to « À corriger »
    AWAITING_DECISION = "awaiting_decision"  # shared accommodations: the team must decide
    AWAITING_APPROVAL = "awaiting_approval"  # the PO is asked
    APPROVING = "approving"  # approved: final commands and checklist being written
    APPROVED = "approved"  # final commands on the card, « Validé — à exécuter »: preprod groups are run
    PREPROD_VERIFIED = "preprod_verified"  # every preprod group verified: prod is run in the same order
    DONE = "done"  # prod verified (or every step ticked without prod access): « Terminé »
    # The description changed after approval while groups were being run: the team decides (verifications
    # stop; moving the card back to « À simuler » starts a new round).
    EDITED_DURING_EXECUTION = "edited_during_execution"
    REFUSING = "refusing"
    REFUSED = "refused"
    RESIMULATING = "resimulating"  # the PO asked for a new simulation
    RESIMULATED = "resimulated"
    EXPIRING = "expiring"  # nobody decided in time
    EXPIRED = "expired"
    OBSOLETE = "obsolete"  # the description changed while people were asked
    ABANDONED = "abandoned"  # a person took the card out of « À simuler » mid-round
    ARCHIVED = "archived"  # the card left the board's open cards
    ERROR = "error"  # an unexpected error: retried at the next polls
    # In « À simuler », reads like a migration but has neither the label nor the title: the label is asked
    # for once (a comment); its first round starts when the label is added.
    UNLABELLED = "unlabelled"


class Event(StrEnum):
    ROUND_STARTED = "round_started"
    TICKET_REJECTED = "ticket_rejected"
    SIMULATION_FAILED = "simulation_failed"
    CONFLICTS_FOUND = "conflicts_found"
    CONFLICT_SETTLED = "conflict_settled"
    PUBLISHED = "published"
    APPROVE = "approve"
    REFUSE = "refuse"
    RESIMULATE = "resimulate"
    EXPIRE = "expire"
    EFFECTS_DONE = "effects_done"  # every effect of the recorded decision is done
    PREPROD_VERIFIED = "preprod_verified"  # the last preprod group's verification passed
    MIGRATION_DONE = "migration_done"  # prod verified, or every step ticked without prod access
    DESCRIPTION_CHANGED = "description_changed"
    EDITED_DURING_EXECUTION = "edited_during_execution"  # changed after approval, a group already ticked
    TAKEN_OUT = "taken_out"
    LEFT_BOARD = "left_board"
    INTERNAL_ERROR = "internal_error"
    LABEL_MISSING = (
        "label_missing"  # first seen in « À simuler »: a migration, by its words, without the label
    )


class IllegalTransition(RuntimeError):
    """A state change the lifecycle does not allow: a bug in the bot, never a user's mistake."""


S = CardState
E = Event

# States whose round is still running: an error there is retried, a person may interrupt it.
RUNNING = frozenset({S.SIMULATING, S.ERROR})
# People are asked: a changed description or an expiry ends the request.
WAITING = frozenset({S.AWAITING_DECISION, S.AWAITING_APPROVAL})
# The round goes on at the next poll (a conflict is settled by a line in the card, or a click, meanwhile).
RESUMABLE = RUNNING | {S.AWAITING_DECISION}
# A decision is recorded, its effects are being written (finished by the poll after a crash).
DECIDING = {
    S.APPROVING: S.APPROVED,
    S.REFUSING: S.REFUSED,
    S.RESIMULATING: S.RESIMULATED,
    S.EXPIRING: S.EXPIRED,
}
# Approved: people run the final commands, the bot verifies each group they tick.
EXECUTING = frozenset({S.APPROVED, S.PREPROD_VERIFIED})
# Recorded without any simulation (the label was asked for): the first round keeps n° 1.
NO_SIMULATION = frozenset({S.UNLABELLED})
# Nothing left for the bot or the team to do.
FINAL = frozenset({S.REFUSED, S.RESIMULATED, S.EXPIRED, S.OBSOLETE, S.ABANDONED, S.ARCHIVED, S.DONE})
# Cards whose figures still matter to other cards touching the same centres.
COUNTS_FOR_LOCKS = RUNNING | WAITING | frozenset(DECIDING) | EXECUTING | {S.EDITED_DURING_EXECUTION}

TRANSITIONS: dict[tuple[CardState | None, Event], CardState] = {
    # A new round can start from anywhere (first sight, moved back to « À simuler », description changed).
    **{(state, E.ROUND_STARTED): S.SIMULATING for state in (None, *CardState)},
    **{(state, E.TICKET_REJECTED): S.INVALID for state in RUNNING},
    **{(state, E.SIMULATION_FAILED): S.FAILED for state in RESUMABLE},
    **{(state, E.CONFLICTS_FOUND): S.AWAITING_DECISION for state in RESUMABLE},
    (S.AWAITING_DECISION, E.CONFLICT_SETTLED): S.SIMULATING,
    (None, E.LABEL_MISSING): S.UNLABELLED,
    **{(state, E.PUBLISHED): S.AWAITING_APPROVAL for state in RESUMABLE},
    (S.AWAITING_APPROVAL, E.APPROVE): S.APPROVING,
    (S.AWAITING_APPROVAL, E.REFUSE): S.REFUSING,
    (S.AWAITING_APPROVAL, E.RESIMULATE): S.RESIMULATING,
    **{(state, E.EXPIRE): S.EXPIRING for state in WAITING},
    **{(transient, E.EFFECTS_DONE): done for transient, done in DECIDING.items()},
    (S.APPROVED, E.PREPROD_VERIFIED): S.PREPROD_VERIFIED,
    (S.PREPROD_VERIFIED, E.MIGRATION_DONE): S.DONE,
    **{(state, E.DESCRIPTION_CHANGED): S.OBSOLETE for state in WAITING},
    # Edited after approval: before any group ran, the final commands are obsolete and a new round follows;
    # once one was ticked, only the team can decide.
    (S.APPROVED, E.DESCRIPTION_CHANGED): S.OBSOLETE,
    **{(state, E.EDITED_DURING_EXECUTION): S.EDITED_DURING_EXECUTION for state in EXECUTING},
    **{(state, E.TAKEN_OUT): S.ABANDONED for state in RUNNING},
    **{(state, E.LEFT_BOARD): S.ARCHIVED for state in COUNTS_FOR_LOCKS},
    # An unexpected error: a running round is marked for retry; elsewhere (a decision being carried out,
    # people being asked) the state stays, so that the next poll tries the same work again.
    **{(state, E.INTERNAL_ERROR): state for state in CardState},
    **{(state, E.INTERNAL_ERROR): S.ERROR for state in RUNNING},
}


def next_state(state: CardState | None, event: Event) -> CardState:
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise IllegalTransition(f"{event.value} is not allowed in state {state}") from None


def allows(state: CardState | None, event: Event) -> bool:
    return (state, event) in TRANSITIONS
