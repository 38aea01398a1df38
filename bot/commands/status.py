"""`migrabot status`: what the bot is doing, read from its state database only (no network).

`read_status` takes a snapshot from the store; `render_status`, `status_payload` and `health` are pure
(time and time zone are arguments) and give the French text, the JSON and the Docker health verdict;
`run_status` does the I/O. `--health` must stay fast: nothing here imports Trello or Slack code.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TextIO

from bot.adapters.store import Store
from bot.domain.lifecycle import FINAL, CardState
from bot.texts.text import shared_prefix

EXIT_OK = 0
EXIT_UNHEALTHY = 1

HEALTH_POLLS = 3  # missed polls tolerated before the bot counts as down
HEALTH_MARGIN_S = 60.0
SHORT_FINGERPRINT = 8

STATE_LABELS = {
    CardState.SIMULATING: "simulation en cours",
    CardState.AWAITING_DECISION: "conflit d'hébergements à trancher",
    CardState.AWAITING_APPROVAL: "en attente du PO",
    CardState.APPROVED: "validé, à exécuter",
    CardState.PREPROD_VERIFIED: "preprod vérifiée, prod à exécuter",
    CardState.DONE: "migration terminée",
    CardState.EDITED_DURING_EXECUTION: "modifié pendant l'exécution : l'équipe doit décider",
    CardState.ERROR: "erreur interne",
    CardState.FAILED: "simulation échouée",
    CardState.INVALID: "ticket à corriger",
    CardState.REFUSED: "refusé par le PO",
    CardState.OBSOLETE: "remplacé (ticket modifié)",
    CardState.EXPIRED: "demande expirée sans réponse",
    CardState.ARCHIVED: "carte archivée",
    CardState.ABANDONED: "interrompue (carte sortie de « À simuler »)",
    CardState.RESIMULATED: "nouvelle simulation demandée",
    CardState.APPROVING: "validation en cours d'écriture",
    CardState.REFUSING: "refus en cours d'écriture",
    CardState.RESIMULATING: "nouvelle simulation en préparation",
    CardState.EXPIRING: "expiration en cours d'écriture",
}
# Nothing left for the bot or the team to do about these; shown only with --all.
FINAL_STATES = FINAL
REQUEST_LABELS = {"approval": "validation du PO", "conflict": "décision sur les hébergements"}


@dataclass(frozen=True)
class PendingRequest:
    kind: str
    channel: str
    ts: str
    since: float
    reminded: bool


@dataclass(frozen=True)
class CardStatus:
    card_id: str
    short_link: str
    name: str
    state: str
    round: int
    fingerprint: str
    since: float  # when the card's row last changed: the start of its current state
    pending: tuple[PendingRequest, ...]
    last_error: str | None


@dataclass(frozen=True)
class BotStatus:
    last_poll: tuple[float, str] | None  # (when, detail) of the last poll's heartbeat
    cards: tuple[CardStatus, ...]


EMPTY_STATUS = BotStatus(last_poll=None, cards=())


def read_status(store: Store, *, include_final: bool = False) -> BotStatus:
    cards = []
    for record in store.cards():
        if record.state in FINAL_STATES and not include_final:
            continue
        pending = tuple(
            PendingRequest(
                kind=request.kind,
                channel=request.channel,
                ts=request.ts,
                since=request.created_at,
                reminded=request.reminded_at is not None,
            )
            for request in store.slack_requests(card_id=record.card_id, status="pending")
        )
        cards.append(
            CardStatus(
                card_id=record.card_id,
                short_link=record.short_link,
                name=record.name,
                state=record.state,
                round=record.round,
                fingerprint=record.fingerprint,
                since=record.updated_at,
                pending=pending,
                last_error=record.last_error,
            )
        )
    return BotStatus(last_poll=store.last_beat("poll"), cards=tuple(cards))


# --- pure formatting -----------------------------------------------------------------------------------


def format_duration(seconds: float) -> str:
    """« 45 s », « 12 min », « 3 h 12 min », « 2 j 4 h »: precise enough to see what is stuck."""
    total = max(int(seconds), 0)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} j {hours} h" if hours else f"{days} j"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"


def state_label(state: str) -> str:
    return STATE_LABELS.get(state, state)


def short_name(name: str, prefix: str) -> str:
    """The title without the prefix every card shares (« Migration des dossiers usagers - »), never cut."""
    return name[len(prefix) :] if prefix and name.startswith(prefix) else name


def _clock_time(at: float, tz: tzinfo | None) -> str:
    return datetime.fromtimestamp(at, tz).strftime("%d/%m/%Y %H:%M:%S")


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat()


def render_last_poll(last_poll: tuple[float, str] | None, *, now: float, tz: tzinfo | None = None) -> str:
    if last_poll is None:
        return "Dernier passage sur Trello : aucun (le bot n'a pas encore interrogé le tableau)"
    at, detail = last_poll
    line = f"Dernier passage sur Trello : {_clock_time(at, tz)} (il y a {format_duration(now - at)})"
    return f"{line} — {detail}" if detail else line


def render_card(card: CardStatus, *, now: float, prefix: str = "") -> list[str]:
    """The card's line, then one indented line per pending Slack request and for the last error."""
    lines = [
        f"- {card.short_link or card.card_id} « {short_name(card.name, prefix)} » : {state_label(card.state)} "
        f"depuis {format_duration(now - card.since)} "
        f"(tour {card.round}, empreinte {card.fingerprint[:SHORT_FINGERPRINT]})"
    ]
    for request in card.pending:
        reminded = ", relancée" if request.reminded else ""
        label = REQUEST_LABELS.get(request.kind, request.kind)
        lines.append(
            f"    demande Slack ({label}) dans {request.channel} depuis "
            f"{format_duration(now - request.since)}{reminded}"
        )
    if card.last_error:
        lines.append(f"    dernière erreur : {' '.join(card.last_error.split())}")
    return lines


