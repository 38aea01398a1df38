"""Tell people when Trello, Slack or the preprod console has been failing for `ALERT_AFTER_MINUTES`, once per
incident, and once when it works again: a message on the Slack channel and a comment on each card in flight
that waits on the failing system.

Failures and successes come from every call the ports make (`bot.app.monitoring`); the alerts are told by
the poll's thread (`review`, after each poll). An incident is saved before it is told, and each card's
comment is journaled: a crash may lose an alert, never repeat one.
"""

from __future__ import annotations

import json
import logging
import threading

from bot.app.monitoring import Call
from bot.app.ports import Board, Chat, Clock, Store
from bot.app.steps import INTENT
from bot.domain.incidents import Alert, Incident, Notice, Recovery, System, due, failed, succeeded
from bot.domain.journal import Step, keyed
from bot.domain.lifecycle import EXECUTING, RUNNING, WAITING, CardState
from bot.domain.records import CardRecord
from bot.settings import Settings
from bot.texts import alerts as texts
from bot.texts.blocks import message_blocks

log = logging.getLogger("migrabot.alerts")

# The cards a system's outage holds up; Trello's outage holds them all, but no comment can reach them.
WAITS_ON: dict[System, frozenset[CardState]] = {
    System.TRELLO: frozenset(),
    System.SLACK: frozenset(WAITING),
    System.CONSOLE: frozenset(RUNNING | EXECUTING),
}


def incident_beat(system: System) -> str:
    return f"incident-{system.value}"


def alert_step(incident: Incident, *, recovery: bool = False) -> str:
    return keyed(Step.RECOVERY if recovery else Step.ALERT, incident.system.value, int(incident.since))


class Alerts:
    def __init__(
        self, *, board: Board, chat: Chat | None, store: Store, settings: Settings, clock: Clock
    ) -> None:
        self.board = board
        self.chat = chat
        self.store = store
        self.clock = clock
        self.alert_after_s = settings.alert_after_minutes * 60
        self.zone = settings.zone  # times in the board's time zone, like the comments
        self.channel = settings.slack_team_channel_id or settings.slack_channel_id
        self._lock = threading.Lock()
        self._incidents = {system: self._load(system) for system in System}
        self._recoveries: list[Recovery] = []

    def record(self, call: Call) -> None:
        """One call's outcome (any thread): an incident starts, goes on, or ends."""
        with self._lock:
            current = self._incidents[call.system]
            if call.failed:
                updated = failed(current, call.system, words=call.error_words, now=self.clock())
            else:
                updated, recovery = succeeded(current, now=self.clock())
                if recovery is not None:
                    self._recoveries.append(recovery)
            if (current is None) != (updated is None):
                self._save(call.system, updated)
            self._incidents[call.system] = updated

    def review(self) -> None:
        """Tell what is due: the alerts of incidents that lasted long enough, the recoveries since."""
        with self._lock:
            notices: list[Notice] = list(self._recoveries)
            self._recoveries.clear()
            for system in System:
                incident, alert = due(
                    self._incidents[system], now=self.clock(), alert_after_s=self.alert_after_s
                )
                if alert is not None:
                    self._incidents[system] = incident
                    self._save(system, incident)
                    notices.append(alert)
        for notice in notices:
            self._tell(notice)

    def _tell(self, notice: Notice) -> None:
        incident = notice.incident
        if isinstance(notice, Alert):
            log.error(
                "%s has been failing since %.0f: alerting (%s)",
                incident.system,
                incident.since,
                incident.words,
            )
            slack, comment = (
                texts.alert_slack(incident, zone=self.zone),
                texts.alert_comment(incident, zone=self.zone),
            )
        else:
            log.warning("%s works again: telling the alert's readers", incident.system)
            slack = comment = texts.recovery(incident, at=notice.at, zone=self.zone)
        self._post(incident, slack)
        for record in self._cards_told(notice):
            self._comment(record, notice, comment)

    def _post(self, incident: Incident, text: str) -> None:
        if self.chat is None or not self.channel or incident.system is System.SLACK:
            return
        try:
            self.chat.post(self.channel, text=text, blocks=message_blocks(text))
        except Exception:
            log.exception("the %s alert could not be posted on Slack", incident.system)

    def _cards_told(self, notice: Notice) -> list[CardRecord]:
        incident = notice.incident
        if isinstance(notice, Alert):
            return [r for r in self.store.cards() if r.state in WAITS_ON[incident.system]]
        step = alert_step(incident)
        return [
            r
            for r in self.store.cards()
            if self.store.journaled(r.card_id, r.round, r.description_hash, step + INTENT) is not None
        ]

    def _comment(self, record: CardRecord, notice: Notice, text: str) -> None:
        step = alert_step(notice.incident, recovery=isinstance(notice, Recovery))
        key = (record.card_id, record.round, record.description_hash)
        if self.store.journaled(*key, step + INTENT) is not None:
            return  # told already, or perhaps told before a crash: never twice
        self.store.journal(*key, step + INTENT, "", now=self.clock())
        try:
            comment_id = self.board.comment(record.card_id, text)
        except Exception:
            log.exception(
                "card %s: the %s alert could not be posted", record.short_link, notice.incident.system
            )
            return
        self.store.journal(*key, step, comment_id, now=self.clock())

    def _load(self, system: System) -> Incident | None:
        beat = self.store.last_beat(incident_beat(system))
        if beat is None or not beat[1]:
            return None
        saved = json.loads(beat[1])
        return Incident(system=system, since=saved["since"], words=saved["words"], alerted=saved["alerted"])

    def _save(self, system: System, incident: Incident | None) -> None:
        detail = (
            ""
            if incident is None
            else json.dumps({"since": incident.since, "words": incident.words, "alerted": incident.alerted})
        )
        self.store.beat(incident_beat(system), now=self.clock(), detail=detail)
