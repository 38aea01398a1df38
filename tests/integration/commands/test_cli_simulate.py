"""`migrabot simulate` against the Reconnect console simulator, run as real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from tests.support.simulator import console_command
from tests.support.text import plain

ROOT = Path(__file__).parents[3]
RUNBOOK_TICKET = ROOT / "sandbox/tickets/runbook.txt"

RUNBOOK_MESSAGE = """\
Centre d'origine : France Fraternités - CHU 75 (ID 4537) - 160 suivis au total
→ vers CHU 77 (ID 5644) : 41 migrés | reste 119
→ vers CPH (ID 4960) : 10 migrés | reste 150
→ vers DAHAR (ID 5634) : 19 migrés | reste 141
→ vers TEH (ID 5645) : 7 migrés | reste 153

Centre d'origine : France Fraternités - CPH (ID 4960) - 180 suivis au total
→ vers CHU 75 (ID 4537) : 21 migrés | reste 159
→ vers CHU 77 (ID 5644) : 37 migrés | reste 143
→ vers DAHAR (ID 5634) : 35 migrés | reste 145
→ vers TEH (ID 5645) : 17 migrés | reste 163

Hébergements : aucune règle ne les migre.
- CHU 75 (ID 4537) → CHU 77 (ID 5644) : les dossiers migrés seront décrochés de 3 hébergements, qui resteront \
au centre CHU 75 (ID 4537), dont l'hébergement 892, partagé avec des personnes qui ne migrent pas.
- CHU 75 (ID 4537) → CPH (ID 4960) : aucun des dossiers migrés n'a d'hébergement.
- CHU 75 (ID 4537) → DAHAR (ID 5634) : les dossiers migrés seront décrochés d'un hébergement, qui restera au \
centre CHU 75 (ID 4537).
- CHU 75 (ID 4537) → TEH (ID 5645) : aucun des dossiers migrés n'a d'hébergement.
- CPH (ID 4960) → CHU 75 (ID 4537) : les dossiers migrés seront décrochés d'un hébergement, qui restera au \
centre CPH (ID 4960).
- CPH (ID 4960) → CHU 77 (ID 5644) : aucun des dossiers migrés n'a d'hébergement.
- CPH (ID 4960) → DAHAR (ID 5634) : aucun des dossiers migrés n'a d'hébergement.
- CPH (ID 4960) → TEH (ID 5645) : aucun des dossiers migrés n'a d'hébergement.
Au total : 5 hébergements resteront dans leur centre d'origine, décrochés des dossiers migrés, dont 1 \
partagé avec des personnes qui ne migrent pas.
À décider : valider le ticket tel quel (les dossiers migrés seront décrochés de ces hébergements), ou le \
refuser pour ajouter « avec hébergements » aux règles concernées.

