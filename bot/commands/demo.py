"""`migrabot demo`: the whole product against the stand-ins, loaded lazily (they are not in the wheel)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from bot.commands.common import EXIT_USAGE, read_ticket
from bot.settings import Settings
from bot.texts import cli as texts
from bot.texts.text import DEMO_WITHOUT_SANDBOX


def main(arguments: argparse.Namespace, settings: Settings | None, *, stdout: TextIO, stderr: TextIO) -> int:
    """`settings` is None: the demo reads none of the operator's settings (its own come from the sandbox)."""
    from bot.logs import setup_logging
    from bot.scheduler import stop_on_signals

    try:
        from sandbox.demo import run_demo
    except ModuleNotFoundError as missing:  # installed from the wheel: the stand-ins are not in it
        if missing.name != "sandbox":
            raise
        print(texts.error_line(DEMO_WITHOUT_SANDBOX), file=stderr)
        return EXIT_USAGE
    setup_logging(level="ERROR", fmt="text", stream=stderr)
    tickets = [Path(path) for path in arguments.ticket]
    for path in tickets:
        read_ticket(str(path))  # a missing file is a usage error, before anything starts

    def wait_for_interrupt() -> None:
        # Like `run`: Ctrl-C or SIGTERM, whatever the disposition inherited (a shell's background job, nohup and
        # some CI runners start us with SIGINT ignored, and Python then never raises KeyboardInterrupt).
        with stop_on_signals() as stop:
            stop.wait()
        print(texts.STOP_REQUESTED, file=stderr)

    return run_demo(
        output=Path(arguments.output),
        out=stdout,
        as_json=arguments.json,
        extra_tickets=tickets,
        keep_running=arguments.keep_running,
        wait_for_interrupt=wait_for_interrupt,
        slack_mode="http" if arguments.http else "socket",
    )
