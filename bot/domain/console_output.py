"""Reading what a dry-run printed: Symfony Console tables → figures, or an explicit error. Pure, no I/O.

Symfony draws the same table in several ways (SymfonyStyle's dashes, `+---+`, box drawing, compact,
borderless), may colour it, may wrap long cells over several lines, and PHP may print notices around it.
The reader therefore works on geometry, never on a fixed layout:

- text is cleaned first (ANSI codes removed, CRLF/CR → LF, NFC, PHP notice lines set aside);
- a table is found by its header labels; its columns are the runs of `-`, `=`, `─`, `═` of the rule under
  the header (for the compact style, which has no rule, the positions of the header labels), measured in
  terminal cells so that wide (CJK) characters keep the columns aligned;
- a physical line whose key cell (Rôle, Centre ID) is empty continues the row above (wrapped cells);
- every number is cross-checked; anything unexpected gives `Unreadable` with an excerpt, never a guess.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise

from bot.domain.model import (
    AccommodationConflict,
    Accommodations,
    CenterCount,
    ConsoleResult,
    Figures,
    Rule,
)
from bot.domain.names import comparable_name, inert

EXCERPT_MAX_LINES = 40
EXCERPT_MAX_CHARS = 3000
EXCERPT_MAX_LINE_CHARS = 400
_MIN_CUT_WIDTH = 60  # Symfony cuts exception lines at the terminal width - 5: 75 without a terminal


@dataclass(frozen=True)
class Excerpt:
    """The part of an output around a problem (ANSI removed, bounded), and how many lines were left out."""

    lines: tuple[str, ...]
    omitted_before: int = 0
    omitted_after: int = 0


@dataclass(frozen=True)
class Unreadable:
    """Output that could not be read or failed a cross-check: `bot.texts.console` words it."""

    reason: str  # a key of `bot.texts.console.UNREADABLE`: what could not be read, or which check failed
    values: tuple[tuple[str, object], ...]  # the facts the message quotes: counts, ids, cells as printed
    excerpt: Excerpt | None  # None: the output was empty


@dataclass(frozen=True)
class ConsoleFailure:
    """A run that failed, and the console's own last words (`said`, may be empty)."""

    kind: str  # not_started, timed_out, no_exit_code, failed, error_reported
    said: str
    exit_code: int | None = None
    duration_s: float = 0.0


@dataclass(frozen=True)
class NameMismatch:
    role: str  # origine, destination
    id: int
    ticket_name: str
    console_name: str


@dataclass(frozen=True)
class IdMismatch:
    role: str  # origine, destination
    expected: int
    shown: int


# --- cleaning -------------------------------------------------------------------------------------

_ANSI = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC: hyperlinks, titles
    r"|\x1b[@-Z\\-_]"  # other two-character escapes
)
# PHP's own diagnostics, displayed (`Deprecated: …`) or logged to a merged stderr (`PHP Deprecated:  …`).
_PHP_NOTICE = re.compile(r"^\s*(?:PHP )?(?:Deprecated|User Deprecated|Warning|Notice|Strict Standards)\s*:\s")


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def text_lines(text: str) -> list[str]:
    """The output's lines, cleaned: ANSI codes removed, CRLF/CR → LF, NFC, trailing spaces dropped."""
    return _clean_lines(text)


def _clean_lines(text: str) -> list[str]:
    text = unicodedata.normalize("NFC", strip_ansi(text))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [line.rstrip() for line in text.split("\n")]


@dataclass(frozen=True)
class _Output:
    """Cleaned lines, and the indexes of those that are not PHP notices (what tables are read from)."""

    lines: list[str]
    kept: list[int]

    @classmethod
    def of(cls, text: str) -> _Output:
        lines = _clean_lines(text)
        return cls(lines, [i for i, line in enumerate(lines) if not _PHP_NOTICE.match(line)])

    def view(self) -> list[str]:
        return [self.lines[i] for i in self.kept]

    def unreadable(self, reason: str, *, view_index: int | None, **values: object) -> Unreadable:
        centre = (
            None if view_index is None or not self.kept else self.kept[min(view_index, len(self.kept) - 1)]
        )
        shown = tuple(
            (key, inert(value) if isinstance(value, str) else value) for key, value in values.items()
        )
        return Unreadable(reason, shown, excerpt(self.lines, centre=centre))


