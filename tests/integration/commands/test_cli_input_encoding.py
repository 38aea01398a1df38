"""`parse` and `simulate` given bytes that are not UTF-8: exit 2 and a French sentence naming the byte."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.text import plain

ROOT = Path(__file__).parents[3]
# A ticket saved in Latin-1: « é » is the single byte 0xE9, which UTF-8 cannot start with.
LATIN1_TICKET = "Bonjour,\nCentre initial = Fraternité (ID 4537) -> vers CHU 77 (ID 5644)\n".encode("latin-1")
BAD_OFFSET = LATIN1_TICKET.index(b"\xe9")


def run(*argv: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *argv],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(ROOT), "LANG": "C.UTF-8"},
        check=False,
    )


@pytest.mark.parametrize("command", ["parse", "simulate"])
def test_standard_input_that_is_not_utf8_exits_2_naming_the_byte(command: str):
    result = run(command, "-", stdin=LATIN1_TICKET)
    assert result.returncode == 2
    assert plain(result.stderr.decode()) == (
        f"migrabot : l'entrée n'est pas en UTF-8 (octet 0xE9 à la position {BAD_OFFSET + 1})\n"
    )
    assert result.stdout == b""


@pytest.mark.parametrize("command", ["parse", "simulate"])
def test_a_file_that_is_not_utf8_exits_2_naming_the_file_and_the_byte(command: str, tmp_path: Path):
    ticket = tmp_path / "ticket.txt"
    ticket.write_bytes(LATIN1_TICKET)
    result = run(command, str(ticket))
    assert result.returncode == 2
    assert plain(result.stderr.decode()) == (
        f"migrabot : {ticket} : l'entrée n'est pas en UTF-8 (octet 0xE9 à la position {BAD_OFFSET + 1})\n"
    )
