"""The state's schema, versioned: numbered migrations, run at start in one transaction.

`schema_version` holds one row, the version the database is at. A database with no such table is at 0:
empty, or a state from a release before versions (unversioned SQLite files, whose tables migration 1
completes). A database at a newer version than `LATEST` was written by a newer migrabot: it is refused
(`SchemaTooNew`), never altered.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

from bot.adapters.sql import Engine, Transaction, shown
from bot.texts import state as texts

# DOUBLE PRECISION: 8-byte floats on PostgreSQL (its REAL has 4), REAL affinity on SQLite.
TABLES_V1 = (
    """CREATE TABLE IF NOT EXISTS cards (
    card_id TEXT PRIMARY KEY,
    short_link TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL DEFAULT '',
    round INTEGER NOT NULL DEFAULT 0,
    fingerprint TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    list_id TEXT NOT NULL DEFAULT '',
    last_activity TEXT NOT NULL DEFAULT '',
    round_started_at DOUBLE PRECISION NOT NULL DEFAULT 0,
    updated_at DOUBLE PRECISION NOT NULL DEFAULT 0,
    last_error TEXT,
    simulation TEXT,
    decision TEXT,
    decision_by TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    activity_seen TEXT NOT NULL DEFAULT ''
)""",
    """CREATE TABLE IF NOT EXISTS journal (
    card_id TEXT NOT NULL,
    round INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    step TEXT NOT NULL,
    result TEXT NOT NULL DEFAULT '',
    done_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (card_id, round, fingerprint, step)
)""",
    """CREATE TABLE IF NOT EXISTS card_centres (
    card_id TEXT NOT NULL,
    centre_id INTEGER NOT NULL,
    PRIMARY KEY (card_id, centre_id)
)""",
    """CREATE TABLE IF NOT EXISTS approvals (
    card_id TEXT NOT NULL,
    round INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    decision TEXT NOT NULL,
    user_id TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    decided_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (card_id, round, fingerprint)
)""",
    """CREATE TABLE IF NOT EXISTS heartbeat (
    name TEXT PRIMARY KEY,
    at DOUBLE PRECISION NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
)""",
    """CREATE TABLE IF NOT EXISTS slack_requests (
    card_id TEXT NOT NULL,
    round INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    ts TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    created_at DOUBLE PRECISION NOT NULL,
    reminded_at DOUBLE PRECISION,
    text TEXT NOT NULL DEFAULT '',
    blocks TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (card_id, round, fingerprint, kind, channel)
)""",
    """CREATE TABLE IF NOT EXISTS trello_watch (
    card_id TEXT NOT NULL,
    round INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    activity TEXT NOT NULL DEFAULT '',
    seen_comment_ids TEXT NOT NULL DEFAULT '',
    since DOUBLE PRECISION NOT NULL,
    reminded_at DOUBLE PRECISION,
    PRIMARY KEY (card_id, round, fingerprint)
)""",
)

# Columns the unversioned releases added to older files at start-up: an old file may still lack them.
UNVERSIONED_COLUMNS = (
    ("cards", "attempts", "INTEGER NOT NULL DEFAULT 0"),
    ("cards", "activity_seen", "TEXT NOT NULL DEFAULT ''"),
)


def _v1(engine: Engine, db: Transaction) -> None:
    for statement in TABLES_V1:
        db.execute(statement)
    for table, column, definition in UNVERSIONED_COLUMNS:
        if column not in _columns(engine, db, table):
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")


def _columns(engine: Engine, db: Transaction, table: str) -> set[str]:
    if engine.dialect == "sqlite":
        return {row["name"] for row in db.query(f"PRAGMA table_info({table})")}
    rows = db.query(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = ?",
        (table,),
    )
    return {row["column_name"] for row in rows}


def _v2(engine: Engine, db: Transaction) -> None:
    """trello_watch.asked: the row was saved once the request was out (1) or while the round ran (0).
    Rows from before it are read as saved once asked (their first look already split the comments)."""
    if "asked" not in _columns(engine, db, "trello_watch"):
        db.execute("ALTER TABLE trello_watch ADD COLUMN asked INTEGER NOT NULL DEFAULT 1")


def _v3(engine: Engine, db: Transaction) -> None:
    """instance: this state's identity on the board, made once with it (a random id, the moment it began).
    An export carries it and an import replaces it: a state moved is the same instance (bot/domain/instances.py)."""
    db.execute("CREATE TABLE IF NOT EXISTS instance (id TEXT NOT NULL, since DOUBLE PRECISION NOT NULL)")
    if not db.query("SELECT id FROM instance"):
        db.execute(
            "INSERT INTO instance (id, since) VALUES (?, ?)", (secrets.token_hex(4), float(int(time.time())))
        )


# (version, what it does): append only; a released migration never changes.
MIGRATIONS: tuple[tuple[int, Callable[[Engine, Transaction], None]], ...] = ((1, _v1), (2, _v2), (3, _v3))
LATEST = MIGRATIONS[-1][0]

# Any constant of our own: two processes starting at once on PostgreSQL migrate one after the other.
MIGRATION_LOCK_KEY = 0x6D696772  # "migr"


class SchemaTooNew(Exception):
    """The state was written by a newer migrabot; the message is French and says what to do."""


def migrate(engine: Engine, *, location: str) -> int:
    """Bring the schema to `LATEST`; returns the version found. Refuses a newer one."""
    with engine.transaction() as db:
        if engine.dialect == "postgresql":
            db.query("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK_KEY,))
        db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        rows = db.query("SELECT version FROM schema_version")
        found = int(rows[0]["version"]) if rows else 0
        if found > LATEST:
            raise SchemaTooNew(texts.schema_too_new(shown(location), found=found, known=LATEST))
        for version, step in MIGRATIONS:
            if version > found:
                step(engine, db)
        if not rows:
            db.execute("INSERT INTO schema_version (version) VALUES (?)", (LATEST,))
        elif found < LATEST:
            db.execute("UPDATE schema_version SET version = ?", (LATEST,))
    return found


# Every table a state export holds, with the columns that order its rows (its primary key).
TABLE_KEYS = {
    "cards": ("card_id",),
    "card_centres": ("card_id", "centre_id"),
    "journal": ("card_id", "round", "fingerprint", "step"),
    "approvals": ("card_id", "round", "fingerprint"),
    "slack_requests": ("card_id", "round", "fingerprint", "kind", "channel"),
    "trello_watch": ("card_id", "round", "fingerprint"),
    "heartbeat": ("name",),
    "instance": ("id",),  # the state's identity moves with it: the same instance, on another engine
}
# Made with every state (migration 3), so never counted when an import asks whether the state is empty.
IDENTITY_TABLE = "instance"


def columns(engine: Engine, db: Transaction, table: str) -> set[str]:
    return _columns(engine, db, table)
