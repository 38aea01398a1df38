"""What happens to a migration card, one idempotent step at a time. Takes its ports as arguments.

A card in « À simuler » gets a *round*: parse → (errors → comment, « À corriger ») → « Simulation en cours »
→ dry-runs → (failure → comment, « À corriger ») → (shared accommodations → decision asked, card stays) →
synthesis comment, raw outputs, Excel file → approval request → « En attente validation PO ».

Every side effect is journaled under (card, round, fingerprint, step) and skipped once journaled. When a
round is resumed (after a crash, or an error on the previous poll), a comment step first looks for its
marker on the card and an attachment step for an attachment of ours that the journal does not know: what
reached Trello before the crash is adopted, not posted twice.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from bot.adapters.store import CardRecord, Store
from bot.adapters.trello import TrelloError
from bot.app.ports import Board, CardSnapshot, Chat, Clock, Console
from bot.app.requests import Requests
from bot.app.simulation import redo_without_accommodations, simulate
from bot.app.steps import CardSteps, Round
from bot.domain.codec import simulation_from_dict, simulation_to_dict
from bot.domain.model import ConflictDecision, Notice, Plan, Simulation, Ticket
from bot.domain.plan import plan_centres, plan_ticket
from bot.domain.synthesis import summarize
from bot.domain.ticket import parse_ticket
from bot.settings import Settings
from bot.texts import card as texts
from bot.texts.blocks import CardLink, RequestKey, approval_request, conflict_request
from bot.texts.excel import build_workbook, workbook_name
from bot.texts.status import poll_detail
from bot.texts.text import DECISION_TEXT, render_synthesis, shared_prefix, short_label

log = logging.getLogger("migrabot.workflow")

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RESUMABLE = frozenset({"simulating", "awaiting_decision", "error"})
PENDING = frozenset({"awaiting_decision", "awaiting_approval"})
DECIDING = frozenset({"approving", "refusing", "resimulating", "expiring"})  # decided, effects under way
MAX_ATTEMPTS = 3  # an internal error is retried at the next polls, then waits for the card to change


class Decisions(Protocol):
    def finish(self, card: CardSnapshot, record: CardRecord) -> None: ...


@dataclass(frozen=True)
class Lists:
    """The board's lists and label the workflow uses, by id."""

    todo: str
    waiting: str
    fix: str
    approved: str
    label: str | None


Listener = Callable[[str, CardSnapshot, dict], None]


