"""Decisions that come from Slack: the PO approves or refuses, the team settles accommodation conflicts.

Every decision re-checks the card first: only configured people decide; a request for an older round, or a
card whose description changed since its simulation, is stale (marked obsolete in place, and the card is
simulated afresh); the first decision wins atomically (two clicks, two POs: one decision).

A decision is recorded together with a transient state (« approving », « refusing », « resimulating »,
« expiring »); its effects are journaled steps run by `finish`, at once and, after a crash or an outage, by
the next poll: a decision is never recorded without being carried out.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.adapters.store import Approval, CardRecord, SlackRequest
from bot.app.ports import CardSnapshot, Chat, Clock, MessageRef
from bot.app.requests import Requests
from bot.app.steps import Round
from bot.app.workflow import Workflow
from bot.domain.codec import simulation_from_dict
from bot.domain.model import ConflictDecision
from bot.domain.synthesis import summarize
from bot.texts import card as texts
from bot.texts.blocks import RequestKey, refusal_modal

log = logging.getLogger("migrabot.approvals")

APPROVE_WORDS = frozenset({"ok", "okay", "validé", "valide", "validée", "go", "c'est bon", "👍"})
REFUSE_REPLY = re.compile(r"^\s*refus[ée]e?\s*[:：\-–—]\s*(?P<reason>\S.*)$", re.I | re.S)
NOT_PO = "Seul le PO peut décider de cette migration : rien n'a changé."
NOT_DECIDER = (
    "Seuls le PO et l'équipe technique (dans son canal) peuvent trancher ce conflit : rien n'a changé."
)
# What a recorded decision turns the card into until its effects are done.
TRANSIENT = {
    "approved": "approving",
    "refused": "refusing",
    "resimulate": "resimulating",
    "expired": "expiring",
}


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
    def __init__(self, *, workflow: Workflow, chat: Chat) -> None:
        assert workflow.requests is not None, "the workflow must be built with the chat"
        self.workflow = workflow
        self.chat = chat
        self.clock: Clock = workflow.clock
        self.requests: Requests = workflow.requests
        self.store = workflow.store
        self.steps = workflow.steps
        self.settings = workflow.settings
        workflow.decisions = self  # the poll finishes decisions whose effects were interrupted

    # --- entry points (called by the Slack app after it acknowledged) ------------------------------

    def approve(self, key: RequestKey, *, user_id: str) -> Outcome:
        return self._po_decision(key, user_id=user_id, decision="approved")

    def refuse(self, key: RequestKey, *, user_id: str, reason: str) -> Outcome:
        return self._po_decision(key, user_id=user_id, decision="refused", reason=reason.strip())

    def resimulate(self, key: RequestKey, *, user_id: str) -> Outcome:
        return self._po_decision(key, user_id=user_id, decision="resimulate")

    def decide_conflict(
        self, key: RequestKey, decision: ConflictDecision, *, user_id: str, channel: str
    ) -> Outcome:
        if not self.requests.may_decide_conflict(user_id, channel):
            log.warning("conflict decision ignored: %s may not decide (card %s)", user_id, key.card_id)
            return Outcome(NOT_DECIDER)

        def record(card: CardSnapshot, record: CardRecord) -> Outcome:
            won = self.store.decide_conflict(
                key.card_id, key.round, key.fingerprint, decision.value, user_id=user_id, now=self.clock()
            )
            if not won:
                return Outcome(_already_conflict(self.store.card(key.card_id)))
            fresh = self.store.card(key.card_id)
            assert fresh is not None
            self.workflow.resume(card, fresh)  # announces the decision, publishes, asks the PO
            return Outcome()

        return self._checked(key, user_id=user_id, waiting_state="awaiting_decision", then=record)

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
            return self.approve(key, user_id=user_id)
        if refusal:
            return self.refuse(key, user_id=user_id, reason=refusal.group("reason"))
        return Outcome()

    # --- checks shared by every decision --------------------------------------------------------

    def _po_decision(self, key: RequestKey, *, user_id: str, decision: str, reason: str = "") -> Outcome:
        if user_id not in self.requests.po_ids:
            log.warning("%s ignored: %s is not a PO (card %s)", decision, user_id, key.card_id)
            return Outcome(NOT_PO)

        def record(card: CardSnapshot, record: CardRecord) -> Outcome:
            won = self.store.decide(
                key.card_id,
                key.round,
                key.fingerprint,
                decision,
                user_id=user_id,
                reason=reason,
                now=self.clock(),
                state=TRANSIENT[decision],
            )
            if not won:
                return Outcome(_already(self.store.approval(key.card_id, key.round, key.fingerprint)))
            fresh = self.store.card(key.card_id)
            assert fresh is not None
            try:
                self.finish(card, fresh)
            except Exception:  # Trello or Slack down: recorded, the next poll carries it out
                log.exception(
                    "card %s: %s recorded, its effects wait for the next poll", key.card_id, decision
                )
                return Outcome("Décision enregistrée : la carte sera mise à jour au prochain passage du bot.")
            return Outcome()

        return self._checked(key, user_id=user_id, waiting_state="awaiting_approval", then=record)

    def _checked(
        self,
        key: RequestKey,
        *,
        user_id: str,
        waiting_state: str,
        then: Callable[[CardSnapshot, CardRecord], Outcome],
    ) -> Outcome:
        with self.workflow.card_lock(key.card_id):
            record = self.store.card(key.card_id)
            if record is None:
                return Outcome("Cette carte est inconnue du bot.")
            earlier = self.store.approval(key.card_id, key.round, key.fingerprint)
            if earlier is not None:
                return Outcome(_already(earlier))
            if (record.round, record.fingerprint) != (key.round, key.fingerprint):
                self._close_stale(key, "🔄 *Obsolète* : une simulation plus récente de cette carte existe.")
                return Outcome("Cette demande est obsolète : une simulation plus récente existe.")
            if record.state == "archived":
                return Outcome("Cette carte a été archivée : rien n'a changé.")
            card = self.workflow.board.card(key.card_id)
            if self.workflow.fingerprint(card.desc) != key.fingerprint:
                log.info(
                    "card %s changed since its simulation: decision by %s not recorded", key.card_id, user_id
                )
                self.workflow.handle_guarded(card)  # obsolete comment, request closed, new round
                return Outcome(
                    "La carte a changé depuis la simulation : nouvelle simulation lancée, rien n'est décidé."
                )
            if record.state != waiting_state:
                return Outcome(_not_waiting(record))
            return then(card, record)

    def _close_stale(self, key: RequestKey, outcome: str) -> None:
        stale = [
            r
            for r in self.store.slack_requests(card_id=key.card_id, status="pending")
            if (r.round, r.fingerprint) == (key.round, key.fingerprint)
        ]
        self.requests.close(stale, outcome=outcome, status="obsolete")

    # --- what each decision does (journaled steps: run again, they only do what is left) ---------

    def finish(self, card: CardSnapshot, record: CardRecord) -> None:
        """Carry out the round's recorded decision; the caller holds the card's lock."""
        approval = self.store.approval(record.card_id, record.round, record.fingerprint)
        if approval is None:
            return
        run = Round(card=card, record=record)
        actions = {
            "approved": self._approved,
            "refused": self._refused,
            "resimulate": self._resimulated,
            "expired": self._expired,
        }
        action = actions.get(approval.decision)
        if action is not None:
            action(run, approval)

    def _approved(self, run: Round, approval: Approval) -> None:
        when = paris_time(approval.decided_at)
        simulation = simulation_from_dict(run.record.simulation or {})
        name = self.chat.user_name(approval.user_id)
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
            self.requests.pending(run.record, kind="approval"),
            outcome=f"✅ *Validé* par <@{approval.user_id}> le {when}. Les commandes finales sont sur la carte.",
            status="approved",
        )
        self.steps.set_state(run, "approved")
        self.workflow.emit("approved", run.card, {"by": approval.user_id})

    def _refused(self, run: Round, approval: Approval) -> None:
        name = self.chat.user_name(approval.user_id)
        when = paris_time(approval.decided_at)
        comment = texts.refusal_comment(
            by=name,
            when=when,
            reason=approval.reason,
            fix_list=self.settings.trello_list_fix,
            todo_list=self.settings.trello_list_todo,
        )
        self.steps.comment(run, "refus", comment)
        self.steps.move(run, "vers-a-corriger", self.workflow.lists.fix)
        self.requests.close(
            self.requests.pending(run.record, kind="approval"),
            outcome=f"❌ *Refusé* par <@{approval.user_id}> le {when} : {approval.reason}",
            status="refused",
        )
        self.steps.set_state(run, "refused", error=f"refusé : {approval.reason}")
        self.workflow.emit("refused", run.card, {"by": approval.user_id, "reason": approval.reason})

    def _resimulated(self, run: Round, approval: Approval) -> None:
        name = self.chat.user_name(approval.user_id)
        self._back_to_todo(
            run,
            comment=(
                "relance",
                texts.resimulation_comment(by=name, todo_list=self.settings.trello_list_todo),
            ),
            outcome=f"🔄 *Nouvelle simulation* demandée par <@{approval.user_id}> le {paris_time(approval.decided_at)}.",
            status="obsolete",
            state="resimulated",
        )
        self.workflow.handle(replace(run.card, list_id=self.workflow.lists.todo))

    def _expired(self, run: Round, approval: Approval) -> None:
        days = round(self.settings.approval_ttl_hours / 24)
        todo = self.settings.trello_list_todo
        kind = "conflict" if self.requests.pending(run.record, kind="conflict") else "approval"
        self._back_to_todo(
            run,
            comment=("expiree", texts.expired_comment(days=days, todo_list=todo, kind=kind)),
            outcome=f"⌛ *Expirée* sans décision après {days} jours : la carte revient dans « {todo} ».",
            status="expired",
            state="expired",
        )
        self.workflow.emit("expired", run.card, {})

    def _back_to_todo(
        self, run: Round, *, comment: tuple[str, str], outcome: str, status: str, state: str
    ) -> None:
        """The card says why, every request of the round is closed with `outcome`, the card goes back to
        « À simuler » (a new round at the next poll, or at once for a re-simulation)."""
        step, text = comment
        self.steps.comment(run, step, text)
        self.requests.close(self.requests.pending(run.record), outcome=outcome, status=status)
        self.steps.move(run, "retour-a-simuler", self.workflow.lists.todo)
        self.steps.set_state(run, state)

    # --- reminders and expiry (a scheduler job) ------------------------------------------------

    def remind_and_expire(self) -> None:
        """One request's trouble (Slack or Trello down) never stops the others: each is tried on its own."""
        now = self.clock()
        for request in self.store.slack_requests(status="pending"):
            try:
                self._remind_or_expire(request, now=now)
            except Exception:
                log.exception(
                    "reminder/expiry failed for %s/%s (card %s)", request.channel, request.ts, request.card_id
                )

    def _remind_or_expire(self, request: SlackRequest, *, now: float) -> None:
        age = now - request.created_at
        if age >= self.settings.approval_ttl_hours * 3600:
            self._expire(RequestKey(request.card_id, request.round, request.fingerprint))
        elif age >= self.settings.approval_reminder_hours * 3600 and request.reminded_at is None:
            # Recorded first: a crash loses a reminder rather than sending it twice.
            self.store.set_slack_request(request, reminded_at=now)
            who = self._who_to_remind(request)
            hours = round(age / 3600)
            self.chat.reply(
                MessageRef(request.channel, request.ts),
                f"⏰ Rappel : {who}cette demande attend une décision depuis {hours} h.",
            )

    def _who_to_remind(self, request: SlackRequest) -> str:
        """In a shared channel the POs are mentioned; in a direct message, or in the team's channel, nobody."""
        if request.kind == "approval" and request.channel == self.settings.slack_channel_id:
            return " ".join(f"<@{u}>" for u in sorted(self.requests.po_ids)) + " "
        return ""

    def _expire(self, key: RequestKey) -> None:
        with self.workflow.card_lock(key.card_id):
            record = self.store.card(key.card_id)
            if record is None or (record.round, record.fingerprint) != (key.round, key.fingerprint):
                self._close_stale(key, "⌛ *Expirée*.")
                return
            if record.state not in {"awaiting_approval", "awaiting_decision"}:
                return
            if not self.store.decide(
                key.card_id,
                key.round,
                key.fingerprint,
                "expired",
                user_id="migrabot",
                now=self.clock(),
                state="expiring",
            ):
                return
            fresh = self.store.card(key.card_id)
            assert fresh is not None
            self.finish(self.workflow.board.card(key.card_id), fresh)


