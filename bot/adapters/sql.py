"""The two SQL engines under the state store: SQLite (the embedded default) and PostgreSQL (for replicas).

The store's SQL is written once, with `?` placeholders and the syntax both dialects share (`INSERT … ON
CONFLICT`, `excluded.`, `DOUBLE PRECISION`); this thin layer holds what differs: the driver, the
placeholder, how a writing transaction begins, and row locks.
psycopg 3 rather than SQLAlchemy: the store is a dozen hand-written statements, SQLite stays on the
standard library, and the leadership session needs libpq's keepalive settings as they are (README
« Dependencies »).

Both engines keep one connection guarded by a lock (the poll, Slack listeners and reminders run on
different threads), so one transaction is one decision on either engine.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

POSTGRES_SCHEMES = ("postgresql://", "postgres://")

# libpq's keepalives on every PostgreSQL session (client side), and the same asked of the server for this
# session (server side): a peer that vanished without closing (network cut, frozen VM) is noticed after
# KEEPALIVE_IDLE + KEEPALIVE_INTERVAL × KEEPALIVE_COUNT seconds, and its advisory lock released.
KEEPALIVE_IDLE = 10
KEEPALIVE_INTERVAL = 5
KEEPALIVE_COUNT = 3
KEEPALIVE_TIMEOUT = KEEPALIVE_IDLE + KEEPALIVE_INTERVAL * KEEPALIVE_COUNT  # 25 s


def is_postgres(location: str | Path) -> bool:
    return str(location).startswith(POSTGRES_SCHEMES)


def shown(location: str | Path) -> str:
    """The state's location for people and logs: a URL's password replaced by ***."""
    text = str(location)
    if not is_postgres(text):
        return text
    parts = urlsplit(text)
    if parts.password is None:
        return text
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


class Transaction(Protocol):
    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> int: ...
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...
    def query(self, sql: str, parameters: Sequence[Any] = ()) -> list[dict]: ...


class Engine(Protocol):
    dialect: str  # "sqlite" or "postgresql"
    location: str  # the file's path or the URL, as given
    for_update: str  # appended to a SELECT that reads rows the transaction then writes

    def transaction(self) -> Iterator[Transaction]: ...
    def query(self, sql: str, parameters: Sequence[Any] = ()) -> list[dict]: ...
    def close(self) -> None: ...


def connect(location: str | Path) -> Engine:
    """The engine for `STATE_DB`: a `postgresql://` URL or a SQLite file's path."""
    if is_postgres(location):
        return PostgresEngine(str(location))
    return SqliteEngine(Path(location) if str(location) != ":memory:" else ":memory:")


class _SqliteTransaction:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> int:
        return self._connection.execute(sql, tuple(parameters)).rowcount

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._connection.executemany(sql, [tuple(row) for row in rows])

    def query(self, sql: str, parameters: Sequence[Any] = ()) -> list[dict]:
        return [dict(row) for row in self._connection.execute(sql, tuple(parameters))]


class SqliteEngine:
    """One file, WAL mode; `BEGIN IMMEDIATE` takes the write lock at once, so two processes never
    interleave a read-then-write."""

    dialect = "sqlite"
    for_update = ""  # the whole database is locked for writing from BEGIN IMMEDIATE on

    def __init__(self, path: Path | str) -> None:
        self.location = str(path)
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._connection = sqlite3.connect(
            str(path), check_same_thread=False, isolation_level=None, timeout=30
        )
        self._connection.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        with self._lock:
            self._connection.execute("PRAGMA journal_mode=WAL")
            self._connection.execute("PRAGMA synchronous=FULL")

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        with self._lock:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteTransaction(self._connection)
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")

    def query(self, sql: str, parameters: Sequence[Any] = ()) -> list[dict]:
        with self._lock:
            return _SqliteTransaction(self._connection).query(sql, parameters)

    def close(self) -> None:
        with self._lock:
            self._connection.close()


def postgres_options(*, application_name: str) -> dict[str, Any]:
    """Connection keywords for every session: keepalives on both ends, a name that says who it is."""
    server_side = (
        f"-c tcp_keepalives_idle={KEEPALIVE_IDLE} -c tcp_keepalives_interval={KEEPALIVE_INTERVAL} "
        f"-c tcp_keepalives_count={KEEPALIVE_COUNT}"
    )
    return {
        "application_name": f"{application_name} pid {os.getpid()} on {socket.gethostname()}"[:63],
        "keepalives": 1,
        "keepalives_idle": KEEPALIVE_IDLE,
        "keepalives_interval": KEEPALIVE_INTERVAL,
        "keepalives_count": KEEPALIVE_COUNT,
        "tcp_user_timeout": KEEPALIVE_TIMEOUT * 1000,  # unacknowledged writes give up as soon
        "connect_timeout": 10,
        "options": server_side,
    }


def _pg(sql: str) -> str:
    return sql.replace("?", "%s")  # the store's SQL has no literal ? nor %


class _PostgresTransaction:
    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> int:
        return self._connection.execute(_pg(sql), tuple(parameters)).rowcount

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            with self._connection.cursor() as cursor:
                cursor.executemany(_pg(sql), [tuple(row) for row in rows])

    def query(self, sql: str, parameters: Sequence[Any] = ()) -> list[dict]:
        return list(self._connection.execute(_pg(sql), tuple(parameters)).fetchall())


class PostgresEngine:
    """READ COMMITTED with row locks where a transaction reads what it then writes (`for_update`); every
    write of the store is one statement or an `INSERT … ON CONFLICT`, atomic on its own. A broken session
    (server restarted, network cut) is replaced at the next transaction."""

    dialect = "postgresql"
    for_update = " FOR UPDATE"

    def __init__(self, url: str) -> None:
        self.location = self.url = url
        self._lock = threading.RLock()
        self._connection = self._connect()

    def _connect(self) -> Any:
        import psycopg  # only when the state is in PostgreSQL
        from psycopg.rows import dict_row

        return psycopg.connect(
            self.url, autocommit=True, row_factory=dict_row, **postgres_options(application_name="migrabot")
        )

    def _live(self) -> Any:
        if self._connection.closed or self._connection.broken:
            self._connection.close()
            self._connection = self._connect()
        return self._connection

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        with self._lock:
            connection = self._live()
            with connection.transaction():
                yield _PostgresTransaction(connection)

    def query(self, sql: str, parameters: Sequence[Any] = ()) -> list[dict]:
        with self._lock:
            return _PostgresTransaction(self._live()).query(sql, parameters)

    def close(self) -> None:
        with self._lock:
            self._connection.close()


def database_errors() -> tuple[type[Exception], ...]:
    """What either engine raises when the database cannot be reached or read."""
    import psycopg

    return (sqlite3.Error, psycopg.Error)


def redact(text: str, location: str | Path) -> str:
    """`text` (an error message, say) without the password of the state's URL."""
    password = urlsplit(str(location)).password if is_postgres(location) else None
    return text.replace(password, "***") if password else text
