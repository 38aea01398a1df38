"""`migrabot parse`: the runbook's step-4 text, the exact JSON shape, exit codes, no traceback."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from tests.support.text import plain

ROOT = Path(__file__).parents[3]
RUNBOOK_TICKET = ROOT / "sandbox/tickets/runbook.txt"


def run(*argv: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """`python -m bot …`, its outputs read with plain spaces (typography has its own tests)."""
    result = typeset_run(*argv, stdin=stdin)
    result.stdout, result.stderr = plain(result.stdout), plain(result.stderr)
    return result


def typeset_run(*argv: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *argv],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(ROOT)},
    )


def call(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, plain(out.getvalue()), plain(err.getvalue())


def test_parse_prints_the_runbook_step_four_text():
    result = run("parse", str(RUNBOOK_TICKET))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        "Centre initial = France Fraternités - CHU 75 (ID 4537)\n\nCommande 1 :\n\n```\n"
        "php bin/console app:migrate-individuals-to-other-organization -o 4537 -d 5644 "
        '-f migration-des-donnees -t "CHU 77"\n```\n'
    )
    assert "Centre initial = France Fraternités - CPH (ID 4960)" in result.stdout
    assert result.stdout.count("Commande 4 :") == 2
    assert result.stdout.endswith(
        "Ordre d'exécution :\n- Croisement entre CHU 75 (ID 4537) et CPH (ID 4960) : terminer et vérifier "
        "le groupe 1 avant de lancer le groupe 2, même en prod.\n"
    )


def test_parse_json_has_exactly_the_documented_shape():
    code, out, _ = call("parse", "--json", str(RUNBOOK_TICKET))
    document = json.loads(out)
    assert code == 0
    assert list(document) == ["ok", "rules", "groups", "fingerprint", "errors", "warnings"]
    assert list(document["rules"][0]) == [
        "origin_id",
        "origin_name",
        "destination_id",
        "destination_name",
        "field",
        "value",
        "no_field",
        "with_deleted",
        "with_accommodations",
        "line",
        "command",
    ]
    assert document["rules"][0] == {
        "origin_id": 4537,
        "origin_name": "France Fraternités - CHU 75",
        "destination_id": 5644,
        "destination_name": "France Fraternités - CHU 77",
        "field": "migration-des-donnees",
        "value": "CHU 77",
        "no_field": False,
        "with_deleted": False,
        "with_accommodations": False,
        "line": 6,
        "command": "php bin/console app:migrate-individuals-to-other-organization -o 4537 -d 5644 "
        '-f migration-des-donnees -t "CHU 77"',
    }
    assert document["groups"] == [
        {"origin_id": 4537, "rules": [0, 1, 2, 3], "crosses": [4960]},
        {"origin_id": 4960, "rules": [4, 5, 6, 7], "crosses": [4537]},
    ]
    assert document["ok"] is True and document["errors"] == [] and document["warnings"] == []
    assert len(document["fingerprint"]) == 16


def test_all_records_rule_has_null_field_and_value(tmp_path):
    ticket = tmp_path / "t.txt"
    ticket.write_text("Centre initial = A (ID 1) - tous les dossiers → vers B (ID 2)", encoding="utf-8")
    code, out, _ = call("parse", "--json", str(ticket))
    rule = json.loads(out)["rules"][0]
    assert (code, rule["field"], rule["value"], rule["no_field"]) == (0, None, None, True)
    assert rule["command"].endswith("-o 1 -d 2 --noField")


def test_a_ticket_with_errors_exits_1_with_french_messages():
    result = run(
        "parse", "--json", "-", stdin="Centre initial = CHU 75 (ID 4537)\n- si le champ = A → vers B\n"
    )
    document = json.loads(result.stdout)
    assert result.returncode == 1
    assert document["ok"] is False and document["rules"] == []
    assert document["errors"] == [
        {
            "line": 2,
            "column": 26,
            "message": "Ligne 2, colonne 26 : identifiant du centre manquant — « - si le champ = A → vers B » — attendu : "
            "le nom du centre suivi de son identifiant, p. ex. « France Fraternités - CHU 77 (ID 5644) ». Exemple : "
            "« - lorsque le champ = CHU 77 → vers France Fraternités - CHU 77 (ID 5644) »",
        }
    ]


def test_the_text_report_lists_errors_in_french():
    result = run("parse", "-", stdin="Bonjour\n")
    assert result.returncode == 1
    assert result.stdout == (
        "Le ticket ne peut pas être transformé en commandes :\n"
        "- aucune règle de migration trouvée dans le ticket — attendu : une ligne « Centre initial = France "
        "Fraternités - CHU 75 (ID 4537) » suivie de règles « - lorsque le champ = CHU 77 → vers France Fraternités "
        "- CHU 77 (ID 5644) »\n"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("parse", "/nonexistent/ticket.txt"), "migrabot : fichier introuvable : /nonexistent/ticket.txt\n"),
        (("parse", "--nope"), "migrabot : arguments inconnus : --nope\n"),
        (
            ("frobnicate",),
            "migrabot : argument COMMANDE : choix invalide : 'frobnicate' (valeurs possibles : ",
        ),
        ((), "migrabot : arguments obligatoires manquants : COMMANDE\n"),
        (("simulate", "--xlsx"), "migrabot : argument --xlsx : une valeur est attendue\n"),
    ],
)
def test_usage_errors_exit_2_without_traceback(argv, message):
    result = run(*argv)
    assert result.returncode == 2
    assert result.stderr.startswith(message)
    assert "Traceback" not in result.stderr


def test_bad_settings_exit_2_naming_the_setting():
    result = subprocess.run(
        [sys.executable, "-m", "bot", "parse", str(RUNBOOK_TICKET)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "MIGRATION_FIELD_SLUG": "Pas Un Slug"},
        timeout=60,
    )
    assert result.returncode == 2
    assert "MIGRATION_FIELD_SLUG" in result.stderr and "Traceback" not in result.stderr


def test_field_slug_setting_changes_the_commands():
    result = subprocess.run(
        [sys.executable, "-m", "bot", "parse", str(RUNBOOK_TICKET)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "MIGRATION_FIELD_SLUG": "site-rattachement"},
        timeout=60,
    )
    assert result.returncode == 0
    assert '-f site-rattachement -t "CHU 77"' in result.stdout


def test_usage_errors_are_typeset_and_keep_the_words_typed():
    result = typeset_run("parse", "--no;pe")
    assert result.stderr == "migrabot\u00a0: arguments inconnus\u00a0: --no;pe\n"


@pytest.mark.parametrize("argv", [("--help",), ("parse", "--help"), ("simulate", "--help"), ("status", "-h")])
def test_help_speaks_french_once(argv):
    code, out, _ = call(*argv)
    assert code == 0
    assert out.startswith("utilisation : migrabot")
    assert out.count("utilisation") == 1
    assert "\noptions :\n" in out and "  -h, --help" in out and "afficher cette aide et quitter" in out
    assert not {"usage:", "options:", "positional arguments", "show this help"} & set(out.split("\n"))
    for english in ("usage:", "options:", "positional arguments", "show this help"):
        assert english not in out


def test_subcommand_help_names_its_usage_line_and_exit_codes():
    _, out, _ = call("simulate", "--help")
    assert out.splitlines()[0] == "utilisation : migrabot simulate [-h] [--xlsx CHEMIN] [--json] [--sandbox]"
    assert "Codes de sortie : 0 tout va bien ; 1 le ticket a des erreurs ;" in out
