"""SQLite state: where each card stands, the side-effect journal, decisions, Slack requests, locks.

One file, WAL mode, one connection guarded by a lock (the poll, Slack listeners and reminders run on
different threads). Every side effect the bot makes is journaled under (card, round, fingerprint, step):
a step found in the journal is never done again. A « round » starts each time a card (re)enters the list
« À simuler » or its description changes.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.domain.decision import Verdict
from bot.domain.lifecycle import COUNTS_FOR_LOCKS, CardState, Event, next_state
from bot.domain.records import Approval, CardRecord, RequestKind, RequestStatus, SlackRequest, TrelloWatch

SCHEMA = """
CREATE TABLE IF NOT EXISTS cards (
    card_id TEXT PRIMARY KEY,
    short_link TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL DEFAULT '',
    round INTEGER NOT NULL DEFAULT 0,
    fingerprint TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    list_id TEXT NOT NULL DEFAULT '',
    last_activity TEXT NOT NULL DEFAULT '',
    round_started_at REAL NOT NULL DEFAULT 0,
    updated_at REAL NOT NULL DEFAULT 0,
    last_error TEXT,
    simulation TEXT,
    decision TEXT,
    decision_by TEXT,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS journal (
    card_id TEXT NOT NULL,
    round INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    step TEXT NOT NULL,
    result TEXT NOT NULL DEFAULT '',
    done_at REAL NOT NULL,
    PRIMARY KEY (card_id, round, fingerprint, step)
);
CREATE TABLE IF NOT EXISTS card_centres (
    card_id TEXT NOT NULL,
    centre_id INTEGER NOT NULL,
    PRIMARY KEY (card_id, centre_id)
);
CREATE TABLE IF NOT EXISTS approvals (
    card_id TEXT NOT NULL,
    round INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    decision TEXT NOT NULL,
    user_id TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    decided_at REAL NOT NULL,
    PRIMARY KEY (card_id, round, fingerprint)
);
CREATE TABLE IF NOT EXISTS heartbeat (
    name TEXT PRIMARY KEY,
    at REAL NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS slack_requests (
    card_id TEXT NOT NULL,
    round INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    ts TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    created_at REAL NOT NULL,
    reminded_at REAL,
    text TEXT NOT NULL DEFAULT '',
    blocks TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (card_id, round, fingerprint, kind, channel)
);
CREATE TABLE IF NOT EXISTS trello_watch (
    card_id TEXT NOT NULL,
    round INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    activity TEXT NOT NULL DEFAULT '',
    seen_comment_ids TEXT NOT NULL DEFAULT '',  -- space-separated comment ids read so far
    since REAL NOT NULL,
    reminded_at REAL,
    asked INTEGER NOT NULL DEFAULT 1,  -- saved once the request was out (1), or while the round ran (0)
    PRIMARY KEY (card_id, round, fingerprint)
);
"""

# Columns added after the first release: created on an older database at start-up.
MIGRATIONS = (
    ("cards", "attempts", "INTEGER NOT NULL DEFAULT 0"),
    ("cards", "activity_seen", "TEXT NOT NULL DEFAULT ''"),
    ("trello_watch", "asked", "INTEGER NOT NULL DEFAULT 1"),  # older rows: read as saved while asked
)
IN_PROGRESS = tuple(sorted(COUNTS_FOR_LOCKS))  # cards whose centres still count for lock warnings


class Store:
    def __init__(self, path: Path | str) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._connection = sqlite3.connect(
            str(path), check_same_thread=False, isolation_level=None, timeout=30
        )
        self._connection.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        with self._lock:
            self._connection.execute("PRAGMA journal_mode=WAL")
            self._connection.execute("PRAGMA synchronous=FULL")
            self._connection.executescript(SCHEMA)
            for table, column, definition in MIGRATIONS:
                columns = {row["name"] for row in self._connection.execute(f"PRAGMA table_info({table})")}
                if column not in columns:
                    self._connection.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield self._connection
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")

    def _query(self, sql: str, parameters: tuple = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._connection.execute(sql, parameters).fetchall()

    # --- cards -----------------------------------------------------------------------------------

    def card(self, card_id: str) -> CardRecord | None:
        rows = self._query("SELECT * FROM cards WHERE card_id = ?", (card_id,))
        return _card(rows[0]) if rows else None

    def cards(self) -> list[CardRecord]:
        return [_card(row) for row in self._query("SELECT * FROM cards ORDER BY round_started_at")]

    def archive_missing(self, open_card_ids: set[str], *, now: float) -> list[CardRecord]:
        """Cards in progress that left the board's open cards (archived, deleted, moved to another board):
        marked « archived » so that their centres no longer count for locks. Returns them as they were."""
        states = ",".join("?" * len(IN_PROGRESS))
        rows = self._query(f"SELECT card_id FROM cards WHERE state IN ({states})", IN_PROGRESS)
        gone = [row["card_id"] for row in rows if row["card_id"] not in open_card_ids]
        records = [record for record in map(self.card, gone) if record is not None]
        with self._transaction() as db:
            db.executemany(
                "UPDATE cards SET state = ?, updated_at = ? WHERE card_id = ?",
                [(next_state(r.state, Event.LEFT_BOARD), now, r.card_id) for r in records],
            )
        return records

    def begin_round(
        self,
        card_id: str,
        *,
        description_hash: str,
        short_link: str,
        name: str,
        list_id: str,
        last_activity: str,
        state: CardState,
        now: float,
    ) -> CardRecord:
        """A new round for this card (in `state`): what the previous round journaled no longer applies."""
        with self._transaction() as db:
            db.execute(
                """INSERT INTO cards (card_id, short_link, name, round, fingerprint, state, list_id, last_activity,
                                      round_started_at, updated_at)
                   VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(card_id) DO UPDATE SET
                       round = round + 1, fingerprint = excluded.fingerprint, state = excluded.state,
                       short_link = excluded.short_link, name = excluded.name, list_id = excluded.list_id,
                       last_activity = excluded.last_activity, round_started_at = excluded.round_started_at,
                       updated_at = excluded.updated_at, last_error = NULL, simulation = NULL,
                       decision = NULL, decision_by = NULL, attempts = 0, activity_seen = ''""",
                (card_id, short_link, name, description_hash, state.value, list_id, last_activity, now, now),
            )
            db.execute("DELETE FROM card_centres WHERE card_id = ?", (card_id,))
        record = self.card(card_id)
        assert record is not None
        return record

    def update_card(self, card_id: str, *, now: float, **fields: object) -> None:
        allowed = {
            "state",
            "list_id",
            "last_activity",
            "activity_seen",
            "last_error",
            "decision",
            "decision_by",
            "name",
            "short_link",
        }
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"unknown card fields: {sorted(unknown)}")
        assignments = ", ".join(f"{name} = ?" for name in fields)
        with self._transaction() as db:
            db.execute(
                f"UPDATE cards SET {assignments}, updated_at = ? WHERE card_id = ?",
                (*fields.values(), now, card_id),
            )

    def save_simulation(self, card_id: str, simulation: dict, *, now: float) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE cards SET simulation = ?, updated_at = ? WHERE card_id = ?",
                (json.dumps(simulation, ensure_ascii=False), now, card_id),
            )

    def record_error(self, card_id: str, error: str, *, state: CardState, now: float) -> None:
        """An unexpected error on the card: counted, so that a persistent one stops being retried."""
        with self._transaction() as db:
            db.execute(
                "UPDATE cards SET state = ?, last_error = ?, attempts = attempts + 1, updated_at = ? "
                "WHERE card_id = ?",
                (state.value, error, now, card_id),
            )

    def record_centres(self, card_id: str, centre_ids: set[int]) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM card_centres WHERE card_id = ?", (card_id,))
            db.executemany(
                "INSERT INTO card_centres (card_id, centre_id) VALUES (?, ?)",
                [(card_id, c) for c in sorted(centre_ids)],
            )

    def overlapping_cards(self, card_id: str, centre_ids: set[int]) -> list[tuple[CardRecord, list[int]]]:
        """Other cards still in progress that touch the same centres, earliest first."""
        if not centre_ids:
            return []
        marks = ",".join("?" * len(centre_ids))
        states = ",".join("?" * len(IN_PROGRESS))
        rows = self._query(
            f"""SELECT c.card_id, GROUP_CONCAT(cc.centre_id) AS shared FROM cards c
                JOIN card_centres cc ON cc.card_id = c.card_id
                WHERE c.card_id != ? AND c.state IN ({states}) AND cc.centre_id IN ({marks})
                GROUP BY c.card_id ORDER BY c.round_started_at""",
            (card_id, *IN_PROGRESS, *sorted(centre_ids)),
        )
        found = []
        for row in rows:
            record = self.card(row["card_id"])
            if record is not None:
                found.append((record, sorted(int(c) for c in str(row["shared"]).split(","))))
        return found

    # --- journal ---------------------------------------------------------------------------------

    def journaled(self, card_id: str, round_: int, description_hash: str, step: str) -> str | None:
        rows = self._query(
            "SELECT result FROM journal WHERE card_id = ? AND round = ? AND fingerprint = ? AND step = ?",
            (card_id, round_, description_hash, step),
        )
        return rows[0]["result"] if rows else None

    def journal(
        self, card_id: str, round_: int, description_hash: str, step: str, result: str, *, now: float
    ) -> None:
        with self._transaction() as db:
            db.execute(
                """INSERT INTO journal (card_id, round, fingerprint, step, result, done_at) VALUES (?, ?, ?, ?, ?, ?)
                   ON CONFLICT DO NOTHING""",
                (card_id, round_, description_hash, step, result, now),
            )

    def journal_results(self, card_id: str, step_prefix: str, *, round_: int | None = None) -> list[str]:
        """Every result a step family produced for a card, all rounds or one (e.g. our attachments' ids)."""
        sql = "SELECT result FROM journal WHERE card_id = ? AND step LIKE ?"
        parameters: tuple = (card_id, step_prefix + "%")
        if round_ is not None:
            sql += " AND round = ?"
            parameters += (round_,)
        return [row["result"] for row in self._query(sql + " ORDER BY done_at", parameters)]

    # --- decisions -------------------------------------------------------------------------------

    def decide(
        self,
        card_id: str,
        round_: int,
        description_hash: str,
        decision: Verdict,
        *,
        user_id: str,
        reason: str = "",
        now: float,
        state: CardState | None = None,
    ) -> bool:
        """Record the one decision of a round — and the card's new `state` in the same transaction, so that
        a crash cannot leave a decision without the state that makes the poll finish its effects. False
        when somebody decided first (double click, two POs)."""
        with self._transaction() as db:
            cursor = db.execute(
                """INSERT INTO approvals (card_id, round, fingerprint, decision, user_id, reason, decided_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""",
                (card_id, round_, description_hash, decision.value, user_id, reason, now),
            )
            won = cursor.rowcount == 1
            if won and state is not None:
                db.execute(
                    "UPDATE cards SET state = ?, updated_at = ? WHERE card_id = ?",
                    (state.value, now, card_id),
                )
            return won

    def decide_conflict(
        self,
        card_id: str,
        round_: int,
        description_hash: str,
        decision: str,
        *,
        user_id: str,
        state: CardState,
        now: float,
    ) -> bool:
        """The accommodation decision of a round, once: claimed and stored on the card, in `state`, together."""
        with self._transaction() as db:
            cursor = db.execute(
                """INSERT INTO journal (card_id, round, fingerprint, step, result, done_at)
                   VALUES (?, ?, ?, 'conflit-tranche', ?, ?) ON CONFLICT DO NOTHING""",
                (card_id, round_, description_hash, f"{decision}|{user_id}", now),
            )
            if cursor.rowcount != 1:
                return False
            db.execute(
                "UPDATE cards SET decision = ?, decision_by = ?, state = ?, updated_at = ? WHERE card_id = ?",
                (decision, user_id, state.value, now, card_id),
            )
            return True

    def approval(self, card_id: str, round_: int, description_hash: str) -> Approval | None:
        rows = self._query(
            "SELECT * FROM approvals WHERE card_id = ? AND round = ? AND fingerprint = ?",
            (card_id, round_, description_hash),
        )
        if not rows:
            return None
        values = dict(rows[0])
        return Approval(**(_renamed(values) | {"decision": Verdict(values["decision"])}))

    # --- liveness ----------------------------------------------------------------------------------

    def beat(self, name: str, *, now: float, detail: str = "") -> None:
        """The service says it is alive (e.g. after each poll); `migrabot status --health` reads it."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO heartbeat (name, at, detail) VALUES (?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET at = excluded.at, detail = excluded.detail",
                (name, now, detail),
            )

    def last_beat(self, name: str) -> tuple[float, str] | None:
        rows = self._query("SELECT at, detail FROM heartbeat WHERE name = ?", (name,))
        return (rows[0]["at"], rows[0]["detail"]) if rows else None

    # --- Slack requests --------------------------------------------------------------------------

    def add_slack_request(self, request: SlackRequest) -> None:
        with self._transaction() as db:
            db.execute(
                """INSERT INTO slack_requests (card_id, round, fingerprint, kind, channel, ts, status, created_at,
                                               reminded_at, text, blocks)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""",
                (
                    request.card_id,
                    request.round,
                    request.description_hash,
                    request.kind,
                    request.channel,
                    request.ts,
                    request.status,
                    request.created_at,
                    request.reminded_at,
                    request.text,
                    request.blocks,
                ),
            )

    def slack_requests(
        self,
        *,
        card_id: str | None = None,
        status: RequestStatus | None = None,
        kind: RequestKind | None = None,
    ) -> list[SlackRequest]:
        clauses, parameters = [], []
        for column, value in (("card_id", card_id), ("status", status), ("kind", kind)):
            if value is not None:
                clauses.append(f"{column} = ?")
                parameters.append(value)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._query(f"SELECT * FROM slack_requests {where} ORDER BY created_at", tuple(parameters))
        return [_slack_request(row) for row in rows]

    def slack_request_by_ts(self, channel: str, ts: str) -> SlackRequest | None:
        rows = self._query("SELECT * FROM slack_requests WHERE channel = ? AND ts = ?", (channel, ts))
        return _slack_request(rows[0]) if rows else None

    def set_slack_request(
        self, request: SlackRequest, *, status: RequestStatus | None = None, reminded_at: float | None = None
    ) -> None:
        with self._transaction() as db:
            if status is not None:
                db.execute(
                    "UPDATE slack_requests SET status = ? WHERE channel = ? AND ts = ?",
                    (status, request.channel, request.ts),
                )
            if reminded_at is not None:
                db.execute(
                    "UPDATE slack_requests SET reminded_at = ? WHERE channel = ? AND ts = ?",
                    (reminded_at, request.channel, request.ts),
                )

    # --- decisions said in Trello comments ---------------------------------------------------------

    def trello_watch(self, card_id: str, round_: int, description_hash: str) -> TrelloWatch | None:
        rows = self._query(
            "SELECT * FROM trello_watch WHERE card_id = ? AND round = ? AND fingerprint = ?",
            (card_id, round_, description_hash),
        )
        if not rows:
            return None
        values = _renamed(dict(rows[0]))
        return TrelloWatch(**{**values, "asked": bool(values["asked"])})

    def set_trello_watch(self, watch: TrelloWatch) -> None:
        with self._transaction() as db:
            db.execute(
                """INSERT INTO trello_watch
                   (card_id, round, fingerprint, activity, seen_comment_ids, since, reminded_at, asked)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (card_id, round, fingerprint) DO UPDATE SET activity = excluded.activity,
                   seen_comment_ids = excluded.seen_comment_ids, reminded_at = excluded.reminded_at,
                   since = excluded.since, asked = excluded.asked""",
                (
                    watch.card_id,
                    watch.round,
                    watch.description_hash,
                    watch.activity,
                    watch.seen_comment_ids,
                    watch.since,
                    watch.reminded_at,
                    int(watch.asked),
                ),
            )


def _card(row: sqlite3.Row) -> CardRecord:
    values = dict(row)
    values["simulation"] = json.loads(values["simulation"]) if values["simulation"] else None
    values["state"] = CardState(values["state"])
    return CardRecord(**_renamed(values))


def _slack_request(row: sqlite3.Row) -> SlackRequest:
    values = _renamed(dict(row))
    return SlackRequest(
        **(values | {"kind": RequestKind(values["kind"]), "status": RequestStatus(values["status"])})
    )


def _renamed(values: dict) -> dict:
    """The `fingerprint` column holds the round's description hash (the column keeps its first name)."""
    values = dict(values)
    values["description_hash"] = values.pop("fingerprint")
    return values
