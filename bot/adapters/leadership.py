"""One active `migrabot run` per board when the state is in PostgreSQL: a session-level advisory lock.

`pg_try_advisory_lock(key)`, the key derived from the board id, held on a session of its own (not the
store's), with TCP keepalives on both ends (`bot.adapters.sql.postgres_options`). PostgreSQL releases the
lock when the session ends: at once when the process dies (its socket closes), or once the server's
keepalives give up on a machine that vanished (network cut): KEEPALIVE_TIMEOUT, 25 s. A standby retries at
its pace (at most every poll interval): take-over within 2 poll intervals plus the keepalive timeout.

`ensure()` is asked before every write (bot.app.leadership.Guarded): one round trip on the lock's
session; if the session is gone (terminated, network cut: libpq's keepalives and tcp_user_timeout bound
the wait), this process stops acting before its next side effect.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from typing import Any

from bot.adapters.sql import postgres_options
from bot.app.leadership import LeadershipLost, Role, RoleClock

log = logging.getLogger("migrabot.leadership")

APPLICATION = "migrabot leader"  # pg_stat_activity's application_name: « migrabot leader pid N on host »


def advisory_key(board_id: str) -> int:
    """A signed 64-bit key of the board: the same board, the same lock, whichever machine asks."""
    digest = hashlib.sha256(f"migrabot board {board_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PostgresLeadership:
    def __init__(self, url: str, *, board_id: str) -> None:
        self.url = url
        self.key = advisory_key(board_id)
        self._lock = threading.RLock()
        self._session: Any = None
        self._held = False
        self._roles = RoleClock()
        self._unreachable = False

    def _connect(self) -> Any:
        import psycopg

        return psycopg.connect(self.url, autocommit=True, **postgres_options(application_name=APPLICATION))

    def try_acquire(self) -> bool:
        import psycopg

        with self._lock:
            if self._held:
                return True
            try:
                if self._session is None or self._session.closed or self._session.broken:
                    self._session = self._connect()
                [(won,)] = self._session.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchall()
            except psycopg.Error as error:
                self._close()
                if not self._unreachable:  # once per outage, not at every retry
                    log.warning("standby: the state database is out of reach (%s)", type(error).__name__)
                self._unreachable = True
                return False
            self._unreachable = False
            self._held = bool(won)
            self._roles.set(leader=self._held)
            return self._held

    def holder(self) -> str:
        """« pid N on host » of the session holding the board's lock, as its application_name says."""
        import psycopg

        with self._lock:
            try:
                if self._session is None:  # out of reach at the last try: nobody to ask
                    return "?"
                rows = self._session.execute(
                    """SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                       WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
                         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                         AND l.classid::bigint = %s AND l.objid::bigint = %s""",
                    ((self.key >> 32) & 0xFFFFFFFF, self.key & 0xFFFFFFFF),
                ).fetchall()
            except psycopg.Error:
                return "?"
        name = rows[0][0] if rows else ""
        return name.removeprefix(APPLICATION).strip().removeprefix("pid ") or "?"

    def ensure(self) -> None:
        import psycopg

        with self._lock:
            if not self._held:
                raise LeadershipLost("not the active process")
            try:
                self._session.execute("SELECT 1").fetchall()  # the session lives, so does its lock
            except psycopg.Error as error:
                first_line = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
                self._lose(f"its database session ended ({type(error).__name__}: {first_line})")
                raise LeadershipLost(str(error)) from None

    def _lose(self, why: str) -> None:
        log.warning("leadership lost: %s; no more writes, back to standby", why)
        self._held = False
        self._roles.set(leader=False)
        self._close()

    def role(self) -> Role:
        return self._roles.get()

    def release(self) -> None:
        with self._lock:
            if self._held and self._session is not None and not self._session.closed:
                try:
                    self._session.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
                except Exception:  # the session is going anyway: its end releases the lock
                    log.debug("advisory unlock failed", exc_info=True)
            self._held = False
            self._roles.set(leader=False)
            self._close()

    def _close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None
