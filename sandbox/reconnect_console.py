"""The Reconnect Pro console simulator: `python -m sandbox.reconnect_console --db PATH <symfony-args...>`.

A stand-in for `php bin/console` on preprod, for the demo and the tests: it answers
`app:migrate-individuals-to-other-organization` (with `--dry-run` or for real, on its SQLite file),
`help`, `list` and `sandbox:seed [--scenario runbook]`, and prints what Symfony Console 5.4 and SymfonyStyle
print, byte for byte where it was checked against the real PHP classes. The targeting rules, the
accommodation semantics and the seeded scenario are described in `sandbox.reconnect.migration` and
`sandbox.reconnect.scenario`.

`--db PATH` (or `--db=PATH`) must come first: it belongs to the bot's CONSOLE_COMMAND, the Symfony
arguments follow. Standard library only, so that each dry-run starts fast.
"""

from __future__ import annotations

import io
import shlex
import sys
from pathlib import Path

from sandbox.reconnect.application import Application
from sandbox.reconnect.commands import MigrateCommand, SeedCommand
from sandbox.reconnect.scenario import seed_runbook_scenario

__all__ = [
    "build_application",
    "main",
    "runbook_console_command",
    "seed_runbook_scenario",
    "split_db_argument",
]

SYMFONY_VERSION = "5.4.53"


def split_db_argument(argv: list[str]) -> tuple[Path | None, list[str]]:
    """`--db PATH` or `--db=PATH` in first position → (path, the Symfony arguments after it)."""
    if argv[:1] == ["--db"] and len(argv) >= 2:
        return Path(argv[1]), argv[2:]
    if argv and argv[0].startswith("--db="):
        return Path(argv[0][len("--db=") :]), argv[1:]
    return None, argv


def runbook_console_command(workdir: Path) -> str:
    """A CONSOLE_COMMAND for the simulator seeded with the runbook's data in `workdir` (`simulate --sandbox`)."""
    db_path = workdir / "reconnect.sqlite3"
    seed_runbook_scenario(db_path)
    return f"{shlex.quote(sys.executable)} -m sandbox.reconnect_console --db {shlex.quote(str(db_path))}"


def build_application(db_path: Path | None) -> Application:
    return Application(
        [MigrateCommand(db_path), SeedCommand(db_path)],
        name="Symfony",
        version=SYMFONY_VERSION,
        environment="prod",
    )


def main(argv: list[str] | None = None) -> int:
    db_path, tokens = split_db_argument(sys.argv[1:] if argv is None else argv)
    application = build_application(db_path)
    stdin = sys.stdin.buffer if sys.stdin is not None else io.BytesIO()  # started with stdin closed
    return application.run(tokens, stdin=stdin, stdout=sys.stdout.buffer, stderr=sys.stderr.buffer)


if __name__ == "__main__":
    sys.exit(main())
