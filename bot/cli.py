"""`migrabot` subcommands. One error boundary: users get French messages and exit codes, never a traceback.

Exit codes: 0 ok, 1 the ticket has errors, 2 usage or configuration error (more codes per command, see --help).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

from bot.settings import Settings, SettingsError, load_settings

EXIT_OK = 0
EXIT_TICKET_ERRORS = 1
EXIT_USAGE = 2
EXIT_DRY_RUN_FAILED = 2
EXIT_AWAITING_DECISION = 3
STANDBY_RETRY_SECONDS = 5.0

log = logging.getLogger("migrabot")


class UsageError(Exception):
    """Bad arguments or settings: exit 2 with the French message."""


class FrenchFormatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, prefix="utilisation : ")


class FrenchParser(argparse.ArgumentParser):
    """argparse speaks English; our users read French."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", FrenchFormatter)
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self._positionals.title = "arguments"
        self._optionals.title = "options"
        self.add_argument("-h", "--help", action="help", help="afficher cette aide et quitter")

    def error(self, message: str) -> NoReturn:
        raise UsageError(_french_argparse(message))


def _french_argparse(message: str) -> str:
    replacements = {
        "the following arguments are required": "arguments obligatoires manquants",
        "unrecognized arguments": "arguments inconnus",
        "invalid choice": "choix invalide",
        "choose from": "valeurs possibles :",
        "expected one argument": "une valeur est attendue",
        "argument": "argument",
    }
    for english, french in replacements.items():
        message = message.replace(english, french)
    return message


def build_parser() -> FrenchParser:
    parser = FrenchParser(
        prog="migrabot",
        description="Migrations de dossiers usagers Reconnect Pro : du ticket Trello aux commandes validées par le PO.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMANDE", parser_class=FrenchParser)
    commands.required = True

    parse = commands.add_parser("parse", help="lire un ticket et afficher les commandes (runbook, étape 4)")
    parse.add_argument(
        "path",
        nargs="?",
        default="-",
        metavar="FICHIER",
        help="description du ticket (« - » : entrée standard)",
    )
    parse.add_argument("--json", action="store_true", help="sortie JSON")
    parse.set_defaults(handler=command_parse)

    simulate = commands.add_parser(
        "simulate",
        help="lancer chaque commande en --dry-run et afficher la synthèse pour le PO (runbook, étapes 2 et 3)",
        description="Codes de sortie : 0 tout va bien ; 1 le ticket a des erreurs ; 2 une simulation a échoué "
        "ou sa sortie est illisible ; 3 des conflits d'hébergements attendent une décision.",
    )
    simulate.add_argument(
        "path",
        nargs="?",
        default="-",
        metavar="FICHIER",
        help="description du ticket (« - » : entrée standard)",
    )
    simulate.add_argument(
        "--xlsx", metavar="CHEMIN", help="où écrire le fichier Excel (par défaut : son nom du runbook, ici)"
    )
    simulate.add_argument("--json", action="store_true", help="sortie JSON")
    simulate.add_argument(
        "--sandbox",
        action="store_true",
        help="simuler avec la console Reconnect simulée (données du runbook) au lieu de la preprod",
    )
    simulate.set_defaults(handler=command_simulate)

    run = commands.add_parser("run", help="surveiller le tableau Trello et traiter les cartes (service)")
    run.add_argument("--once", action="store_true", help="un seul passage sur le tableau, puis quitter")
    run.set_defaults(handler=command_run)

    demo = commands.add_parser(
        "demo",
        help="tout le produit sur 127.0.0.1 : Trello, Slack et la console Reconnect simulés (moins de 30 s)",
    )
    demo.add_argument("--json", action="store_true", help="la transcription en JSON")
    demo.add_argument(
        "--ticket",
        action="append",
        default=[],
        metavar="FICHIER",
        help="ajouter une carte avec ce ticket (répétable)",
    )
    demo.add_argument(
        "--keep-running", action="store_true", help="laisser le bac à sable et le bot tourner (Ctrl-C)"
    )
    demo.add_argument(
        "--output", default="demo-output", metavar="DOSSIER", help="où écrire transcription et Excel"
    )
    demo.add_argument(
        "--http", action="store_true", help="Slack en mode HTTP (par défaut : Socket Mode, comme `run`)"
    )
    demo.set_defaults(handler=command_demo)

    doctor = commands.add_parser(
        "doctor",
        help="vérifier réglages, Trello, Slack, console et base d'état (✓/✗ et quoi corriger)",
        description="Codes de sortie : 0 tout est prêt (avertissements compris) ; 1 au moins un problème.",
    )
    doctor.add_argument(
        "--fix", action="store_true", help="créer sur le tableau les listes et l'étiquette qui manquent"
    )
    doctor.add_argument("--json", action="store_true", help="sortie JSON")
    doctor.set_defaults(handler=command_doctor)

    status = commands.add_parser(
        "status",
        help="ce que fait le bot : dernier passage, cartes en cours, demandes Slack (base d'état seule)",
        description="Codes de sortie : 0 ; avec --health, 1 si le dernier passage sur Trello est trop ancien.",
    )
    status.add_argument("--json", action="store_true", help="sortie JSON")
    status.add_argument(
        "--health", action="store_true", help="contrôle de santé (Docker) : 0 si le bot passe encore"
    )
    status.add_argument("--all", action="store_true", help="montrer aussi les cartes terminées")
    status.set_defaults(handler=command_status)
    return parser


