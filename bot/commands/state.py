"""`migrabot state export` / `import`: the whole state as JSON, to move it between SQLite and PostgreSQL.

Export reads `STATE_DB` in one transaction (a consistent snapshot); import loads a file into an empty
`STATE_DB` in one transaction (all or nothing). Stop the bot while the state moves. Exit 0 done, 2 refused.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from bot.adapters.schema import LATEST, SchemaTooNew
from bot.adapters.sql import database_errors, redact, shown
from bot.adapters.store import ImportRefused, Store
from bot.commands.common import EXIT_OK, EXIT_USAGE
from bot.settings import Settings
from bot.texts import cli as cli_texts
from bot.texts import state as texts


def main(arguments: argparse.Namespace, settings: Settings, *, stdout: TextIO, stderr: TextIO) -> int:
    try:
        store = Store(settings.state_location)
    except (SchemaTooNew, *database_errors()) as error:
        print(cli_texts.error_line(redact(str(error), settings.state_location)), file=stderr)
        return EXIT_USAGE
    try:
        if arguments.action == "export":
            return _export(store, output=arguments.output, stdout=stdout)
        return _import(
            store, path=arguments.path, where=shown(settings.state_location), stdout=stdout, stderr=stderr
        )
    finally:
        store.close()


def dumps(exported: dict) -> str:
    """One text for one state: keys sorted, floats as Python writes them back exactly."""
    return json.dumps(exported, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def _export(store: Store, *, output: str | None, stdout: TextIO) -> int:
    text = dumps(store.export())
    if output is None:
        stdout.write(text)
    else:
        Path(output).write_text(text, encoding="utf-8")
    return EXIT_OK


def _import(store: Store, *, path: str, where: str, stdout: TextIO, stderr: TextIO) -> int:
    try:
        raw = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        exported = json.loads(raw)
    except (OSError, UnicodeDecodeError) as error:
        print(cli_texts.error_line(texts.unreadable_export(path, str(error))), file=stderr)
        return EXIT_USAGE
    except json.JSONDecodeError:
        print(cli_texts.error_line(texts.not_an_export(path)), file=stderr)
        return EXIT_USAGE
    try:
        counts = store.import_(exported)
    except ImportRefused as refused:
        print(cli_texts.error_line(_refusal(refused, path=path, where=where)), file=stderr)
        return EXIT_USAGE
    print(
        texts.imported(
            where, cards=counts["cards"], journal=counts["journal"], requests=counts["slack_requests"]
        ),
        file=stdout,
    )
    return EXIT_OK


def _refusal(refused: ImportRefused, *, path: str, where: str) -> str:
    if refused.reason == "schema":
        return texts.export_version(path, found=refused.detail, known=LATEST)
    if refused.reason == "not-empty":
        return texts.destination_not_empty(where, rows=int(refused.detail or 0))
    return texts.not_an_export(path)
