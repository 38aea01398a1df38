"""`migrabot parse`: a ticket → the runbook's step-4 text (or its errors). Exit 0, or 1 when the ticket has errors."""

from __future__ import annotations

import argparse
from typing import TextIO

from bot.commands.common import EXIT_OK, EXIT_TICKET_ERRORS, emit, read_ticket
from bot.domain.plan import plan_ticket
from bot.domain.ticket import parse_ticket
from bot.settings import Settings
from bot.texts.payload import parse_payload
from bot.texts.text import render_parse_report


def main(arguments: argparse.Namespace, settings: Settings, *, stdout: TextIO, stderr: TextIO) -> int:
    ticket = parse_ticket(read_ticket(arguments.path), default_field=settings.migration_field_slug)
    plan = None
    if ticket.ok:
        plan, ticket = plan_ticket(ticket, field_slug=settings.migration_field_slug)
    found = {
        "plan": plan,
        "errors": ticket.errors,
        "warnings": ticket.warnings,
        "console": settings.display_console_command,
    }
    emit(
        as_json=arguments.json,
        stdout=stdout,
        message=render_parse_report(**found),
        payload=parse_payload(**found),
    )
    return EXIT_OK if ticket.ok else EXIT_TICKET_ERRORS
