"""The Excel synthesis (runbook step 3, format B), made to be printed and filed.

Sheets: « Synthèse » (title block, projection with its totals, bar chart), one count-down per origin centre,
« Commandes » (each dry-run and its figures), « Avertissements » when there are any. Every sheet prints
landscape, one page wide, its header row repeated, the card's name and « page N / M » in the footer.

Card content is untrusted: every text goes through `_put`, which stores it as a string cell (openpyxl would
store a text starting with `=` as a live formula). Numbers stay numbers. Fonts are named explicitly (else
LibreOffice prints styled cells in a serif face). Returns bytes: written to disk, attached, uploaded.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.domain.model import Simulation
from bot.domain.synthesis import OriginSummary, Synthesis
from bot.texts.french import french
from bot.texts.text import render_accommodations, shared_prefix, short_fingerprint, short_label
from bot.texts.zero_match import zero_match_count, zero_match_warnings

PARIS = ZoneInfo("Europe/Paris")  # the default of the `TZ` setting
FONT_NAME = "Calibri"
BODY_FONT = Font(name=FONT_NAME, size=11)
HEADER_FONT = Font(name=FONT_NAME, size=11, bold=True)
TOTAL_FONT = Font(name=FONT_NAME, size=11, bold=True)
TITLE_FONT = Font(name=FONT_NAME, size=14, bold=True)
WARNING_FONT = Font(name=FONT_NAME, size=11, bold=True, color="C00000")
LINK_FONT = Font(name=FONT_NAME, size=11, color="0563C1", underline="single")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
WRAP = Alignment(wrap_text=True, vertical="top")
CENTERED = Alignment(horizontal="center", vertical="top")
TEXT = Alignment(horizontal="left", vertical="top", indent=1)
MAX_WIDTH = 45  # wider texts wrap instead of widening the page
COMMAND_WIDTH = 70
LINE_HEIGHT = 15  # points per wrapped line
ORIGIN_HEADERS = ("Étape", "Centre", "ID", "Valeur du champ", "Mouvement", "Suivis dans le centre")
SUMMARY_HEADERS = ("Centre", "ID", "Suivis avant", "Sortants", "Entrants", "Suivis après")
COMMAND_HEADERS = (
    "N°",
    "Origine",
    "Destination",
    "Valeur du champ",
    "Migrés",
    "Reste dans l'origine",
    "Commande (--dry-run)",
)
COMMANDS_TITLE = "Commandes"
WARNINGS_TITLE = "Avertissements"
DEFAULT_TITLE = "Simulation de migration des dossiers usagers"
SUBJECT = "Simulation de migration des dossiers usagers (--dry-run sur la preprod)"


@dataclass(frozen=True)
class WorkbookContext:
    """What the card adds to the figures: its name and link, when, which simulation, what to watch."""

    card_name: str = ""
    card_url: str = ""
    short_link: str = ""
    simulation_number: int | None = None
    made_at: float | None = None  # epoch seconds; shown in `zone`
    zone: tzinfo = PARIS  # the board's time zone (the `TZ` setting), like the comments and `status`
    warnings: tuple[str, ...] = ()
    description_hash: str = ""  # the card's: its short form is the fingerprint shown on the card and in Slack


def workbook_name(synthesis: Synthesis, *, short_link: str = "", simulation_number: int | None = None) -> str:
    """`simulation_migration_France_Fraternites_CHU_75_+1_AbC123_simulation2.xlsx`: the runbook's name
    (`simulation_migration_{NOM_CENTRE}`) after the card's first origin centre, « +N » for its other origins,
    then the card's short link (two cards about the same centres never share a name) and the simulation
    number (a card's second simulation is another file in the Drive folder, never mistaken for the first)."""
    origins = [summary.origin for summary in synthesis.origins]
    base = safe_file_part(origins[0].name or f"centre {origins[0].id}") if origins else "centre"
    base += f"_+{len(origins) - 1}" if len(origins) > 1 else ""
    suffix = f"_{safe_file_part(short_link)}" if short_link else ""
    suffix += f"_simulation{simulation_number}" if simulation_number is not None else ""
    return f"simulation_migration_{base}{suffix}.xlsx"


def zone_label(zone: tzinfo) -> str:
    """« heure de Paris » for the default zone, else the zone's IANA name: « fuseau America/Cayenne »."""
    name = getattr(zone, "key", None) or str(zone)
    return "heure de Paris" if name == "Europe/Paris" else f"fuseau {name}"


def safe_file_part(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "_", ascii_text).strip("_")[:80] or "centre"


def build_workbook(
    simulation: Simulation, synthesis: Synthesis, *, context: WorkbookContext | None = None
) -> bytes:
    context = context or WorkbookContext()
    workbook = Workbook()
    summary = workbook.active
    summary.title = "Synthèse"
    header_rows = {summary.title: _summary_sheet(summary, simulation, synthesis, context)}
    used_titles = {summary.title, COMMANDS_TITLE, WARNINGS_TITLE}
    prefix = shared_prefix([p.center.name or "" for p in synthesis.projections])
    for origin in synthesis.origins:
        sheet = workbook.create_sheet(_sheet_title(short_label(origin.origin, prefix), used_titles))
        header_rows[sheet.title] = _origin_sheet(sheet, origin, prefix)
    header_rows[COMMANDS_TITLE] = _commands_sheet(workbook.create_sheet(COMMANDS_TITLE), simulation)
    warnings = [*zero_match_warnings(simulation), *context.warnings, *synthesis.warnings]
    if warnings:
        header_rows[WARNINGS_TITLE] = _warnings_sheet(workbook.create_sheet(WARNINGS_TITLE), warnings)
    for sheet in workbook.worksheets:
        _print_setup(sheet, header_row=header_rows[sheet.title], card_name=context.card_name)
    _properties(workbook, context)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _properties(workbook: Workbook, context: WorkbookContext) -> None:
    """What a file manager or Drive shows about the file: its title, subject, author and card."""
    properties = workbook.properties
    properties.title = context.card_name or DEFAULT_TITLE
    properties.subject = SUBJECT
    properties.creator = properties.lastModifiedBy = "migrabot"
    if context.card_url:
        properties.identifier = context.card_url
        properties.description = french("Carte Trello : {url}", url=context.card_url)
    if context.simulation_number is not None:
        properties.keywords = french(
            "migration des dossiers usagers, simulation n° {number}", number=context.simulation_number
        )


# --- sheets --------------------------------------------------------------------------------------------


def _summary_sheet(
    sheet: Worksheet, simulation: Simulation, synthesis: Synthesis, context: WorkbookContext
) -> int:
    """Title block, projection and totals, notes, chart; returns the header row."""
    row = _title_block(sheet, simulation, context, width=len(SUMMARY_HEADERS))
    header_row = row + 1
    _header(sheet, header_row, SUMMARY_HEADERS)
    row = header_row
    for projection in synthesis.projections:
        row += 1
        values = [projection.before, projection.outgoing, projection.incoming, projection.after]
        _put(sheet, row, [projection.center.name or "", projection.center.id, *values])
    totals_row = row + 1
    _put(sheet, totals_row, ["Total", None, *_totals(synthesis)], font=TOTAL_FONT)
    _fit_columns(sheet, SUMMARY_HEADERS, rows=(header_row, totals_row))
    notes_row = totals_row + 2
    for number, line in enumerate(render_accommodations(simulation).splitlines()):
        _note(sheet, notes_row + number, line, width=len(SUMMARY_HEADERS))
    _bar_chart(sheet, header_row=header_row, last_row=totals_row - 1)
    return header_row


def _totals(synthesis: Synthesis) -> list[int]:
    projections = synthesis.projections
    return [
        sum(p.before for p in projections),
        sum(p.outgoing for p in projections),
        sum(p.incoming for p in projections),
        sum(p.after for p in projections),
    ]


def _title_block(sheet: Worksheet, simulation: Simulation, context: WorkbookContext, *, width: int) -> int:
    """The card's name and link, then what this file is; returns its last row (a blank one)."""
    row = 1
    _note(sheet, row, context.card_name or DEFAULT_TITLE, width=width)
    sheet.cell(row=row, column=1).font = TITLE_FONT
    if context.card_url:
        row += 1
        _note(sheet, row, context.card_url, width=width)
        link = sheet.cell(row=row, column=1)
        link.hyperlink, link.font = context.card_url, LINK_FONT
    parts = ["Simulation (--dry-run) sur la preprod"]
    if context.simulation_number is not None:
        parts.append(f"simulation n° {context.simulation_number}")
    if context.made_at is not None:
        moment = datetime.fromtimestamp(context.made_at, context.zone)
        parts.append(f"le {moment:%d/%m/%Y à %H:%M} ({zone_label(context.zone)})")
    _note(sheet, row + 1, " — ".join(parts), width=width)
    _note(
        sheet,
        row + 2,
        french("Empreinte : {fingerprint}", fingerprint=_fingerprint(simulation, context)),
        width=width,
    )
    if zero_match := zero_match_count(simulation):  # before any figure (details: « Avertissements »)
        _note(
            sheet,
            row + 3,
            french("{count} Voir « {sheet} ».", count=zero_match, sheet=WARNINGS_TITLE),
            width=width,
        )
        sheet.cell(row=row + 3, column=1).font = WARNING_FONT
        return row + 4
    return row + 3


def _fingerprint(simulation: Simulation, context: WorkbookContext) -> str:
    """The card's short fingerprint, as on the card and in Slack; without a card (`migrabot simulate`), the
    plan's."""
    return short_fingerprint(context.description_hash or simulation.plan.plan_fingerprint)


def _origin_sheet(sheet: Worksheet, origin: OriginSummary, prefix: str) -> int:
    """Count-down: the total, each migration in ticket order, then what comes in from the other groups."""
    _header(sheet, 1, ORIGIN_HEADERS)
    rows = [["Départ", origin.origin.name or "", origin.origin.id, None, None, origin.total]]
    for step, (line, remaining) in enumerate(zip(origin.lines, origin.countdown[1:], strict=True), start=1):
        value = line.value if line.value is not None else "tous les dossiers"
        target = f"vers {short_label(line.destination, prefix)}"
        rows.append([step, target, line.destination.id, value, -line.migrated, remaining])
    running = origin.countdown[-1]
    for item in origin.incoming:
        running += item.count
        source = f"depuis {short_label(item.origin, prefix)}"
        rows.append(["Entrants", source, item.origin.id, None, item.count, running])
    for row, values in enumerate(rows, start=2):
        _put(sheet, row, values)
        sheet.cell(row=row, column=1).alignment = CENTERED
    last = len(rows) + 2
    _put(sheet, last, ["Après migration", None, None, None, None, origin.final], font=TOTAL_FONT)
    _fit_columns(sheet, ORIGIN_HEADERS, rows=(1, last))
    return 1


def _commands_sheet(sheet: Worksheet, simulation: Simulation) -> int:
    """Each dry-run as it was run, with what it reported."""
    _header(sheet, 1, COMMAND_HEADERS)
    rules = simulation.plan.rules
    for row, run in enumerate(simulation.runs, start=2):
        rule = rules[run.rule_index]
        figures = run.figures
        value = rule.value if rule.value is not None else "tous les dossiers"
        counts = [figures.origin.moved, figures.origin.after] if figures else [None, None]
        origin, destination = rule.origin.label(), rule.destination.label()
        _put(sheet, row, [run.rule_index + 1, origin, destination, value, *counts, run.command])
        sheet.cell(row=row, column=1).alignment = CENTERED
    _fit_columns(sheet, COMMAND_HEADERS[:-1], rows=(1, len(simulation.runs) + 1))
    _wrap_column(sheet, len(COMMAND_HEADERS), width=COMMAND_WIDTH, rows=(2, len(simulation.runs) + 1))
    return 1


def _warnings_sheet(sheet: Worksheet, warnings: Sequence[str]) -> int:
    _header(sheet, 1, ("N°", "Avertissement"))
    for row, warning in enumerate(warnings, start=2):
        _put(sheet, row, [row - 1, warning])
        sheet.cell(row=row, column=1).alignment = CENTERED
    sheet.column_dimensions["A"].width = 6
    _wrap_column(sheet, 2, width=100, rows=(2, len(warnings) + 1))
    return 1


def _bar_chart(sheet: Worksheet, *, header_row: int, last_row: int) -> None:
    """Each centre before and after, beside the table."""
    chart = BarChart()
    chart.type = "col"
    chart.title = "Suivis par centre, avant et après"
    chart.y_axis.title = "Suivis"
    chart.x_axis.delete = chart.y_axis.delete = False  # openpyxl 3.1 hides both axes otherwise
    for column in (3, 6):  # « Suivis avant », « Suivis après »
        chart.add_data(
            Reference(sheet, min_col=column, min_row=header_row, max_row=last_row), titles_from_data=True
        )
    chart.set_categories(Reference(sheet, min_col=1, min_row=header_row + 1, max_row=last_row))
    chart.width, chart.height = 18, 9
    sheet.add_chart(chart, f"{get_column_letter(len(SUMMARY_HEADERS) + 2)}{header_row}")


# --- cells and print set-up ----------------------------------------------------------------------------


def _put(sheet: Worksheet, row: int, values: Sequence[object], *, font: Font = BODY_FONT) -> None:
    """Text is always a string cell, never a formula: it may come from a card."""
    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=column, value=value)
        if isinstance(value, str):
            cell.data_type = "s"
        cell.font = font
        if column > 1:
            cell.alignment = TEXT if isinstance(value, str) else Alignment(vertical="top")


