"""After approval: people run the final commands group by group and tick the checklist « Exécution »; the
bot verifies each group they tick, with `--dry-run` only, before the next one goes (runbook: « terminer et
vérifier le premier groupe avant de lancer le second »), then prod in the same order.

Cheap by construction: a card is read again only when its `dateLastActivity` moved since the last look (the
poll already carries it), and then in one request (checklists and tick actions together). Every tick is
handled once: its verification, comment, tick of « vérifier le groupe N » and Slack line are journaled steps
under the tick's own action id, so ticking a group again after a fix is a new verification, and a crash
never posts twice.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from bot.app.events import Emit
from bot.app.launch import GroupLaunch, Launched, verified_step
from bot.app.ports import (
    Board,
    CardSnapshot,
    CheckItem,
    Clock,
    Console,
    Execution,
    Lists,
    Store,
    Tick,
)
from bot.app.requests import Requests
from bot.app.simulation import is_transport_failure, rerun
from bot.app.steps import CardSteps, Round, first_of_each
from bot.domain.codec import simulation_from_dict
from bot.domain.journal import Emitted, Move, Step, keyed
from bot.domain.lifecycle import CardState, Event
from bot.domain.model import Simulation
from bot.domain.records import CardRecord
from bot.domain.synthesis import summarize
from bot.domain.verification import PREPROD, PROD, ItemRef, read_item, verify_group
from bot.settings import Settings
from bot.texts import card as card_texts
from bot.texts import execution as texts
from bot.texts.blocks import mentions

log = logging.getLogger("migrabot.execution")


class ExecutionFollowUp:
    def __init__(
        self,
        *,
        board: Board,
        store: Store,
        settings: Settings,
        lists: Lists,
        clock: Clock,
        steps: CardSteps,
        requests: Requests | None,
        consoles: Mapping[str, Console],
        emit: Emit,
        launch: GroupLaunch,
    ) -> None:
        self.board = board
        self.store = store
        self.settings = settings
        self.lists = lists
        self.clock = clock
        self.steps = steps
        self.requests = requests
        self.consoles = consoles  # PREPROD always; PROD only when the bot may reach prod
        self.emit = emit
        self.launch = launch  # PREPROD_APPLY: ticks on « Preprod — lancer le groupe N »

    def follow(self, card: CardSnapshot, record: CardRecord) -> None:
        """The caller holds the card's lock; the card is approved and unchanged since its simulation."""
        if record.activity_seen and card.last_activity == record.activity_seen:
            return  # nothing happened on the card since the last look
        seen = self.board.execution(card.id)
        run = Round(card=card, record=record)
        simulation = simulation_from_dict(record.simulation or {})
        found = self._read(run, seen, simulation)
        self.launch.finish_unfinished(run, simulation)
        for stranger in found.strangers:  # said once per item, then ignored
            self.steps.comment(run, keyed(Step.STRANGE_ITEM, stranger.id), texts.strange_item(stranger.name))
        self._answer_obsolete_ticks(run, seen)
        settled = [
            self._on_group_ticked(run, simulation, ref, tick, found.items)
            for ref, tick in _new_group_ticks(seen, found.items, me=self.board.member_id())
        ]
        self._finish_when_done(run, simulation, found)
        if all(settled):  # a console that could not be reached: the same tick is tried at the next poll
            self.store.update_card(card.id, activity_seen=card.last_activity, now=self.clock())

    def _our_checklists(self, record: CardRecord) -> set[str]:
        """The « Exécution » checklist this approval made (an earlier approval's one no longer counts)."""
        return set(self.store.journal_results(record.card_id, Step.CHECKLIST, round_=record.round))

    def _read(self, run: Round, seen: Execution, simulation: Simulation) -> Found:
        """The bot's checklist read by the ids it recorded when it wrote the items."""
        stored = self.steps.done(run, Step.CHECKLIST_ITEMS)
        ours = self._our_checklists(run.record)
        if stored is None:  # approved before the ids were recorded: the first item of each name, once
            names = card_texts.execution_checklist(simulation.plan, summarize(simulation))
            entries = [entry for c in seen.checklists if c.id in ours for entry in c.entries]
            stored = json.dumps(first_of_each(entries, names), ensure_ascii=False)
            self.steps.journal(run, Step.CHECKLIST_ITEMS, stored)
        written = json.loads(stored)
        return read_checklist(seen, ours=ours, written=written, groups=len(simulation.plan.groups))

    def has_old_checklists(self, record: CardRecord) -> bool:
        """An « Exécution » checklist of an earlier approval was renamed obsolete on the card (the state
        database says so: no Trello request)."""
        return bool(self.store.journal_results(record.card_id, Step.CHECKLIST_RETIRED))

    def answer_old_ticks(self, card: CardSnapshot, record: CardRecord) -> None:
        """Whatever the card's state: a tick on an obsolete « Exécution » checklist gets its one answer. Read
        only when the card's activity moved since the last look (an idle poll costs nothing more)."""
        if record.activity_seen and card.last_activity == record.activity_seen:
            return
        self._answer_obsolete_ticks(Round(card=card, record=record), self.board.execution(card.id))
        if not self.launch.may_be_ticked(record):  # else the launch sweep, next, reads the card and notes it
            self.store.update_card(card.id, activity_seen=card.last_activity, now=self.clock())

    def _answer_obsolete_ticks(self, run: Round, seen: Execution) -> None:
        """A tick on the checklist of an earlier approval, made after it was retired: one answer, nothing
        verified (the ticks it had when it was retired are history, never answered). Once per tick, whatever
        round the card is in now."""
        all_ours = set(self.store.journal_results(run.card.id, Step.CHECKLIST))
        live = self._our_checklists(run.record)
        old_items = {e.id for c in seen.checklists if c.id in all_ours - live for e in c.entries}
        retired = self.store.journal_results(run.card.id, Step.CHECKLIST_RETIRED)
        history = {action_id for ticks in retired for action_id in json.loads(ticks or "[]")}
        for tick in seen.ticks:
            if tick.item_id not in old_items or not tick.checked or tick.action_id in history:
                continue
            step = keyed(Step.OBSOLETE_TICK, tick.action_id)
            answered = any(self.store.journal_results(run.card.id, step))  # in an earlier round: not twice
            if not answered or self.steps.done(run, step) is not None:
                self.steps.comment(
                    run, step, texts.obsolete_checklist_tick(run.record.round, live=bool(live))
                )

    def supersede(self, card: CardSnapshot, record: CardRecord) -> None:
        """A new round starts after this round's approval: its final commands say which simulation replaces
        them and its « Exécution » checklist is renamed obsolete; the ticks it had are remembered (never
        answered), a later tick on it gets one answer. Nothing to do for a round that was never approved."""
        run = Round(card=card, record=record)
        new_round = record.round + 1
        if self.steps.done(run, Step.FINAL_COMMANDS) or self.steps.done(run, keyed(Step.FINAL_COMMANDS, 1)):
            self.steps.edit_comment(
                run,
                Step.FINAL_COMMANDS_REPLACED,
                of_step=Step.FINAL_COMMANDS,
                edit=lambda text: texts.replaced_final_commands(text, new_round),
            )
        checklist_id = self.steps.done(run, Step.CHECKLIST)
        if checklist_id is None or self.steps.done(run, Step.CHECKLIST_RETIRED) is not None:
            return
        seen = self.board.execution(card.id)
        if any(checklist.id == checklist_id for checklist in seen.checklists):
            self.board.rename_checklist(checklist_id, texts.obsolete_checklist_name(record.round))
        items = {e.id for c in seen.checklists if c.id == checklist_id for e in c.entries}
        ticks = [tick.action_id for tick in seen.ticks if tick.item_id in items]
        self.steps.journal(run, Step.CHECKLIST_RETIRED, json.dumps(ticks))

    def retire_approval(self, card: CardSnapshot, record: CardRecord) -> None:
        """The description changed after approval, before any group was ticked: the final commands are marked
        obsolete and the card goes back to « À simuler » (the triage starts its new round)."""
        run = Round(card=card, record=record)
        todo = self.settings.trello_list_todo
        self.steps.comment(
            run, Step.EDITED_AFTER_APPROVAL, texts.edited_after_approval_comment(todo_list=todo)
        )
        self.steps.edit_comment(
            run, Step.FINAL_COMMANDS_OBSOLETE, of_step=Step.FINAL_COMMANDS, edit=texts.obsolete_final_commands
        )
        self.steps.move(run, Move.EDITED_BACK_TO_TODO, self.lists.todo)
        self.steps.transition(run, Event.DESCRIPTION_CHANGED)
        self.emit(Emitted.EDITED_AFTER_APPROVAL, card, {})

    def freeze(self, card: CardSnapshot, record: CardRecord) -> None:
        """The description changed after a group was ticked: a loud warning, and the team decides (the card
        waits in its own state, verifications stop)."""
        run = Round(card=card, record=record)
        todo = self.settings.trello_list_todo
        self.steps.comment(
            run, Step.EDITED_DURING_EXECUTION, texts.edited_during_execution_comment(todo_list=todo)
        )
        po_mentions = mentions(sorted(self.requests.po_ids)) if self.requests else ""
        self._tell_slack(run, Step.EDITED_SLACK, texts.edited_during_execution_slack(mentions=po_mentions))
        self.steps.transition(run, Event.EDITED_DURING_EXECUTION)
        self.emit(Emitted.EDITED_DURING_EXECUTION, card, {})

    def started(self, card: CardSnapshot, record: CardRecord) -> bool:
        """Whether anything of the bot's « Exécution » checklist was ticked. A launch tick that launched nothing
        started nothing (PREPROD_APPLY: the triage has it refused)."""
        ours = self._our_checklists(record)
        run = Round(card=card, record=record)
        for checklist in self.board.execution(card.id).checklists:
            for entry in checklist.entries if checklist.id in ours else ():
                ref = read_item(entry.name)
                launch_only = ref is not None and ref.launch and not self.launch.launched(run, ref.group)
                if entry.checked and not launch_only:
                    return True
        return False

    def _on_group_ticked(
        self, run: Round, simulation: Simulation, ref: ItemRef, tick: Tick, items: dict[ItemRef, CheckItem]
    ) -> bool:
        """False when the console could not be reached: the tick is neither used up nor answered."""
        key = f"{ref.environment.lower()}-{ref.group}-{tick.action_id}"
        if self.steps.done(run, keyed(Step.TICK_DONE, key)) is not None:
            return True
        if ref.launch:
            launched = self.launch.launch(run, simulation, ref, tick)
            if launched is not Launched.RAN:  # refused, or stopped: a person checks preprod first
                self.steps.journal(run, keyed(Step.TICK_DONE, key), launched)
                return True
        ref = ItemRef(ref.environment, ref.group, is_check=False)  # « vérifier » ticked by a person: verify
        waiting_for = self._waiting_for(run, ref)
        if waiting_for is not None:  # said once per tick; verified once the group before it is
            warning = texts.order_warning(
                environment=ref.environment,
                group=ref.group,
                waiting_for=waiting_for,
                verified=ref.environment in self.consoles,
            )
            self.steps.comment(run, keyed(Step.ORDER_WARNING, key), warning)
            return True
        console = self.consoles.get(ref.environment)
        if console is None:  # prod without access: taken in order, the bot waits for every prod step
            self.steps.journal(run, verified_step(ref.environment, ref.group), tick.action_id)
            self.steps.journal(run, keyed(Step.TICK_DONE, key), "coche")
            return True
        result = self._result(run, simulation, ref, key, console)
        if result is None:
            log.warning(
                "card %s: console unreachable while verifying %s: retried at the next poll",
                run.card.short_link,
                key,
            )
            return False
        self.steps.comment(run, keyed(Step.VERIFICATION, key), result["text"])
        if result["ok"]:
            self.steps.journal(run, verified_step(ref.environment, ref.group), tick.action_id)
            check = items.get(ItemRef(ref.environment, ref.group, is_check=True))
            if check is not None:
                self.steps.tick(run, keyed(Step.CHECK_TICKED, key), check.id)
        self._tell_slack(run, key, result["slack"])
        last = ref.group == len(simulation.plan.groups)
        if result["ok"] and ref.environment == PREPROD and last and run.record.state is CardState.APPROVED:
            self.steps.transition(run, Event.PREPROD_VERIFIED)  # once: a group ticked again changes nothing
        self.steps.journal(run, keyed(Step.TICK_DONE, key), "ok" if result["ok"] else "ecart")
        self.emit(
            Emitted.VERIFIED if result["ok"] else Emitted.GAP,
            run.card,
            {"environment": ref.environment, "group": ref.group},
        )
        return True

    def _waiting_for(self, run: Round, ref: ItemRef) -> str | None:
        """What must be verified before this group may be: the group before it, and preprod before prod."""
        if ref.environment == PROD and run.record.state is not CardState.PREPROD_VERIFIED:
            return texts.WAITING_FOR_PREPROD
        if ref.group > 1 and self.steps.done(run, verified_step(ref.environment, ref.group - 1)) is None:
            return texts.waiting_for_group(ref.environment, ref.group - 1)
        return None

    def _result(
        self, run: Round, simulation: Simulation, ref: ItemRef, key: str, console: Console
    ) -> dict | None:
        """The verification, journaled before anything is said: a resumed step says what was found then.
        None when the console could not be reached at all (nothing was verified)."""
        stored = self.steps.done(run, keyed(Step.VERIFICATION_RESULT, key))
        if stored is not None:
            return json.loads(stored)
        group = simulation.plan.groups[ref.group - 1]
        runs = rerun(
            simulation.plan,
            console,
            indexes=group.rule_indexes,
            console_command=self.settings.display_console_command,
        )
        if any(not run.ok for run in runs) and all(
            run.ok or run.not_run or is_transport_failure(run.result) for run in runs
        ):
            return None
        verification = verify_group(simulation, environment=ref.environment, group=ref.group, runs=runs)
        last = ref.group == len(simulation.plan.groups)
        text = texts.verification_comment(
            verification,
            simulation.plan,
            console_command=self.settings.display_console_command,
            next_group=None if last or not verification.ok else ref.group + 1,
            environment_done=verification.ok and last,
            prod_access=PROD in self.consoles,
        )
        result = {"ok": verification.ok, "text": text, "slack": texts.slack_line(verification)}
        self.steps.journal(run, keyed(Step.VERIFICATION_RESULT, key), json.dumps(result, ensure_ascii=False))
        return result

    def _tell_slack(self, run: Round, key: str, text: str) -> None:
        """In the thread of the PO's request, when Slack is on."""
        if self.requests is not None:
            self.requests.tell(self.steps, run, key, text)

    def _finish_when_done(self, run: Round, simulation: Simulation, found: Found) -> None:
        """Every prod group of the plan verified by the bot or, without access to prod, taken in order and
        every prod step the bot wrote ticked (a deleted or renamed one is missing: not done)."""
        if run.record.state is not CardState.PREPROD_VERIFIED:
            return
        groups = range(1, len(simulation.plan.groups) + 1)
        prod_verified = PROD in self.consoles
        done = all(self.steps.done(run, verified_step(PROD, group)) is not None for group in groups)
        if not prod_verified:
            steps = [ItemRef(PROD, group, is_check) for group in groups for is_check in (False, True)]
            done = done and all(ref in found.items and found.items[ref].checked for ref in steps)
        if not done:
            return
        self.steps.comment(
            run, Step.CLOSING, texts.closing_comment(simulation.plan, prod_verified=prod_verified)
        )
        self.steps.move(run, Move.TO_DONE, self.lists.done)
        self.steps.transition(run, Event.MIGRATION_DONE)
        self.emit(Emitted.DONE, run.card, {})


