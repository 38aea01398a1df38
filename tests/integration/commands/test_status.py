"""`migrabot status` end to end: a real SQLite state file filled through the store, the CLI in-process."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.adapters.store import Store
from bot.cli import main
from bot.domain.lifecycle import CardState
from bot.domain.records import SlackRequest
from bot.settings import Settings
from tests.support.text import plain

ROOT = Path(__file__).parents[3]
HOUR = 3600.0


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Settings from the environment only (no `.env`: the working directory is empty); returns STATE_DB."""
    monkeypatch.chdir(tmp_path)
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    state_db = tmp_path / "data" / "state.sqlite3"
    monkeypatch.setenv("STATE_DB", str(state_db))
    monkeypatch.setenv("POLL_INTERVAL_SECONDS", "60")
    return state_db


def status(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["status", *args], stdout=out, stderr=err)
    return code, plain(out.getvalue()), plain(err.getvalue())


def fill(path: Path, *, now: float, last_poll_age_s: float = 20) -> None:
    """Three cards as the workflow leaves them: awaiting the PO (reminded), failed, and refused (final)."""
    store = Store(path)
    try:
        store.beat("poll", now=now - last_poll_age_s, detail="3 cartes de migration")
        waiting = now - (3 * HOUR + 12 * 60 + 5)
        store.begin_round(
            "card-po",
            description_hash="0123456789abcdef",
            short_link="aB3dE5fG",
            name="Migration des dossiers usagers - France Fraternités CHU 75 et CPH",
            list_id="list-todo",
            last_activity="",
            state=CardState.SIMULATING,
            now=waiting - 600,
        )
        store.update_card("card-po", state=CardState.AWAITING_APPROVAL, now=waiting)
        request = SlackRequest(
            card_id="card-po",
            round=1,
            description_hash="0123456789abcdef",
            kind="approval",
            channel="C0PO",
            ts="1715680000.000100",
            status="pending",
            created_at=waiting,
            reminded_at=None,
        )
        store.add_slack_request(request)
        store.set_slack_request(request, reminded_at=now - 60)
        store.begin_round(
            "card-ko",
            description_hash="fedcba9876543210",
            short_link="zZ9yY8xX",
            name="Migration CHU 77",
            list_id="list-todo",
            last_activity="",
            state=CardState.SIMULATING,
            now=now - 300,
        )
        store.update_card(
            "card-ko",
            state=CardState.FAILED,
            last_error="La commande a échoué (code 1) : « centre 9999 »",
            now=now - 125,
        )
        store.begin_round(
            "card-no",
            description_hash="00ff00ff00ff00ff",
            short_link="nOnOnOnO",
            name="Migration CPH",
            list_id="list-fix",
            last_activity="",
            state=CardState.SIMULATING,
            now=now - 2 * HOUR,
        )
        store.update_card(
            "card-no", state=CardState.REFUSED, last_error="refusé : pas maintenant", now=now - HOUR
        )
    finally:
        store.close()


def clock(at: float, zone: str = "Europe/Paris") -> str:
    """The board's time (`TZ`, Paris by default), like the comments: never the machine's."""
    return datetime.fromtimestamp(at, ZoneInfo(zone)).strftime("%d/%m/%Y %H:%M:%S")


def test_the_last_poll_is_shown_in_the_board_time_zone_paris_by_default(env: Path, monkeypatch) -> None:
    now = datetime(2026, 7, 1, 12, 0, 20).timestamp()  # summer: Paris is UTC+2
    fill(env, now=now)
    first_line = status()[1].splitlines()[0]
    assert first_line.startswith(f"Dernier passage sur Trello : {clock(now - 20, 'Europe/Paris')} ")
    assert clock(now - 20, "Europe/Paris") != clock(now - 20, "UTC")
    monkeypatch.setenv("TZ", "America/Montreal")
    first_line = status()[1].splitlines()[0]
    assert first_line.startswith(f"Dernier passage sur Trello : {clock(now - 20, 'America/Montreal')} ")


def test_an_unknown_time_zone_is_refused_with_the_setting_named(env: Path, monkeypatch) -> None:
    monkeypatch.setenv("TZ", "Paris")
    code, _, err = status()
    assert code != 0
    assert "TZ" in err and "fuseau horaire inconnu « Paris »" in err


