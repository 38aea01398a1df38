"""What a card needs now: what the poll saw of it (`Seen`) → the named steps it needs (`Next`), in order. Pure.

The poll asks one question of every card — given its state, the list it is in, whether its text changed since
the round began, who moved it, what was ticked — and this module is the only one that answers it. The
workflow is a loop over `triage(seen)` calling one handler per step; services never call each other to learn
what to do. Every state has its row in `ROWS` (a new state or list cannot be added without deciding it: the
exhaustive test in `tests/unit/domain/test_triage.py` spells out every state × list × observation).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.lifecycle import DECIDING, EXECUTING, CardState

S = CardState


class Where(StrEnum):
    """The list a card is in, as the workflow knows the board's lists."""

    TODO = "todo"  # « À simuler »: the watched list
    WAITING = "waiting"  # « En attente validation PO »
    FIX = "fix"  # « À corriger »
    APPROVED = "approved"  # « Validé — à exécuter »
    DONE = "done"  # « Terminé »
    ELSEWHERE = "elsewhere"  # any other list of the board


class Next(StrEnum):
    """One thing the card needs; the workflow has one handler per member."""

    FINISH_DECISION = "finish_decision"  # a recorded decision's effects (after a crash, or at once)
    MAKE_OBSOLETE = "make_obsolete"  # the text changed while people were asked: their request is void
    WITHDRAW_REQUEST = "withdraw_request"  # moved back to « À simuler » while the PO was asked
    RETIRE_APPROVAL = "retire_approval"  # edited after approval, nothing ticked: final commands obsolete
    FREEZE_EXECUTION = "freeze_execution"  # edited after approval, a group ticked: the team decides
    # A new round after an approval: the old final commands say which simulation replaces them, the old
    # « Exécution » checklist is renamed obsolete (one live « Exécution » per card).
    SUPERSEDE_APPROVAL = "supersede_approval"
    START_ROUND = "start_round"  # a new round: parse, dry-runs, synthesis
    DEFER_ROUND = (
        "defer_round"  # a new round beyond the poll's dry-run budget: the card waits for the next poll
    )
    RESUME_ROUND = "resume_round"  # the current round goes on (after a crash, an error, a settled conflict)
    TAKE_OUT = "take_out"  # a person took the card out of « À simuler » mid-round
    RETRY_DRIVE = "retry_drive"  # a workbook Drive refused is offered again
    FOLLOW_EXECUTION = "follow_execution"  # approved: verify the groups people tick
    REFUSE_LAUNCHES = "refuse_launches"  # PREPROD_APPLY: a launch tick on a card not (or no longer) approved
    PUT_BACK = "put_back"  # moved by a person into « Validé » or « Terminé » without a decision: put back
    ASK_LABEL = "ask_label"  # reads like a migration, in « À simuler », without the label: asked once
    # A tick on an « Exécution » checklist renamed obsolete: one answer, in any state (an executing card's
    # follow-up answers it itself).
    ANSWER_OLD_TICKS = "answer_old_ticks"


@dataclass(frozen=True)
class Seen:
    """What the poll observed about a card (and what the state database says of it)."""

    state: CardState | None  # None: never seen before
    where: Where
    changed: bool = False  # the description (or a setting shaping its commands) differs from the round's
    moved_by_us: bool = False  # the card is in the list this round's journal meant to move it to
    retries_left: bool = True  # an internal error is retried a few polls, then waits for the card to change
    ticked: bool = False  # an item of the bot's « Exécution » checklist is ticked (read only when it matters)
    launch_ticks: bool = (
        False  # PREPROD_APPLY on and the card has had an « Exécution » checklist of the bot's
    )
    labelled: bool = True  # the migration label (or title); False: the card only reads like a migration
    over_budget: bool = (
        False  # its dry-runs do not fit in what is left of the poll's budget (DRY_RUNS_PER_POLL)
    )
    old_checklists: bool = False  # an « Exécution » checklist of an earlier approval was renamed obsolete


Steps = tuple[Next, ...]
N = Next
WAIT: Steps = ()


def _start(seen: Seen) -> Steps:
    """A card in « À simuler » asks for a new round: now, or at the next poll when other cards have used the
    poll's dry-runs (never a step lost: the card stays where it is and says it waits)."""
    return (N.DEFER_ROUND,) if seen.over_budget else (N.START_ROUND,)


def _new_round_in_todo(seen: Seen) -> Steps:
    """Finished or stopped states: a person putting the card (back) in « À simuler » asks for a new round."""
    return _start(seen) if seen.where is Where.TODO else WAIT


def _new_round_after_approval(seen: Seen) -> Steps:
    """States an approval may have led to: a new round first retires its final commands and checklist."""
    return (N.SUPERSEDE_APPROVAL, N.START_ROUND) if seen.where is Where.TODO else WAIT


def _deciding(seen: Seen) -> Steps:
    """A decision is recorded: its effects first; a new simulation asked by the PO starts at once."""
    if seen.state is S.RESIMULATING:
        return (N.FINISH_DECISION, N.START_ROUND)
    return (N.FINISH_DECISION,)


