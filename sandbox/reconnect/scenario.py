"""The runbook's scenario, seeded so that every dry-run of the runbook prints the runbook's own figures.

Centres: France Fraternités - CHU 75 (4537), CHU 77 (5644), CPH (4960), DAHAR (5634), TEH (5645).

CHU 75 has 160 live files (ids 1001-1160). Field `migration-des-donnees` selects 41 « CHU 77 », 10 « CPH »,
19 « DAHAR », 7 « TEH »; the 83 others have no value, an empty one, or a near miss (« chu 77 », « CHU 77 »
with a trailing space, « CHU77 »…) that an exact comparison must not take. CPH has 180 live files (ids
2001-2180): 21 « CHU 75 », 37 « CHU 77 », 35 « DAHAR », 17 « TEH ». CHU 77 starts empty; DAHAR has 12
files, TEH 5.

Households of CHU 75, to exercise the household rule without changing those counts:
- 7501: main 1001 « CHU 77 », 1002 without value, 1003 « CHU 77 » (+ soft-deleted 1166): 3 go to CHU 77;
- 7502: main 1010 without value, 1011 « CHU 77 », 1012 empty: only a secondary member holds the value,
  the whole household (3) goes to CHU 77;
- 7503: main 1020 « CPH », 1021 « CHU 77 »: the main member decides, both go to CPH;
- 7504: 1025 and 1026 without value: they stay;
- 7505: main 1030 « DAHAR », 1031 without value, 1032 « TEH »: all three go to DAHAR;
- 7506: main 1167 soft-deleted « TEH », 1068 without value: 1068 stays, unless `--withDeleted` (both to TEH).

Soft-deleted in CHU 75: 1161-1163 « CHU 77 », 1164 « CPH », 1165, 1166, 1167 (see above); with
`--withDeleted`, CHU 75 counts 167 files and « CHU 77 » selects 45.

Accommodations of CHU 75: 880 (household 7501), 881 (1040, 1041, both « CHU 77 »), 892 (1035 « CHU 77 »,
1042 without value, 1078 « chu 77 »: the runbook's conflict), 893 (two who stay), 894 (1060, 1062, both
« DAHAR »). CHU 75 → CHU 77 with `--withAccommodations`: 3 accommodations, conflict on 892.

A second field, `site-rattachement`, holds « Paris 13 » (1100-1104) and « Meaux » (1105-1107). Individual
1090 holds a hostile value (HOSTILE_VALUE), 1091 the same with an ASCII apostrophe instead of ’.
"""

from __future__ import annotations

import os
import random
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.reconnect.migration import Member, select_migrating
from sandbox.reconnect.store import create

FIELD = "migration-des-donnees"
SITE_FIELD = "site-rattachement"
HOSTILE_VALUE = 'Résidence "L\'Oasis" $(reboot) `id`; C’est ça'
HOSTILE_NEAR_MISS = "Résidence \"L'Oasis\" $(reboot) `id`; C'est ça"

CHU_75, CHU_77, CPH, DAHAR, TEH = 4537, 5644, 4960, 5634, 5645
ORGANIZATIONS = {
    CHU_75: "France Fraternités - CHU 75",
    CHU_77: "France Fraternités - CHU 77",
    CPH: "France Fraternités - CPH",
    DAHAR: "France Fraternités - DAHAR",
    TEH: "France Fraternités - TEH",
}
FIELDS = {FIELD: "Migration des données", SITE_FIELD: "Site de rattachement"}
DELETED_AT = "2025-03-14 10:12:00"


@dataclass(frozen=True)
class Person:
    id: int
    organization: int
    value: str | None = None  # of `migration-des-donnees`; None: no value stored at all
    household: int | None = None
    deleted: bool = False
    accommodation: int | None = None
    spot: str | None = None
    other_values: dict[str, str] = field(default_factory=dict)