# --- outputs kept -----------------------------------------------------------------------------------


def keep_ends(text: str, *, limit: int, cut_line: Callable[[int], str]) -> str:
    """`text`, or its first and last lines within `limit` characters with `cut_line(characters left out)`
    between them: what is kept of an output (state, comments, attached file) stays bounded."""
    if len(text) <= limit:
        return text
    half = limit // 2
    head = text[:half]
    head = head[: head.rfind("\n") + 1] or head
    tail = text[len(text) - half :]
    tail = tail[tail.find("\n") + 1 :] or tail
    return head + cut_line(len(text) - len(head) - len(tail)) + "\n" + tail


# --- excerpts -------------------------------------------------------------------------------------


def excerpt(lines: Sequence[str], *, centre: int | None) -> Excerpt | None:
    """At most 40 lines / 3000 characters around `centre` (the end when None), and the lines left out; None
    when the output is empty."""
    if not any(line.strip() for line in lines):
        return None
    last = len(lines) - 1
    while last > 0 and not lines[last].strip():
        last -= 1
    centre = last if centre is None else max(0, min(centre, last))

    def shown(index: int) -> str:
        line = lines[index]
        return line if len(line) <= EXCERPT_MAX_LINE_CHARS else line[:EXCERPT_MAX_LINE_CHARS] + " […]"

    first = end = centre
    size = len(shown(centre))
    room_lines = EXCERPT_MAX_LINES - 2  # two lines kept for the « lignes omises » markers
    grew = True
    while grew and end - first + 1 < room_lines:
        grew = False
        for candidate in (end + 1, first - 1):
            if 0 <= candidate <= last and end - first + 1 < room_lines:
                cost = len(shown(candidate)) + 1
                if size + cost <= EXCERPT_MAX_CHARS - 100:
                    size += cost
                    first, end = min(first, candidate), max(end, candidate)
                    grew = True
    return Excerpt(tuple(inert(shown(i)) for i in range(first, end + 1)), first, last - end)


# --- display geometry -----------------------------------------------------------------------------


def _char_width(char: str) -> int:
    """Terminal cells of one character, as Symfony's Helper::width counts them."""
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    return sum(_char_width(char) for char in text)


_HORIZONTAL = "-=─═"
_VERTICAL = "|│║"
_CROSSINGS = "+┼┌┬┐┤┘┴└├╔╤╗╢╝╧╚╟╠╪╣"
_RULE_CHARS = set(_HORIZONTAL + _VERTICAL + _CROSSINGS + " ")
_RULE_RUN = re.compile(f"[{re.escape(_HORIZONTAL)}]+")

Span = tuple[int, int]  # [start, end) in terminal cells
_OPEN_END = 1 << 30


def _is_rule(line: str) -> bool:
    return bool(line.strip()) and set(line) <= _RULE_CHARS and any(c in _HORIZONTAL for c in line)


def _rule_spans(line: str) -> list[Span]:
    """Columns of a rule: `+----+---+`, `---- ----`, `╠═══╪══╣` (rule characters are one cell wide)."""
    return [(match.start(), match.end()) for match in _RULE_RUN.finditer(line)]


def _cells(line: str, spans: Sequence[Span]) -> tuple[list[str], bool]:
    """The text of each column, and whether everything outside the columns is border or space."""
    parts: list[list[str]] = [[] for _ in spans]
    fits = True
    position = 0
    for char in line:
        for index, (start, end) in enumerate(spans):
            if start <= position < end:
                parts[index].append(char)
                break
        else:
            fits = fits and (char.isspace() or char in _VERTICAL)
        position += _char_width(char)
    return ["".join(part).strip() for part in parts], fits


def _normalised_label(text: str) -> str:
    """Header text compared without case or spaces: wrapping may cut a label anywhere."""
    return "".join(text.split()).casefold()


# --- generic table reading ------------------------------------------------------------------------


@dataclass(frozen=True)
class _TableSpec:
    title: str  # which table, for messages (`bot.texts.console` names it)
    labels: tuple[str, ...]  # required header labels; the first one is the key column
    anchors: tuple[str, ...]  # casefolded words that all appear on a header's first line
    is_row_start: Callable[[str], bool]  # given the key cell


