"""The Reconnect console simulator, driven as the bot drives it: a real process on a real SQLite file."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.reconnect.scenario import HOSTILE_NEAR_MISS, HOSTILE_VALUE
from sandbox.reconnect_console import seed_runbook_scenario

REPO = Path(__file__).resolve().parents[3]
MIGRATE = "app:migrate-individuals-to-other-organization"
FIELD = "migration-des-donnees"
CHU_75, CHU_77, CPH, DAHAR, TEH = 4537, 5644, 4960, 5634, 5645


def console(db: Path | None, *args: str) -> subprocess.CompletedProcess[str]:
    prefix = ["--db", str(db)] if db is not None else []
    return subprocess.run(
        [sys.executable, "-m", "sandbox.reconnect_console", *prefix, *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "COLUMNS": "80", "PYTHONPATH": str(REPO)},
        stdin=subprocess.DEVNULL,
        timeout=30,
    )


def dry_run(db: Path, origin: int, destination: int, *options: str) -> subprocess.CompletedProcess[str]:
    return console(db, MIGRATE, "-o", str(origin), "-d", str(destination), *options, "--dry-run")


def rule(value: str) -> tuple[str, ...]:
    return ("-f", FIELD, "-t", value)


def summary(stdout: str) -> dict[str, list[str]]:
    """{"Origine": [id, name, before, after], "Destination": [...]} read from the summary table."""
    rows = {}
    for line in stdout.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if cells[0] in {"Origine", "Destination"}:
            rows[cells[0]] = cells[1:]
    return rows


def figures(stdout: str) -> tuple[int, str, int, str]:
    rows = summary(stdout)
    return int(rows["Origine"][2]), rows["Origine"][3], int(rows["Destination"][2]), rows["Destination"][3]


def organization_of(db: Path, *individual_ids: int) -> dict[int, int]:
    with sqlite3.connect(db) as connection:
        marks = ",".join("?" * len(individual_ids))
        query = f"SELECT id, organization_id FROM individual WHERE id IN ({marks})"
        return dict(connection.execute(query, individual_ids).fetchall())


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The runbook scenario, seeded once; tests that only dry-run share it."""
    path = tmp_path_factory.mktemp("reconnect") / "reconnect.sqlite3"
    seed_runbook_scenario(path)
    return path


@pytest.fixture
def db(seeded: Path, tmp_path: Path) -> Path:
    """A private copy for tests that really migrate."""
    copy = tmp_path / "reconnect.sqlite3"
    shutil.copyfile(seeded, copy)
    return copy


# --- the runbook's figures -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("origin", "destination", "value", "before", "after", "moved", "destination_before"),
    [
        (CHU_75, CHU_77, "CHU 77", 160, 119, 41, 0),
        (CHU_75, CPH, "CPH", 160, 150, 10, 180),
        (CHU_75, DAHAR, "DAHAR", 160, 141, 19, 12),
        (CHU_75, TEH, "TEH", 160, 153, 7, 5),
        (CPH, CHU_75, "CHU 75", 180, 159, 21, 160),
        (CPH, CHU_77, "CHU 77", 180, 143, 37, 0),
        (CPH, DAHAR, "DAHAR", 180, 145, 35, 12),
        (CPH, TEH, "TEH", 180, 163, 17, 5),
    ],
)
def test_each_runbook_rule_prints_the_runbook_figures(
    seeded: Path, origin, destination, value, before, after, moved, destination_before
) -> None:
    result = dry_run(seeded, origin, destination, *rule(value))

    assert result.returncode == 0, result.stdout + result.stderr
    assert figures(result.stdout) == (
        before,
        f"{after} (- {moved} migrés)",
        destination_before,
        f"{destination_before + moved} (+ {moved} entrants)",
    )


