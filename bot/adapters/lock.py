"""One active `migrabot run` per state database: an exclusive `flock` on a file beside `STATE_DB`.

The kernel drops the lock when its process ends, however it ends (SIGKILL, OOM, power loss of the
container), so a standby never needs a timeout to know the active process is gone. The descriptor is not
inherited by the console's processes (Python opens it close-on-exec), so a lingering `ssh` master cannot
keep it. `flock` is per machine: replicas on several machines need a lock in a shared database
(see docs/reliability.md, « Scale »).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from bot.app.leadership import LeadershipLost, Role, RoleClock


class ActiveLock:
    def __init__(self, state_db: Path) -> None:
        self.path = state_db.with_name(state_db.name + ".lock")
        self._fd: int | None = None
        self._roles = RoleClock()

    def try_acquire(self) -> bool:
        """True when this process is now the active one (or already was)."""
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        self._roles.set(leader=True)
        return True

    def ensure(self) -> None:
        if self._fd is None:
            raise LeadershipLost("not the active process")

    def role(self) -> Role:
        return self._roles.get()

    def holder(self) -> str:
        """The active process's pid as it wrote it (for the standby's log line)."""
        try:
            return self.path.read_text(encoding="ascii").strip() or "?"
        except OSError:
            return "?"

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the last descriptor releases the lock
            self._fd = None
            self._roles.set(leader=False)