@dataclass(frozen=True)
class _Table:
    header_index: int  # in the view
    rows: list[dict[str, str]]  # label → cell text (wrapped parts joined)
    row_indexes: list[int]


@dataclass(frozen=True)
class _Layout:
    spans: list[Span]  # the columns, in terminal cells
    header_lines: list[str]
    first_row: int  # view index of the first line after the header (and its rule)
    bordered: bool  # False for the compact style, whose end is only known by the first foreign line


@dataclass(frozen=True)
class _Rejected:
    """A would-be table: header labels missing, or a line inside its borders that is no row."""

    line_index: int  # in the view
    missing: tuple[str, ...] = ()
    foreign_line: str = ""


_ROLES = ("origine", "destination")
_SUMMARY = _TableSpec(
    title="summary",
    labels=("Rôle", "Centre ID", "Centre Nom", "Nb. suivis", "Après migration"),
    anchors=("rôle", "centre"),
    is_row_start=lambda key: key.casefold() in _ROLES,
)
_CONFLICTS = _TableSpec(
    title="conflicts",
    labels=("Centre ID", "Hébergement ID", "Individus non migrés", "Individus migrés"),
    anchors=("centre", "hébergement", "individus"),
    is_row_start=lambda key: bool(re.fullmatch(r"\d+", key.replace(" ", ""))),
)


def _find_tables(view: list[str], spec: _TableSpec) -> tuple[list[_Table], list[_Rejected]]:
    tables: list[_Table] = []
    rejected: list[_Rejected] = []
    for index, line in enumerate(view):
        folded = line.casefold()
        if all(anchor in folded for anchor in spec.anchors):
            result = _read_table(view, index, spec)
            (tables if isinstance(result, _Table) else rejected).append(result)
    return tables, rejected


def _header_rule(view: list[str], header_index: int, columns: int) -> int | None:
    """The rule under a (possibly wrapped) header: the first rule with enough columns, a few lines down."""
    for index in range(header_index + 1, min(header_index + 6, len(view))):
        line = view[index]
        if not line.strip():
            return None
        if _is_rule(line):
            return index if len(_rule_spans(line)) >= columns else None
    return None


def _label_starts(line: str, labels: frozenset[str]) -> Iterator[list[tuple[int, str]]]:
    """Ways to read a compact header line as the labels side by side, each possibly cut by wrapping."""
    lowered = line.lower()

    def walk(position: int, remaining: frozenset[str], found: list[tuple[int, str]]) -> Iterator[list]:
        while position < len(line) and line[position] == " ":
            position += 1
        if not remaining or position >= len(line):
            if not remaining and position >= len(line):
                yield found
            return
        for label in sorted(remaining):
            wanted = label.lower()
            for length in range(min(len(wanted), len(line) - position), 0, -1):
                end = position + length
                if lowered[position:end] == wanted[:length] and (end == len(line) or line[end] == " "):
                    yield from walk(end, remaining - {label}, [*found, (position, label)])

    yield from walk(0, labels, [])


def _compact_layout(view: list[str], header_index: int, spec: _TableSpec) -> _Layout | None:
    """Columns of the borderless compact style: where each header label starts (cells are left-aligned)."""
    first = view[header_index]
    for found in _label_starts(first, frozenset(spec.labels)):
        starts = [display_width(first[:position]) for position, _ in found]
        ends = [*starts[1:], _OPEN_END]
        spans = [
            (0 if i == 0 else start, end) for i, (start, end) in enumerate(zip(starts, ends, strict=True))
        ]
        key_column = [label for _, label in found].index(spec.labels[0])
        first_row = header_index + 1
        while first_row < min(len(view), header_index + 6) and view[first_row].strip():
            if spec.is_row_start(_cells(view[first_row], spans)[0][key_column]):
                break
            first_row += 1
        layout = _Layout(spans, view[header_index:first_row], first_row, bordered=False)
        if not _missing_labels(layout, spec):
            return layout
    return None


