"""Issue 22, point 6: one error boundary for the command line. A bug in a subcommand writes its traceback to
a crash report and prints one French line saying where it is and whom to send it to; exit code 70."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import bot.commands.parse
from bot.cli import EXIT_INTERNAL_ERROR, build_parser, main
from tests.support.text import plain

ROOT = Path(__file__).parents[2]


def crash(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[int, str]:
    def broken(*_args, **_kwargs) -> int:
        raise RuntimeError("boom inside parse")

    monkeypatch.setattr(bot.commands.parse, "main", broken)  # a bug in a subcommand, whatever it is
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    err = io.StringIO()
    code = main(["parse", "ticket.txt"], stdout=io.StringIO(), stderr=err)
    return code, err.getvalue()


def test_a_bug_gives_one_french_line_saying_where_the_details_are_and_whom_to_tell(monkeypatch, tmp_path):
    code, said = crash(monkeypatch, tmp_path)
    assert code == EXIT_INTERNAL_ERROR == 70
    [line] = plain(said).splitlines()
    [report] = (tmp_path / "state" / "migrabot").glob("crash-*.log")
    assert line == (
        f"migrabot : erreur interne inattendue (un bug) : le détail est dans {report} ; envoyez ce fichier à "
        "l'équipe tech de Reconnect Pro."
    )
    assert "Traceback" not in said


def test_the_crash_report_holds_the_traceback_and_the_command(monkeypatch, tmp_path):
    crash(monkeypatch, tmp_path)
    [report] = (tmp_path / "state" / "migrabot").glob("crash-*.log")
    text = report.read_text(encoding="utf-8")
    assert "command: migrabot parse ticket.txt" in text
    assert "Traceback (most recent call last)" in text and "RuntimeError: boom inside parse" in text


def test_the_exit_code_is_documented_in_the_help_and_the_operations_doc():
    assert "70" in plain(build_parser().format_help())
    assert "`70`" in (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
