"""One active process per board: the leadership port, what it says about this process, and the guard
that checks it before every write to the outside (Trello, Slack, the console, Drive).

Two adapters: a `flock` beside a SQLite state (`bot.adapters.lock`, one machine) and a PostgreSQL advisory
lock on a dedicated session (`bot.adapters.leadership`, replicas on several machines). A lock on a
database session can be lost while the process lives (the session killed, the network cut): the guard asks
before each side effect, so a process that lost it stops before its next write, not only at its next poll.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


class LeadershipLost(BaseException):
    """This process no longer holds the leadership: it must not write anything more.

    A BaseException, like KeyboardInterrupt: no `except Exception` of a card's handling may turn it into an
    error reported on the card — reporting would be a write."""


@dataclass(frozen=True)
class Role:
    """What the health endpoint asks: am I the active process (leader) or a standby, and since when."""

    leader: bool
    since: float  # time.time() when this role began


class Leadership(Protocol):
    def try_acquire(self) -> bool:
        """True when this process is now the active one (or already was); never raises."""
        ...

    def holder(self) -> str:
        """Who is active, as it says itself (« 1234 on host »), for the standby's log line."""
        ...

    def ensure(self) -> None:
        """Raises LeadershipLost unless this process still holds the leadership."""
        ...

    def role(self) -> Role: ...

    def release(self) -> None: ...


class RoleClock:
    """The current role and when it began, kept by each adapter (read from any thread)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._role = Role(leader=False, since=clock())

    def set(self, *, leader: bool) -> None:
        with self._lock:
            if self._role.leader != leader:
                self._role = Role(leader=leader, since=self._clock())

    def get(self) -> Role:
        with self._lock:
            return self._role


# The methods that write to each outside system (the ports of bot/app/ports.py).
BOARD_WRITES = frozenset(
    {"comment", "edit_comment", "attach", "move", "add_label", "add_checklist", "add_checklist_items", "tick"}
)
CHAT_WRITES = frozenset({"post", "update", "reply", "upload", "ephemeral", "open_modal"})
CONSOLE_WRITES = frozenset({"run"})  # a dry-run is a write on the preprod console
DRIVE_WRITES = frozenset({"upload"})


class Guarded:
    """`target` as it is, except that each method named in `writes` first asks `ensure()`."""

    def __init__(self, target: Any, *, ensure: Callable[[], None], writes: frozenset[str]) -> None:
        self._target, self._ensure, self._writes = target, ensure, writes

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if name not in self._writes:
            return value

        @functools.wraps(value)
        def checked(*args: Any, **kwargs: Any) -> Any:
            self._ensure()
            return value(*args, **kwargs)

        return checked