def _bordered_layout(view: list[str], header_index: int, spec: _TableSpec) -> _Layout | None:
    rule_index = _header_rule(view, header_index, len(spec.labels))
    if rule_index is None:
        return None
    return _Layout(
        _rule_spans(view[rule_index]), view[header_index:rule_index], rule_index + 1, bordered=True
    )


def _header_cells(layout: _Layout) -> list[str]:
    return _joined([_cells(line, layout.spans)[0] for line in layout.header_lines])


def _missing_labels(layout: _Layout, spec: _TableSpec) -> tuple[str, ...]:
    found = {_normalised_label(text) for text in _header_cells(layout)}
    return tuple(label for label in spec.labels if _normalised_label(label) not in found)


def _read_table(view: list[str], header_index: int, spec: _TableSpec) -> _Table | _Rejected:
    layout = _bordered_layout(view, header_index, spec) or _compact_layout(view, header_index, spec)
    if layout is None:
        return _Rejected(header_index, spec.labels)
    missing = _missing_labels(layout, spec)
    if missing:
        return _Rejected(header_index, missing)
    columns = {_normalised_label(text): i for i, text in enumerate(_header_cells(layout))}
    positions = {label: columns[_normalised_label(label)] for label in spec.labels}
    physical_rows = _row_lines(view, layout, spec, key_column=positions[spec.labels[0]])
    if isinstance(physical_rows, _Rejected):
        return physical_rows
    rows = [{label: row[pos] for label, pos in positions.items()} for row, _ in physical_rows]
    return _Table(header_index, rows, [index for _, index in physical_rows])


def _joined(physical: list[list[str]]) -> list[str]:
    """Cells of several physical lines, column by column; Symfony's wrapping ate the space at each break."""
    return [" ".join(part for part in column if part) for column in zip(*physical, strict=True)]


def _row_lines(
    view: list[str], layout: _Layout, spec: _TableSpec, *, key_column: int
) -> list[tuple[list[str], int]] | _Rejected:
    """Logical rows (wrapped lines joined), from the header's end to the table's end."""
    rows: list[tuple[list[list[str]], int]] = []
    spans = layout.spans
    index = layout.first_row
    while index < len(view):
        line = view[index]
        if not line.strip():
            break
        if _is_rule(line):
            if _starts_row(view, index + 1, spans, spec, key_column):
                index += 1
                continue  # a TableSeparator between rows
            break
        cells, fits = _cells(line, spans)
        key = cells[key_column]
        if fits and spec.is_row_start(key):
            rows.append(([cells], index))
        elif fits and not key and rows:
            rows[-1][0].append(cells)
        elif layout.bordered:
            return _Rejected(index, foreign_line=line.strip())  # inside the borders, yet no row of ours
        else:
            break  # the compact style has no bottom border: the table ends at the first foreign line
        index += 1
    return [(_joined(parts), row_index) for parts, row_index in rows]


def _starts_row(view: list[str], index: int, spans: list[Span], spec: _TableSpec, key_column: int) -> bool:
    if index >= len(view) or _is_rule(view[index]):
        return False
    cells, fits = _cells(view[index], spans)
    return fits and spec.is_row_start(cells[key_column])


# --- the summary table ----------------------------------------------------------------------------

_ORIGIN_AFTER = re.compile(r"(\d+)\([-−–](\d+)migr[ée]s?\)", re.IGNORECASE)
_DESTINATION_AFTER = re.compile(r"(\d+)\(\+(\d+)entrants?\)", re.IGNORECASE)
_INTEGER = re.compile(r"\d+")


class _CellError(Exception):
    """A cell that does not hold what its column promises (internal: becomes Unreadable)."""


def _integer(text: str) -> int:
    compact = "".join(text.split())
    if not _INTEGER.fullmatch(compact):
        raise _CellError
    return int(compact)


def _after(text: str, pattern: re.Pattern[str]) -> tuple[int, int]:
    match = pattern.fullmatch("".join(text.split()))
    if not match:
        raise _CellError
    return int(match.group(1)), int(match.group(2))


def _center_count(row: dict[str, str], *, role: str) -> CenterCount:
    after, moved = _after(row["Après migration"], _ORIGIN_AFTER if role == "origine" else _DESTINATION_AFTER)
    return CenterCount(
        id=_integer(row["Centre ID"]),
        name=inert(" ".join(row["Centre Nom"].split())),
        before=_integer(row["Nb. suivis"]),
        after=after,
        moved=moved,
    )