def test_the_runbook_dry_run_with_accommodations_prints_exactly_this(seeded: Path) -> None:
    result = dry_run(seeded, CHU_75, CHU_77, *rule("CHU 77"), "--withAccommodations")

    assert result.returncode == 0
    assert result.stderr == ""
    assert result.stdout == (
        "\n"
        "Migration des individus vers un autre centre\n"
        "============================================\n"
        "\n"
        " ! [NOTE] Mode simulation (--dry-run) : aucune donnée ne sera modifiée.         \n"
        "\n"
        " Critère : champ « migration-des-donnees » = « CHU 77 »\n"
        "\n"
        " ------------- ----------- ----------------------------- ------------ -------------------- \n"
        "  Rôle          Centre ID   Centre Nom                    Nb. suivis   Après migration     \n"
        " ------------- ----------- ----------------------------- ------------ -------------------- \n"
        "  Origine       4537        France Fraternités - CHU 75   160          119 (- 41 migrés)   \n"
        "  Destination   5644        France Fraternités - CHU 77   0            41 (+ 41 entrants)  \n"
        " ------------- ----------- ----------------------------- ------------ -------------------- \n"
        "\n"
        " Hébergements à migrer: 3\n"
        "\n"
        " Problème: Hébergements avec individus non migrés rattachés\n"
        "\n"
        " ----------- ---------------- ---------------------- ------------------ \n"
        "  Centre ID   Hébergement ID   Individus non migrés   Individus migrés  \n"
        " ----------- ---------------- ---------------------- ------------------ \n"
        "  4537        892              1042, 1078             1035              \n"
        " ----------- ---------------- ---------------------- ------------------ \n"
        "\n"
        " [OK] Simulation terminée : aucune donnée n'a été modifiée.                     \n"
        "\n"
    )


def test_accommodations_without_conflict_print_only_the_count(seeded: Path) -> None:
    result = dry_run(seeded, CPH, CHU_75, *rule("CHU 75"), "--withAccommodations")

    assert " Hébergements à migrer: 1\n" in result.stdout
    assert "Problème" not in result.stdout


def test_without_with_accommodations_no_accommodation_block_is_printed(seeded: Path) -> None:
    assert "Hébergements" not in dry_run(seeded, CHU_75, CHU_77, *rule("CHU 77")).stdout


# --- targeting -----------------------------------------------------------------------------------------


def test_the_value_must_match_exactly(seeded: Path) -> None:
    near_misses = ["chu 77", "CHU 77 ", " CHU 77", "CHU77", "Chu 77", HOSTILE_NEAR_MISS]

    migrated = [figures(dry_run(seeded, CHU_75, CHU_77, *rule(value)).stdout)[1] for value in near_misses]

    assert migrated == ["159 (- 1 migrés)"] * len(near_misses)  # each near miss selects only its own holder


def test_a_hostile_value_arrives_and_matches_byte_for_byte(seeded: Path) -> None:
    result = dry_run(seeded, CHU_75, CHU_77, *rule(HOSTILE_VALUE))

    assert result.returncode == 0
    assert f" Critère : champ « {FIELD} » = « {HOSTILE_VALUE} »\n" in result.stdout
    assert figures(result.stdout)[1] == "159 (- 1 migrés)"


def test_values_of_another_field_can_be_targeted(seeded: Path) -> None:
    result = dry_run(seeded, CHU_75, CHU_77, "-f", "site-rattachement", "-t", "Meaux")

    assert figures(result.stdout)[1] == "157 (- 3 migrés)"


def test_households_move_whole_by_the_main_member_then_the_others(db: Path) -> None:
    result = console(db, MIGRATE, "-o", str(CHU_75), "-d", str(CHU_77), *rule("CHU 77"))

    assert result.returncode == 0, result.stdout
    after = organization_of(db, 1001, 1002, 1003, 1010, 1011, 1012, 1020, 1021, 1166, 1078)
    assert after == {
        1001: CHU_77,  # main member holds « CHU 77 »
        1002: CHU_77,  # no value of their own, moves with the household
        1003: CHU_77,
        1010: CHU_77,  # main member has no value: the secondary member's « CHU 77 » decides
        1011: CHU_77,
        1012: CHU_77,
        1020: CHU_75,  # main member says « CPH »: the secondary's « CHU 77 » is not looked at
        1021: CHU_75,
        1166: CHU_75,  # soft-deleted member: ignored without --withDeleted
        1078: CHU_75,  # « chu 77 » is not « CHU 77 »
    }


