"""The Reconnect console simulator, seeded, as the bot's configured console."""

from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path

import pytest

from sandbox.reconnect_console import seed_runbook_scenario


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("reconnect") / "template.sqlite3"
    seed_runbook_scenario(path)
    return path


@pytest.fixture
def reconnect_db(seeded_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the runbook scenario for one test (real runs change it)."""
    path = tmp_path / "reconnect.sqlite3"
    shutil.copy(seeded_template, path)
    return path


def console_command(db: Path) -> str:
    return f"{shlex.quote(sys.executable)} -m sandbox.reconnect_console --db {shlex.quote(str(db))}"
