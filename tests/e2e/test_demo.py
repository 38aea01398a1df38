"""`migrabot demo` from the command line: the whole story on loopback, and where each card ends."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook

from tests.support.text import plain

ROOT = Path(__file__).parents[2]


def run_demo(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--output", str(tmp_path / "out"), *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # no .env there unless a test writes one: the demo needs no configuration
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), **(env or {})},
        timeout=120,
    )


# An operator's settings that would send the demo to real (here: unreachable) services, or stop it.
OPERATOR_ENV = {
    "CONSOLE_SSH": "migrabot@192.0.2.1:22",  # TEST-NET-1: never answers
    "CONSOLE_WORKDIR": "/nonexistent/reconnect",
    "CONSOLE_COMMAND": "false",
    "TRELLO_API_BASE_URL": "http://127.0.0.1:9/1",
    "SLACK_MODE": "http",
    "SLACK_HTTP_PORT": "1",
}


def test_the_demo_plays_the_whole_workflow_and_every_card_ends_where_it_should(tmp_path):
    mine = tmp_path / "ma-migration.txt"
    mine.write_text(
        "Centre initial = France Fraternités - TEH (ID 5645) - tous les dossiers → vers France Fraternités - DAHAR (ID 5634)\n",
        encoding="utf-8",
    )
    result = run_demo(tmp_path, "--json", "--ticket", str(mine))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    document = json.loads(result.stdout)
    assert document["ok"] is True
    cards = {
        card["name"].removeprefix("Migration des dossiers usagers - "): card for card in document["cards"]
    }
    assert {name: card["list"] for name, card in cards.items()} == {
        "France Fraternités CHU 75 et CPH": "Validé — à exécuter",
        "CHU 75 vers CHU 77 avec hébergements": "Validé — à exécuter",
        "CPH vers TEH": "Validé — à exécuter",
        "ma-migration": "Validé — à exécuter",
    }
    for card in cards.values():
        assert card["checklists"] == ["Exécution"]
        [attachment] = card["attachments"]
        assert attachment.startswith("simulation_migration_France_Fraternites_") and attachment.endswith(
            ".xlsx"
        )
    said = [(entry["actor"], plain(entry["text"])) for entry in document["entries"]]
    assert (
        "slack",
        "message éphémère pour Sam Bernard : « Seul le PO peut décider de cette migration : rien n'a changé. »",
    ) in said
    assert ("équipe", "Sam Bernard clique « Sans hébergements »") in said
    assert ("équipe", "corrige la description (ID manquant) et remet la carte dans « À simuler »") in said
    assert ("bot", "ticket non compris : commentaire d'erreurs, carte dans « À corriger »") in said
    drive = next(e for e in document["entries"] if e["actor"] == "drive")
    assert drive["text"].startswith("fichier « simulation_migration_France_Fraternites_")
    assert plain(drive["details"]).startswith("📁 Fichier Excel sur le Drive : [simulation_migration_France_")
    assert "](<http://127.0.0.1:" in drive["details"]  # a link to the Drive stand-in
    runbook = next(e for e in document["entries"] if e["text"] == "synthèse postée sur la carte")
    assert "→ vers CHU 77 (ID 5644) : 41 migrés | reste 119" in plain(runbook["details"])
    final = next(e for e in document["entries"] if e["text"] == "commandes finales écrites sur la carte")
    assert "## Preprod" in final["details"] and "## Prod" in final["details"]
    gap = next(e for e in document["entries"] if e["text"] == "écart signalé sur la carte")
    assert plain(gap["details"]).startswith("⚠️ **Vérification preprod — groupe 1 : écart**")
    assert '-t "TEH"' in gap["details"]  # the forgotten command, named
    verified = next(e for e in document["entries"] if e["text"].startswith("groupe 1 vérifié"))
    assert plain(verified["details"]).startswith("✅ **Vérification preprod — groupe 1 : OK**")
    out = tmp_path / "out"
    assert (out / "transcript.txt").read_text(encoding="utf-8").count("🤖 Bot") >= 10
    [first] = out.glob("1-simulation_migration_France_Fraternites_*.xlsx")
    workbook = load_workbook(first)
    assert workbook.sheetnames[:4] == ["Synthèse", "CHU 75 (ID 4537)", "CPH (ID 4960)", "Commandes"]


def test_the_text_transcript_is_printed_as_it_goes(tmp_path):
    result = run_demo(tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert re.match(r"\[ *\d+,\d s\] 🎬 Démo +Tableau Trello « Reconnect Pro - Tech » : 3 cartes", lines[0])
    assert any("🧑‍💼 PO       Camille Martin clique « Valider »" in line for line in lines)
    assert "Slack en Socket Mode, comme `migrabot run`" in lines[1]  # the same default as `run`
    assert lines[-1] == f"Transcription, fichiers Excel et état dans {tmp_path / 'out'}/"


def test_the_demo_runs_slack_in_http_mode_on_request(tmp_path):
    http_run = run_demo(tmp_path, "--http", "--json")
    assert http_run.returncode == 0, http_run.stderr[-2000:]
    document = json.loads(http_run.stdout)
    assert document["ok"] is True
    assert any("Slack en mode HTTP" in entry["text"] for entry in document["entries"])


def test_the_demo_reads_none_of_the_operators_settings(tmp_path):
    (tmp_path / ".env").write_text(
        "".join(f"{name}={value}\n" for name, value in OPERATOR_ENV.items()) + "POLL_INTERVAL_SECONDS=abc\n",
        encoding="utf-8",
    )
    result = run_demo(tmp_path, "--json", env=OPERATOR_ENV)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    document = json.loads(result.stdout)
    assert document["ok"] is True
    assert {card["list"] for card in document["cards"]} == {"Validé — à exécuter"}


def test_a_card_left_on_a_conflict_makes_the_verdict_negative(tmp_path):
    stuck = tmp_path / "conflit.txt"
    stuck.write_text(
        "Centre initial = France Fraternités - CHU 75 (ID 4537) - lorsque le champ = CHU 77 "
        "→ vers France Fraternités - CHU 77 (ID 5644), avec hébergements\n",
        encoding="utf-8",
    )
    result = run_demo(tmp_path, "--json", "--ticket", str(stuck))
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
    document = json.loads(result.stdout)
    assert document["ok"] is False
    lists = {card["name"]: card["list"] for card in document["cards"]}
    assert lists["Migration des dossiers usagers - conflit"] == "À simuler"
    texts = [entry["text"] for entry in document["entries"]]
    assert not any(text.startswith("Toutes les cartes sont validées") for text in texts)
    verdict = document["entries"][-1]
    assert verdict["text"] == "⚠️ 3 carte(s) validée(s) sur 4 ; pas encore validée(s) :"
    assert verdict["details"] == "« conflit » : liste « À simuler »"


def test_keep_running_leaves_the_sandbox_up_until_ctrl_c(tmp_path):
    import re
    import signal

    import httpx

    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "demo", "--keep-running", "--output", str(tmp_path / "out")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT)},
        # As a shell's background job or nohup starts it: SIGINT ignored. Ctrl-C must stop it all the same.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        for line in process.stdout:
            if "Tout reste en marche" in line:
                break
        urls = dict(re.findall(r"(Trello|Slack) (http://127\.0\.0\.1:\d+/\S+?)\.? ", line))
        assert set(urls) == {"Trello", "Slack"}
        assert httpx.get(f"{urls['Trello']}/members/me").status_code == 401  # up, and asking for a key
        assert httpx.post(f"{urls['Slack']}auth.test").json() == {"ok": False, "error": "not_authed"}
        assert line.rstrip().endswith("mettez ces réglages dans son .env :"), line
        env_lines = []
        for line in process.stdout:  # the settings, one `│ NAME=value` line each, STATE_DB last
            env_lines.append(line.split("│ ", 1)[1].rstrip("\n"))
            if env_lines[-1].startswith("STATE_DB="):
                break
        (tmp_path / ".env").write_text("\n".join(env_lines) + "\n", encoding="utf-8")
        pointed = subprocess.run(
            [sys.executable, "-m", "bot", "doctor", "--json"],
            capture_output=True,
            text=True,
            cwd=tmp_path,  # another migrabot, configured by the lines the demo printed, and nothing else
            env={"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT)},
            timeout=60,
        )
        checks = {check["name"]: check["status"] for check in json.loads(pointed.stdout)["checks"]}
        assert {checks["trello.board"], checks["console"], checks["slack.auth"]} == {"ok"}, checks
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