def test_with_deleted_counts_and_moves_soft_deleted_files(seeded: Path) -> None:
    chu_77 = dry_run(seeded, CHU_75, CHU_77, *rule("CHU 77"), "--withDeleted")
    teh = dry_run(seeded, CHU_75, TEH, *rule("TEH"), "--withDeleted")

    assert figures(chu_77.stdout) == (167, "122 (- 45 migrés)", 0, "45 (+ 45 entrants)")
    assert figures(teh.stdout)[:2] == (167, "158 (- 9 migrés)")  # a deleted main member now gives its value
    assert " Individus supprimés inclus (--withDeleted)\n" in chu_77.stdout


def test_no_field_migrates_every_file(seeded: Path) -> None:
    result = dry_run(seeded, CHU_75, CHU_77, "--noField")

    assert figures(result.stdout) == (160, "0 (- 160 migrés)", 0, "160 (+ 160 entrants)")


# --- refusals: SymfonyStyle error blocks on stdout, exit 1 ----------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--noField", "-f", FIELD), "L'option --noField est incompatible avec --targetFieldSlug (-f) et"),
        (("--noField", "-t", "CHU 77"), "L'option --noField est incompatible avec --targetFieldSlug (-f) et"),
        (("-f", FIELD), "Les options --targetFieldSlug (-f) et --targetFieldValue (-t) sont"),
        ((), "Les options --targetFieldSlug (-f) et --targetFieldValue (-t) sont"),
        (("-f", "champ-inconnu", "-t", "x"), "Le champ personnalisé « champ-inconnu » n'existe pas."),
        (("-f", FIELD, "-t", ""), "La valeur de --targetFieldValue (-t) ne peut pas être vide"),
    ],
)
def test_inconsistent_options_are_refused(seeded: Path, options: tuple[str, ...], message: str) -> None:
    before = digest(seeded)

    result = dry_run(seeded, CHU_75, CHU_77, *options)

    assert result.returncode == 1
    assert result.stdout.startswith(f"\n [ERROR] {message}")
    assert "Nb. suivis" not in result.stdout
    assert digest(seeded) == before


@pytest.mark.parametrize(
    ("origin", "destination", "message"),
    [
        ("9999", str(CHU_77), "Le centre d'origine 9999 n'existe pas."),
        (str(CHU_75), "9999", "Le centre de destination 9999 n'existe pas."),
        (str(CHU_75), str(CHU_75), "Le centre d'origine et le centre de destination sont identiques (4537)."),
        ("=4537", str(CHU_77), "L'ID du centre d'origine doit être un nombre entier : « =4537 »."),
    ],
)
def test_unknown_or_identical_centres_are_refused(
    seeded: Path, origin: str, destination: str, message: str
) -> None:
    result = console(seeded, MIGRATE, "-o", origin, "-d", destination, *rule("CHU 77"), "--dry-run")

    assert result.returncode == 1
    assert result.stdout.startswith(f"\n [ERROR] {message}")


def test_a_missing_database_is_an_error_and_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "absent.sqlite3"

    result = dry_run(missing, CHU_75, CHU_77, *rule("CHU 77"))

    assert result.returncode == 1
    assert "[ERROR] Base de données introuvable" in result.stdout
    assert not missing.exists()


# --- dry-run versus real run ---------------------------------------------------------------------------


def test_a_dry_run_writes_nothing(db: Path) -> None:
    before = digest(db)

    dry_run(db, CHU_75, CHU_77, *rule("CHU 77"), "--withAccommodations")
    dry_run(db, CHU_75, CHU_77, "--noField", "--withDeleted")

    assert digest(db) == before