def test_the_text_lists_the_cards_in_flight_with_their_requests_and_errors(env: Path) -> None:
    now = time.time()
    fill(env, now=now)

    code, out, err = status()

    assert (code, err) == (0, "")
    assert out == (
        f"Dernier passage sur Trello : {clock(now - 20)} (il y a 20 s) — 3 cartes de migration\n"
        "Cartes en cours : 2\n"
        "- aB3dE5fG « Migration des dossiers usagers - France Fraternités CHU 75 et CPH » : en attente du PO depuis 3 h 12 min "
        "(simulation n° 1, empreinte 01234567)\n"
        "    demande Slack (validation du PO) dans C0PO depuis 3 h 12 min, relancée\n"
        "- zZ9yY8xX « Migration CHU 77 » : simulation échouée depuis 2 min (simulation n° 1, empreinte fedcba98)\n"
        "    dernière erreur : La commande a échoué (code 1) : « centre 9999 »\n"
    )


def test_all_adds_the_cards_nobody_has_to_act_on(env: Path) -> None:
    now = time.time()
    fill(env, now=now)

    code, out, _ = status("--all")

    assert code == 0
    assert "Cartes suivies : 3\n" in out
    assert (
        "- nOnOnOnO « Migration CPH » : refusé par le PO depuis 1 h (simulation n° 1, empreinte 00ff00ff)\n"
        "    dernière erreur : refusé : pas maintenant\n"
    ) in out


def test_json_gives_the_same_facts_for_scripts(env: Path) -> None:
    now = time.time()
    fill(env, now=now)

    code, out, _ = status("--json")

    payload = json.loads(out)
    assert code == 0
    assert payload["last_poll"]["detail"] == "3 cartes de migration"
    assert abs(datetime.fromisoformat(payload["last_poll"]["at"]).timestamp() - (now - 20)) < 0.01
    assert [card["card_id"] for card in payload["cards"]] == ["card-po", "card-ko"]
    first, second = payload["cards"]
    assert first["state_label"] == "en attente du PO"
    assert abs(first["waiting_s"] - (3 * HOUR + 12 * 60 + 5)) < 5
    assert [(r["kind"], r["channel"], r["ts"], r["reminded"]) for r in first["pending_requests"]] == [
        ("approval", "C0PO", "1715680000.000100", True)
    ]
    assert second["last_error"] == "La commande a échoué (code 1) : « centre 9999 »"
    assert second["pending_requests"] == []


def test_health_passes_while_the_bot_polls(env: Path) -> None:
    fill(env, now=time.time(), last_poll_age_s=30)

    assert status("--health") == (0, "ok : dernier passage sur Trello il y a 30 s (limite : 4 min)\n", "")


def test_health_fails_once_three_polls_and_a_minute_are_missed(env: Path) -> None:
    fill(env, now=time.time(), last_poll_age_s=5 * 60 + 10)

    code, out, err = status("--health")

    assert (code, out) == (1, "")
    assert err == (
        "en panne : dernier passage sur Trello il y a 5 min (limite : 4 min) — le bot est arrêté, bloqué, "
        "ou n'arrive plus à lire Trello (voir son journal)\n"
    )


def test_a_missing_database_is_explained_and_not_created(env: Path) -> None:
    message = f"aucune base d'état à {env} : le bot n'a jamais tourné ici\n"

    assert status() == (0, message, "")
    assert status("--health") == (1, "", message)
    code, out, err = status("--json")
    assert (code, json.loads(out), err) == (
        0,
        {"last_poll": {"at": None, "detail": None}, "stood_down_before": None, "cards": []},
        message,
    )
    assert not env.parent.exists()


def test_a_file_that_is_not_a_database_is_reported_without_a_traceback(env: Path) -> None:
    env.parent.mkdir()
    env.write_text("not sqlite at all, " * 100)

    code, out, err = status("--health")

    assert (code, out) == (1, "")
    assert err.startswith(f"migrabot : base d'état illisible à {env} : file is not a database")


def test_health_check_loads_neither_trello_nor_slack_code(env: Path) -> None:
    """The Docker HEALTHCHECK runs every few seconds: it must start fast and never touch the network."""
    fill(env, now=time.time())
    probe = (
        "import sys; from bot.cli import main; code = main(['status', '--health']); "
        "heavy = sorted(m for m in ('trello', 'slack_sdk', 'slack_bolt', 'httpx') if m in sys.modules); "
        "print(code, heavy)"
    )
    environment = {"PATH": os.environ["PATH"], "STATE_DB": str(env), "HOME": str(env.parent)}

    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env=environment,
        cwd=env.parent,
        timeout=30,
    )

    assert result.stdout.splitlines()[-1] == "0 []", result.stderr
