"""The bot's state: where each card stands, the side-effect journal, decisions, Slack requests.

One interface on two engines (`bot.adapters.sql`): a SQLite file (the embedded default) or PostgreSQL
(replicas on several machines); the schema is versioned (`bot.adapters.schema`). Each method is one
transaction: a decision and the card's new state are written together. Every side effect the bot makes is journaled under (card, round, fingerprint, step):
a step found in the journal is never done again. A « round » starts each time a card (re)enters the list
« À simuler » or its description changes.
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from pathlib import Path

from bot.adapters.schema import IDENTITY_TABLE, LATEST, TABLE_KEYS, columns, migrate
from bot.adapters.sql import Engine, Transaction, connect
from bot.domain.decision import Verdict
from bot.domain.lifecycle import COUNTS_FOR_LOCKS, CardState, Event, next_state
from bot.domain.records import Approval, CardRecord, RequestKind, RequestStatus, SlackRequest, TrelloWatch

IN_PROGRESS = tuple(sorted(COUNTS_FOR_LOCKS))  # cards whose centres still count for lock warnings


class Store:
    """The one store interface on either engine (`bot.adapters.sql`): SQLite file or PostgreSQL URL."""

    def __init__(self, location: Path | str | Engine) -> None:
        self._engine = connect(location) if isinstance(location, str | Path) else location
        self.location = self._engine.location
        try:
            self.schema_found = migrate(self._engine, location=self.location)
        except BaseException:
            self._engine.close()
            raise

    @property
    def dialect(self) -> str:
        return self._engine.dialect

    def close(self) -> None:
        self._engine.close()

    # --- the whole state, for `migrabot state export` / `import` ------------------------------------

    def export(self) -> dict:
        """Every row of every table, in primary-key order: equal states give equal exports on either engine."""
        with self._transaction() as db:  # one snapshot
            tables = {table: db.query(f"SELECT * FROM {table}") for table in TABLE_KEYS}
        return {
            "format": EXPORT_FORMAT,
            "schema": LATEST,
            "tables": {
                table: sorted(rows, key=lambda row, keys=keys: tuple(row[k] for k in keys))
                for (table, rows), keys in zip(tables.items(), TABLE_KEYS.values(), strict=True)
            },
        }

    def import_(self, exported: dict) -> dict[str, int]:
        """Load an export into this (empty) state, in one transaction; returns the rows per table.
        ImportRefused (French) when the file is not an export of this schema or the state is not empty."""
        if not isinstance(exported, dict) or exported.get("format") != EXPORT_FORMAT:
            raise ImportRefused("format")
        if exported.get("schema") != LATEST:
            raise ImportRefused("schema", exported.get("schema"))
        tables = exported.get("tables")
        if not isinstance(tables, dict) or set(tables) != set(TABLE_KEYS):
            raise ImportRefused("format")
        counted = [table for table in TABLE_KEYS if table != IDENTITY_TABLE]
        with self._transaction() as db:
            present = sum(db.query(f"SELECT COUNT(*) AS n FROM {table}")[0]["n"] for table in counted)
            if present:
                raise ImportRefused("not-empty", present)
            db.execute(f"DELETE FROM {IDENTITY_TABLE}")  # the imported state's identity replaces the new one
            for table, rows in tables.items():
                _insert(db, table, rows, known=columns(self._engine, db, table))
        return {table: len(rows) for table, rows in tables.items()}

    def _transaction(self) -> AbstractContextManager[Transaction]:
        return self._engine.transaction()

    def _query(self, sql: str, parameters: tuple = ()) -> list[dict]:
        return self._engine.query(sql, parameters)

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
        with self._transaction() as db:
            rows = db.query(
                f"SELECT * FROM cards WHERE state IN ({states}) ORDER BY card_id{self._engine.for_update}",
                IN_PROGRESS,
            )
            records = [_card(row) for row in rows if row["card_id"] not in open_card_ids]
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
        renumber: bool = True,
    ) -> CardRecord:
        """A new round for this card (in `state`): what the previous round journaled no longer applies.
        `renumber=False`: the record held no simulation (a card asked for its label), the round keeps its
        number, so that the first simulation is n° 1."""
        step = 1 if renumber else 0
        with self._transaction() as db:
            db.execute(
                """INSERT INTO cards (card_id, short_link, name, round, fingerprint, state, list_id, last_activity,
                                      round_started_at, updated_at)
                   VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(card_id) DO UPDATE SET
                       round = cards.round + ?, fingerprint = excluded.fingerprint, state = excluded.state,
                       short_link = excluded.short_link, name = excluded.name, list_id = excluded.list_id,
                       last_activity = excluded.last_activity, round_started_at = excluded.round_started_at,
                       updated_at = excluded.updated_at, last_error = NULL, simulation = NULL,
                       decision = NULL, decision_by = NULL, attempts = 0, activity_seen = ''""",
                (
                    card_id,
                    short_link,
                    name,
                    description_hash,
                    state.value,
                    list_id,
                    last_activity,
                    now,
                    now,
                    step,
                ),
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

    def record_error(
        self, card_id: str, error: str, *, state: CardState, now: float, progressed: bool = False
    ) -> None:
        """An unexpected error on the card: counted, so that a persistent one stops being retried; an attempt
        that got further than the one before (`progressed`) counts as the first."""
        attempts = "1" if progressed else "attempts + 1"
        with self._transaction() as db:
            db.execute(
                f"UPDATE cards SET state = ?, last_error = ?, attempts = {attempts}, updated_at = ? "
                "WHERE card_id = ?",
                (state.value, error, now, card_id),
            )

    def steps_done(self, card_id: str, *, intent_suffix: str) -> int:
        """How many steps the journal holds for the card, their intents left out: how far it has got."""
        rows = self._query(
            "SELECT COUNT(*) AS n FROM journal WHERE card_id = ? AND step NOT LIKE ?",
            (card_id, "%" + intent_suffix),
        )
        return int(rows[0]["n"])

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
            f"""SELECT c.card_id, cc.centre_id FROM cards c
                JOIN card_centres cc ON cc.card_id = c.card_id
                WHERE c.card_id != ? AND c.state IN ({states}) AND cc.centre_id IN ({marks})
                ORDER BY c.round_started_at, c.card_id, cc.centre_id""",
            (card_id, *IN_PROGRESS, *sorted(centre_ids)),
        )
        shared: dict[str, list[int]] = {}
        for row in rows:
            shared.setdefault(row["card_id"], []).append(int(row["centre_id"]))
        found = []
        for other, centres in shared.items():
            record = self.card(other)
            if record is not None:
                found.append((record, centres))
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
            inserted = db.execute(
                """INSERT INTO approvals (card_id, round, fingerprint, decision, user_id, reason, decided_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""",
                (card_id, round_, description_hash, decision.value, user_id, reason, now),
            )
            won = inserted == 1
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
            inserted = db.execute(
                """INSERT INTO journal (card_id, round, fingerprint, step, result, done_at)
                   VALUES (?, ?, ?, 'conflit-tranche', ?, ?) ON CONFLICT DO NOTHING""",
                (card_id, round_, description_hash, f"{decision}|{user_id}", now),
            )
            if inserted != 1:
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

    def instance(self) -> tuple[str, int]:
        """This state's identity on the board: (id, since), made with the state (schema migration 3)."""
        row = self._query("SELECT id, since FROM instance")[0]
        return row["id"], int(row["since"])

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


EXPORT_FORMAT = "migrabot-state"


class ImportRefused(Exception):
    """An export that cannot be loaded here: `reason` is "format", "schema" or "not-empty"."""

    def __init__(self, reason: str, detail: object = None) -> None:
        super().__init__(reason, detail)
        self.reason, self.detail = reason, detail


def _insert(db: Transaction, table: str, rows: list, *, known: set[str]) -> None:
    for row in rows:
        if not isinstance(row, dict) or not set(row) <= known:
            raise ImportRefused("format")
        names = sorted(row)
        db.execute(
            f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
            [row[name] for name in names],
        )


def _card(row: dict) -> CardRecord:
    values = dict(row)
    values["simulation"] = json.loads(values["simulation"]) if values["simulation"] else None
    values["state"] = CardState(values["state"])
    return CardRecord(**_renamed(values))


def _slack_request(row: dict) -> SlackRequest:
    values = _renamed(dict(row))
    return SlackRequest(
        **(values | {"kind": RequestKind(values["kind"]), "status": RequestStatus(values["status"])})
    )


def _renamed(values: dict) -> dict:
    """The `fingerprint` column holds the round's description hash (the column keeps its first name)."""
    values = dict(values)
    values["description_hash"] = values.pop("fingerprint")
    return values