def test_a_real_run_changes_what_the_next_dry_run_sees(db: Path) -> None:
    real = console(db, MIGRATE, "-o", str(CHU_75), "-d", str(CHU_77), *rule("CHU 77"))

    assert real.returncode == 0
    assert "[NOTE]" not in real.stdout
    assert figures(real.stdout) == (160, "119 (- 41 migrés)", 0, "41 (+ 41 entrants)")
    assert "[OK] Migration terminée : 41 individus migrés de France Fraternités - CHU 75" in real.stdout
    again = dry_run(db, CHU_75, CHU_77, *rule("CHU 77"))
    assert figures(again.stdout) == (119, "119 (- 0 migrés)", 41, "41 (+ 0 entrants)")
    from_cph = dry_run(db, CPH, CHU_77, *rule("CHU 77"))
    assert figures(from_cph.stdout) == (180, "143 (- 37 migrés)", 41, "78 (+ 37 entrants)")


def test_crossing_groups_run_one_after_the_other(db: Path) -> None:
    first = console(db, MIGRATE, "-o", str(CHU_75), "-d", str(CPH), *rule("CPH"))
    second = dry_run(db, CPH, CHU_75, *rule("CHU 75"))

    assert first.returncode == 0
    assert figures(second.stdout) == (190, "169 (- 21 migrés)", 150, "171 (+ 21 entrants)")


def test_a_real_run_with_accommodations_moves_them_and_detaches_who_stays(db: Path) -> None:
    options = ("-o", str(CHU_75), "-d", str(CHU_77), *rule("CHU 77"), "--withAccommodations")

    result = console(db, MIGRATE, *options)

    assert result.returncode == 0
    conflict_row = "  4537        892              1042, 1078             1035"
    assert conflict_row in result.stdout  # the real run reports the conflict too
    assert "[WARNING] Individus non migrés détachés de leur hébergement" in result.stdout
    with sqlite3.connect(db) as connection:
        centres = dict(connection.execute("SELECT id, organization_id FROM accommodation").fetchall())
        places = {
            row[0]: row[1:]
            for row in connection.execute(
                "SELECT id, accommodation_id, accommodation_spot FROM individual WHERE id IN (1035, 1042, 1078, 1050)"
            )
        }
    assert {centres[880], centres[881], centres[892]} == {CHU_77}
    assert centres[893] == CHU_75
    assert places == {
        1035: (892, "Chambre 12 - lit 1"),
        1042: (None, None),
        1078: (None, None),
        1050: (893, "Chambre 7 - lit 1"),
    }


def test_without_with_accommodations_migrated_people_are_detached_and_accommodations_stay(db: Path) -> None:
    console(db, MIGRATE, "-o", str(CHU_75), "-d", str(CHU_77), *rule("CHU 77"))

    with sqlite3.connect(db) as connection:
        centres = dict(connection.execute("SELECT id, organization_id FROM accommodation").fetchall())
        places = dict(
            connection.execute(
                "SELECT id, accommodation_id FROM individual WHERE id IN (1001, 1035, 1040, 1042, 1078)"
            ).fetchall()
        )
        spots = connection.execute("SELECT accommodation_spot FROM individual WHERE id = 1035").fetchone()
    assert {centres[880], centres[881], centres[892]} == {CHU_75}
    assert places == {1001: None, 1035: None, 1040: None, 1042: 892, 1078: 892}
    assert spots == (None,)


def test_seed_command_recreates_the_scenario(db: Path) -> None:
    console(db, MIGRATE, "-o", str(CHU_75), "-d", str(CHU_77), "--noField")

    seeded = console(db, "sandbox:seed", "--scenario", "runbook")

    assert seeded.returncode == 0
    assert "[OK] Base de données du simulateur recréée" in seeded.stdout
    assert figures(dry_run(db, CHU_75, CHU_77, *rule("CHU 77")).stdout)[:2] == (160, "119 (- 41 migrés)")


