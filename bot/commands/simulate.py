"""`migrabot simulate`: every command in --dry-run, then the PO synthesis and the Excel file.

Exit codes: 0 ok, 1 the ticket has errors, 2 a dry-run failed or could not be read, 3 accommodation
conflicts await a decision, 4 at least one rule finds no file (its warning leads the output). Progress goes to stderr, the result to stdout.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import TextIO

from bot.adapters.console import build_runner
from bot.app.near_miss import NearMissBudget, look_for_near_misses
from bot.app.simulation import simulate
from bot.commands.common import (
    EXIT_AWAITING_DECISION,
    EXIT_DRY_RUN_FAILED,
    EXIT_OK,
    EXIT_TICKET_ERRORS,
    EXIT_ZERO_MATCH,
    UsageError,
    emit,
    read_ticket,
)
from bot.domain.model import ConflictDecision, Plan, Simulation, Ticket
from bot.domain.near_miss import zero_match_indexes
from bot.domain.plan import plan_ticket
from bot.domain.synthesis import Synthesis, summarize
from bot.domain.ticket import parse_ticket
from bot.settings import Settings
from bot.texts import cli as texts
from bot.texts.excel import WorkbookContext, build_workbook, workbook_name
from bot.texts.payload import simulate_payload
from bot.texts.text import (
    describe_notice,
    render_conflicts,
    render_failures,
    render_parse_report,
    render_synthesis,
    synthesis_warnings,
)
from bot.texts.zero_match import with_zero_match


def sandbox_console(settings: Settings, workdir: Path) -> Settings:
    """The built-in Reconnect simulator with the runbook's data in place of the configured console."""
    try:
        from sandbox.reconnect_console import runbook_console_command
    except ModuleNotFoundError as missing:  # an installed wheel: the stand-ins stay in the source tree
        if missing.name != "sandbox":
            raise
        raise UsageError(texts.SANDBOX_NOT_SHIPPED) from None
    console = {"console_command": runbook_console_command(workdir), "console_workdir": ""}
    return settings.model_copy(update={**console, "console_ssh": "", "console_ssh_options": ""})


def main(arguments: argparse.Namespace, settings: Settings, *, stdout: TextIO, stderr: TextIO) -> int:
    if getattr(arguments, "sandbox", False):
        with tempfile.TemporaryDirectory(prefix="migrabot-sandbox-") as workdir:
            arguments.sandbox = False
            return main(arguments, sandbox_console(settings, Path(workdir)), stdout=stdout, stderr=stderr)
    text = read_ticket(arguments.path)
    ticket = parse_ticket(text, default_field=settings.migration_field_slug)
    if not ticket.ok:
        message = render_parse_report(
            plan=None,
            errors=ticket.errors,
            warnings=ticket.warnings,
            console=settings.display_console_command,
        )
        warnings = [describe_notice(w) for w in ticket.warnings]
        payload = simulate_payload(simulation=None, errors=ticket.errors, warnings=warnings, message=message)
        emit(as_json=arguments.json, stdout=stdout, message=message, payload=payload)
        return EXIT_TICKET_ERRORS
    plan, ticket = plan_ticket(ticket, field_slug=settings.migration_field_slug)
    simulation = _dry_runs(plan, ticket.conflict_decision, settings=settings, stderr=stderr, card_text=text)
    return _report(arguments, simulation, ticket, settings=settings, stdout=stdout, stderr=stderr)


def _dry_runs(
    plan: Plan, decision: ConflictDecision | None, *, settings: Settings, stderr: TextIO, card_text: str
) -> Simulation:
    def progress(number: int, total: int, label: str) -> None:
        print(texts.progress(number, total, label), file=stderr, flush=True)

    def near_miss_progress(number: int, at_most: int, value: str) -> None:
        print(texts.near_miss_progress(number, at_most, value), file=stderr, flush=True)

    runner = build_runner(settings)
    try:
        simulation = simulate(
            plan,
            runner,
            console_command=settings.display_console_command,
            concurrency=settings.console_concurrency,
            decision=decision,
            progress=progress,
            accommodation_impact=settings.accommodation_impact,
        )
        return look_for_near_misses(
            simulation,
            runner,
            budget=NearMissBudget(per_rule=settings.near_miss_tries, card_text=card_text),
            console_command=settings.display_console_command,
            concurrency=settings.console_concurrency,
            progress=near_miss_progress,
        )
    finally:
        runner.close()


def _report(
    arguments: argparse.Namespace,
    simulation: Simulation,
    ticket: Ticket,
    *,
    settings: Settings,
    stdout: TextIO,
    stderr: TextIO,
) -> int:
    """The outcome: the failures (2), the conflicts to decide (3), or the synthesis and its Excel file (0, or
    4 when a rule finds no file)."""
    warnings = [describe_notice(w) for w in ticket.warnings]

    def emit_outcome(message: str) -> None:
        payload = simulate_payload(
            simulation=simulation,
            warnings=warnings,
            message=message,
            errors=(),
            console=settings.display_console_command,
        )
        emit(as_json=arguments.json, stdout=stdout, message=message, payload=payload)

    if not simulation.ok:
        warnings += [w for run in simulation.runs for w in run.warnings]
        emit_outcome(render_failures(simulation))
        return EXIT_DRY_RUN_FAILED
    synthesis = summarize(simulation)
    warnings += synthesis_warnings(synthesis)
    if simulation.awaits_decision:
        emit_outcome(render_conflicts(simulation))
        return EXIT_AWAITING_DECISION
    message = with_zero_match(
        simulation, render_synthesis(simulation, synthesis, ticket_warnings=ticket.warnings)
    )
    context = WorkbookContext(
        made_at=time.time(), zone=settings.zone, warnings=tuple(describe_notice(w) for w in ticket.warnings)
    )
    _write_workbook(arguments.xlsx, simulation, synthesis, context=context, stderr=stderr)
    emit_outcome(message)
    return EXIT_ZERO_MATCH if zero_match_indexes(simulation) else EXIT_OK


def _write_workbook(
    xlsx: str | None,
    simulation: Simulation,
    synthesis: Synthesis,
    *,
    context: WorkbookContext,
    stderr: TextIO,
) -> None:
    target = Path(xlsx) if xlsx else Path(workbook_name(synthesis))
    try:
        target.write_bytes(build_workbook(simulation, synthesis, context=context))
    except OSError as error:
        raise UsageError(texts.unwritable_file(target, error.strerror or str(error))) from None
    print(texts.excel_written(target), file=stderr)