def _note(sheet: Worksheet, row: int, text: str, *, width: int) -> None:
    """A sentence across the table's columns, wrapped: it widens no column."""
    _put(sheet, row, [text])
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    sheet.cell(row=row, column=1).alignment = WRAP
    available = sum(sheet.column_dimensions[get_column_letter(c)].width or 10 for c in range(1, width + 1))
    lines = max(1, math.ceil(len(text) * 1.1 / available))
    sheet.row_dimensions[row].height = LINE_HEIGHT * lines + (4 if row == 1 else 0)


def _header(sheet: Worksheet, row: int, headers: Sequence[str]) -> None:
    _put(sheet, row, headers, font=HEADER_FONT)
    for cell in sheet[row]:
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    sheet.freeze_panes = f"A{row + 1}"


def _fit_columns(sheet: Worksheet, headers: Sequence[str], *, rows: tuple[int, int]) -> None:
    """Widths from the table's own cells (not the notes); a text wider than MAX_WIDTH wraps."""
    first, last = rows
    for index in range(1, len(headers) + 1):
        cells = [sheet.cell(row=row, column=index) for row in range(first, last + 1)]
        longest = max((len(str(c.value)) for c in cells if c.value is not None), default=8)
        width = min(max(longest + 3, 8), MAX_WIDTH)
        sheet.column_dimensions[get_column_letter(index)].width = width
        if longest + 3 > MAX_WIDTH:
            _wrap_column(sheet, index, width=MAX_WIDTH, rows=(first + 1, last))