def _read_summary(output: _Output) -> tuple[CenterCount, CenterCount, int] | Unreadable:
    view = output.view()
    tables, rejected = _find_tables(view, _SUMMARY)
    if len(tables) > 1:
        return output.unreadable("several_summaries", view_index=tables[1].header_index, count=len(tables))
    if not tables:
        return _summary_not_found(output, rejected)
    table = tables[0]
    by_role: dict[str, list[int]] = {role: [] for role in _ROLES}
    for position, row in enumerate(table.rows):
        by_role[row["Rôle"].casefold()].append(position)
    for role, positions in by_role.items():
        if not positions:
            return output.unreadable("role_missing", view_index=table.header_index, role=role)
        if len(positions) > 1:
            where = table.row_indexes[positions[1]]
            return output.unreadable("role_repeated", view_index=where, role=role, count=len(positions))
    counts = []
    for role in _ROLES:
        position = by_role[role][0]
        try:
            counts.append(_center_count(table.rows[position], role=role))
        except _CellError:
            reason, values = _bad_cell(table.rows[position], role=role)
            return output.unreadable(reason, view_index=table.row_indexes[position], **values)
    return counts[0], counts[1], table.header_index


def _summary_not_found(output: _Output, rejected: list[_Rejected]) -> Unreadable:
    if not any(line.strip() for line in output.lines):
        return output.unreadable("empty_output", view_index=None)
    if rejected:
        closest = min(rejected, key=lambda candidate: len(candidate.missing))
        if closest.missing:
            return output.unreadable(
                "summary_header", view_index=closest.line_index, missing=", ".join(closest.missing)
            )
        return output.unreadable(
            "summary_foreign_line", view_index=closest.line_index, line=closest.foreign_line
        )
    return output.unreadable("summary_not_found", view_index=None, expected=", ".join(_SUMMARY.labels))


def _bad_cell(row: dict[str, str], *, role: str) -> tuple[str, dict[str, object]]:
    for label, read in (
        ("Centre ID", _integer),
        ("Nb. suivis", _integer),
        (
            "Après migration",
            lambda text: _after(text, _ORIGIN_AFTER if role == "origine" else _DESTINATION_AFTER),
        ),
    ):
        try:
            read(row[label])
        except _CellError:
            return "bad_summary_cell", {"role": role, "label": label, "value": row[label]}
    return "bad_summary_row", {"role": role}


def _cross_check(origin: CenterCount, destination: CenterCount) -> tuple[str, dict[str, object]] | None:
    """(reason, values) of the first inconsistency between the summary's figures; None when they agree."""
    if origin.after != origin.before - origin.moved:
        figures = {"before": origin.before, "moved": origin.moved, "after": origin.after}
        return "origin_inconsistent", {"id": origin.id, **figures, "expected": origin.before - origin.moved}
    if destination.after != destination.before + destination.moved:
        figures = {"before": destination.before, "moved": destination.moved, "after": destination.after}
        expected = destination.before + destination.moved
        return "destination_inconsistent", {"id": destination.id, **figures, "expected": expected}
    if origin.moved != destination.moved:
        return "moves_inconsistent", {
            "left": origin.moved,
            "origin": origin.id,
            "arrived": destination.moved,
            "destination": destination.id,
        }
    return None


# --- accommodations -------------------------------------------------------------------------------

_TO_MIGRATE_LABEL = re.compile(r"hébergements\s+à\s+migrer\s*:", re.IGNORECASE)
_TO_MIGRATE = re.compile(r"hébergements\s+à\s+migrer\s*:\s*(\d+)\s*$", re.IGNORECASE)
_PROBLEM = "individus non migrés rattachés"
_EMPTY_LIST = {"", "-", "–", "—"}


def _id_list(text: str) -> tuple[int, ...]:
    if text.strip() in _EMPTY_LIST:
        return ()
    tokens = [token for token in re.split(r"[,;\s]+", text) if token]
    if not all(_INTEGER.fullmatch(token) for token in tokens):
        raise _CellError
    return tuple(int(token) for token in tokens)


