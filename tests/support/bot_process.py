"""`migrabot run` as a real process against the sandbox stack, its log in a file the test can read."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sandbox.trello.server import TrelloSandbox

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class BotProcess:
    process: subprocess.Popen
    log_path: Path

    @classmethod
    def start(cls, env: dict[str, str], cwd: Path, name: str) -> BotProcess:
        log_path = cwd / f"{name}.log"
        with log_path.open("w") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"],
                env={**env, "PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT)},
                cwd=cwd,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        return cls(process=process, log_path=log_path)

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for_log(self, text: str, *, timeout: float = 30) -> None:
        wait_until(lambda: text in self.log, timeout=timeout, what=f"« {text} » in {self.log_path.name}")

    def stop(self) -> int | None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.send_signal(signal.SIGCONT)  # a frozen process hears SIGTERM once thawed
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return None


def wait_until(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def wait_for_polls(trello: TrelloSandbox, count: int, *, timeout: float = 60) -> None:
    """`count` whole polls of the active process from now, as Trello saw them (each poll begins with its one
    request for the board's open cards): a sleep of a few poll intervals may hold fewer polls under load."""

    def polls() -> int:
        return sum(r.method == "GET" and r.path.endswith("/cards/open") for r in list(trello.requests))

    started = polls()
    wait_until(lambda: polls() > started + count, timeout=timeout, what=f"{count} more polls")


def last_poll(state: Path) -> float | None:
    """When the process using this SQLite state last polled (its heartbeat), read without creating it."""
    if not state.is_file():
        return None
    with sqlite3.connect(state) as db:
        row = db.execute("SELECT at FROM heartbeat WHERE name = 'poll'").fetchone()
    return None if row is None else row[0]