def test_seed_command_refuses_an_unknown_scenario(tmp_path: Path) -> None:
    result = console(tmp_path / "x.sqlite3", "sandbox:seed", "--scenario", "autre")

    assert result.returncode == 1
    assert "[ERROR] Scénario inconnu « autre » (disponibles : runbook)." in result.stdout
    assert not (tmp_path / "x.sqlite3").exists()


# --- the Symfony side: option forms, help, list, framework errors ---------------------------------------


def test_every_symfony_option_form_gives_the_same_run(seeded: Path) -> None:
    forms = [
        ("-o", "4537", "-d", "5644", "-f", FIELD, "-t", "CHU 77"),
        ("-o4537", "-d5644", f"-f{FIELD}", "-tCHU 77"),
        (
            "--originOrganization=4537",
            "--destinationOrganization=5644",
            f"--targetFieldSlug={FIELD}",
            "--targetFieldValue=CHU 77",
        ),
        (
            *("--originOrganization", "4537", "--destinationOrganization", "5644"),
            *("--targetFieldSlug", FIELD, "--targetFieldValue", "CHU 77"),
        ),
    ]

    outputs = {console(seeded, MIGRATE, *form, "--dry-run").stdout for form in forms}

    assert len(outputs) == 1
    assert figures(outputs.pop())[1] == "119 (- 41 migrés)"


def test_help_lists_the_options_the_bot_uses(seeded: Path) -> None:
    by_command = console(seeded, "help", MIGRATE)
    by_flag = console(seeded, MIGRATE, "--help")

    assert by_command.returncode == by_flag.returncode == 0
    assert by_command.stdout == by_flag.stdout
    text = by_command.stdout
    assert text.startswith(
        "Description:\n  Migre les suivis (individus) d'un centre vers un autre centre\n\n"
        f"Usage:\n  {MIGRATE} [options]\n\nOptions:\n"
    )
    for synopsis in (
        "-o, --originOrganization=ORIGINORGANIZATION",
        "-d, --destinationOrganization=DESTINATIONORGANIZATION",
        "-f, --targetFieldSlug=TARGETFIELDSLUG",
        "-t, --targetFieldValue=TARGETFIELDVALUE",
        "    --noField",
        "    --withDeleted",
        "    --withAccommodations",
        "    --dry-run",
    ):
        assert f"\n  {synopsis} " in text
    assert "ID du centre d'origine (celui qui perd des suivis)" in text


def test_list_shows_the_migration_command(seeded: Path) -> None:
    result = console(seeded, "list")

    assert result.returncode == 0
    assert result.stdout.startswith("Symfony 5.4.53 (env: prod, debug: false)\n\nUsage:\n")
    assert f"\n  {MIGRATE}  Migre les suivis (individus) d'un centre vers un autre centre\n" in result.stdout


def test_an_unknown_command_is_symfonys_error_on_stderr(seeded: Path) -> None:
    result = console(
        seeded, "-n", "app:nope"
    )  # without -n, Symfony 5.4 asks « Do you want to run … instead? »

    assert result.returncode == 1
    assert result.stdout == ""
    assert '  Command "app:nope" is not defined.  ' in result.stderr
    assert f"      {MIGRATE}" in result.stderr  # « Did you mean this? »


def test_an_option_without_its_value_is_symfonys_error_on_stderr(seeded: Path) -> None:
    result = console(seeded, MIGRATE, "-o", "4537", "-d", "5644", "-f", FIELD, "-t", "--dry-run")

    assert result.returncode == 1
    assert '  The "--targetFieldValue" option requires a value.  ' in result.stderr
    assert f"{MIGRATE} [-o|--originOrganization ORIGINORGANIZATION]" in result.stderr


def test_the_console_starts_on_the_standard_library_alone() -> None:
    probe = (
        "import sys; before = set(sys.modules); import sandbox.reconnect_console; "
        "print(sorted({m.split('.')[0] for m in set(sys.modules) - before} - set(sys.stdlib_module_names) - {'sandbox'}))"
    )

    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, timeout=30, check=True
    )

    assert result.stdout.strip() == "[]"
