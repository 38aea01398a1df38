"""`migrabot`: the parser and the one error boundary. Users get French messages and exit codes, never a traceback.

Each subcommand's work lives in `bot.commands.<name>` (`main(arguments, settings, stdout=, stderr=) -> int`). Exit codes: 0 ok, 1 the ticket has
errors, 2 usage or configuration error (more codes per command, see each command's --help), 70 a bug of
migrabot (sysexits' EX_SOFTWARE: the traceback is written to a crash report, one French line says where and
how to report it), 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from importlib import import_module
from pathlib import Path
from typing import NoReturn, TextIO

from bot.commands.common import EXIT_USAGE, UsageError
from bot.settings import SettingsError, load_settings, state_home
from bot.texts import cli as texts
from bot.texts import state as state_texts

EXIT_INTERRUPTED = 130
EXIT_INTERNAL_ERROR = 70  # sysexits.h EX_SOFTWARE: a bug, never the user's input

log = logging.getLogger("migrabot")


class FrenchFormatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        # argparse passes prefix "" when it builds a subcommand's `prog`: keep it, or « utilisation : » doubles.
        super().add_usage(usage, actions, groups, texts.USAGE_PREFIX if prefix is None else prefix)


class FrenchParser(argparse.ArgumentParser):
    """argparse speaks English; our users read French."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", FrenchFormatter)
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self._positionals.title = texts.POSITIONALS_TITLE
        self._optionals.title = texts.OPTIONS_TITLE
        self.add_argument("-h", "--help", action="help", help=texts.HELP_HELP)

    def error(self, message: str) -> NoReturn:
        raise UsageError(texts.argparse_message(message))


def build_parser() -> FrenchParser:
    parser = FrenchParser(prog=texts.PROGRAM, description=texts.DESCRIPTION, epilog=texts.COMMON_EXIT_CODES)
    commands = parser.add_subparsers(
        dest="command", metavar=texts.COMMAND_METAVAR, parser_class=FrenchParser, required=True
    )
    _parse_arguments(commands.add_parser("parse", help=texts.PARSE_HELP))
    _simulate_arguments(
        commands.add_parser("simulate", help=texts.SIMULATE_HELP, description=texts.SIMULATE_EXIT_CODES)
    )
    _run_arguments(commands.add_parser("run", help=texts.RUN_HELP))
    _demo_arguments(commands.add_parser("demo", help=texts.DEMO_HELP))
    _doctor_arguments(
        commands.add_parser("doctor", help=texts.DOCTOR_HELP, description=texts.DOCTOR_EXIT_CODES)
    )
    _status_arguments(
        commands.add_parser("status", help=texts.STATUS_HELP, description=texts.STATUS_EXIT_CODES)
    )
    _state_arguments(commands.add_parser("state", help=state_texts.STATE_HELP))
    return parser


def _state_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(
        dest="action", metavar=texts.COMMAND_METAVAR, parser_class=FrenchParser, required=True
    )
    export = actions.add_parser("export", help=state_texts.EXPORT_HELP)
    export.add_argument("--output", "-o", metavar=texts.FILE_METAVAR, help=state_texts.OUTPUT_HELP)
    load = actions.add_parser("import", help=state_texts.IMPORT_HELP)
    load.add_argument("path", metavar=texts.FILE_METAVAR, help=state_texts.IMPORT_FILE_HELP)


def _ticket_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", default="-", metavar=texts.FILE_METAVAR, help=texts.TICKET_HELP)


def _parse_arguments(parser: argparse.ArgumentParser) -> None:
    _ticket_argument(parser)
    parser.add_argument("--json", action="store_true", help=texts.JSON_HELP)


def _simulate_arguments(parser: argparse.ArgumentParser) -> None:
    _ticket_argument(parser)
    parser.add_argument("--xlsx", metavar=texts.PATH_METAVAR, help=texts.XLSX_HELP)
    parser.add_argument("--json", action="store_true", help=texts.JSON_HELP)
    parser.add_argument("--sandbox", action="store_true", help=texts.SANDBOX_HELP)


def _run_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--once", action="store_true", help=texts.ONCE_HELP)


def _demo_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help=texts.DEMO_JSON_HELP)
    parser.add_argument(
        "--ticket", action="append", default=[], metavar=texts.FILE_METAVAR, help=texts.DEMO_TICKET_HELP
    )
    parser.add_argument("--keep-running", action="store_true", help=texts.KEEP_RUNNING_HELP)
    parser.add_argument(
        "--output", default="demo-output", metavar=texts.FOLDER_METAVAR, help=texts.OUTPUT_HELP
    )
    parser.add_argument("--http", action="store_true", help=texts.DEMO_HTTP_HELP)


def _doctor_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--fix", action="store_true", help=texts.FIX_HELP)
    parser.add_argument("--json", action="store_true", help=texts.JSON_HELP)


def _status_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help=texts.JSON_HELP)
    parser.add_argument("--health", action="store_true", help=texts.HEALTH_HELP)
    parser.add_argument("--all", action="store_true", help=texts.ALL_HELP)


def main(
    argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    try:
        with contextlib.redirect_stdout(stdout):  # --help prints to the given stdout
            arguments = build_parser().parse_args(argv)
        # doctor reports bad settings as one of its checks (✗ line, exit 1) instead of failing here;
        # the demo is a world of its own and reads none of the operator's settings
        settings = None if arguments.command in ("doctor", "demo") else load_settings()
        # imported on demand: `status --health` must not load Trello or Slack code
        command = import_module(f"bot.commands.{arguments.command}")
        return command.main(arguments, settings, stdout=stdout, stderr=stderr)
    except (UsageError, SettingsError) as error:
        print(texts.error_line(str(error)), file=stderr)
        return EXIT_USAGE
    except SystemExit as exit_request:  # --help
        return int(exit_request.code or 0)
    except KeyboardInterrupt:
        print(texts.INTERRUPTED, file=stderr)
        return EXIT_INTERRUPTED
    except Exception:  # a bug: the traceback in a crash report, the user gets one sentence
        return report_crash(argv if argv is not None else sys.argv[1:], stderr=stderr)


def report_crash(argv: Sequence[str], *, stderr: TextIO) -> int:
    """Called inside `except`: write the traceback to a file, say in one French line where it is and how to
    report it. The service's logs (when configured) get one line naming the file."""
    details = "".join(traceback.format_exc())
    report = _write_crash_report(argv, details)
    print(texts.internal_error(str(report) if report else None), file=stderr)
    if report is None:  # nowhere to write: the traceback is the only trace left
        print(details, file=stderr, end="")
    if logging.getLogger().handlers:
        log.error("unexpected error; traceback in %s", report or "stderr")
    return EXIT_INTERNAL_ERROR


def crash_directory() -> Path:
    """`$XDG_STATE_HOME/migrabot` (`~/.local/state/migrabot` by default), as tools of the kind keep their logs;
    each board's default state is a folder beside them (`Settings.state_location`)."""
    return state_home() / "migrabot"


def _write_crash_report(argv: Sequence[str], details: str) -> Path | None:
    name = f"crash-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    header = (
        f"migrabot {_version()} — python {platform.python_version()} — {platform.platform()}\n"
        f"command: migrabot {' '.join(argv)}\n\n"
    )
    for directory in (crash_directory(), Path(tempfile.gettempdir())):
        try:
            directory.mkdir(parents=True, exist_ok=True)
            path = directory / name
            path.write_text(header + details, encoding="utf-8")
            return path
        except OSError:
            continue
    return None


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("migrabot")
    except PackageNotFoundError:
        return "(not installed)"
