"""A real PostgreSQL server for the tests: Debian's `postgresql` binaries (installed by `.ci/system-deps`),
a cluster initialised in a temporary folder for the session, one fresh database per test. Never a mock.

As root, the cluster belongs to the `postgres` system user the package creates (initdb refuses root).
It listens on 127.0.0.1 at a free port (PostgreSQL cannot bind port 0: a port found free is tried, and
another on a clash) and on a Unix socket in its folder.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

_databases = itertools.count(1)


def binaries() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not found:
        pytest.fail(
            "PostgreSQL is not installed: run `bash .ci/system-deps` (it installs Debian's postgresql)"
        )
    return Path(found[-1]).parent


@dataclass
class PostgresServer:
    folder: Path
    port: int
    owner: str | None  # the system user running it (when the tests run as root)
    bin: Path

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh empty database; its URL."""
        import psycopg

        name = f"test_{os.getpid()}_{next(_databases)}"
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def sql(self, database_url: str, statement: str, parameters: tuple = ()) -> list[tuple]:
        import psycopg

        with psycopg.connect(database_url, autocommit=True) as connection:
            cursor = connection.execute(statement, parameters)
            return cursor.fetchall() if cursor.description else []

    def _as_owner(self, argv: list[str]) -> list[str]:
        return ["runuser", "-u", self.owner, "--", *argv] if self.owner else argv

    def start(self) -> None:
        data = self.folder / "data"
        subprocess.run(
            self._as_owner([str(self.bin / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust"]),
            check=True,
            capture_output=True,
        )
        for _ in range(10):
            self.port = _free_port()
            options = (
                f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
                " -c fsync=off -c max_connections=300"  # fsync: a test server; connections: many stores
            )
            pg_ctl = [str(self.bin / "pg_ctl"), "-D", str(data), "-l", str(self.folder / "log")]
            started = subprocess.run(
                self._as_owner([*pg_ctl, "-w", "-o", options, "start"]),
                capture_output=True,
                text=True,
            )
            if started.returncode == 0:
                return
        raise RuntimeError(f"PostgreSQL did not start: {(self.folder / 'log').read_text()[-2000:]}")

    def stop(self) -> None:
        subprocess.run(
            self._as_owner([str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "fast", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(self.folder, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _owner() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    pytest.fail("running as root, and neither the `postgres` nor the `nobody` user exists to run PostgreSQL")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    owner = _owner()
    folder = Path(tempfile.mkdtemp(prefix="migrabot-pg-"))
    if owner is not None:
        entry = pwd.getpwnam(owner)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    server = PostgresServer(folder=folder, port=0, owner=owner, bin=binaries())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def state_location(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """Where a test's state lives, once per engine: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path / "state.sqlite3"
    return request.getfixturevalue("postgres_server").new_database()
