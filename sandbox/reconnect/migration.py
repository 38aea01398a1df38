"""What `app:migrate-individuals-to-other-organization` decides and does, read from the runbook.

Reading of the runbook's « Logique de ciblage » (the simulator's contract; the real command is not at hand):

- The files considered (« suivis ») are the origin centre's individuals that are not soft-deleted, or all of
  them with `--withDeleted`. « Nb. suivis » counts those files, in each centre, so that `after = before -
  migrated` always holds, with or without `--withDeleted`.
- A file's value is the custom field value stored under slug `-f` for that individual; a missing value and
  the empty string are the same: no value. Comparison with `-t` is exact: case, accents, spaces and
  punctuation included, no trimming (« CHU 77 » ≠ « chu 77 » ≠ « CHU 77  »).
- Households move whole. A household's value is its main member's value when the main member is among the
  files considered and has one; otherwise the first value found among its other considered members, by
  ascending id. The household migrates, every considered member with it, when that value equals `-t`.
  Members outside the files considered (soft-deleted without `--withDeleted`, or in another centre) neither
  give the value nor move. A person without a household is a household of one.
- `--noField` migrates every file considered; it cannot be combined with `-f`/`-t`.
- Refused, with an `[ERROR]` block and exit code 1 (the last two are the simulator's assumptions, so that a
  typo never reads as « 0 migrés »): `-f`/`-t` missing without `--noField`, an unknown centre, origin =
  destination, a slug that names no custom field, an empty `-t` (empty values never migrate).

Accommodations (`--withAccommodations`): the accommodations to migrate are those of the migrated people;
each one is reassigned to the destination. One also holding considered people who do not migrate is a
conflict, reported (dry-run and real run alike) as « Centre ID | Hébergement ID | Individus non migrés |
Individus migrés ». A real run follows the runbook's « accepter de migrer l'hébergement »: the accommodation
moves and the people left behind (soft-deleted ones too) are detached from it, their spot reset.
Without `--withAccommodations`, migrated people are detached from their accommodation (spot reset) and the
accommodation stays in the origin centre.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


class Refusal(Exception):
    """A migration the command refuses; the message is French and shown in an `[ERROR]` block."""


@dataclass(frozen=True)
class Request:
    origin: int
    destination: int
    field: str | None  # None with --noField
    value: str | None
    with_deleted: bool = False
    with_accommodations: bool = False


@dataclass(frozen=True)
class Member:
    id: int
    household: int | None


@dataclass(frozen=True)
class CentreCount:
    id: int
    name: str
    before: int
    after: int


@dataclass(frozen=True)
class SharedAccommodation:
    centre_id: int
    accommodation_id: int
    not_migrated: tuple[int, ...]
    migrated: tuple[int, ...]


@dataclass(frozen=True)
class Simulation:
    origin: CentreCount
    destination: CentreCount
    migrating: tuple[int, ...]
    accommodations: tuple[int, ...]  # of the migrated people
    conflicts: tuple[SharedAccommodation, ...]

    @property
    def migrated(self) -> int:
        return len(self.migrating)


# --- targeting (pure) ----------------------------------------------------------------------------------


def select_migrating(
    members: Sequence[Member], *, main_of: Mapping[int, int], value_of: Mapping[int, str], target: str
) -> frozenset[int]:
    """Ids of the members whose household's value is exactly `target` (see the module docstring)."""
    households: dict[tuple[str, int], list[Member]] = {}
    for member in members:
        key = ("household", member.household) if member.household is not None else ("alone", member.id)
        households.setdefault(key, []).append(member)
    chosen: set[int] = set()
    for (kind, key), group in households.items():
        main = main_of.get(key) if kind == "household" else None
        if household_value(group, main=main, value_of=value_of) == target:
            chosen.update(member.id for member in group)
    return frozenset(chosen)


def household_value(group: Sequence[Member], *, main: int | None, value_of: Mapping[int, str]) -> str | None:
    """The main member's value, else the first other member's (by id); empty values do not count."""
    ids = sorted(member.id for member in group)
    ordered = ([main] if main in ids else []) + [i for i in ids if i != main]
    return next((value_of[i] for i in ordered if value_of.get(i, "") != ""), None)


# --- reading the database ------------------------------------------------------------------------------