def _read_accommodations(output: _Output) -> Accommodations | Unreadable | None:
    view = output.view()
    label_lines = [i for i, line in enumerate(view) if _TO_MIGRATE_LABEL.search(line)]
    tables, rejected = _find_tables(view, _CONFLICTS)
    problem_lines = [i for i, line in enumerate(view) if _PROBLEM in " ".join(line.split()).casefold()]
    if not label_lines and not tables and not problem_lines:
        return None
    if len(label_lines) > 1:
        return output.unreadable(
            "accommodation_count_repeated", view_index=label_lines[1], count=len(label_lines)
        )
    if not label_lines:
        return output.unreadable(
            "accommodation_count_missing", view_index=(tables[0].header_index if tables else problem_lines[0])
        )
    match = _TO_MIGRATE.search(view[label_lines[0]])
    if not match:
        return output.unreadable(
            "accommodation_count_unreadable", view_index=label_lines[0], line=view[label_lines[0]].strip()
        )
    conflicts = _read_conflicts(output, tables, rejected, problem_lines)
    if isinstance(conflicts, Unreadable):
        return conflicts
    return Accommodations(to_migrate=int(match.group(1)), conflicts=conflicts)


def _read_conflicts(
    output: _Output, tables: list[_Table], rejected: list[_Rejected], problem_lines: list[int]
) -> tuple[AccommodationConflict, ...] | Unreadable:
    if len(tables) > 1:
        return output.unreadable(
            "several_conflict_tables", view_index=tables[1].header_index, count=len(tables)
        )
    if not tables:
        if problem_lines or rejected:
            where = min(rejected, key=lambda c: len(c.missing)).line_index if rejected else problem_lines[0]
            return output.unreadable("conflict_table_missing", view_index=where)
        return ()
    table = tables[0]
    conflicts = []
    for row, index in zip(table.rows, table.row_indexes, strict=True):
        for label in _CONFLICTS.labels:
            try:
                (_integer if label.endswith("ID") else _id_list)(row[label])
            except _CellError:
                return output.unreadable(
                    "bad_conflict_cell",
                    view_index=index,
                    table=_CONFLICTS.title,
                    label=label,
                    value=row[label],
                )
        conflicts.append(
            AccommodationConflict(
                center_id=_integer(row["Centre ID"]),
                accommodation_id=_integer(row["Hébergement ID"]),
                not_migrated=_id_list(row["Individus non migrés"]),
                migrated=_id_list(row["Individus migrés"]),
            )
        )
    if not conflicts:
        return output.unreadable(
            "empty_conflict_table", view_index=table.header_index, table=_CONFLICTS.title
        )
    return tuple(conflicts)


# --- public API -----------------------------------------------------------------------------------


def read_figures(text: str) -> Figures | Unreadable:
    """The dry-run's figures from its stdout, cross-checked; `Unreadable` (with an excerpt) otherwise."""
    output = _Output.of(text)
    summary = _read_summary(output)
    if isinstance(summary, Unreadable):
        return summary
    origin, destination, header_index = summary
    inconsistency = _cross_check(origin, destination)
    if inconsistency:
        reason, values = inconsistency
        return output.unreadable(reason, view_index=header_index, **values)
    accommodations = _read_accommodations(output)
    if isinstance(accommodations, Unreadable):
        return accommodations
    return Figures(origin=origin, destination=destination, accommodations=accommodations)


_ERROR_BLOCK = re.compile(r"^(\s*)\[ERROR\] ?(.*)$")
_PHP_FATAL = re.compile(r"^(?:PHP )?(?:Fatal error|Parse error)\s*:\s*(.+)$")
_EXCEPTION_FILE = re.compile(r"^In \S+ line \d+:$")
_SYNOPSIS = re.compile(r"^[\w:.-]+( \[[^\]]*\])+")


def _error_blocks(lines: list[str]) -> list[str]:
    """The text of each SymfonyStyle `[ERROR]` block, unwrapped from its indentation and padding."""
    blocks = []
    for index, line in enumerate(lines):
        match = _ERROR_BLOCK.match(line)
        if not match:
            continue
        indent = " " * (len(match.group(1)) + len("[ERROR] "))
        words = [match.group(2)]
        following = index + 1
        while following < len(lines):
            current = lines[following]
            if current.strip() and current.startswith(indent):
                words.append(current)
            elif not current.strip() and _continues_block(lines, following + 1, indent):
                pass  # the padded line between two messages of one block
            else:
                break
            following += 1
        blocks.append(" ".join(" ".join(words).split()))
    return [block for block in blocks if block]


