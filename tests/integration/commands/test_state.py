"""`migrabot state export` / `import` between SQLite and a real PostgreSQL, and the previous release's state."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.adapters.schema import LATEST
from bot.adapters.store import Store
from bot.cli import main
from bot.domain.decision import Verdict
from bot.domain.lifecycle import CardState
from bot.domain.records import RequestStatus
from bot.settings import Settings
from sandbox.stack import SandboxStack
from tests.support.postgres import PostgresServer
from tests.support.text import plain

ROOT = Path(__file__).parents[3]
PREVIOUS_RELEASE = ROOT / "tests/fixtures/state/previous-release.sql"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no `.env`
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


def previous_release_state(path: Path) -> Path:
    """A SQLite file as the release before versioned schemas left it (dumped by that release's store)."""
    with sqlite3.connect(path) as db:
        db.executescript(PREVIOUS_RELEASE.read_text(encoding="utf-8"))
    db.close()
    return path


def state(monkeypatch: pytest.MonkeyPatch, location: str | Path, *args: str) -> tuple[int, str, str]:
    monkeypatch.setenv("STATE_DB", str(location))
    out, err = io.StringIO(), io.StringIO()
    code = main(["state", *args], stdout=out, stderr=err)
    return code, out.getvalue(), plain(err.getvalue())


def test_a_state_from_the_previous_release_opens_with_everything_it_held(tmp_path: Path):
    path = previous_release_state(tmp_path / "old.sqlite3")
    store = Store(path)
    assert store.schema_found == 0  # unversioned: migrated
    card = store.card("card-a")
    assert card.state is CardState.AWAITING_APPROVAL
    assert card.simulation == {"commandes": ["php bin/console app:x --dry-run"], "note": "é « » ’"}
    assert card.activity_seen == "2026-11-30T10:05:00.000Z"
    assert store.journaled("card-a", 1, "hash-a", "synthese") == "comment-123"
    [request] = store.slack_requests(status=RequestStatus.PENDING)
    assert (request.card_id, request.ts, request.created_at) == (
        "card-a",
        "1764496804.000200",
        1764496804.125,
    )
    assert store.approval("card-b", 1, "hash-b").decision is Verdict.APPROVED
    assert store.card("card-b").attempts == 1
    assert [record.card_id for record, _ in store.overlapping_cards("card-x", {12})] == ["card-a"]
    watch = store.trello_watch("card-a", 1, "hash-a")  # migration 2: a row from before was saved asked
    assert (watch.seen_comment_ids, watch.since, watch.asked) == ("c1 c2", 1764496805.0, True)
    store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT version FROM schema_version").fetchall() == [(LATEST,)]
    db.close()
    reopened = Store(path)
    assert reopened.schema_found == LATEST  # migrated once
    reopened.close()


def test_export_import_export_gives_identical_data_both_ways(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, postgres_server: PostgresServer
):
    sqlite_state = previous_release_state(tmp_path / "old.sqlite3")
    code, first, err = state(monkeypatch, sqlite_state, "export")
    assert (code, err) == (0, "")
    exported = json.loads(first)
    assert [len(exported["tables"][t]) for t in ("cards", "journal", "slack_requests")] == [2, 2, 1]

    (tmp_path / "first.json").write_text(first, encoding="utf-8")
    url = postgres_server.new_database()
    code, out, err = state(monkeypatch, url, "import", str(tmp_path / "first.json"))
    assert (code, err) == (0, "")
    assert plain(out) == (f"Importé dans {url} : 2 carte(s), 2 entrée(s) du journal, 1 demande(s) Slack.\n")
    code, printed, _ = state(monkeypatch, url, "export", "--output", str(tmp_path / "second.json"))
    assert (code, printed) == (0, "")
    assert (tmp_path / "second.json").read_text(encoding="utf-8") == first

    back = tmp_path / "back.sqlite3"
    assert state(monkeypatch, back, "import", str(tmp_path / "second.json"))[0] == 0
    assert state(monkeypatch, back, "export")[1] == first
    store = Store(url)  # the imported state works on PostgreSQL as it did on SQLite
    assert store.instance() == Store(sqlite_state).instance()  # the same instance: never its own stranger
    assert store.card("card-a").simulation["note"] == "é « » ’"
    assert not store.decide("card-b", 1, "hash-b", Verdict.REFUSED, user_id="U2", now=1)
    store.close()


def test_an_import_never_mixes_states_nor_takes_another_schema(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    source = previous_release_state(tmp_path / "old.sqlite3")
    export = tmp_path / "state.json"
    assert state(monkeypatch, source, "export", "-o", str(export))[0] == 0
    code, _, err = state(monkeypatch, source, "import", str(export))
    assert code == 2
    assert err == (
        f"migrabot : la base d'état {source} contient déjà 10 ligne(s) : l'import n'écrit que dans une base vide "
        "(rien n'a été importé).\n"
    )
    newer = json.loads(export.read_text(encoding="utf-8")) | {"schema": LATEST + 1}
    export.write_text(json.dumps(newer), encoding="utf-8")
    code, _, err = state(monkeypatch, tmp_path / "empty.sqlite3", "import", str(export))
    assert code == 2
    assert (
        f"a été exporté au schéma {LATEST + 1} ; cette version de migrabot importe le schéma {LATEST}" in err
    )
    (tmp_path / "notes.txt").write_text("bonjour", encoding="utf-8")
    code, _, err = state(monkeypatch, tmp_path / "empty.sqlite3", "import", str(tmp_path / "notes.txt"))
    assert (code, err) == (
        2,
        f"migrabot : {tmp_path / 'notes.txt'} n'est pas un export de `migrabot state export`\n",
    )
    assert Store(tmp_path / "empty.sqlite3").cards() == []


def test_run_refuses_a_state_written_by_a_newer_migrabot_before_talking_to_trello(tmp_path: Path):
    stack = SandboxStack(tmp_path / "stack").start(cards=())
    try:
        path = tmp_path / "newer.sqlite3"
        Store(path).close()
        with sqlite3.connect(path) as db:
            db.execute("UPDATE schema_version SET version = ?", (LATEST + 1,))
        db.close()
        env = stack.environment(stack.settings(state_db=path, slack_bot_token=""))
        requests_before = len(stack.trello.requests)
        ran = subprocess.run(
            [sys.executable, "-m", "bot", "run", "--once"],
            env={**env, "PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT)},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert ran.returncode == 2
        assert f"la base d'état {path} est au schéma {LATEST + 1}, plus récent" in plain(ran.stderr)
        assert len(stack.trello.requests) == requests_before
    finally:
        stack.stop()


def test_the_password_of_a_postgresql_state_is_blanked_in_the_logs():
    from bot.commands.run import secrets_of

    settings = Settings(
        _env_file=None, state_db="postgresql://migrabot:p4ss-w0rd-42@db.internal:5432/migrabot"
    )
    assert "p4ss-w0rd-42" in secrets_of(settings)
    assert "" in secrets_of(Settings(_env_file=None))  # a SQLite state has no password


def test_status_reads_a_state_in_postgresql(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, postgres_server: PostgresServer
):
    url = postgres_server.new_database()
    assert state(monkeypatch, url, "import", str(export_of_previous_release(monkeypatch, tmp_path)))[0] == 0
    monkeypatch.setenv("STATE_DB", url)
    out, err = io.StringIO(), io.StringIO()
    assert main(["status", "--json", "--all"], stdout=out, stderr=err) == 0, err.getvalue()
    assert sorted(card["card_id"] for card in json.loads(out.getvalue())["cards"]) == ["card-a", "card-b"]


def export_of_previous_release(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    export = tmp_path / "previous.json"
    source = previous_release_state(tmp_path / "previous.sqlite3")
    assert state(monkeypatch, source, "export", "-o", str(export))[0] == 0
    return export


def test_export_and_import_use_the_per_board_default_when_state_db_is_empty(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    """Issue 25.1: the commands that read the state find it where `run` keeps it, from any directory."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("TRELLO_BOARD_ID", "https://trello.com/b/AbC123xY/reconnect-pro-tech")
    default = tmp_path / "xdg" / "migrabot" / "AbC123xY" / "migrabot.sqlite3"
    source = previous_release_state(tmp_path / "old.sqlite3")
    code, exported, _ = state(monkeypatch, source, "export")
    assert code == 0
    (tmp_path / "state.json").write_text(exported, encoding="utf-8")

    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    code, out, err = state(monkeypatch, "", "import", str(tmp_path / "state.json"))

    assert (code, err) == (0, "")
    assert str(default) in plain(out)
    store = Store(default)
    try:
        assert store.card("card-a").state is CardState.AWAITING_APPROVAL
    finally:
        store.close()
    monkeypatch.chdir(tmp_path)
    assert state(monkeypatch, "", "export")[1] == exported  # the same file, from another directory


def test_without_state_db_nor_a_board_the_commands_say_what_to_set(monkeypatch: pytest.MonkeyPatch):
    code, out, err = state(monkeypatch, "", "export")
    assert (code, out) == (2, "")
    assert "STATE_DB et TRELLO_BOARD_ID sont vides" in err
    assert "Renseignez TRELLO_BOARD_ID (ou STATE_DB)" in err
