"""`migrabot status`: what the bot is doing, read from its state database only (no network).

`read_status` takes a snapshot from the store; `status_payload` and `health` are pure (time is an
argument) and give the JSON and the Docker health verdict, `bot.texts.status` the French text;
`run_status` does the I/O. `--health` must stay fast: nothing here imports Trello or Slack code.
"""

from __future__ import annotations

import argparse
import json
import time
import urllib.error
import urllib.request
from dataclasses import asdict
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TextIO

from bot.adapters.schema import SchemaTooNew
from bot.adapters.sql import database_errors, is_postgres, redact, shown
from bot.adapters.store import Store
from bot.app.instances import stood_down_before
from bot.domain.lifecycle import FINAL
from bot.domain.records import RequestStatus
from bot.settings import Settings
from bot.texts import cli as cli_texts
from bot.texts import status as texts
from bot.texts.status import BotStatus, CardStatus, PendingRequest

__all__ = [
    "BotStatus",
    "CardStatus",
    "PendingRequest",
    "health",
    "read_status",
    "run_status",
    "status_payload",
]

EXIT_OK = 0
EXIT_UNHEALTHY = 1

HEALTH_POLLS = 3  # missed polls tolerated before the bot counts as down
HEALTH_PROBE_TIMEOUT_S = 10
HEALTH_MARGIN_S = 60.0
# Nothing left for the bot or the team to do about these; shown only with --all.
FINAL_STATES = FINAL

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
            for request in store.slack_requests(card_id=record.card_id, status=RequestStatus.PENDING)
        )
        cards.append(
            CardStatus(
                card_id=record.card_id,
                short_link=record.short_link,
                name=record.name,
                state=record.state,
                round=record.round,
                description_hash=record.description_hash,
                since=record.updated_at,
                pending=pending,
                last_error=record.last_error,
            )
        )
    return BotStatus(
        last_poll=store.last_beat("poll"), cards=tuple(cards), stood_down_before=stood_down_before(store)
    )


# --- JSON and health ------------------------------------------------------------------------------------


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat()


def status_payload(status: BotStatus, *, now: float, todo_list: str) -> dict:
    last_at, last_detail = status.last_poll if status.last_poll else (None, None)
    return {
        "last_poll": {"at": _iso(last_at) if last_at is not None else None, "detail": last_detail},
        "stood_down_before": asdict(status.stood_down_before) if status.stood_down_before else None,
        "cards": [_card_payload(card, now=now, todo_list=todo_list) for card in status.cards],
    }


def _card_payload(card: CardStatus, *, now: float, todo_list: str) -> dict:
    return {
        "card_id": card.card_id,
        "short_link": card.short_link,
        "name": card.name,
        "state": card.state,
        "state_label": texts.state_label(card.state, todo_list=todo_list),
        "round": card.round,
        "fingerprint": card.description_hash,
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
    limit = texts.format_duration(health_limit_s(poll_interval_s))
    if last_poll is None:
        return False, texts.never_polled()
    age = now - last_poll[0]
    if age <= health_limit_s(poll_interval_s):
        return True, texts.healthy(texts.format_duration(age), limit)
    return False, texts.unhealthy(texts.format_duration(age), limit)


# --- the command -----------------------------------------------------------------------------------------


def main(arguments: argparse.Namespace, settings: Settings, *, stdout: TextIO, stderr: TextIO) -> int:
    if arguments.health and settings.metrics_port:
        return probe_endpoint(
            probe_url(settings.metrics_host, settings.metrics_port), stdout=stdout, stderr=stderr
        )
    return run_status(
        state_db=settings.state_location,
        poll_interval_s=settings.poll_interval_seconds,
        todo_list=settings.trello_list_todo,
        zone=settings.zone,
        as_json=arguments.json,
        check_health=arguments.health,
        include_final=arguments.all,
        stdout=stdout,
        stderr=stderr,
    )


def probe_url(host: str, port: int) -> str:
    """Where the running bot answers `/healthz`, seen from its own machine or container."""
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    return f"http://[{host}]:{port}/healthz" if ":" in host else f"http://{host}:{port}/healthz"


def probe_endpoint(url: str, *, stdout: TextIO, stderr: TextIO) -> int:
    """With METRICS_PORT, `status --health` asks the running process: it knows whether it is the leader, a
    healthy standby, or stuck — the state database's heartbeat cannot tell a standby from a dead bot."""
    try:
        with urllib.request.urlopen(url, timeout=HEALTH_PROBE_TIMEOUT_S) as answer:
            verdict = json.loads(answer.read())
    except urllib.error.HTTPError as error:  # 503: the process answered that it is unwell
        try:
            verdict = json.loads(error.read())
        except ValueError:
            verdict = {"healthy": False, "role": "?", "last_error": str(error)}
    except (OSError, ValueError) as error:
        print(texts.endpoint_unreachable(url, str(error)), file=stderr)
        return EXIT_UNHEALTHY
    healthy = verdict.get("healthy") is True
    print(texts.endpoint_verdict(verdict), file=stdout if healthy else stderr)
    return EXIT_OK if healthy else EXIT_UNHEALTHY


def run_status(
    *,
    state_db: Path | str,
    poll_interval_s: float,
    todo_list: str,
    as_json: bool,
    zone: tzinfo = UTC,
    check_health: bool,
    include_final: bool,
    stdout: TextIO,
    stderr: TextIO,
    now: float | None = None,
) -> int:
    now = time.time() if now is None else now
    # never create a file: a status must not make the bot look installed
    if not is_postgres(state_db) and not Path(state_db).is_file():
        return _no_database(
            texts.missing_database(state_db),
            check_health=check_health,
            as_json=as_json,
            out=stdout,
            err=stderr,
        )
    try:
        status = _snapshot(state_db, include_final=include_final)
    except (SchemaTooNew, *database_errors()) as error:
        reason = redact(str(error), state_db)
        print(cli_texts.error_line(texts.unreadable_database(shown(state_db), reason)), file=stderr)
        return EXIT_UNHEALTHY
    if check_health:
        healthy, why = health(status.last_poll, now=now, poll_interval_s=poll_interval_s)
        print(why, file=stdout if healthy else stderr)
        return EXIT_OK if healthy else EXIT_UNHEALTHY
    if as_json:
        payload = status_payload(status, now=now, todo_list=todo_list)
        print(json.dumps(payload, ensure_ascii=False, indent=2), file=stdout)
    else:
        text = texts.render_status(status, now=now, todo_list=todo_list, include_final=include_final, tz=zone)
        print(text, end="", file=stdout)
    return EXIT_OK


def _snapshot(state_db: Path | str, *, include_final: bool) -> BotStatus:
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
        print(
            json.dumps(status_payload(EMPTY_STATUS, now=0.0, todo_list=""), ensure_ascii=False, indent=2),
            file=out,
        )
    else:
        print(message, file=out)
    return EXIT_OK
