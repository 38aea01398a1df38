"""What the subcommands share: exit codes, the usage error, reading a ticket, printing text or JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TextIO

from bot.texts import cli as texts

EXIT_OK = 0
EXIT_TICKET_ERRORS = 1
EXIT_USAGE = 2
EXIT_DRY_RUN_FAILED = 2
EXIT_AWAITING_DECISION = 3
EXIT_ZERO_MATCH = 4  # `simulate`: a rule finds no file (the card's value is probably not the files' value)


class UsageError(Exception):
    """Bad arguments or settings: `bot.cli.main` prints the French message and exits with 2."""


def read_ticket(path: str) -> str:
    """The ticket's text; its bytes are decoded here, strictly, whatever the locale says."""
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
        return data.decode("utf-8")
    except FileNotFoundError:
        raise UsageError(texts.file_not_found(path)) from None
    except UnicodeDecodeError as error:
        where = None if path == "-" else path
        raise UsageError(texts.not_utf8(where, byte=error.object[error.start], offset=error.start)) from None
    except OSError as error:
        raise UsageError(texts.unreadable_file(path, error.strerror or str(error))) from None


def emit(*, as_json: bool, stdout: TextIO, message: str, payload: dict) -> None:
    if as_json:
        print(json.dumps(payload, ensure_ascii=False, indent=2), file=stdout)
    else:
        print(message, end="", file=stdout)
