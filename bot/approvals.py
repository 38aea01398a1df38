"""Decisions that come from Slack: the PO approves or refuses, the team settles accommodation conflicts.

Every decision re-checks the card first: only configured people decide; a request for an older round, or a
card whose description changed since its simulation, is stale (marked obsolete in place, and the card is
simulated afresh); the first decision wins atomically (two clicks, two POs: one decision). The work on
Trello is made of the same journaled steps as the rest of the workflow, so a crash loses nothing.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.codec import simulation_from_dict
from bot.model import ConflictDecision
from bot.ports import Chat, Clock, MessageRef
from bot.report import card as texts
from bot.report.blocks import RequestKey, refusal_modal
from bot.report.text import DECISION_TEXT
from bot.requests import Requests
from bot.steps import Round
from bot.synthesis import summarize
from bot.workflow import Workflow

log = logging.getLogger("migrabot.approvals")

APPROVE_WORDS = frozenset({"ok", "okay", "validé", "valide", "validée", "go", "c'est bon", "👍"})
REFUSE_REPLY = re.compile(r"^\s*refus[ée]e?\s*[:：\-–—]\s*(?P<reason>\S.*)$", re.I | re.S)
NOT_PO = "Seul le PO peut valider : votre clic n'a rien changé."
NOT_DECIDER = (
    "Seuls le PO et l'équipe technique (dans son canal) peuvent trancher ce conflit : rien n'a changé."
)


def paris_time(timestamp: float) -> str:
    """« 24/11/2026 à 14:05 », in Paris time (UTC when the time zone data is missing)."""
    try:
        zone = ZoneInfo("Europe/Paris")
    except ZoneInfoNotFoundError:
        zone = UTC
    return datetime.fromtimestamp(timestamp, zone).strftime("%d/%m/%Y à %H:%M")


@dataclass(frozen=True)
class Outcome:
    """What the person who clicked is told (ephemeral), if anything."""

    message: str | None = None


class Approvals:
    def __init__(self, *, workflow: Workflow, chat: Chat, clock: Clock = time.time) -> None:
        assert workflow.requests is not None, "the workflow must be built with the chat"
        self.workflow = workflow
        self.chat = chat
        self.clock = clock
        self.requests: Requests = workflow.requests
        self.store = workflow.store
        self.steps = workflow.steps
        self.settings = workflow.settings

    # --- entry points (called by the Slack app after it acknowledged) ------------------------------

    def approve(self, key: RequestKey, *, user_id: str, channel: str) -> Outcome:
        if user_id not in self.requests.po_ids:
            log.warning("approval refused: %s is not a PO (card %s)", user_id, key.card_id)
            return Outcome(NOT_PO)
        return self._decide(key, user_id=user_id, kind="approval", act=self._approved)

    def refuse(self, key: RequestKey, *, user_id: str, channel: str, reason: str) -> Outcome:
        if user_id not in self.requests.po_ids:
            log.warning("refusal ignored: %s is not a PO (card %s)", user_id, key.card_id)
            return Outcome(NOT_PO)
        return self._decide(
            key,
            user_id=user_id,
            kind="approval",
            act=lambda run, user: self._refused(run, user, reason.strip()),
        )

    def resimulate(self, key: RequestKey, *, user_id: str, channel: str) -> Outcome:
        if user_id not in self.requests.po_ids:
            return Outcome(NOT_PO)
        return self._decide(key, user_id=user_id, kind="approval", act=self._resimulated)

    def decide_conflict(
        self, key: RequestKey, decision: ConflictDecision, *, user_id: str, channel: str
    ) -> Outcome:
        if not self.requests.may_decide_conflict(user_id, channel):
            log.warning("conflict decision ignored: %s may not decide (card %s)", user_id, key.card_id)
            return Outcome(NOT_DECIDER)
        return self._decide(
            key,
            user_id=user_id,
            kind="conflict",
            act=lambda run, user: self._conflict_decided(run, user, decision),
        )

    def may_open_refusal(self, key: RequestKey, *, user_id: str) -> Outcome | None:
        """Before opening the modal: a non-PO is told at once."""
        return None if user_id in self.requests.po_ids else Outcome(NOT_PO)

    def refusal_view(self, key: RequestKey, *, channel: str, ts: str) -> dict:
        record = self.store.card(key.card_id)
        metadata = f"{key.value()}|{channel}|{ts}"
        return refusal_modal(metadata=metadata, card_name=record.name if record else key.card_id)

    def on_thread_reply(self, *, channel: str, thread_ts: str, user_id: str, text: str) -> Outcome:
        """« ok », « validé », « go » approve; « refusé : <raison> » refuses; anything else is conversation."""
        request = self.store.slack_request_by_ts(channel, thread_ts)
        if request is None or request.kind != "approval":
            return Outcome()
        key = RequestKey(request.card_id, request.round, request.fingerprint)
        said = text.strip().rstrip(".! ").casefold()
        refusal = REFUSE_REPLY.match(text)
        if said in APPROVE_WORDS:
            return self.approve(key, user_id=user_id, channel=channel)
        if refusal:
            return self.refuse(key, user_id=user_id, channel=channel, reason=refusal.group("reason"))
        return Outcome()

    # --- the shared checks ---------------------------------------------------------------------

    def _decide(self, key: RequestKey, *, user_id: str, kind: str, act) -> Outcome:
        with self.workflow.card_lock(key.card_id):
            record = self.store.card(key.card_id)
            if record is None:
                return Outcome("Cette carte est inconnue du bot.")
            earlier = self.store.approval(key.card_id, key.round, key.fingerprint)
            if earlier is not None:
                return Outcome(_already(earlier.decision, earlier.user_id))
            if (record.round, record.fingerprint) != (key.round, key.fingerprint):
                self._close_stale(key, "🔄 *Obsolète* : une simulation plus récente de cette carte existe.")
                return Outcome("Cette demande est obsolète : une simulation plus récente existe.")
            card = self.workflow.board.card(key.card_id)
            if self.workflow.fingerprint(card.desc) != key.fingerprint:
                log.info(
                    "card %s changed since its simulation: decision by %s not recorded", key.card_id, user_id
                )
                self.workflow.handle(card)  # obsolete comment, request closed, new round simulated
                return Outcome(
                    "La carte a changé depuis la simulation : nouvelle simulation lancée, rien n'est validé."
                )
            wanted = "awaiting_approval" if kind == "approval" else "awaiting_decision"
            if record.state != wanted:
                return Outcome(f"Cette demande n'attend plus de décision (état : {record.state}).")
            run = Round(card=card, record=record, resuming=True)
            return act(run, user_id)

    def _close_stale(self, key: RequestKey, outcome: str) -> None:
        stale = [
            r
            for r in self.store.slack_requests(card_id=key.card_id, status="pending")
            if (r.round, r.fingerprint) == (key.round, key.fingerprint)
        ]
        self.requests.close(stale, outcome=outcome, status="obsolete")

    # --- what each decision does ---------------------------------------------------------------

    def _approved(self, run: Round, user_id: str) -> Outcome:
        record = run.record
        if not self.store.decide(
            record.card_id, record.round, record.fingerprint, "approved", user_id=user_id, now=self.clock()
        ):
            return Outcome("Déjà décidé.")
        when = paris_time(self.clock())
        simulation = simulation_from_dict(record.simulation or {})
        name = self.chat.user_name(user_id)
        text = texts.final_commands_comment(
            simulation.plan,
            approver=f"{name} (PO)",
            when=when,
            console_command=self.settings.display_console_command,
        )
        self.steps.comment(run, "validation", text)
        items = texts.execution_checklist(simulation.plan, summarize(simulation))
        self.steps.checklist(run, "checklist-execution", name="Exécution", items=items)
        self.steps.move(run, "vers-valide", self.workflow.lists.approved)
        self.requests.close(
            self.requests.pending(record, kind="approval"),
            outcome=f"✅ *Validé* par <@{user_id}> le {when}. Les commandes finales sont sur la carte.",
            status="approved",
        )
        self.steps.set_state(run, "approved")
        self.workflow.emit("approved", run.card, {"by": user_id})
        return Outcome()

    def _refused(self, run: Round, user_id: str, reason: str) -> Outcome:
        record = run.record
        if not self.store.decide(
            record.card_id,
            record.round,
            record.fingerprint,
            "refused",
            user_id=user_id,
            reason=reason,
            now=self.clock(),
        ):
            return Outcome("Déjà décidé.")
        name = self.chat.user_name(user_id)
        when = paris_time(self.clock())
        self.steps.comment(
            run,
            "refus",
            texts.refusal_comment(
                by=name,
                when=when,
                reason=reason,
                fix_list=self.settings.trello_list_fix,
                todo_list=self.settings.trello_list_todo,
            ),
        )
        self.steps.move(run, "vers-a-corriger", self.workflow.lists.fix)
        self.requests.close(
            self.requests.pending(record, kind="approval"),
            outcome=f"❌ *Refusé* par <@{user_id}> le {when} : {reason}",
            status="refused",
        )
        self.steps.set_state(run, "refused", error=f"refusé : {reason}")
        self.workflow.emit("refused", run.card, {"by": user_id, "reason": reason})
        return Outcome()

    def _resimulated(self, run: Round, user_id: str) -> Outcome:
        record = run.record
        if not self.store.decide(
            record.card_id, record.round, record.fingerprint, "resimulate", user_id=user_id, now=self.clock()
        ):
            return Outcome("Déjà décidé.")
        name = self.chat.user_name(user_id)
        self._back_to_todo(
            run,
            comment=(
                "relance",
                texts.resimulation_comment(by=name, todo_list=self.settings.trello_list_todo),
            ),
            outcome=f"🔄 *Nouvelle simulation* demandée par <@{user_id}> le {paris_time(self.clock())}.",
            state="obsolete",
        )
        self.workflow.handle(replace(run.card, list_id=self.workflow.lists.todo))
        return Outcome()

    def _conflict_decided(self, run: Round, user_id: str, decision: ConflictDecision) -> Outcome:
        record = run.record
        if not self.store.claim(
            record.card_id,
            record.round,
            record.fingerprint,
            "conflit-tranche",
            f"{decision.value}|{user_id}",
            now=self.clock(),
        ):
            return Outcome("Déjà décidé.")
        self.store.update_card(record.card_id, decision=decision.value, decision_by=user_id, now=self.clock())
        name = self.chat.user_name(user_id)
        self.steps.comment(
            run,
            "decision-conflit",
            texts.conflict_decision_comment(decision=DECISION_TEXT[decision], by=name),
        )
        self.requests.close(
            self.requests.pending(record, kind="conflict"),
            outcome=f"🏠 *Décision* de <@{user_id}> : {DECISION_TEXT[decision]}.",
            status="decided",
        )
        fresh = self.store.card(record.card_id)
        assert fresh is not None
        self.workflow.resume(run.card, fresh)  # applies the decision, publishes, asks the PO
        return Outcome()

    # --- reminders and expiry (a scheduler job) ------------------------------------------------

    def remind_and_expire(self) -> None:
        now = self.clock()
        reminder_s = self.settings.approval_reminder_hours * 3600
        ttl_s = self.settings.approval_ttl_hours * 3600
        for request in self.store.slack_requests(status="pending"):
            age = now - request.created_at
            if age >= ttl_s:
                self._expire(RequestKey(request.card_id, request.round, request.fingerprint))
            elif age >= reminder_s and request.reminded_at is None:
                hours = round(age / 3600)
                people = " ".join(f"<@{u}>" for u in sorted(self.requests.po_ids))
                try:
                    self.chat.reply(
                        MessageRef(request.channel, request.ts),
                        f"⏰ Rappel : {people} cette demande attend une décision depuis {hours} h.",
                    )
                except Exception:
                    log.exception("reminder failed for %s/%s", request.channel, request.ts)
                    continue
                self.store.set_slack_request(request, reminded_at=now)

    def _expire(self, key: RequestKey) -> None:
        with self.workflow.card_lock(key.card_id):
            record = self.store.card(key.card_id)
            if record is None or (record.round, record.fingerprint) != (key.round, key.fingerprint):
                self._close_stale(key, "⌛ *Expirée*.")
                return
            if not self.store.decide(
                key.card_id, key.round, key.fingerprint, "expired", user_id="migrabot", now=self.clock()
            ):
                return
            days = round(self.settings.approval_ttl_hours / 24)
            card = self.workflow.board.card(key.card_id)
            run = Round(card=card, record=record, resuming=True)
            todo = self.settings.trello_list_todo
            self._back_to_todo(
                run,
                comment=("expiree", texts.expired_comment(days=days, todo_list=todo)),
                outcome=f"⌛ *Expirée* sans décision après {days} jours : la carte revient dans « {todo} ».",
                state="expired",
            )
            self.workflow.emit("expired", card, {})

    def _back_to_todo(self, run: Round, *, comment: tuple[str, str], outcome: str, state: str) -> None:
        """The card says why, every request of the round is closed with `outcome`, the card goes back to
        « À simuler » (a new round at the next poll, or at once for a re-simulation)."""
        step, text = comment
        self.steps.comment(run, step, text)
        self.requests.close(self.requests.pending(run.record), outcome=outcome, status=state)
        self.steps.move(run, "retour-a-simuler", self.workflow.lists.todo)
        self.steps.set_state(run, state)


def _already(decision: str, user_id: str) -> str:
    words = {
        "approved": f"Déjà validé par <@{user_id}>.",
        "refused": f"Déjà refusé par <@{user_id}>.",
        "resimulate": "Une nouvelle simulation a déjà été demandée.",
        "obsolete": "Cette demande est obsolète : la carte a changé depuis la simulation.",
        "expired": "Cette demande a expiré.",
    }
    return words.get(decision, "Déjà décidé.")
