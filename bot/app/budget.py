"""The poll's dry-runs across cards (issue 25, point 9): five cards of fifty rules once ran 500 dry-runs in one
poll. The console the rounds use counts what it runs; a new round starts only when its dry-runs fit in what
is left of DRY_RUNS_PER_POLL, else the card waits for the next poll (the triage's DEFER_ROUND) and says so
once. The first round of a poll always starts, however big: a card is never put off for ever.
"""

from __future__ import annotations

import threading

from bot.app.ports import Console
from bot.domain.command import DryRunCommand
from bot.domain.model import ConsoleResult


class CountedConsole(Console):
    """The console, counting the dry-runs it runs since `new_poll` (runs may come from several threads)."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._lock = threading.Lock()
        self.ran = 0

    def new_poll(self) -> None:
        with self._lock:
            self.ran = 0

    def run(self, command: DryRunCommand) -> ConsoleResult:
        with self._lock:
            self.ran += 1
        return self.console.run(command)

    def migration_help(self) -> ConsoleResult:
        return self.console.migration_help()

    def close(self) -> None:
        self.console.close()


def over_budget(*, ran: int, needed: int, budget: int) -> bool:
    """A round of `needed` dry-runs waits when others ran this poll and it would go beyond the budget."""
    return ran > 0 and ran + needed > budget