def _continues_block(lines: list[str], index: int, indent: str) -> bool:
    line = lines[index] if index < len(lines) else ""
    return len(line) > len(indent) and line.startswith(indent) and not line[len(indent)].isspace()


def _last_words(text: str) -> str:
    """What a failing console said last: the exception's box if Symfony drew one, else the last lines."""
    lines = _clean_lines(text)
    for index, line in enumerate(lines):
        if _EXCEPTION_FILE.match(line.strip()):
            return _unboxed(_first_paragraph(lines[index + 1 :]))
        fatal = _PHP_FATAL.match(line.strip())
        if fatal:
            return fatal.group(1)
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        if not line.strip() or _SYNOPSIS.match(line) or line.strip() == "Exception trace:":
            if paragraphs[-1]:
                paragraphs.append([])
        else:
            paragraphs[-1].append(line)
    last = next((paragraph for paragraph in reversed(paragraphs) if paragraph), [])
    if last and all(line.startswith("  ") for line in last):
        return _unboxed(last)
    return " ".join(line.strip() for line in last[-5:])


def _first_paragraph(lines: list[str]) -> list[str]:
    paragraph: list[str] = []
    for line in lines:
        if line.strip():
            paragraph.append(line)
        elif paragraph:
            break
    return paragraph


def _unboxed(box: list[str]) -> str:
    """The message of Symfony's exception box (`  text  ` lines), which cuts long lines at a fixed width.

    A full-width piece ending inside a word was cut there: it is glued to the next piece, not spaced.
    """
    pieces = [line[2:].rstrip() if line.startswith("  ") else line.strip() for line in box]
    widest = max((display_width(piece) for piece in pieces), default=0)
    text = pieces[0] if pieces else ""
    for previous, piece in pairwise(pieces):
        cut = display_width(previous) == widest >= _MIN_CUT_WIDTH and not piece[:1].isspace()
        text += piece if cut else " " + piece.lstrip()
    return text


def failure_of(result: ConsoleResult) -> ConsoleFailure | None:
    """How the run failed, with the console's own words; None when it did not."""
    if result.start_error is not None:
        return ConsoleFailure("not_started", inert(strip_ansi(result.start_error)))
    errors = _error_blocks(_clean_lines(result.stdout)) + _error_blocks(_clean_lines(result.stderr))
    said = inert(" ".join(errors) or _last_words(result.stderr) or _last_words(result.stdout))
    if result.timed_out:
        return ConsoleFailure("timed_out", said, duration_s=result.duration_s)
    if result.exit_code is None:
        return ConsoleFailure("no_exit_code", said)
    if result.exit_code != 0:
        return ConsoleFailure("failed", said, exit_code=result.exit_code)
    if errors:
        return ConsoleFailure("error_reported", said, exit_code=0)
    return None


def name_mismatches(rule: Rule, figures: Figures) -> tuple[NameMismatch, ...]:
    """Each centre whose ticket name differs from the console's `Centre Nom`.

    Names are compared only for matching ids: a different id is no naming issue but a wrong migration,
    reported as the run's error (`id_mismatches`).
    """
    return tuple(
        NameMismatch(role, center.id, center.name, count.name)
        for role, center, count in (
            ("origine", rule.origin, figures.origin),
            ("destination", rule.destination, figures.destination),
        )
        if center.name
        and center.id == count.id
        and comparable_name(inert(center.name)) != comparable_name(count.name)
    )


def id_mismatches(rule: Rule, figures: Figures) -> tuple[IdMismatch, ...]:
    """The centres of the console's table that are not the rule's: its figures are not ours."""
    return tuple(
        IdMismatch(role, expected, shown)
        for role, expected, shown in (
            ("origine", rule.origin.id, figures.origin.id),
            ("destination", rule.destination.id, figures.destination.id),
        )
        if expected != shown
    )