def _special_people() -> list[Person]:
    """The people the docstring names; every other file is a single person filled in by quota."""
    people = [
        # households of CHU 75
        Person(1001, CHU_75, "CHU 77", household=7501, accommodation=880, spot="Chambre 1 - lit 1"),
        Person(1002, CHU_75, None, household=7501, accommodation=880, spot="Chambre 1 - lit 2"),
        Person(1003, CHU_75, "CHU 77", household=7501, accommodation=880, spot="Chambre 1 - lit 3"),
        Person(1166, CHU_75, None, household=7501, deleted=True),
        Person(1010, CHU_75, None, household=7502),
        Person(1011, CHU_75, "CHU 77", household=7502),
        Person(1012, CHU_75, "", household=7502),
        Person(1020, CHU_75, "CPH", household=7503),
        Person(1021, CHU_75, "CHU 77", household=7503),
        Person(1025, CHU_75, None, household=7504),
        Person(1026, CHU_75, "", household=7504),
        Person(1030, CHU_75, "DAHAR", household=7505),
        Person(1031, CHU_75, None, household=7505),
        Person(1032, CHU_75, "TEH", household=7505),
        Person(1167, CHU_75, "TEH", household=7506, deleted=True),
        Person(1068, CHU_75, None, household=7506),
        # accommodations of CHU 75
        Person(1035, CHU_75, "CHU 77", accommodation=892, spot="Chambre 12 - lit 1"),
        Person(1042, CHU_75, None, accommodation=892, spot="Chambre 12 - lit 2"),
        Person(1078, CHU_75, "chu 77", accommodation=892, spot="Chambre 12 - lit 3"),
        Person(1040, CHU_75, "CHU 77", accommodation=881, spot="Chambre 4 - lit 1"),
        Person(1041, CHU_75, "CHU 77", accommodation=881, spot="Chambre 4 - lit 2"),
        Person(1050, CHU_75, None, accommodation=893, spot="Chambre 7 - lit 1"),
        Person(1051, CHU_75, "Autre", accommodation=893, spot="Chambre 7 - lit 2"),
        Person(1060, CHU_75, "DAHAR", accommodation=894, spot="Studio 2"),
        Person(1062, CHU_75, "DAHAR", accommodation=894, spot="Studio 3"),
        # near misses: an exact comparison keeps them in CHU 75
        Person(1079, CHU_75, "CHU 77 "),
        Person(1080, CHU_75, "CHU77"),
        Person(1081, CHU_75, " CHU 77"),
        Person(1082, CHU_75, "   "),
        Person(1083, CHU_75, "Chu 77"),
        Person(1090, CHU_75, HOSTILE_VALUE),
        Person(1091, CHU_75, HOSTILE_NEAR_MISS),
        # soft-deleted singles of CHU 75
        Person(1161, CHU_75, "CHU 77", deleted=True),
        Person(1162, CHU_75, "CHU 77", deleted=True),
        Person(1163, CHU_75, "CHU 77", deleted=True),
        Person(1164, CHU_75, "CPH", deleted=True),
        Person(1165, CHU_75, None, deleted=True),
        # CPH
        Person(2001, CPH, "CHU 75", household=4901, accommodation=950, spot="Appartement 3 - chambre 1"),
        Person(2002, CPH, None, household=4901, accommodation=950, spot="Appartement 3 - chambre 2"),
        Person(2003, CPH, None, household=4901, accommodation=950, spot="Appartement 3 - chambre 3"),
        Person(2010, CPH, None, household=4902),
        Person(2011, CPH, "DAHAR", household=4902),
        Person(2020, CPH, "CHU 77", household=4903),
        Person(2021, CPH, "CHU 77", household=4903),
        Person(2030, CPH, None, accommodation=951, spot="Appartement 5"),
        Person(2031, CPH, "", accommodation=951, spot="Appartement 5"),
        Person(2181, CPH, "CHU 77", deleted=True),
        Person(2182, CPH, None, deleted=True),
    ]
    return people


HOUSEHOLD_MAINS = {
    7501: 1001,
    7502: 1010,
    7503: 1020,
    7504: 1025,
    7505: 1030,
    7506: 1167,
    4901: 2001,
    4902: 2010,
    4903: 2020,
}

# What each centre's live files must select: {value: count of files}, the rest stays.
QUOTAS = {
    CHU_75: {"CHU 77": 41, "CPH": 10, "DAHAR": 19, "TEH": 7},
    CPH: {"CHU 75": 21, "CHU 77": 37, "DAHAR": 35, "TEH": 17},
}
LIVE_IDS = {
    CHU_75: range(1001, 1161),
    CPH: range(2001, 2181),
    DAHAR: range(3001, 3013),
    TEH: range(4001, 4006),
}
ACCOMMODATIONS = {
    880: (CHU_75, "Foyer Saint-Marcel - chambre 1"),
    881: (CHU_75, "Foyer Saint-Marcel - chambre 4"),
    892: (CHU_75, "Foyer Saint-Marcel - chambre 12"),
    893: (CHU_75, "Foyer Saint-Marcel - chambre 7"),
    894: (CHU_75, "Résidence Tolbiac - studios"),
    950: (CPH, "CPH Montreuil - appartement 3"),
    951: (CPH, "CPH Montreuil - appartement 5"),
}
SITE_VALUES = {**dict.fromkeys(range(1100, 1105), "Paris 13"), **dict.fromkeys(range(1105, 1108), "Meaux")}
_STAY_VALUES = (None, "", None, "Autre", None, "", "À définir")


