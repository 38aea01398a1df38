"""Markdown tables pasted into a card (Trello renders them): a header that names the origin, the value and
the destination makes each row one rule, read by the same grammar as a written line. Pure."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from itertools import pairwise

from bot.domain.ticket_lines import Line

_ROW = re.compile(r"^\s*\|.*\|\s*$")
_SEPARATOR = re.compile(r"^\s*\|(?:\s*:?-+:?\s*\|)+\s*$")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_HEADERS = {
    "origin": re.compile(r"origine|initial"),
    "value": re.compile(r"valeur|champ|condition|critere"),
    "destination": re.compile(r"destination|vers|cible|arrivee"),
}
_ALL_FILES = re.compile(r"^tous(?:\s+les\s+dossiers)?$", re.I)
# Quotes tried around a cell's value, so that the cell is one value whatever it holds; first unused wins.
_QUOTE_PAIRS = (("«", "»"), ("“", "”"), ('"', '"'), ("‘", "’"))


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def _cells(line: Line) -> list[tuple[str, list[int], int]]:
    """(text, source columns, column of the cell) of each cell of a row, trimmed."""
    stripped = line.text.strip()
    offset = len(line.text) - len(line.text.lstrip())
    pipes = [offset + match.start() for match in _CELL_SPLIT.finditer(stripped)]
    cells = []
    for start, end in pairwise(pipes):
        raw = line.text[start + 1 : end]
        left = len(raw) - len(raw.lstrip())
        content = raw.strip()
        first = start + 1 + left
        columns = [line.source_column(first + 1 + i) for i in range(len(content))]
        cells.append((content, columns, columns[0] if columns else line.source_column(start + 2)))
    return cells


def _header(line: Line) -> dict[str, int] | None:
    """Column index of the origin, the value and the destination, when the row names all three."""
    names = [_folded(cell) for cell, _, _ in _cells(line)]
    found: dict[str, int] = {}
    for index, name in enumerate(names):
        for role, pattern in _HEADERS.items():
            if role not in found and pattern.search(name):
                found[role] = index
                break
    return found if len(found) == len(_HEADERS) else None


def _quoted(value: str) -> tuple[str, str]:
    for opening, closing in _QUOTE_PAIRS:
        if opening not in value and closing not in value:
            return opening, closing
    return "", ""  # every quote is in the value: read as written (an ambiguous value is then refused)


def _rule_line(line: Line, header: dict[str, int]) -> Line:
    """« Centre initial = <origin> - lorsque le champ = « <value> » → vers <destination> », with each
    character's way back to its cell; the glue points to the cell that follows it."""
    cells = _cells(line)
    if len(cells) <= max(header.values()):
        return line  # a short row: read as it is, an error if it looks like a rule
    origin, value, destination = (cells[header[role]] for role in ("origin", "value", "destination"))
    pieces: list[tuple[str, list[int]]] = [("Centre initial = ", [origin[2]] * 17), origin[:2]]
    value_column = value[2]
    if _ALL_FILES.match(value[0]):
        pieces.append((" - tous les dossiers", [value_column] * 20))
    else:
        opening, closing = _quoted(value[0])
        glue = f" - lorsque le champ = {opening}"
        pieces += [(glue, [value_column] * len(glue)), value[:2], (closing, [value_column] * len(closing))]
    arrow = " → vers "
    pieces += [(arrow, [destination[2]] * len(arrow)), destination[:2]]
    text = "".join(piece for piece, _ in pieces)
    columns = tuple(column for _, piece_columns in pieces for column in piece_columns)
    return replace(line, text=text, columns=columns)


def read_tables(lines: list[Line]) -> list[Line]:
    """The card's lines with each row of a rule table written as a rule line; headers and separators blank."""
    result = []
    header: dict[str, int] | None = None
    for line in lines:
        if not _ROW.match(line.text):
            header = None
            result.append(line)
        elif header is None:
            header = _header(line)
            result.append(replace(line, text="", columns=()) if header else line)
        elif _SEPARATOR.match(line.text):
            result.append(replace(line, text="", columns=()))
        else:
            result.append(_rule_line(line, header))
    return result