def _running(seen: Seen) -> Steps:
    if seen.where is Where.TODO:
        if seen.changed:
            return _start(seen)
        if seen.state is S.ERROR and not seen.retries_left:
            return WAIT  # reported on the card; tried again once the card changes or comes back
        return (N.RESUME_ROUND,)
    if seen.changed:
        return WAIT
    return (N.RESUME_ROUND,) if seen.moved_by_us else (N.TAKE_OUT,)


def _obsolete(seen: Seen) -> Steps:
    """People were asked about another text: void; simulated again unless parked in « À corriger »."""
    return (N.MAKE_OBSOLETE,) if seen.where is Where.FIX else (N.MAKE_OBSOLETE, N.START_ROUND)


def _awaiting_decision(seen: Seen) -> Steps:
    if seen.changed:
        return _obsolete(seen)
    if seen.where in (Where.APPROVED, Where.DONE):
        return (N.PUT_BACK,)
    return (N.RESUME_ROUND,) if seen.where is Where.TODO or seen.moved_by_us else WAIT


def _awaiting_approval(seen: Seen) -> Steps:
    if seen.changed:
        return _obsolete(seen)
    if seen.where is Where.TODO:
        return (N.WITHDRAW_REQUEST, N.START_ROUND)
    if seen.where in (Where.APPROVED, Where.DONE):
        return (N.PUT_BACK,)
    return (N.RETRY_DRIVE,)


def _not_approved(seen: Seen) -> Steps:
    """Stopped before any approval: « Validé — à exécuter » is no place for it (« Terminé » may be where
    people file a card they give up)."""
    if seen.where is Where.APPROVED:
        return (N.PUT_BACK,)
    return _new_round_in_todo(seen)


def _executing(seen: Seen) -> Steps:
    if seen.changed:
        if seen.state is S.APPROVED and not seen.ticked:
            return (N.RETIRE_APPROVAL, N.SUPERSEDE_APPROVAL, N.START_ROUND)
        return (N.FREEZE_EXECUTION,)
    if seen.where is Where.TODO:
        return (N.SUPERSEDE_APPROVAL, N.START_ROUND)
    return (N.FOLLOW_EXECUTION,)


Row = Callable[[Seen], Steps]

ROWS: dict[CardState | None, Row] = {
    None: _new_round_in_todo,
    S.SIMULATING: _running,
    S.ERROR: _running,
    S.INVALID: _not_approved,
    S.FAILED: _not_approved,
    S.AWAITING_DECISION: _awaiting_decision,
    S.AWAITING_APPROVAL: _awaiting_approval,
    **{transient: _deciding for transient in DECIDING},
    S.APPROVED: _executing,
    S.PREPROD_VERIFIED: _executing,
    S.DONE: _new_round_after_approval,
    S.EDITED_DURING_EXECUTION: _new_round_after_approval,
    S.REFUSED: _not_approved,
    S.RESIMULATED: _new_round_in_todo,
    S.EXPIRED: _not_approved,
    S.OBSOLETE: _new_round_after_approval,  # the approved text changed (or a request's: nothing to retire)
    S.ABANDONED: _new_round_in_todo,
    S.ARCHIVED: _new_round_in_todo,
    S.UNLABELLED: _new_round_in_todo,  # the label was added (an unlabelled card is triaged above)
}
assert set(ROWS) == {None, *CardState}, "every state decides what a card in it needs"


def triage(seen: Seen) -> Steps:
    """The steps the card needs now, in the order the workflow runs them; () when it waits."""
    if not seen.labelled:  # asked once (the step is journaled); any other card without the label waits
        return (N.ASK_LABEL,) if seen.where is Where.TODO and seen.state in (None, S.UNLABELLED) else WAIT
    steps = ROWS[seen.state](seen)
    if _launches_refused(seen):
        steps = (N.REFUSE_LAUNCHES, *steps)
    if _old_ticks_answered(seen, steps):
        steps = (N.ANSWER_OLD_TICKS, *steps)
    return steps


def _old_ticks_answered(seen: Seen, steps: Steps) -> bool:
    """A card with an obsolete « Exécution » checklist: its ticks are answered first, whatever the state; but
    by the follow-up itself while the card is executed, and at the next poll after a decision being carried
    out or a new round starting (the answer names the simulation to tick)."""
    if not seen.old_checklists or seen.state is None or seen.state in DECIDING:
        return False
    return N.FOLLOW_EXECUTION not in steps and N.START_ROUND not in steps


def _launches_refused(seen: Seen) -> bool:
    """PREPROD_APPLY: « lancer le groupe » ticked on a card that is not being executed as approved (a new round,
    edited, done…) is undone with one comment, before anything else. An approved, unchanged card handles its
    launch ticks itself; a decision being carried out first finishes writing its checklist."""
    if not seen.launch_ticks or seen.state is None or seen.state in DECIDING:
        return False
    return seen.state not in EXECUTING or seen.changed


# A migration by its words: « migration »/« migrer » and « dossier »/« usager »/« centre » in the title or text.
_MIGRATION_WORD = re.compile(r"migr(?:ation|er)")
_FILES_WORD = re.compile(r"dossiers?|usagers?|centres?")


def reads_like_migration(name: str, description: str) -> bool:
    text = f"{name}\n{description}".casefold()
    return bool(_MIGRATION_WORD.search(text) and _FILES_WORD.search(text))
