"""The opt-in preprod apply (PREPROD_APPLY): a launcher's tick on « Preprod — lancer le groupe N » has the bot
run that approved group on preprod, exactly once, then the execution follow-up verifies it as today.

The only module that builds an `ApprovedGroup` (from the round's journaled approval, its final-commands comment
and the approved plan) and the only caller of `Console.run_approved`; an AST test keeps it so.

Exactly once: the launch is journaled under the tick's action id before anything runs, and each command's start
and end around its run. A command whose start is journaled and whose end is not (the bot was killed, the SSH
connection was lost) is never run again: the card names it and asks a person to check preprod and tick
« Preprod — vérifier le groupe N ». A second tick on a launched group is refused, whatever its outcome.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from enum import StrEnum

from bot.app.fingerprint import description_hash
from bot.app.ports import Board, CardSnapshot, Console, Execution, Member, Store, Tick
from bot.app.requests import Requests
from bot.app.simulation import is_transport_failure
from bot.app.steps import INTENT, CardSteps, Round
from bot.domain.apply import ApprovedGroup
from bot.domain.command import FinalCommand
from bot.domain.decision import Verdict
from bot.domain.journal import Step, keyed
from bot.domain.lifecycle import EXECUTING, CardState
from bot.domain.model import ConsoleResult, Simulation
from bot.domain.records import CardRecord
from bot.domain.verification import PREPROD, ItemRef, read_item
from bot.settings import Settings
from bot.texts import launch as texts

log = logging.getLogger("migrabot.launch")

QUOTED_LINES = 30  # the end of what the console said when a command fails


class Launched(StrEnum):
    RAN = "ran"  # every command ran without error: verify the group now
    REFUSED = "refused"  # the tick was undone, the card says why
    STOPPED = "stopped"  # a command failed or was interrupted: a person checks preprod and ticks « vérifier »


class GroupLaunch:
    def __init__(
        self,
        *,
        board: Board,
        store: Store,
        settings: Settings,
        steps: CardSteps,
        console: Console,
        launchers: Sequence[Member],
        requests: Requests | None = None,
        **_shared: object,  # the other services' common ports (lists, clock): not needed here
    ) -> None:
        self.board = board
        self.store = store
        self.settings = settings
        self.steps = steps
        self.console = console  # preprod's: the same runner and transport as the dry-runs
        self.launchers = tuple(launchers)
        self.requests = requests  # Slack on: each launch and its end told in the approval request's thread

    # --- a tick on « Preprod — lancer le groupe N » ---------------------------------------------------

    def launch(self, run: Round, simulation: Simulation, ref: ItemRef, tick: Tick) -> Launched:
        """Refuse (one comment, tick undone), or run the group's commands in order, or resume the same
        tick's launch after a restart (never running an interrupted command again)."""
        launched = self.steps.done(run, _launch_step(ref.group))
        reason = self._refusal(run, ref, tick, launched=launched)
        if reason is not None:
            self.refuse(run, ref, tick, reason)
            return Launched.REFUSED
        if launched is None:
            self.steps.journal(run, _launcher_step(ref.group), tick.member_id)
            self.steps.journal(run, _launch_step(ref.group), tick.action_id)  # launched from here on
            log.info(
                "card %s: preprod group %d launched by %s", run.card.short_link, ref.group, tick.member_id
            )
        return self._run(run, self._approved_group(run, simulation, ref.group), by=self._name(tick.member_id))

    def _refusal(self, run: Round, ref: ItemRef, tick: Tick, *, launched: str | None) -> str | None:
        if launched is not None and launched == tick.action_id:
            return None  # the same tick, after a restart: its launch is finished, never run again
        if not self.settings.preprod_apply:
            return texts.LAUNCH_OFF
        if tick.member_id not in {member.id for member in self.launchers}:
            return texts.not_a_launcher(launchers=[member.username for member in self.launchers])
        if launched is not None:
            return texts.already_launched(when=texts.LAUNCHED_WHEN[self._status(run, ref.group)])
        return self._not_yet(run, ref)

    def _not_yet(self, run: Round, ref: ItemRef) -> str | None:
        """Why a group that was never launched may not be now: approval, its fingerprint, the order."""
        record = run.record
        approval = self.store.approval(record.card_id, record.round, record.description_hash)
        if record.state is CardState.PREPROD_VERIFIED:
            return texts.PREPROD_DONE
        if (
            record.state is not CardState.APPROVED
            or approval is None
            or approval.decision is not Verdict.APPROVED
            or self.steps.done(run, Step.FINAL_COMMANDS) is None
        ):
            return texts.NOT_APPROVED
        if description_hash(run.card.desc, self.settings) != approval.description_hash:
            return texts.EDITED_AFTER_APPROVAL
        if self.steps.done(run, verified_step(PREPROD, ref.group)) is not None:
            return texts.ALREADY_VERIFIED  # run by hand and verified: never run a second time
        if ref.group > 1 and self.steps.done(run, verified_step(PREPROD, ref.group - 1)) is None:
            return texts.waiting_for(ref.group - 1)
        return None

    def refuse(self, run: Round, ref: ItemRef, tick: Tick, reason: str) -> None:
        """One comment per refused tick, then the tick undone (journaled: a restart says nothing twice)."""
        refused = keyed(Step.LAUNCH_REFUSED, ref.group, tick.action_id)
        self.steps.comment(run, refused, texts.refused(group=ref.group, reason=reason))
        unticked = keyed(Step.LAUNCH_UNTICKED, ref.group, tick.action_id)
        if self.steps.done(run, unticked) is None:
            self.board.untick(run.card.id, tick.item_id)
            self.steps.journal(run, unticked, tick.item_id)
        log.info("card %s: launch of preprod group %d refused", run.card.short_link, ref.group)

    def _approved_group(self, run: Round, simulation: Simulation, group: int) -> ApprovedGroup:
        """The group's commands exactly as the final-commands comment wrote them: the approved plan's."""
        record = run.record
        approval = self.store.approval(record.card_id, record.round, record.description_hash)
        assert approval is not None and approval.decision is Verdict.APPROVED, "checked before the launch"
        plan = simulation.plan
        return ApprovedGroup(
            card_id=record.card_id,
            round=record.round,
            description_hash=approval.description_hash,
            plan_fingerprint=plan.plan_fingerprint,
            group=group,
            commands=tuple(FinalCommand(plan.rules[index]) for index in plan.groups[group - 1].rule_indexes),
            approved_by=approval.user_id,
        )

    def finish_unfinished(self, run: Round, simulation: Simulation) -> None:
        """A group launched but not ended (the bot stopped during its run) is finished first, whatever was
        ticked since: the card names an interrupted command, the commands never started run."""
        for group in range(1, len(simulation.plan.groups) + 1):
            launched = self.steps.done(run, _launch_step(group))
            if launched is not None and self.steps.done(run, _end_step(group)) is None:
                self._run(run, self._approved_group(run, simulation, group), by=self._launcher(run, group))

    # --- running, one command at a time ----------------------------------------------------------------

    def _run(self, run: Round, group: ApprovedGroup, *, by: str) -> Launched:
        ended = self.steps.done(run, _end_step(group.group))
        commands = len(group.commands)
        if ended is None:
            self._tell(
                run, _launch_step(group.group), texts.launched_slack(group.group, by=by, commands=commands)
            )
            ended = self._run_commands(run, group, by=by)
        outcome = json.loads(ended)
        self.steps.comment(run, keyed(Step.LAUNCH_REPORT, group.group), outcome["text"])
        end = texts.ended_slack(group.group, status=outcome["status"], commands=commands)
        self._tell(run, _end_step(group.group), end)
        return Launched.RAN if outcome["status"] == "ok" else Launched.STOPPED

    def _tell(self, run: Round, key: str, text: str) -> None:
        """Slack on: a line in the thread of the PO's request (journaled first: never twice)."""
        if self.requests is not None:
            self.requests.tell(self.steps, run, key, text)

    def _run_commands(self, run: Round, group: ApprovedGroup, *, by: str) -> str:
        """Runs what is left of the group; returns its journaled end (status and what the card says)."""
        total = len(group.commands)
        for position in range(total):
            step = _command_step(group.group, position)
            if self.steps.done(run, step) is not None:
                continue  # ran to its end before a restart (a failure would have ended the group)
            command = group.commands[position].printable(self.settings.display_console_command)
            where = {"group": group.group, "position": position + 1, "total": total, "command": command}
            if self.steps.done(run, step + INTENT) is not None:
                return self._end(run, group, "interrompu", texts.interrupted(**where))
            if not self.settings.preprod_apply:  # turned off before a restart: nothing more runs for real
                return self._end(run, group, "arrete", texts.stopped_by_setting(**where))
            self.steps.journal(run, step + INTENT, "")
            result = self.console.run_approved(group, position)
            self.steps.journal(run, step, json.dumps({"exit_code": result.exit_code}))
            if result.timed_out or (result.start_error is None and is_transport_failure(result)):
                return self._end(run, group, "interrompu", texts.interrupted(**where))
            if result.exit_code != 0:
                return self._end(run, group, "echec", texts.failed(**where, said=_said(result)))
        return self._end(run, group, "ok", texts.ran(group=group.group, by=by, commands=total))

    def _end(self, run: Round, group: ApprovedGroup, status: str, text: str) -> str:
        ended = json.dumps({"status": status, "text": text}, ensure_ascii=False)
        self.steps.journal(run, _end_step(group.group), ended)
        log.info("card %s: preprod group %d run: %s", run.card.short_link, group.group, status)
        return ended

    def launched(self, run: Round, group: int) -> bool:
        """Whether the bot launched this group in this round (whatever came of it)."""
        return self.steps.done(run, _launch_step(group)) is not None

    def _status(self, run: Round, group: int) -> str:
        ended = self.steps.done(run, _end_step(group))
        return "" if ended is None else json.loads(ended)["status"]

    def _launcher(self, run: Round, group: int) -> str:
        return self._name(self.steps.done(run, _launcher_step(group)) or "")

    def _name(self, member_id: str) -> str:
        member = next((m for m in self.launchers if m.id == member_id), None)
        return (member.full_name or member.username) if member else member_id

    # --- ticks on a card that is not (or no longer) approved ---------------------------------------------

    def may_be_ticked(self, record: CardRecord) -> bool:
        """Whether a launch tick is possible on the card: PREPROD_APPLY on and an « Exécution » checklist made."""
        return self.settings.preprod_apply and bool(
            self.store.journal_results(record.card_id, Step.CHECKLIST)
        )

    def sweep(self, card: CardSnapshot, record: CardRecord) -> None:
        """Undo every launch tick of the card's earlier « Exécution » checklists (one comment each): a card
        waiting for a new approval, or edited after it, launches nothing. Costs a request only when the card
        has such a checklist and moved since the last look."""
        ours = set(self.store.journal_results(card.id, Step.CHECKLIST))
        if not ours or (record.activity_seen and record.activity_seen == card.last_activity):
            return
        run = Round(card=card, record=record)
        self.refuse_unlaunched(run, self.board.execution(card.id), ours=ours, reason=self._why_not_now(run))
        self.store.update_card(card.id, activity_seen=card.last_activity, now=self.steps.clock())

    def refuse_unlaunched(self, run: Round, seen: Execution, *, ours: set[str], reason: str) -> set[str]:
        """Refuses each ticked launch item whose tick launched nothing; returns their item ids."""
        launches = set(self.store.journal_results(run.card.id, keyed(Step.LAUNCH, "")))
        refused = set()
        for ref, tick in self._ticked_launch_items(seen, ours=ours):
            if tick.action_id not in launches:
                self.refuse(run, ref, tick, reason)
                refused.add(tick.item_id)
        return refused

    def _ticked_launch_items(self, seen: Execution, *, ours: set[str]) -> list[tuple[ItemRef, Tick]]:
        """Launch items of the bot's checklists whose latest tick left them ticked."""
        names = {
            entry.id: entry
            for checklist in seen.checklists
            if checklist.id in ours
            for entry in checklist.entries
        }
        latest: dict[str, Tick] = {}
        for tick in seen.ticks:  # newest first
            latest.setdefault(tick.item_id, tick)
        found = []
        for item_id, tick in latest.items():
            entry = names.get(item_id)
            ref = read_item(entry.name) if entry is not None else None
            if ref is not None and ref.launch and tick.checked and entry is not None and entry.checked:
                found.append((ref, tick))
        return found

    def _why_not_now(self, run: Round) -> str:
        """Why a card that is not being executed as approved launches nothing."""
        state = run.record.state
        if state is CardState.EDITED_DURING_EXECUTION or (
            state in EXECUTING
            and description_hash(run.card.desc, self.settings) != run.record.description_hash
        ):
            return texts.EDITED_AFTER_APPROVAL
        if state in (CardState.DONE, CardState.PREPROD_VERIFIED):
            return texts.PREPROD_DONE
        return texts.NOT_APPROVED


def verified_step(environment: str, group: int) -> str:
    return keyed(Step.GROUP_VERIFIED, environment.lower(), group)


def _launch_step(group: int) -> str:
    return keyed(Step.LAUNCH, group)


def _launcher_step(group: int) -> str:
    return keyed(Step.LAUNCHER, group)


def _end_step(group: int) -> str:
    return keyed(Step.LAUNCH_END, group)


def _command_step(group: int, position: int) -> str:
    return keyed(Step.REAL_RUN, group, position + 1)


def _said(result: ConsoleResult) -> str:
    """What the console said, its last lines: the error is at the end of Symfony's output."""
    if result.start_error:
        return result.start_error
    words = "\n".join(part.strip() for part in (result.stdout, result.stderr) if part.strip())
    return "\n".join(words.splitlines()[-QUOTED_LINES:])
