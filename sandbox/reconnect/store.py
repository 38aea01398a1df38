"""The simulator's SQLite database: what Reconnect Pro keeps about centres, people and accommodations.

A dry-run opens it read-only (SQLite refuses any write); a real run opens it read-write, and neither
creates a missing file: only `sandbox:seed` does.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

SCHEMA = """
CREATE TABLE organization (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL
);
CREATE TABLE custom_field (
    slug TEXT PRIMARY KEY,
    label TEXT NOT NULL
);
CREATE TABLE accommodation (
    id INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organization (id),
    name TEXT NOT NULL
);
CREATE TABLE household (
    id INTEGER PRIMARY KEY,
    main_individual_id INTEGER NOT NULL
);
CREATE TABLE individual (
    id INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organization (id),
    household_id INTEGER REFERENCES household (id),
    deleted_at TEXT,                       -- soft delete: NULL while the file is alive
    accommodation_id INTEGER REFERENCES accommodation (id),
    accommodation_spot TEXT                -- « Chambre 12 - lit 2 »; reset when detached
);
CREATE TABLE field_value (
    individual_id INTEGER NOT NULL REFERENCES individual (id),
    slug TEXT NOT NULL REFERENCES custom_field (slug),
    value TEXT NOT NULL,
    PRIMARY KEY (individual_id, slug)
);
CREATE INDEX individual_by_organization ON individual (organization_id);
CREATE INDEX individual_by_accommodation ON individual (accommodation_id);
"""


class DatabaseMissing(Exception):
    """The file does not exist (or is not a database): run `sandbox:seed` first."""


def connect(path: Path, *, read_only: bool) -> sqlite3.Connection:
    """Open an existing database; read-only for dry-runs, so that nothing can be written by mistake."""
    if not path.is_file():
        raise DatabaseMissing(str(path))
    mode = "ro" if read_only else "rw"
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True, isolation_level=None)
    connection.execute("PRAGMA foreign_keys = ON")
    try:
        connection.execute("SELECT 1 FROM organization LIMIT 1")
    except sqlite3.DatabaseError:
        connection.close()
        raise DatabaseMissing(str(path)) from None
    return connection


def create(path: Path) -> sqlite3.Connection:
    """A new empty database with the schema, in a transaction the caller commits."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.executescript(SCHEMA)
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("BEGIN")
    return connection