def _wrap_column(sheet: Worksheet, column: int, *, width: int, rows: tuple[int, int]) -> None:
    sheet.column_dimensions[get_column_letter(column)].width = width
    for row in range(rows[0], rows[1] + 1):
        cell = sheet.cell(row=row, column=column)
        cell.alignment = Alignment(wrap_text=True, vertical="top", indent=cell.alignment.indent)
        lines = max(1, math.ceil(len(str(cell.value or "")) * 1.1 / width))
        current = sheet.row_dimensions[row].height or LINE_HEIGHT
        sheet.row_dimensions[row].height = max(current, LINE_HEIGHT * lines)


def _print_setup(sheet: Worksheet, *, header_row: int, card_name: str) -> None:
    """Landscape A4, one page wide, the header row on every page, the card and page number at the bottom."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.oddFooter.left.text = _footer_text(card_name or "Simulation de migration")
    sheet.oddFooter.left.font = FONT_NAME
    sheet.oddFooter.center.text = "page &P / &N"
    sheet.oddFooter.center.font = FONT_NAME


def _footer_text(text: str) -> str:
    """`&` starts a footer code: a card's name is shown as written."""
    return text[:100].replace("&", "&&")


def _sheet_title(text: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "-", text)[:31] or "Centre"
    title, number = base, 2
    while title in used:
        suffix = f" ({number})"
        title, number = base[: 31 - len(suffix)] + suffix, number + 1
    used.add(title)
    return title
