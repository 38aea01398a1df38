"""Tables pasted into a card: Markdown tables (Trello renders them) and tab-separated rows (a spreadsheet
paste). A header that names at least the value and the destination, in any order, makes each row one rule,
written as a rule line the grammar reads like any other. Columns are found by their header words: the origin
(or one origin line above the table), the value, the destination, the identifiers, the options. Pure.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from itertools import pairwise

from bot.domain.ticket_lines import Line

_ROW = re.compile(r"^\s*\|.*\|\s*$")
_SEPARATOR = re.compile(r"^\s*\|(?:\s*:?-+:?\s*\|)+\s*$")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_ID_WORDS = re.compile(r"\b(?:id|identifiant|n°|no|num(?:ero)?)\b")
_ORIGIN_WORDS = re.compile(r"origine|initial|depart")
# Header words of each column, in the order they are tried (the first that a header names wins).
_ROLES = (
    ("value", re.compile(r"valeur|champ|condition|critere")),
    ("destination", re.compile(r"destination|vers|cible|arrivee|centre")),
    ("accommodations", re.compile(r"^hebergements?$")),
    ("deleted", re.compile(r"^(?:dossiers\s+)?supprimes?$")),
    ("options", re.compile(r"options?")),
)
_ALL_FILES = re.compile(r"^tous(?:\s+les\s+dossiers)?$", re.I)
_YES = re.compile(r"^(?:oui|x|✓|✔|✔️|yes)$", re.I)
_NO = re.compile(r"^(?:non|no)?$", re.I)
# Quotes tried around a cell's value, so that the cell is one value whatever it holds; first unused wins.
_QUOTE_PAIRS = (("«", "»"), ("“", "”"), ('"', '"'), ("‘", "’"))
_REQUIRED = ("origin", "origin_id", "value", "destination", "destination_id")
_NAMES = ("origin", "destination")
_EMPTY = "???"  # an empty required cell, in the rule line shown back to the coordinator: a placeholder


@dataclass(frozen=True)
class _Cell:
    text: str  # trimmed
    columns: list[int]  # source column of each character
    column: int  # source column of the cell


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold().strip()


def _cell(line: Line, start: int, end: int) -> _Cell:
    raw = line.text[start:end]
    left = len(raw) - len(raw.lstrip())
    content = raw.strip()
    first = start + left
    columns = [line.source_column(first + 1 + i) for i in range(len(content))]
    return _Cell(content, columns, columns[0] if columns else line.source_column(start + 1))


def _markdown_cells(line: Line) -> list[_Cell]:
    offset = len(line.text) - len(line.text.lstrip())
    pipes = [offset + match.start() for match in _CELL_SPLIT.finditer(line.text.strip())]
    return [_cell(line, start + 1, end) for start, end in pairwise(pipes)]


def _tab_cells(line: Line) -> list[_Cell]:
    tabs = [-1, *(index for index, char in enumerate(line.text) if char == "\t"), len(line.text)]
    return [_cell(line, start + 1, end) for start, end in pairwise(tabs)]


def _role(name: str) -> str | None:
    if _ID_WORDS.search(name):
        return "origin_id" if _ORIGIN_WORDS.search(name) else "destination_id"
    if _ORIGIN_WORDS.search(name):
        return "origin"
    return next((role for role, pattern in _ROLES if pattern.search(name)), None)


def _header(cells: list[_Cell]) -> dict[str, tuple[int, str]] | None:
    """Role → (column index, header as written), when the row names at least the value and the destination."""
    found: dict[str, tuple[int, str]] = {}
    for index, cell in enumerate(cells):
        role = _role(_folded(cell.text))
        if role is not None and role not in found:
            found[role] = (index, cell.text)
    return found if {"value", "destination"} <= set(found) else None


def _quoted(value: str) -> tuple[str, str]:
    for opening, closing in _QUOTE_PAIRS:
        if opening not in value and closing not in value:
            return opening, closing
    return "", ""  # every quote is in the value: read as written (an ambiguous value is then refused)


def _options(cells: dict[str, _Cell]) -> list[tuple[str, _Cell | None, int]]:
    """(text, cell or None, column) of what the option columns add to the rule."""
    pieces: list[tuple[str, _Cell | None, int]] = []
    switches = (
        ("accommodations", "avec hébergements", "sans hébergements"),
        ("deleted", "y compris supprimés", ""),
    )
    for role, yes, no in switches:
        cell = cells.get(role)
        if cell is None:
            continue
        option = yes if _YES.match(cell.text) else no if _NO.match(cell.text) else None
        if option != "":
            pieces.append((", ", None, cell.column))
            pieces.append((option, None, cell.column) if option else ("", cell, cell.column))
    if "options" in cells and cells["options"].text:
        pieces += [(", ", None, cells["options"].column), ("", cells["options"], cells["options"].column)]
    return pieces


def _rule_line(line: Line, row: list[_Cell], header: dict[str, tuple[int, str]]) -> Line:
    """« Centre initial = <origin> (ID <id>) - lorsque le champ = « <value> » → vers <destination> (ID <id>),
    <options> », with each character's way back to its cell; the glue points to the cell that follows it."""
    if not any(cell.text for cell in row):
        return replace(line, text="", columns=())
    end = line.source_column(len(line.text) + 1)
    cells = {
        role: row[index] if index < len(row) else _Cell("", [], end) for role, (index, _) in header.items()
    }
    empty_cell = None
    for role in reversed(_REQUIRED):  # the first empty one is reported; each reads « ??? » in the rule line
        cell = cells.get(role)
        if role in _NAMES and f"{role}_id" in cells:
            continue  # a name beside its id column may be left empty
        if cell is not None and not cell.text:
            empty_cell = (header[role][1], cell.column)
            cells[role] = _Cell(_EMPTY, [cell.column] * len(_EMPTY), cell.column)
    pieces: list[tuple[str, _Cell | None, int]] = []
    if "origin" in cells:
        pieces += [("Centre initial = ", None, cells["origin"].column), ("", cells["origin"], 0)]
        pieces += _id_pieces(cells.get("origin_id"))
        pieces.append((" - ", None, cells["value"].column))
    else:
        pieces.append(("- ", None, cells["value"].column))
    value = cells["value"]
    if _ALL_FILES.match(value.text):
        pieces.append(("tous les dossiers", None, value.column))
    else:
        opening, closing = _quoted(value.text)
        pieces += [(f"lorsque le champ = {opening}", None, value.column), ("", value, 0)]
        pieces.append((closing, None, value.column))
    destination = cells["destination"]
    pieces += [(" → vers ", None, destination.column), ("", destination, 0)]
    pieces += _id_pieces(cells.get("destination_id"))
    pieces += _options(cells)
    text = "".join(cell.text if cell else glue for glue, cell, _ in pieces)
    columns = tuple(
        column for glue, cell, at in pieces for column in (cell.columns if cell else [at] * len(glue))
    )
    return replace(line, text=text, columns=columns, empty_cell=empty_cell)


def _id_pieces(cell: _Cell | None) -> list[tuple[str, _Cell | None, int]]:
    if cell is None:
        return []
    return [(" (ID ", None, cell.column), ("", cell, 0), (")", None, cell.column)]


def read_tables(lines: list[Line]) -> list[Line]:
    """The card's lines with each row of a rule table written as a rule line; headers and separators blank."""
    result = []
    header: dict[str, tuple[int, str]] | None = None
    tabs = False  # the current table is tab-separated
    for line in lines:
        markdown = bool(_ROW.match(line.text))
        tabbed = "\t" in line.text and not markdown
        if header is not None and not (tabbed if tabs else markdown):
            header = None  # the table ended
        if header is None and (markdown or tabbed):
            tabs = tabbed
            header = _header(_tab_cells(line) if tabs else _markdown_cells(line))
            result.append(replace(line, text="", columns=()) if header else line)
        elif header is None or (markdown and _SEPARATOR.match(line.text)):
            result.append(replace(line, text="", columns=()) if header else line)
        else:
            result.append(_rule_line(line, _tab_cells(line) if tabs else _markdown_cells(line), header))
    return result