def runbook_people() -> list[Person]:
    """Every file of the scenario: the special people, then singles drawn to meet the quotas exactly."""
    special = _special_people()
    taken = {person.id for person in special}
    people = list(special)
    for organization, ids in LIVE_IDS.items():
        free = [i for i in ids if i not in taken]
        labels = _labels_for(organization, special, len(free))
        people += [
            Person(
                i, organization, label, other_values={SITE_FIELD: SITE_VALUES[i]} if i in SITE_VALUES else {}
            )
            for i, label in zip(free, labels, strict=True)
        ]
    return sorted(people, key=lambda person: person.id)


def _labels_for(organization: int, special: list[Person], free: int) -> list[str | None]:
    """Values for the free singles of a centre so that its quotas are met, in a fixed shuffled order."""
    needed = dict(QUOTAS.get(organization, {}))
    for value, count in _special_selections(organization, special).items():
        if value in needed:
            needed[value] -= count
    if any(count < 0 for count in needed.values()):
        raise ValueError(f"the special people of {organization} exceed its quotas: {needed}")
    labels: list[str | None] = [value for value, count in needed.items() for _ in range(count)]
    labels += [_STAY_VALUES[index % len(_STAY_VALUES)] for index in range(free - len(labels))]
    random.Random(organization).shuffle(labels)  # stable: same seed, same order, on every Python
    return labels


def _special_selections(organization: int, special: list[Person]) -> dict[str, int]:
    """How many live special files each value selects (households counted whole, as the command does)."""
    live = [p for p in special if p.organization == organization and not p.deleted]
    members = [Member(p.id, p.household) for p in live]
    values = {p.id: p.value for p in live if p.value is not None}
    counts: dict[str, int] = {}
    for value in set(values.values()):
        counts[value] = len(select_migrating(members, main_of=HOUSEHOLD_MAINS, value_of=values, target=value))
    return counts


def seed_runbook_scenario(db_path: Path) -> None:
    """(Re)create the database at `db_path` with the runbook's scenario; atomic: a reader never sees half of it."""
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".seed-", suffix=".sqlite3", dir=db_path.parent)
    os.close(handle)
    temporary_path = Path(temporary)
    temporary_path.unlink()
    try:
        _write_scenario(temporary_path)
        os.replace(temporary_path, db_path)
    finally:
        temporary_path.unlink(missing_ok=True)


def _write_scenario(path: Path) -> None:
    people = runbook_people()
    connection = create(path)
    try:
        connection.executemany("INSERT INTO organization (id, name) VALUES (?, ?)", ORGANIZATIONS.items())
        connection.executemany("INSERT INTO custom_field (slug, label) VALUES (?, ?)", FIELDS.items())
        connection.executemany(
            "INSERT INTO accommodation (id, organization_id, name) VALUES (?, ?, ?)",
            [(i, organization, name) for i, (organization, name) in ACCOMMODATIONS.items()],
        )
        connection.executemany(
            "INSERT INTO household (id, main_individual_id) VALUES (?, ?)", HOUSEHOLD_MAINS.items()
        )
        connection.executemany(
            "INSERT INTO individual (id, organization_id, household_id, deleted_at, accommodation_id,"
            " accommodation_spot) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    p.id,
                    p.organization,
                    p.household,
                    DELETED_AT if p.deleted else None,
                    p.accommodation,
                    p.spot,
                )
                for p in people
            ],
        )
        values = [(p.id, FIELD, p.value) for p in people if p.value is not None]
        values += [(p.id, slug, value) for p in people for slug, value in p.other_values.items()]
        connection.executemany(
            "INSERT INTO field_value (individual_id, slug, value) VALUES (?, ?, ?)", values
        )
        connection.execute("COMMIT")
    finally:
        connection.close()