def _already(approval: Approval | None) -> str:
    if approval is None:
        return "Déjà décidé."
    words = {
        "approved": f"Déjà validé par <@{approval.user_id}>.",
        "refused": f"Déjà refusé par <@{approval.user_id}>.",
        "resimulate": "Une nouvelle simulation a déjà été demandée.",
        "obsolete": "Cette demande est obsolète : la carte a été simulée à nouveau depuis.",
        "expired": "Cette demande a expiré.",
    }
    return words.get(approval.decision, "Déjà décidé.")


def _already_conflict(record: CardRecord | None) -> str:
    by = f" par <@{record.decision_by}>" if record and record.decision_by else ""
    return f"Ce conflit a déjà été tranché{by}."


def _not_waiting(record: CardRecord) -> str:
    """Why a request no longer takes decisions, in words a person understands."""
    reasons = {
        "awaiting_decision": "un conflit d'hébergements doit d'abord être tranché",
        "awaiting_approval": "le conflit est déjà tranché, la demande au PO est partie",
        "simulating": "une simulation est en cours : réessayez dans une minute",
        "error": "le bot a rencontré une erreur sur cette carte : réessayez dans une minute",
        "approved": "la migration est déjà validée",
        "refused": "la migration a été refusée",
    }
    reason = reasons.get(record.state, "la carte a changé d'état entre-temps")
    return f"Cette demande n'attend plus de décision : {reason}."
