"""The simulator's commands: Reconnect's migration command, and `sandbox:seed` to (re)build its data.

Messages a command prints itself (`$io->error()`, `$io->success()`…) are French, as Reconnect's own; they
go to stdout, because SymfonyStyle built on a command's `$output` writes there, `error()` included. Only
exceptions (unknown option, missing value, unknown command) are rendered by Symfony on stderr.
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from pathlib import Path

from sandbox.reconnect.application import Command, Context
from sandbox.reconnect.inputs import InputDefinition, InputOption, Mode, ParsedInput
from sandbox.reconnect.migration import Refusal, Request, Simulation, migrate, simulate
from sandbox.reconnect.scenario import seed_runbook_scenario
from sandbox.reconnect.store import DatabaseMissing, connect
from sandbox.reconnect.style import SymfonyStyle
from sandbox.reconnect.text import escape

MIGRATE = "app:migrate-individuals-to-other-organization"
TITLE = "Migration des individus vers un autre centre"
SUMMARY_HEADERS = ("Rôle", "Centre ID", "Centre Nom", "Nb. suivis", "Après migration")
CONFLICT_HEADERS = ("Centre ID", "Hébergement ID", "Individus non migrés", "Individus migrés")
SCENARIOS = {"runbook": seed_runbook_scenario}


def _style(context: Context) -> SymfonyStyle:
    return SymfonyStyle(context.output, terminal_width=context.width)


def _missing_database(path: Path | None) -> str:
    if path is None:
        return "Aucune base de données : le simulateur se lance avec --db CHEMIN avant les arguments Symfony."
    return f"Base de données introuvable : {path}. Créez-la avec « sandbox:seed »."


class MigrateCommand(Command):
    name = MIGRATE
    description = "Migre les suivis (individus) d'un centre vers un autre centre"
    definition = InputDefinition(
        (),
        (
            InputOption(
                "originOrganization", "o", Mode.REQUIRED, "ID du centre d'origine (celui qui perd des suivis)"
            ),
            InputOption(
                "destinationOrganization",
                "d",
                Mode.REQUIRED,
                "ID du centre de destination (celui qui reçoit les suivis)",
            ),
            InputOption(
                "targetFieldSlug",
                "f",
                Mode.REQUIRED,
                "Slug du champ personnalisé utilisé comme critère de migration",
            ),
            InputOption(
                "targetFieldValue",
                "t",
                Mode.REQUIRED,
                "Valeur du champ qui déclenche la migration (doit correspondre exactement à la valeur saisie "
                "dans le dossier)",
            ),
            InputOption(
                "noField",
                description="Migrer tous les individus du centre d'origine, sans condition sur un champ. "
                "Incompatible avec -f / -t.",
            ),
            InputOption(
                "withDeleted", description="Inclure les individus supprimés (soft-deleted) dans la migration"
            ),
            InputOption(
                "withAccommodations",
                description="Migrer également les hébergements liés aux individus migrés",
            ),
            InputOption("dry-run", description="Mode simulation : aucune donnée modifiée"),
        ),
    )

    def __init__(self, db_path: Path | None) -> None:
        self.db_path = db_path

    def execute(self, context: Context) -> int:
        io = _style(context)
        dry_run = bool(context.input.option("dry-run"))
        try:
            request = read_request(context.input)
            if self.db_path is None:
                raise DatabaseMissing("--db")
            with closing(connect(self.db_path, read_only=dry_run)) as connection:
                if dry_run:
                    simulation, left_behind = simulate(connection, request), ()
                else:
                    simulation, left_behind = migrate(connection, request)
        except Refusal as refusal:
            io.error(str(refusal))
            return 1
        except DatabaseMissing:
            io.error(_missing_database(self.db_path))
            return 1
        except sqlite3.OperationalError as error:  # e.g. a locked or read-only file during a real run
            io.error(f"Base de données inutilisable ({self.db_path}) : {error}")
            return 1
        report(io, request, simulation, dry_run=dry_run, left_behind=left_behind)
        return 0


def read_request(given: ParsedInput) -> Request:
    """The options, checked as the runbook describes them; `Refusal` in French otherwise."""
    origin_text, destination_text = (
        given.option("originOrganization"),
        given.option("destinationOrganization"),
    )
    if origin_text is None or destination_text is None:
        raise Refusal(
            "Les options --originOrganization (-o) et --destinationOrganization (-d) sont obligatoires."
        )
    origin = _centre_id(str(origin_text), role="d'origine")
    destination = _centre_id(str(destination_text), role="de destination")
    if origin == destination:
        raise Refusal(f"Le centre d'origine et le centre de destination sont identiques ({origin}).")
    field, value = given.option("targetFieldSlug"), given.option("targetFieldValue")
    if given.option("noField"):
        if field is not None or value is not None:
            raise Refusal(
                "L'option --noField est incompatible avec --targetFieldSlug (-f) et --targetFieldValue (-t)."
            )
    elif field is None or value is None:
        raise Refusal(
            "Les options --targetFieldSlug (-f) et --targetFieldValue (-t) sont obligatoires sans --noField."
        )
    elif value == "":
        raise Refusal(
            "La valeur de --targetFieldValue (-t) ne peut pas être vide : les dossiers sans valeur restent."
        )
    return Request(
        origin=origin,
        destination=destination,
        field=None if field is None else str(field),
        value=None if value is None else str(value),
        with_deleted=bool(given.option("withDeleted")),
        with_accommodations=bool(given.option("withAccommodations")),
    )


def _centre_id(text: str, *, role: str) -> int:
    if not re.fullmatch(r"[0-9]{1,18}", text):
        raise Refusal(f"L'ID du centre {role} doit être un nombre entier : « {text} ».")
    return int(text)


def report(
    io: SymfonyStyle, request: Request, simulation: Simulation, *, dry_run: bool, left_behind: tuple[int, ...]
) -> None:
    """The command's output: title, criterion, the summary table, accommodations, the final block."""
    io.title(TITLE)
    if dry_run:
        io.note("Mode simulation (--dry-run) : aucune donnée ne sera modifiée.")
    io.text(_criterion(request))
    io.new_line()
    io.table(SUMMARY_HEADERS, _summary_rows(simulation))
    if request.with_accommodations:
        io.text(f"Hébergements à migrer: {len(simulation.accommodations)}")
        if simulation.conflicts:
            io.new_line()
            io.text("Problème: Hébergements avec individus non migrés rattachés")
            io.new_line()
            io.table(CONFLICT_HEADERS, _conflict_rows(simulation))
    if left_behind:
        io.warning(
            "Individus non migrés détachés de leur hébergement (migré vers le centre de destination) : "
            + _ids(left_behind)
        )
    if dry_run:
        io.success("Simulation terminée : aucune donnée n'a été modifiée.")
    else:
        people = "individus migrés" if simulation.migrated > 1 else "individu migré"
        io.success(
            f"Migration terminée : {simulation.migrated} {people} de {simulation.origin.name} "
            f"({simulation.origin.id}) vers {simulation.destination.name} ({simulation.destination.id})."
        )