def render_status(
    status: BotStatus, *, now: float, include_final: bool = False, tz: tzinfo | None = None
) -> str:
    lines = [render_last_poll(status.last_poll, now=now, tz=tz)]
    kind = "Cartes suivies" if include_final else "Cartes en cours"
    if status.cards:
        lines.append(f"{kind} : {len(status.cards)}")
        prefix = shared_prefix([card.name for card in status.cards])  # as the synthesis does for centres
        for card in status.cards:
            lines += render_card(card, now=now, prefix=prefix)
    else:
        lines.append(f"{kind} : aucune")
    return "\n".join(lines) + "\n"


def status_payload(status: BotStatus, *, now: float) -> dict:
    last_at, last_detail = status.last_poll if status.last_poll else (None, None)
    return {
        "last_poll": {"at": _iso(last_at) if last_at is not None else None, "detail": last_detail},
        "cards": [_card_payload(card, now=now) for card in status.cards],
    }


def _card_payload(card: CardStatus, *, now: float) -> dict:
    return {
        "card_id": card.card_id,
        "short_link": card.short_link,
        "name": card.name,
        "state": card.state,
        "state_label": state_label(card.state),
        "round": card.round,
        "fingerprint": card.fingerprint,
        "since": _iso(card.since),
        "waiting_s": round(max(now - card.since, 0.0), 1),
        "pending_requests": [
            {
                "kind": request.kind,
                "channel": request.channel,
                "ts": request.ts,
                "since": _iso(request.since),
                "reminded": request.reminded,
            }
            for request in card.pending
        ],
        "last_error": card.last_error,
    }


def health_limit_s(poll_interval_s: float) -> float:
    return HEALTH_POLLS * poll_interval_s + HEALTH_MARGIN_S


def health(last_poll: tuple[float, str] | None, *, now: float, poll_interval_s: float) -> tuple[bool, str]:
    """(healthy, why): the last poll must be younger than 3 poll intervals plus a minute."""
    limit = format_duration(health_limit_s(poll_interval_s))
    if last_poll is None:
        return False, "aucun passage sur Trello enregistré : le bot n'a pas encore interrogé le tableau"
    age = now - last_poll[0]
    said = f"dernier passage sur Trello il y a {format_duration(age)} (limite : {limit})"
    if age <= health_limit_s(poll_interval_s):
        return True, f"ok : {said}"
    return False, (
        f"en panne : {said} — le bot est arrêté, bloqué, ou n'arrive plus à lire Trello (voir son journal)"
    )


def missing_database(path: Path) -> str:
    return f"aucune base d'état à {path} : le bot n'a jamais tourné ici"


def unreadable_database(path: Path, error: BaseException) -> str:
    return f"base d'état illisible à {path} : {error}"


# --- the command -----------------------------------------------------------------------------------------


def run_status(
    *,
    state_db: Path,
    poll_interval_s: float,
    as_json: bool,
    check_health: bool,
    include_final: bool,
    stdout: TextIO,
    stderr: TextIO,
    now: float | None = None,
) -> int:
    now = time.time() if now is None else now
    if not state_db.is_file():  # never create it: a status must not make the bot look installed
        return _no_database(
            missing_database(state_db), check_health=check_health, as_json=as_json, out=stdout, err=stderr
        )
    try:
        status = _snapshot(state_db, include_final=include_final)
    except sqlite3.Error as error:
        print(f"migrabot : {unreadable_database(state_db, error)}", file=stderr)
        return EXIT_UNHEALTHY
    if check_health:
        healthy, why = health(status.last_poll, now=now, poll_interval_s=poll_interval_s)
        print(why, file=stdout if healthy else stderr)
        return EXIT_OK if healthy else EXIT_UNHEALTHY
    if as_json:
        print(json.dumps(status_payload(status, now=now), ensure_ascii=False, indent=2), file=stdout)
    else:
        print(render_status(status, now=now, include_final=include_final), end="", file=stdout)
    return EXIT_OK


def _snapshot(state_db: Path, *, include_final: bool) -> BotStatus:
    store = Store(state_db)
    try:
        return read_status(store, include_final=include_final)
    finally:
        store.close()


def _no_database(message: str, *, check_health: bool, as_json: bool, out: TextIO, err: TextIO) -> int:
    if check_health:
        print(message, file=err)
        return EXIT_UNHEALTHY
    if as_json:
        print(message, file=err)
        print(json.dumps(status_payload(EMPTY_STATUS, now=0.0), ensure_ascii=False, indent=2), file=out)
    else:
        print(message, file=out)
    return EXIT_OK