def main(
    argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    try:
        arguments = build_parser().parse_args(argv)
        # doctor reports bad settings as one of its checks (✗ line, exit 1) instead of failing here;
        # the demo is a world of its own and reads none of the operator's settings
        settings = None if arguments.handler in (command_doctor, command_demo) else load_settings()
        handler: Callable[[argparse.Namespace, Settings, TextIO, TextIO], int] = arguments.handler
        return handler(arguments, settings, stdout, stderr)
    except (UsageError, SettingsError) as error:
        print(f"migrabot : {error}", file=stderr)
        return EXIT_USAGE
    except SystemExit as exit_request:  # --help
        return int(exit_request.code or 0)
    except KeyboardInterrupt:
        print("migrabot : interrompu.", file=stderr)
        return 130
    except Exception:  # a bug: keep the traceback in the log, give the user a sentence
        log.exception("unexpected error")
        print("migrabot : erreur interne inattendue (détails dans le journal).", file=stderr)
        return 70


def read_ticket(path: str) -> str:
    """The ticket's text; its bytes are decoded here, strictly, whatever the locale says."""
    from bot.texts.text import not_utf8

    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
        return data.decode("utf-8")
    except FileNotFoundError:
        raise UsageError(f"fichier introuvable : {path}") from None
    except UnicodeDecodeError as error:
        where = "" if path == "-" else f"{path} : "
        raise UsageError(where + not_utf8(error.object[error.start], error.start)) from None
    except OSError as error:
        raise UsageError(f"lecture impossible de {path} : {error.strerror}") from None


def command_parse(arguments: argparse.Namespace, settings: Settings, stdout: TextIO, stderr: TextIO) -> int:
    from bot.domain.plan import plan_ticket
    from bot.domain.ticket import parse_ticket
    from bot.texts.payload import parse_payload
    from bot.texts.text import render_parse_report

    ticket = parse_ticket(read_ticket(arguments.path), default_field=settings.migration_field_slug)
    plan = None
    if ticket.ok:
        plan, ticket = plan_ticket(ticket, field_slug=settings.migration_field_slug)
    if arguments.json:
        payload = parse_payload(
            plan=plan,
            errors=ticket.errors,
            warnings=ticket.warnings,
            console=settings.display_console_command,
        )
        print(json.dumps(payload, ensure_ascii=False, indent=2), file=stdout)
    else:
        report = render_parse_report(
            plan=plan,
            errors=ticket.errors,
            warnings=ticket.warnings,
            console=settings.display_console_command,
        )
        print(report, end="", file=stdout)
    return EXIT_OK if ticket.ok else EXIT_TICKET_ERRORS


def sandbox_console(settings: Settings, workdir: Path) -> Settings:
    """The built-in Reconnect simulator with the runbook's data in place of the configured console."""
    try:
        from sandbox.reconnect_console import runbook_console_command
    except ModuleNotFoundError as missing:  # an installed wheel: the stand-ins stay in the source tree
        if missing.name != "sandbox":
            raise
        from bot.texts.text import SANDBOX_NOT_SHIPPED

        raise UsageError(SANDBOX_NOT_SHIPPED) from None
    console = {"console_command": runbook_console_command(workdir), "console_workdir": ""}
    return settings.model_copy(update={**console, "console_ssh": "", "console_ssh_options": ""})


def command_simulate(
    arguments: argparse.Namespace, settings: Settings, stdout: TextIO, stderr: TextIO
) -> int:
    from bot.adapters.console import build_runner
    from bot.app.simulation import simulate
    from bot.domain.plan import plan_ticket
    from bot.domain.synthesis import summarize
    from bot.domain.ticket import parse_ticket
    from bot.texts.excel import WorkbookContext, build_workbook, workbook_name
    from bot.texts.payload import simulate_payload
    from bot.texts.text import (
        describe_notice,
        render_conflicts,
        render_failures,
        render_parse_report,
        render_synthesis,
    )

    if arguments.sandbox:
        with tempfile.TemporaryDirectory(prefix="migrabot-sandbox-") as workdir:
            arguments.sandbox = False
            return command_simulate(arguments, sandbox_console(settings, Path(workdir)), stdout, stderr)
    ticket = parse_ticket(read_ticket(arguments.path), default_field=settings.migration_field_slug)
    warnings = [describe_notice(w) for w in ticket.warnings]
    if not ticket.ok:
        message = render_parse_report(
            plan=None,
            errors=ticket.errors,
            warnings=ticket.warnings,
            console=settings.display_console_command,
        )
        _emit(
            arguments,
            stdout,
            message,
            simulate_payload(simulation=None, errors=ticket.errors, warnings=warnings, message=message),
        )
        return EXIT_TICKET_ERRORS

    plan, ticket = plan_ticket(ticket, field_slug=settings.migration_field_slug)
    warnings = [describe_notice(w) for w in ticket.warnings]

    def progress(number: int, total: int, label: str) -> None:
        print(f"Simulation {number}/{total} : {label}…", file=stderr, flush=True)

    runner = build_runner(settings)
    try:
        simulation = simulate(
            plan,
            runner,
            console_command=settings.display_console_command,
            concurrency=settings.console_concurrency,
            decision=ticket.conflict_decision,
            progress=progress,
        )
    finally:
        runner.close()
    payload_options = {"errors": (), "console": settings.display_console_command}
    if not simulation.ok:
        message = render_failures(simulation)
        warnings += [w for run in simulation.runs for w in run.warnings]
        _emit(
            arguments,
            stdout,
            message,
            simulate_payload(simulation=simulation, warnings=warnings, message=message, **payload_options),
        )
        return EXIT_DRY_RUN_FAILED
    synthesis = summarize(simulation)
    warnings += list(synthesis.warnings)
    if simulation.awaits_decision:
        message = render_conflicts(simulation)
        _emit(
            arguments,
            stdout,
            message,
            simulate_payload(simulation=simulation, warnings=warnings, message=message, **payload_options),
        )
        return EXIT_AWAITING_DECISION
    message = render_synthesis(simulation, synthesis, ticket_warnings=ticket.warnings)
    target = Path(arguments.xlsx) if arguments.xlsx else Path(workbook_name(synthesis))
    try:
        context = WorkbookContext(
            made_at=time.time(), warnings=tuple(describe_notice(w) for w in ticket.warnings)
        )
        target.write_bytes(build_workbook(simulation, synthesis, context=context))
    except OSError as error:
        raise UsageError(f"écriture impossible de {target} : {error.strerror}") from None
    print(f"Fichier Excel écrit : {target}", file=stderr)
    _emit(
        arguments,
        stdout,
        message,
        simulate_payload(simulation=simulation, warnings=warnings, message=message, **payload_options),
    )
    return EXIT_OK


def _emit(arguments: argparse.Namespace, stdout: TextIO, message: str, payload: dict) -> None:
    if arguments.json:
        print(json.dumps(payload, ensure_ascii=False, indent=2), file=stdout)
    else:
        print(message, end="", file=stdout)


def command_run(arguments: argparse.Namespace, settings: Settings, stdout: TextIO, stderr: TextIO) -> int:
    from bot.adapters.lock import ActiveLock
    from bot.logs import setup_logging
    from bot.scheduler import stop_on_signals, wait_until_active

    setup_logging(level=settings.log_level, fmt=settings.log_format, secrets=secrets_of(settings))
    lock = ActiveLock(settings.state_db)
    with stop_on_signals() as stop:
        # Checked often enough that a standby takes over well within two poll intervals.
        retry = min(settings.poll_interval_seconds / 4, STANDBY_RETRY_SECONDS)
        if not wait_until_active(lock, retry_seconds=retry, stop=stop):
            return EXIT_OK
        try:
            return _serve(arguments, settings, stderr, stop=stop)
        finally:
            lock.release()


def _serve(arguments: argparse.Namespace, settings: Settings, stderr: TextIO, *, stop: Any) -> int:
    from bot.adapters.trello import TrelloError
    from bot.bootstrap import SetupError, build_service
    from bot.scheduler import build_scheduler, run_until_stopped

    try:
        service = build_service(settings)
    except (SetupError, TrelloError) as error:
        print(f"migrabot : {error}", file=stderr)
        return EXIT_USAGE
    try:
        if service.slack is not None:
            service.slack.start()
        log.info(
            "migrabot started: board %s, poll every %ss, Slack %s",
            settings.trello_board_id,
            settings.poll_interval_seconds,
            settings.slack_mode if service.slack else "disabled",
        )
        if arguments.once:
            service.workflow.poll()
            return EXIT_OK
        run_until_stopped(build_scheduler(service.jobs()), stop=stop, on_stop=service.workflow.request_stop)
        return EXIT_OK
    finally:
        service.close()
        log.info("migrabot stopped")


def secrets_of(settings: Settings) -> list[str]:
    return [
        settings.trello_token.get_secret_value(),
        settings.trello_api_key,
        settings.slack_bot_token.get_secret_value(),
        settings.slack_app_token.get_secret_value(),
        settings.slack_signing_secret.get_secret_value(),
    ]


def command_demo(arguments: argparse.Namespace, _: Settings | None, stdout: TextIO, stderr: TextIO) -> int:
    import threading

    from bot.logs import setup_logging
    from bot.texts.text import DEMO_WITHOUT_SANDBOX

    try:
        from sandbox.demo import run_demo
    except ModuleNotFoundError as missing:
        if missing.name != "sandbox":
            raise
        print(f"migrabot : {DEMO_WITHOUT_SANDBOX}", file=stderr)
        return EXIT_USAGE
    setup_logging(level="ERROR", fmt="text", stream=stderr)
    tickets = [Path(path) for path in arguments.ticket]
    for path in tickets:
        read_ticket(str(path))  # a missing file is a usage error, before anything starts

    def wait_for_interrupt() -> None:
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("\nArrêt demandé.", file=stderr)

    return run_demo(
        output=Path(arguments.output),
        out=stdout,
        as_json=arguments.json,
        extra_tickets=tickets,
        keep_running=arguments.keep_running,
        wait_for_interrupt=wait_for_interrupt,
        slack_mode="http" if arguments.http else "socket",
    )


def command_doctor(
    arguments: argparse.Namespace, settings: Settings | None, stdout: TextIO, stderr: TextIO
) -> int:
    """`settings` None: the doctor loads them itself, so that invalid settings become a ✗ line."""
    from bot.commands.doctor import run_doctor

    def load() -> Settings:
        return settings if settings is not None else load_settings()

    return run_doctor(load, fix=arguments.fix, as_json=arguments.json, stdout=stdout)


def command_status(arguments: argparse.Namespace, settings: Settings, stdout: TextIO, stderr: TextIO) -> int:
    from bot.commands.status import run_status

    return run_status(
        state_db=settings.state_db,
        poll_interval_s=settings.poll_interval_seconds,
        as_json=arguments.json,
        check_health=arguments.health,
        include_final=arguments.all,
        stdout=stdout,
        stderr=stderr,
    )