@dataclass(frozen=True)
class Found:
    """The bot's « Exécution » checklist as read now."""

    items: dict[ItemRef, CheckItem]  # the items the bot wrote, by what they stand for
    strangers: tuple[CheckItem, ...]  # items it did not write: added, renamed, duplicated (ignored)


def read_checklist(seen: Execution, *, ours: set[str], written: dict[str, str], groups: int) -> Found:
    """Only the bot's own checklist (by the id journaled when it was made, never a person's look-alike), and
    in it only the items it wrote, by id and with the name it gave them."""
    items, strangers = {}, []
    for checklist in seen.checklists:
        if checklist.id not in ours:
            continue
        for entry in checklist.entries:
            name = written.get(entry.id)
            ref = read_item(name) if name is not None and entry.name == name else None
            if ref is None or not 1 <= ref.group <= groups:
                strangers.append(entry)
            else:
                items[ref] = entry
    return Found(items=items, strangers=tuple(strangers))


def _new_group_ticks(
    seen: Execution, items: dict[ItemRef, CheckItem], *, me: str
) -> list[tuple[ItemRef, Tick]]:
    """Each group item's latest tick, when it ticked the item and the item is still ticked: in the plan's order
    (preprod then prod, group 1 first), so that groups ticked in order between two looks are all taken; a
    group ticked alone before the one it follows waits for it (and is told so once). Where the bot launches
    preprod groups (« lancer le groupe »), a person's tick on « Preprod — vérifier le groupe N » asks for its
    verification too (after a failed or interrupted run, or a run by hand)."""
    launching = any(ref.launch for ref in items)
    by_id = {
        item.id: (ref, item)
        for ref, item in items.items()
        if not ref.is_check or (launching and ref.environment == PREPROD)
    }
    latest: dict[str, Tick] = {}
    for tick in seen.ticks:  # newest first
        latest.setdefault(tick.item_id, tick)
    found = [
        (by_id[item_id][0], tick)
        for item_id, tick in latest.items()
        if item_id in by_id
        and tick.checked
        and by_id[item_id][1].checked
        and not (by_id[item_id][0].is_check and tick.member_id == me)  # the bot's own « vérifié »
    ]
    return sorted(found, key=lambda found: (found[0].environment != PREPROD, found[0].group))