Ordre d'exécution :
- Croisement entre CHU 75 (ID 4537) et CPH (ID 4960) : terminer et vérifier le groupe 1 avant de lancer le groupe 2, même en prod.
"""


def simulate(
    db: Path,
    *args: str,
    stdin: str | None = None,
    cwd: Path | None = None,
    env_extra: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """`migrabot simulate`, its outputs read with plain spaces (typography has its own tests)."""
    env = {"PATH": os.environ["PATH"], "CONSOLE_COMMAND": console_command(db), "HOME": str(cwd or ROOT)}
    env |= env_extra or {}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "simulate", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd or ROOT,
        timeout=120,
    )
    result.stdout, result.stderr = plain(result.stdout), plain(result.stderr)
    return result


def test_the_workbook_s_moment_is_in_the_tz_setting(reconnect_db, tmp_path):
    before = time.time()
    result = simulate(
        reconnect_db, "--xlsx", str(tmp_path / "t.xlsx"), str(RUNBOOK_TICKET), env_extra={"TZ": "Asia/Tokyo"}
    )
    after = time.time()
    assert result.returncode == 0, result.stderr
    sheet = load_workbook(tmp_path / "t.xlsx")["Synthèse"]
    [title] = [cell.value for cell in sheet["A"][:4] if str(cell.value).startswith("Simulation (--dry-run)")]
    tokyo = ZoneInfo("Asia/Tokyo")
    moments = {datetime.fromtimestamp(at, tokyo).strftime("le %d/%m/%Y à %H:%M") for at in (before, after)}
    assert any(title.endswith(f"{moment} (fuseau Asia/Tokyo)") for moment in moments), title


def test_the_runbook_ticket_gives_the_runbook_figures_and_the_excel_file(reconnect_db, tmp_path):
    result = simulate(reconnect_db, str(RUNBOOK_TICKET), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(RUNBOOK_MESSAGE)
    assert (
        "Projection une fois tous les groupes passés :\n- CHU 75 (ID 4537) : 160 → 104 (- 77 sortants, + 21 entrants)\n"
        in result.stdout
    )
    assert "Simulation 3/16 : CHU 75 → DAHAR…" in result.stderr
    assert "Simulation 11/16 : CHU 75 → DAHAR (vérification des hébergements)…" in result.stderr
    workbook = load_workbook(tmp_path / "simulation_migration_France_Fraternites_CHU_75_+1.xlsx")
    assert workbook.sheetnames == ["Synthèse", "CHU 75 (ID 4537)", "CPH (ID 4960)", "Commandes"]
    sheet = workbook["CHU 75 (ID 4537)"]
    assert [cell.value for cell in sheet[1]] == [
        "Étape",
        "Centre",
        "ID",
        "Valeur du champ",
        "Mouvement",
        "Suivis dans le centre",
    ]
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    countdown = [row[5] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert countdown == [160, 119, 109, 90, 83, 104, 104]
    assert [row[4] for row in sheet.iter_rows(min_row=3, max_row=6, values_only=True)] == [-41, -10, -19, -7]
    assert sheet.column_dimensions["B"].width >= len("vers CHU 77 (ID 5644)")
    summary = workbook["Synthèse"]
    rows = {row[1]: row for row in summary.iter_rows(min_row=2, values_only=True) if isinstance(row[1], int)}
    assert rows[4960][2:] == (180, 110, 10, 80)


def test_json_output_has_exactly_the_documented_shape(reconnect_db, tmp_path):
    result = simulate(reconnect_db, "--json", "--xlsx", str(tmp_path / "out.xlsx"), str(RUNBOOK_TICKET))
    document = json.loads(result.stdout)
    assert result.returncode == 0
    assert list(document) == [
        "ok",
        "fingerprint",
        "rules",
        "runs",
        "accommodation_checks",
        "warnings",
        "errors",
        "message",
    ]
    run = document["runs"][0]
    assert list(run) == [
        "rule",
        "command",
        "exit_code",
        "duration_s",
        "origin",
        "destination",
        "accommodations",
        "error",
        "finds_nothing",
        "near_misses",
    ]
    assert run["finds_nothing"] is False and run["near_misses"] == []
    assert run["command"].endswith('-f migration-des-donnees -t "CHU 77" --dry-run')
    assert run["origin"] == {
        "id": 4537,
        "name": "France Fraternités - CHU 75",
        "before": 160,
        "after": 119,
        "migrated": 41,
    }
    assert run["destination"] == {
        "id": 5644,
        "name": "France Fraternités - CHU 77",
        "before": 0,
        "after": 41,
        "incoming": 41,
    }
    assert run["accommodations"] is None and run["error"] is None and run["exit_code"] == 0
    assert [(r["origin"]["migrated"], r["origin"]["after"]) for r in document["runs"]] == [
        (41, 119),
        (10, 150),
        (19, 141),
        (7, 153),
        (21, 159),
        (37, 143),
        (35, 145),
        (17, 163),
    ]
    assert document["message"].startswith(RUNBOOK_MESSAGE)
    assert (tmp_path / "out.xlsx").exists()
    checks = document["accommodation_checks"]
    assert [list(check) for check in checks] == [list(run)] * 8
    assert checks[0]["command"].endswith('-t "CHU 77" --withAccommodations --dry-run')
    assert [check["accommodations"]["to_migrate"] for check in checks] == [3, 0, 1, 0, 1, 0, 0, 0]


TYPO_TICKET = ROOT / "sandbox/tickets/faute-de-frappe.txt"
ZERO_MATCH_LEAD = (
    "⚠️ La règle 1 (CPH → CHU 77, valeur « CHU77 ») ne trouve aucun dossier : la valeur doit être écrite "
    "exactement comme dans les dossiers.\n"
    "  - la valeur « CHU 77 » (avec espace) en trouve 37 : corrigez la carte si c'est celle-ci.\n\n"
    "Centre d'origine : France Fraternités - CPH (ID 4960) - 180 suivis au total\n"
)


def test_a_rule_that_finds_nothing_leads_the_output_with_its_near_miss_and_exits_4(reconnect_db, tmp_path):
    result = simulate(reconnect_db, "--xlsx", str(tmp_path / "out.xlsx"), str(TYPO_TICKET))

    assert result.returncode == 4
    assert result.stdout.startswith(ZERO_MATCH_LEAD)
    assert "→ vers CHU 77 (ID 5644) : 0 migré | reste 180" in result.stdout
    assert "Variante 1/2 : « CHU 77 »…" in result.stderr.splitlines()
    assert "4 au moins une règle ne trouve aucun dossier" in plain(
        simulate(reconnect_db, "--help").stdout.replace("\n", " ")
    )


def test_json_says_per_rule_whether_it_finds_nothing_and_what_its_near_misses_found(reconnect_db, tmp_path):
    result = simulate(reconnect_db, "--json", "--xlsx", str(tmp_path / "out.xlsx"), str(TYPO_TICKET))
    document = json.loads(result.stdout)

    assert result.returncode == 4 and document["ok"] is False
    assert [run["finds_nothing"] for run in document["runs"]] == [True, False]
    assert document["runs"][0]["near_misses"] == [{"value": "CHU 77", "kind": "space_added", "found": 37}]
    assert document["runs"][1]["near_misses"] == []
    assert document["message"].startswith(ZERO_MATCH_LEAD)


def test_accommodation_conflicts_exit_3_with_the_conflict_table(reconnect_db):
    ticket = "Centre initial = France Fraternités - CHU 75 (ID 4537) - lorsque le champ = CHU 77 → vers CHU 77 (ID 5644), avec hébergements"
    result = simulate(reconnect_db, "--json", "-", stdin=ticket)
    document = json.loads(result.stdout)
    assert result.returncode == 3
    assert document["runs"][0]["accommodations"] == {
        "to_migrate": 3,
        "conflicts": [
            {"center_id": 4537, "accommodation_id": 892, "not_migrated": [1042, 1078], "migrated": [1035]}
        ],
    }
    assert "- hébergement 892 (centre 4537) : non migrés 1042, 1078 ; migrés 1035" in document["message"]
    assert "Décision : en attente" in document["message"]


def test_a_decision_in_the_ticket_settles_the_conflict(reconnect_db, tmp_path):
    ticket = (
        "Centre initial = France Fraternités - CHU 75 (ID 4537) - lorsque le champ = CHU 77 → vers CHU 77 (ID 5644), "
        "avec hébergements\nConflit hébergements : migrer quand même\n"
    )
    result = simulate(reconnect_db, "--xlsx", str(tmp_path / "x.xlsx"), "-", stdin=ticket)
    assert result.returncode == 0, result.stdout
    assert "Décision : migrer l'hébergement quand même" in result.stdout


def test_a_failing_dry_run_exits_2_with_the_consoles_words(reconnect_db):
    ticket = "Centre initial = Inconnu (ID 9999) - lorsque le champ = X → vers CHU 77 (ID 5644)"
    result = simulate(reconnect_db, "-", stdin=ticket)
    assert result.returncode == 2
    assert result.stdout.startswith("La simulation a échoué (1 commande en erreur) :\n\nCommande 1 : ")
    assert result.stdout.endswith(
        "La commande a échoué (code 1) : « Le centre d'origine 9999 n'existe pas. »\n"
    )


def test_ticket_errors_exit_1_without_running_anything(reconnect_db):
    result = simulate(reconnect_db, "-", stdin="Centre initial = CHU 75\n")
    assert result.returncode == 1
    assert "identifiant du centre manquant" in result.stdout
    assert "Simulation 1/" not in result.stderr


def test_a_missing_console_is_a_clear_failure(tmp_path):
    env = {"PATH": os.environ["PATH"], "CONSOLE_COMMAND": "/nonexistent/php bin/console"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "simulate", str(RUNBOOK_TICKET)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 2
    assert "programme introuvable" in result.stdout
    assert "Traceback" not in result.stderr


def test_simulate_over_ssh_reaches_the_console_through_a_real_sshd(reconnect_db, sshd_server, tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "CONSOLE_COMMAND": console_command(reconnect_db),
        "CONSOLE_SSH": sshd_server.target,
        "CONSOLE_SSH_OPTIONS": sshd_server.ssh_options,
        "CONSOLE_WORKDIR": str(ROOT),
    }
    logins_before = sshd_server.accepted_logins()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "simulate", "--xlsx", str(tmp_path / "s.xlsx"), str(RUNBOOK_TICKET)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert plain(result.stdout).startswith(RUNBOOK_MESSAGE)
    assert sshd_server.accepted_logins() - logins_before == 1  # sixteen dry-runs, one handshake


def test_sandbox_runs_the_built_in_simulator_whatever_the_console_settings(tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(ROOT),
        "HOME": str(tmp_path),
        "CONSOLE_COMMAND": "false",  # an operator's console, unreachable: --sandbox does not use it
        "CONSOLE_SSH": "migrabot@192.0.2.1:22",
        "CONSOLE_WORKDIR": "/nonexistent/reconnect",
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot", "simulate", "--sandbox", str(RUNBOOK_TICKET)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert plain(result.stdout).startswith(RUNBOOK_MESSAGE)
    assert (tmp_path / "simulation_migration_France_Fraternites_CHU_75_+1.xlsx").exists()
