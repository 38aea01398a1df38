"""The Excel synthesis (runbook step 3, format B): one sheet per origin centre with its count-down.

`simulation_migration_{NOM_CENTRE}.xlsx`; numbers stored as numbers, bold frozen header, readable widths.
Returns bytes so the same file can be written to disk, attached to a card or uploaded to Slack.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.domain.model import Simulation
from bot.domain.synthesis import OriginSummary, Synthesis
from bot.texts.text import render_accommodations, shared_prefix, short_label

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TOTAL_FONT = Font(bold=True)
ORIGIN_HEADERS = ("Étape", "Centre", "ID", "Valeur du champ", "Mouvement", "Suivis dans le centre")
SUMMARY_HEADERS = ("Centre", "ID", "Suivis avant", "Sortants", "Entrants", "Suivis après")


def workbook_name(synthesis: Synthesis) -> str:
    """`simulation_migration_France_Fraternites.xlsx`: the shared prefix of the names, else the first origin."""
    names = [o.origin.name or "" for o in synthesis.origins] + [
        p.center.name or "" for p in synthesis.projections
    ]
    base = (
        shared_prefix(names).rstrip(" -")
        or (synthesis.origins[0].origin.name if synthesis.origins else "")
        or "centre"
    )
    return f"simulation_migration_{safe_file_part(base)}.xlsx"


def safe_file_part(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "_", ascii_text).strip("_")[:80] or "centre"


def build_workbook(simulation: Simulation, synthesis: Synthesis) -> bytes:
    workbook = Workbook()
    summary = workbook.active
    _summary_sheet(summary, simulation, synthesis)
    used_titles = {summary.title}
    prefix = shared_prefix([p.center.name or "" for p in synthesis.projections])
    for origin in synthesis.origins:
        sheet = workbook.create_sheet(_sheet_title(short_label(origin.origin, prefix), used_titles))
        _origin_sheet(sheet, origin, prefix)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _summary_sheet(sheet: Worksheet, simulation: Simulation, synthesis: Synthesis) -> None:
    sheet.title = "Synthèse"
    _header(sheet, SUMMARY_HEADERS)
    for projection in synthesis.projections:
        sheet.append(
            [
                projection.center.name or "",
                projection.center.id,
                projection.before,
                projection.outgoing,
                projection.incoming,
                projection.after,
            ]
        )
    sheet.append([])
    for line in render_accommodations(simulation).splitlines():
        sheet.append([line])
    _fit_columns(sheet, SUMMARY_HEADERS)


def _origin_sheet(sheet: Worksheet, origin: OriginSummary, prefix: str) -> None:
    """Count-down: the total, each migration in ticket order, then what comes in from the other groups."""
    _header(sheet, ORIGIN_HEADERS)
    sheet.append(["Départ", origin.origin.name or "", origin.origin.id, None, None, origin.total])
    for step, (line, remaining) in enumerate(zip(origin.lines, origin.countdown[1:], strict=True), start=1):
        value = line.value if line.value is not None else "tous les dossiers"
        sheet.append(
            [
                step,
                f"vers {short_label(line.destination, prefix)}",
                line.destination.id,
                value,
                -line.migrated,
                remaining,
            ]
        )
    running = origin.countdown[-1]
    for item in origin.incoming:
        running += item.count
        sheet.append(
            [
                "Entrants",
                f"depuis {short_label(item.origin, prefix)}",
                item.origin.id,
                None,
                item.count,
                running,
            ]
        )
    sheet.append(["Après migration", None, None, None, None, origin.final])
    for cell in sheet[sheet.max_row]:
        cell.font = TOTAL_FONT
    _fit_columns(sheet, ORIGIN_HEADERS)


def _header(sheet: Worksheet, headers: Sequence[str]) -> None:
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center")
    sheet.freeze_panes = "A2"


def _fit_columns(sheet: Worksheet, headers: Sequence[str]) -> None:
    for index in range(1, len(headers) + 1):
        letter = get_column_letter(index)
        longest = max((len(str(cell.value)) for cell in sheet[letter] if cell.value is not None), default=8)
        sheet.column_dimensions[letter].width = min(max(longest + 2, 10), 60)


def _sheet_title(text: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "-", text)[:31] or "Centre"
    title, number = base, 2
    while title in used:
        suffix = f" ({number})"
        title, number = base[: 31 - len(suffix)] + suffix, number + 1
    used.add(title)
    return title