def simulate(connection: sqlite3.Connection, request: Request) -> Simulation:
    """What the migration would do; reads only. Raises `Refusal` for unknown centres or fields."""
    origin_name = _centre_name(connection, request.origin, role="d'origine")
    destination_name = _centre_name(connection, request.destination, role="de destination")
    if request.field is not None and not _field_exists(connection, request.field):
        raise Refusal(f"Le champ personnalisé « {request.field} » n'existe pas.")
    scope = "" if request.with_deleted else " AND deleted_at IS NULL"
    rows = connection.execute(
        f"SELECT id, household_id, accommodation_id FROM individual WHERE organization_id = ?{scope} ORDER BY id",
        (request.origin,),
    ).fetchall()
    members = [Member(row[0], row[1]) for row in rows]
    migrating = _targets(connection, request, members)
    accommodations = sorted({row[2] for row in rows if row[0] in migrating and row[2] is not None})
    destination_before = connection.execute(
        f"SELECT COUNT(*) FROM individual WHERE organization_id = ?{scope}", (request.destination,)
    ).fetchone()[0]
    conflicts = (
        _conflicts(connection, accommodations, migrating, scope) if request.with_accommodations else ()
    )
    return Simulation(
        origin=CentreCount(request.origin, origin_name, len(members), len(members) - len(migrating)),
        destination=CentreCount(
            request.destination, destination_name, destination_before, destination_before + len(migrating)
        ),
        migrating=tuple(sorted(migrating)),
        accommodations=tuple(accommodations),
        conflicts=conflicts,
    )


def _centre_name(connection: sqlite3.Connection, centre_id: int, *, role: str) -> str:
    row = connection.execute("SELECT name FROM organization WHERE id = ?", (centre_id,)).fetchone()
    if row is None:
        raise Refusal(f"Le centre {role} {centre_id} n'existe pas.")
    return row[0]


def _field_exists(connection: sqlite3.Connection, slug: str) -> bool:
    return connection.execute("SELECT 1 FROM custom_field WHERE slug = ?", (slug,)).fetchone() is not None


def _targets(connection: sqlite3.Connection, request: Request, members: list[Member]) -> frozenset[int]:
    if request.field is None:
        return frozenset(member.id for member in members)
    values = dict(
        connection.execute(
            "SELECT v.individual_id, v.value FROM field_value v JOIN individual i ON i.id = v.individual_id"
            " WHERE v.slug = ? AND i.organization_id = ?",
            (request.field, request.origin),
        ).fetchall()
    )
    mains = dict(connection.execute("SELECT id, main_individual_id FROM household").fetchall())
    return select_migrating(members, main_of=mains, value_of=values, target=request.value or "")


def _conflicts(
    connection: sqlite3.Connection, accommodations: Sequence[int], migrating: frozenset[int], scope: str
) -> tuple[SharedAccommodation, ...]:
    found = []
    for accommodation_id in accommodations:
        centre_id = connection.execute(
            "SELECT organization_id FROM accommodation WHERE id = ?", (accommodation_id,)
        ).fetchone()[0]
        holders = [
            row[0]
            for row in connection.execute(
                f"SELECT id FROM individual WHERE accommodation_id = ?{scope} ORDER BY id",
                (accommodation_id,),
            )
        ]
        staying = tuple(i for i in holders if i not in migrating)
        if staying:
            moving = tuple(i for i in holders if i in migrating)
            found.append(SharedAccommodation(centre_id, accommodation_id, staying, moving))
    return tuple(found)


# --- writing -------------------------------------------------------------------------------------------


def migrate(connection: sqlite3.Connection, request: Request) -> tuple[Simulation, tuple[int, ...]]:
    """Do it, in one transaction: returns what was done and who lost an accommodation without migrating."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        simulation = simulate(connection, request)
        _move_people(connection, simulation.migrating, request.destination)
        if request.with_accommodations:
            left_behind = _move_accommodations(connection, simulation, request.destination)
        else:
            _detach(connection, simulation.migrating)
            left_behind = ()
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    return simulation, left_behind


def _move_people(connection: sqlite3.Connection, ids: Iterable[int], destination: int) -> None:
    connection.executemany(
        "UPDATE individual SET organization_id = ? WHERE id = ?", [(destination, i) for i in ids]
    )


def _detach(connection: sqlite3.Connection, ids: Iterable[int]) -> None:
    connection.executemany(
        "UPDATE individual SET accommodation_id = NULL, accommodation_spot = NULL WHERE id = ?",
        [(i,) for i in ids],
    )


def _move_accommodations(
    connection: sqlite3.Connection, simulation: Simulation, destination: int
) -> tuple[int, ...]:
    moving = set(simulation.migrating)
    left_behind: list[int] = []
    for accommodation_id in simulation.accommodations:
        connection.execute(
            "UPDATE accommodation SET organization_id = ? WHERE id = ?", (destination, accommodation_id)
        )
        holders = connection.execute(
            "SELECT id FROM individual WHERE accommodation_id = ? ORDER BY id", (accommodation_id,)
        ).fetchall()
        left_behind += [row[0] for row in holders if row[0] not in moving]
    _detach(connection, left_behind)
    return tuple(sorted(left_behind))
