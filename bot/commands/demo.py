"""`migrabot demo`: the whole product against the stand-ins, loaded lazily (they are not in the wheel)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from bot.commands.common import read_ticket
from bot.settings import Settings
from bot.texts import cli as texts


def main(arguments: argparse.Namespace, settings: Settings, *, stdout: TextIO, stderr: TextIO) -> int:
    import threading

    from bot.logs import setup_logging
    from sandbox.demo import run_demo

    setup_logging(level="ERROR", fmt="text", stream=stderr)
    tickets = [Path(path) for path in arguments.ticket]
    for path in tickets:
        read_ticket(str(path))  # a missing file is a usage error, before anything starts

    def wait_for_interrupt() -> None:
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print(texts.STOP_REQUESTED, file=stderr)

    return run_demo(
        output=Path(arguments.output),
        out=stdout,
        as_json=arguments.json,
        extra_tickets=tickets,
        keep_running=arguments.keep_running,
        wait_for_interrupt=wait_for_interrupt,
    )