def _criterion(request: Request) -> list[str]:
    if request.field is None:
        lines = ["Critère : aucun (--noField), tous les individus du centre d'origine"]
    else:
        lines = [f"Critère : champ « {escape(request.field)} » = « {escape(request.value or '')} »"]
    if request.with_deleted:
        lines.append("Individus supprimés inclus (--withDeleted)")
    return lines


def _summary_rows(simulation: Simulation) -> list[list[object]]:
    origin, destination, moved = simulation.origin, simulation.destination, simulation.migrated
    return [
        ["Origine", origin.id, origin.name, origin.before, f"{origin.after} (- {moved} migrés)"],
        [
            "Destination",
            destination.id,
            destination.name,
            destination.before,
            f"{destination.after} (+ {moved} entrants)",
        ],
    ]


def _conflict_rows(simulation: Simulation) -> list[list[object]]:
    return [
        [c.centre_id, c.accommodation_id, _ids(c.not_migrated), _ids(c.migrated)]
        for c in simulation.conflicts
    ]


def _ids(ids: tuple[int, ...]) -> str:
    return ", ".join(str(i) for i in ids)


class SeedCommand(Command):
    name = "sandbox:seed"
    description = "(Simulateur) Recrée la base de données avec un scénario de démonstration"
    definition = InputDefinition(
        (),
        (InputOption("scenario", "", Mode.REQUIRED, "Scénario à charger (runbook)", "runbook"),),
    )

    def __init__(self, db_path: Path | None) -> None:
        self.db_path = db_path

    def execute(self, context: Context) -> int:
        io = _style(context)
        scenario = str(context.input.option("scenario"))
        if scenario not in SCENARIOS:
            io.error(f"Scénario inconnu « {scenario} » (disponibles : {', '.join(SCENARIOS)}).")
            return 1
        if self.db_path is None:
            io.error(_missing_database(None))
            return 1
        SCENARIOS[scenario](self.db_path)
        io.success(f"Base de données du simulateur recréée : {self.db_path} (scénario « {scenario} »).")
        return 0