class Workflow:
    def __init__(
        self,
        *,
        board: Board,
        console: Console,
        store: Store,
        settings: Settings,
        lists: Lists,
        clock: Clock = time.time,
        listener: Listener | None = None,
        chat: Chat | None = None,
    ) -> None:
        self.board = board
        self.console = console
        self.store = store
        self.settings = settings
        self.lists = lists
        self.clock = clock
        self._listener = listener
        self.steps = CardSteps(board=board, store=store, clock=clock, chat=chat)
        self.requests = Requests(chat=chat, store=store, settings=settings) if chat is not None else None
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._stopping = threading.Event()
        self.decisions: Decisions | None = None  # set by the Slack side (bot.app.approvals) when it is on

    # --- the poll --------------------------------------------------------------------------------

    def poll(self) -> int:
        """One look at the board (one request) and every migration card handled; returns how many."""
        polled_at = self.clock()
        open_cards = self.board.open_cards()
        cards = [card for card in open_cards if self.is_migration_card(card)]
        for record in self.store.archive_missing({card.id for card in open_cards}, now=self.clock()):
            log.info("card %s left the board's open cards: archived", record.short_link or record.card_id)
            if self.requests is not None:
                self.requests.close(
                    self.requests.pending(record),
                    outcome="🗄️ *Carte archivée* : plus rien à décider.",
                    status="obsolete",
                )
        detail = poll_detail(len(cards))
        self.store.beat("poll", now=self.clock(), detail=detail)
        for card in cards:
            if self._stopping.is_set():
                log.info("stop requested: the remaining cards wait for the next start")
                break
            self.handle_safely(card, polled_at=polled_at)
            self.store.beat("poll", now=self.clock(), detail=detail)  # long dry-runs are not a dead bot
        return len(cards)

    def request_stop(self) -> None:
        """SIGINT/SIGTERM: finish the card in hand, leave the others for the next start."""
        self._stopping.set()

    def is_migration_card(self, card: CardSnapshot) -> bool:
        label = self.settings.trello_card_label
        if self.lists.label and self.lists.label in card.label_ids:
            return True
        return card.name.strip().casefold().startswith(label.casefold())

    def card_lock(self, card_id: str) -> threading.Lock:
        """The poll and Slack's listeners run on different threads: one card is handled by one at a time."""
        with self._locks_guard:
            return self._locks.setdefault(card_id, threading.Lock())

    def handle_safely(self, card: CardSnapshot, *, polled_at: float | None = None) -> None:
        """A bug on one card is logged and shown on that card; it never stops the others."""
        with self.card_lock(card.id):
            record = self.store.card(card.id)
            if polled_at is not None and record is not None and record.updated_at > polled_at:
                card = self.board.card(card.id)  # a Slack decision changed it since the poll: look again
            self.handle_guarded(card)

    def handle_guarded(self, card: CardSnapshot) -> None:
        """`handle` for a caller that holds the card's lock, with the same error boundary."""
        try:
            self.handle(card)
        except Exception as error:
            log.exception("card %s: unexpected error", card.short_link or card.id)
            self._report_internal_error(card, error)

    def handle(self, card: CardSnapshot) -> None:
        record = self.store.card(card.id)
        fingerprint = self.fingerprint(card.desc)
        if record is not None and record.state in DECIDING and self.decisions is not None:
            self.decisions.finish(card, record)  # a decision recorded, its effects not all done yet
            return
        if record is not None and record.fingerprint != fingerprint and record.state in PENDING:
            self._make_obsolete(card, record, fingerprint)
            record = self.store.card(card.id)
            if card.list_id == self.lists.fix:
                return  # somebody is correcting it: simulated once they put it back in « À simuler »
            card = replace(card, list_id=self.lists.todo)
        if card.list_id == self.lists.todo:
            self._in_todo(card, record, fingerprint)
        elif record is not None and record.state in RESUMABLE and record.fingerprint == fingerprint:
            run = Round(card=card, record=record)
            if self.steps.moved_here_by_us(run):  # our move landed, its journal entry did not: finish
                self._run_round(run)
            elif record.state in {"simulating", "error"}:  # a person took it out of « À simuler » mid-round
                self._retire(record, outcome="⏸️ *Interrompue* : la carte a été sortie de « À simuler ».")
                self.steps.set_state(run, "abandoned")

    def _in_todo(self, card: CardSnapshot, record: CardRecord | None, fingerprint: str) -> None:
        resuming = record is not None and record.state in RESUMABLE and record.fingerprint == fingerprint
        if resuming and record is not None and record.state == "error" and record.attempts >= MAX_ATTEMPTS:
            return  # reported on the card; tried again once the card changes, or leaves the list and comes back
        if not resuming:
            if record is not None and record.state in PENDING:
                # Moved back to « À simuler » by a person: the request waiting on the old round is void.
                self._retire(record, outcome="🔄 *Obsolète* : la carte a été remise dans « À simuler ».")
            record = self.store.begin_round(
                card.id,
                fingerprint=fingerprint,
                short_link=card.short_link,
                name=card.name,
                list_id=card.list_id,
                last_activity=card.last_activity,
                now=self.clock(),
            )
            self.emit("round", card, {"round": record.round, "fingerprint": fingerprint})
        assert record is not None
        self._run_round(Round(card=card, record=record))

    def _retire(self, record: CardRecord, *, outcome: str) -> None:
        """A round that waited on people is over: no decision can count for it any more."""
        self.store.decide(
            record.card_id, record.round, record.fingerprint, "obsolete", user_id="migrabot", now=self.clock()
        )
        if self.requests is not None:
            self.requests.close(self.requests.pending(record), outcome=outcome, status="obsolete")

    def resume(self, card: CardSnapshot, record: CardRecord) -> None:
        """Continue a card's current round (after a decision); the caller holds the card's lock."""
        try:
            self._run_round(Round(card=card, record=record))
        except Exception as error:
            log.exception("card %s: unexpected error", card.short_link or card.id)
            self._report_internal_error(card, error)

    def fingerprint(self, description: str) -> str:
        """The card's description and the settings that shape its commands."""
        material = "\x1f".join(
            [description, self.settings.migration_field_slug, self.settings.display_console_command]
        )
        return hashlib.sha256(material.encode("utf-8")).hexdigest()[:16]

    # --- a round ---------------------------------------------------------------------------------

    def _run_round(self, run: Round) -> None:
        ticket = parse_ticket(run.card.desc, default_field=self.settings.migration_field_slug)
        if not ticket.ok:
            self._reject_ticket(run, ticket)
            return
        plan, ticket = plan_ticket(ticket, field_slug=self.settings.migration_field_slug)
        self.store.record_centres(run.card.id, plan_centres(plan))
        self.steps.comment(run, "debut", texts.started_comment(len(plan.rules)))
        simulation = self._simulation(run, plan, ticket)
        if not simulation.ok:
            self._fail(run, simulation)
            return
        if simulation.awaits_decision:
            self._ask_decision(run, simulation)
            return
        self._publish(run, simulation, ticket)

    def _reject_ticket(self, run: Round, ticket: Ticket) -> None:
        text = texts.ticket_errors_comment(
            ticket.errors,
            ticket.warnings,
            fix_list=self.settings.trello_list_fix,
            todo_list=self.settings.trello_list_todo,
        )
        self.steps.comment(run, "erreurs", text)
        self.steps.move(run, "vers-a-corriger", self.lists.fix)
        self.steps.set_state(run, "invalid", error=ticket.errors[0].message)
        self.emit("invalid", run.card, {"errors": len(ticket.errors)})

    def _simulation(self, run: Round, plan: Plan, ticket: Ticket) -> Simulation:
        """The stored simulation of this round if there is one (a resumed round keeps its figures)."""
        stored = run.record.simulation
        decision = ticket.conflict_decision or _decision(run.record.decision)
        if stored is not None:
            simulation = simulation_from_dict(stored)
            if decision is None or simulation.decision == decision:
                return simulation
            simulation = self._decide(simulation, decision)
        else:
            self.emit("simulating", run.card, {"commands": len(plan.rules)})
            simulation = simulate(
                plan,
                self.console,
                console_command=self.settings.display_console_command,
                concurrency=self.settings.console_concurrency,
                decision=decision,
            )
        self.store.save_simulation(run.card.id, simulation_to_dict(simulation), now=self.clock())
        return simulation

    def _decide(self, simulation: Simulation, decision: ConflictDecision) -> Simulation:
        if decision is ConflictDecision.WITHOUT_ACCOMMODATIONS and simulation.conflicts:
            return redo_without_accommodations(
                simulation,
                self.console,
                console_command=self.settings.display_console_command,
                concurrency=self.settings.console_concurrency,
            )
        return replace(simulation, decision=decision)

    def _fail(self, run: Round, simulation: Simulation) -> None:
        text = texts.failure_comment(
            simulation, fix_list=self.settings.trello_list_fix, todo_list=self.settings.trello_list_todo
        )
        self.steps.comment(run, "echec", text)
        self._post_outputs(run, simulation)
        self.steps.move(run, "vers-a-corriger", self.lists.fix)
        first = simulation.failed_runs[0]
        self.steps.set_state(run, "failed", error=first.error)
        self.emit("failed", run.card, {"error": first.error})

    def _ask_decision(self, run: Round, simulation: Simulation) -> None:
        to_migrate = simulation.accommodations_to_migrate
        self.steps.comment(
            run, "conflit", texts.conflict_comment(simulation.conflicts, to_migrate=to_migrate)
        )
        if self.requests is not None:
            text, blocks = conflict_request(
                card=CardLink(run.card.name, run.card.url),
                key=RequestKey(run.card.id, run.record.round, run.record.fingerprint),
                conflicts=[conflict for _, conflict in simulation.conflicts],
                to_migrate=to_migrate,
                deciders=[] if self.settings.slack_team_channel_id else sorted(self.requests.po_ids),
            )
            channels = self.requests.conflict_channels()
            self.steps.slack_post(
                run, "slack-conflit", kind="conflict", channels=channels, text=text, blocks=blocks
            )
        self.steps.set_state(run, "awaiting_decision")
        self.emit("conflict", run.card, {"conflicts": len(simulation.conflicts)})

    def _publish(self, run: Round, simulation: Simulation, ticket: Ticket) -> None:
        if run.record.decision_by:
            self._announce_decision(run)
        synthesis = summarize(simulation)
        extra = self._lock_warnings(run, simulation)
        warnings = [*ticket.warnings, *(Notice(w) for w in extra)]
        text = texts.synthesis_comment(simulation, synthesis, warnings=warnings)
        self.steps.comment(run, "synthese", text)
        self._post_outputs(run, simulation)
        workbook = build_workbook(simulation, synthesis)
        filename = workbook_name(synthesis)
        self.steps.attach(run, "excel", filename=filename, data=workbook, mime_type=XLSX_MIME)
        self.steps.move(run, "vers-attente-po", self.lists.waiting)
        if self.requests is not None:  # last: a click must find the card waiting for it
            self._request_approval(
                run, render_synthesis(simulation, synthesis, ticket_warnings=warnings), filename, workbook
            )
        self.steps.set_state(run, "awaiting_approval")
        self.emit("simulated", run.card, {"synthesis": synthesis, "simulation": simulation})

    def _announce_decision(self, run: Round) -> None:
        """A conflict decided on Slack: said on the card, and the team's request closed, before the PO is asked."""
        decision = _decision(run.record.decision)
        assert decision is not None
        by = (
            self.steps.chat.user_name(run.record.decision_by or "")
            if self.steps.chat
            else run.record.decision_by
        )
        self.steps.comment(
            run,
            "decision-conflit",
            texts.conflict_decision_comment(decision=DECISION_TEXT[decision], by=by or ""),
        )
        if self.requests is not None:
            self.requests.close(
                self.requests.pending(run.record, kind="conflict"),
                outcome=f"🏠 *Décision* de <@{run.record.decision_by}> : {DECISION_TEXT[decision]}.",
                status="decided",
            )

    def _request_approval(self, run: Round, synthesis_text: str, filename: str, workbook: bytes) -> None:
        assert self.requests is not None
        text, blocks = approval_request(
            card=CardLink(run.card.name, run.card.url),
            key=RequestKey(run.card.id, run.record.round, run.record.fingerprint),
            synthesis=synthesis_text,
            po_ids=sorted(self.requests.po_ids),
        )
        channels = self.requests.approval_channels()
        refs = self.steps.slack_post(
            run, "slack-demande", kind="approval", channels=channels, text=text, blocks=blocks
        )
        for ref in refs:
            self.steps.slack_upload(
                run,
                f"slack-fichier-{ref.channel}",
                ref,
                filename=filename,
                data=workbook,
                title="Simulation (Excel)",
            )

    def _post_outputs(self, run: Round, simulation: Simulation) -> None:
        outputs = texts.outputs_plan(simulation.runs)
        for number, text in enumerate(outputs.comments, start=1):
            self.steps.comment(run, f"sorties-{number}", text)
        if outputs.attachment is not None:
            self.steps.attach(
                run,
                "sorties-fichier",
                filename="sorties_console.txt",
                data=outputs.attachment,
                mime_type="text/plain",
            )

    def _lock_warnings(self, run: Round, simulation: Simulation) -> list[str]:
        centres = plan_centres(simulation.plan)
        names = {r.origin.id: r.origin for r in simulation.plan.rules} | {
            r.destination.id: r.destination for r in simulation.plan.rules
        }
        prefix = shared_prefix([c.name or "" for c in names.values()])
        warnings = []
        for other, shared in self.store.overlapping_cards(run.card.id, centres):
            if other.round_started_at > run.record.round_started_at:
                continue  # the later card carries the warning
            for centre_id in shared:
                warnings.append(
                    texts.lock_warning(
                        centre=short_label(names[centre_id], prefix),
                        other_name=other.name,
                        other_url=f"https://trello.com/c/{other.short_link or other.card_id}",
                    )
                )
        return warnings

    # --- obsolete approvals ----------------------------------------------------------------------

    def _make_obsolete(self, card: CardSnapshot, record: CardRecord, fingerprint: str) -> None:
        """The description changed while people were asked: their request no longer applies. The card goes
        back to « À simuler », unless somebody parked it in « À corriger » to finish their correction."""
        run = Round(card=card, record=record)
        parked = card.list_id == self.lists.fix
        text = texts.obsolete_comment(
            old_fingerprint=record.fingerprint,
            new_fingerprint=fingerprint,
            kind="conflict" if record.state == "awaiting_decision" else "approval",
            todo_list=self.settings.trello_list_todo,
            moved=not parked,
        )
        self.steps.comment(run, "obsolete", text)
        self._retire(
            record,
            outcome="🔄 *Obsolète* : la carte a changé depuis cette simulation"
            + (
                " ; elle sera simulée à nouveau une fois corrigée."
                if parked
                else " ; une nouvelle simulation est en cours."
            ),
        )
        if not parked and card.list_id != self.lists.todo:
            self.steps.move(run, "retour-a-simuler", self.lists.todo)
        self.steps.set_state(run, "obsolete")
        self.emit("obsolete", card, {"old": record.fingerprint, "new": fingerprint})

    def _report_internal_error(self, card: CardSnapshot, error: Exception) -> None:
        record = self.store.card(card.id)
        if record is None:
            return
        self.store.record_error(card.id, f"{type(error).__name__}: {error}", now=self.clock())
        if isinstance(error, TrelloError):
            return  # Trello itself is the problem: a comment would fail too
        try:
            run = Round(card=card, record=record)
            self.steps.comment(run, "erreur-interne", texts.internal_error_comment(type(error).__name__))
        except Exception:
            log.exception("card %s: could not report the error on the card", card.short_link or card.id)

    def emit(self, event: str, card: CardSnapshot, details: dict) -> None:
        log.info(
            "card %s: %s", card.short_link or card.id, event, extra={"event": event, "card": card.short_link}
        )
        if self._listener is not None:
            self._listener(event, card, details)


def _decision(value: str | None) -> ConflictDecision | None:
    return ConflictDecision(value) if value else None
