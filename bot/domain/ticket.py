"""A card's description → rules, or errors with line and column. Never raises on user input.

The sentence syntax lives in `grammar/ticket.lark`; `ticket_lines` cleans lines and decides which are
meant as rules (candidates), `ticket_prose` reads what the free text may still mean; this module walks the
parse trees and checks what a grammar cannot (ids, duplicates, contradictions). Errors and warnings are
values (`Problem`, `Notice`): bot/texts/ticket.py says them in French. It does no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedEOF, UnexpectedInput, UnexpectedToken

from bot.domain import ticket_prose
from bot.domain.command import SLUG_PATTERN
from bot.domain.model import (
    Center,
    ConflictDecision,
    Notice,
    NoticeKind,
    Problem,
    ProblemKind,
    Rule,
    Ticket,
)
from bot.domain.names import comparable_name
from bot.domain.ticket_lines import (
    ARROWS,
    BULLET_PREFIX,
    DIRECTION_MARKS,
    INVISIBLE_MARKS,
    ORIGIN_LABEL,
    Line,
    clean_line,
    is_candidate,
    quoted_spans,
    split_lines,
)
from bot.domain.ticket_normalize import normalize, placeholder

__all__ = [
    "MARKED",
    "Line",
    "clean_line",
    "is_candidate",
    "parse_ticket",
    "parser",
    "quoted_spans",
    "split_lines",
    "statement_lines",
]

NO_BREAK_SPACES = "\u00a0\u202f\u2007"
# Zero-width and soft-hyphen characters, removed from values with a notice. (A zero-width joiner reaches a
# value only inside an emoji, where it is part of the value: elsewhere the line is refused.)
INVISIBLE = "\u200b\u200c\u2060\ufeff\u00ad"
MAX_ID = 2_147_483_647  # Reconnect's ids are 32-bit signed integers

_ORIGIN_START = re.compile(BULLET_PREFIX + ORIGIN_LABEL, re.I)
_ID_CONTENT = re.compile(r"\(\s*(?:id\b\s*[:=]?|#)([^()\n]*)\)", re.I)
_SLUG = re.compile(SLUG_PATTERN)
_QUOTES = {"«": "»", '"': '"', "“": "”", "'": "'", "„": "“”", "‘": "’"}
_AMBIGUOUS_NAME = re.compile(ARROWS + r"|\bvers\b", re.I)
_DOUBLED_OPERATOR = re.compile(r"^(?:[=:]|vaut\b)", re.I)
_OPTIONS_IN_VALUE = re.compile(r",\s*(?:avec\s+(?:les\s+)?h[ée]bergements?|y\s+compris)\b", re.I)
_SECOND_CONDITION = re.compile(r"\b(?:lorsque|quand|si)\s+(?:le\s+)?champ\b", re.I)
_SEVERAL_VALUES = re.compile(r"\S\s+(?:ou|et)\s+\S", re.I)


@cache
def parser() -> Lark:
    """The grammar, compiled once per process (LALR: linear in the line's length)."""
    return Lark.open_from_package("bot", "ticket.lark", ("grammar",), parser="lalr")


# --- parse ---------------------------------------------------------------------------------------


@dataclass
class _RuleDraft:
    origin: Center | None
    destination: Center
    field: str | None  # None: the ticket's field; ignored when `all_files`
    value: str | None
    all_files: bool
    options: set[str]  # the rule's own: accommodations, no_accommodations, deleted
    line: Line
    column: int
    block: int  # index of the origin block, -1 before any


@dataclass
class _Builder:
    default_field: str
    drafts: list[_RuleDraft] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Notice] = field(default_factory=list)
    origin: Center | None = None
    block: int = -1
    block_options: dict[int, set[str]] = field(default_factory=dict)
    ticket_options: set[str] = field(default_factory=set)
    ticket_field: tuple[str, Line] | None = None
    decision: ConflictDecision | None = None
    origin_names: dict[int, str] = field(default_factory=dict)
    block_origins: dict[int, tuple[int, Center]] = field(default_factory=dict)
    attempted: set[int] = field(default_factory=set)  # blocks with a rule line, valid or not

    def error(self, kind: ProblemKind, line: Line | None = None, column: int | None = None, **params) -> None:
        self.errors.append(
            Problem(
                kind,
                line=line.number if line else None,
                column=column,
                source=line.source if line else None,
                params=params,
            )
        )

    def warn(self, kind: NoticeKind, line: int | None, **params) -> None:
        self.warnings.append(Notice(kind, line=line, params=params))


def parse_ticket(description: str, *, default_field: str = "migration-des-donnees") -> Ticket:
    """Read a card's description. Errors and warnings are values; user input never raises."""
    builder = _Builder(default_field=default_field)
    trees = _Trees()
    for line in normalize(split_lines(description), reads=trees.reads):
        if line.text.strip():
            _read_line(builder, line, trees)
    return _finish(builder)


class _Trees:
    """Each text parsed once per card: the normalization asks whether a line reads, the reader then uses it."""

    def __init__(self) -> None:
        self._known: dict[str, Tree | UnexpectedInput] = {}

    def parse(self, text: str) -> Tree:
        found = self._known.get(text)
        if found is None:
            try:
                found = parser().parse(text)
            except UnexpectedInput as error:
                found = error
            self._known[text] = found
        if isinstance(found, UnexpectedInput):
            raise found
        return found

    def reads(self, text: str) -> bool:
        try:
            self.parse(text)
        except UnexpectedInput:
            return False
        return True


def _read_line(builder: _Builder, line: Line, trees: _Trees) -> None:
    marks = line.direction_marks()
    if marks:  # refused wherever the bot would read the line: they can reorder what the PO reads
        plain = DIRECTION_MARKS.sub("", line.text)
        if _meant_as_statement(plain):
            first = DIRECTION_MARKS.search(line.source)
            builder.error(ProblemKind.DIRECTION_MARK, line, first.start() + 1 if first else None, marks=marks)
            _broken_line(builder, plain)
        return
    first, invisible = line.invisible_marks()
    if invisible:  # refused like direction marks: they hide text or make two values look alike
        plain = INVISIBLE_MARKS.sub("", line.text)
        if _meant_as_statement(plain):
            builder.error(ProblemKind.INVISIBLE_CHARACTER, line, (first or 0) + 1, marks=invisible)
            _broken_line(builder, plain)
        return
    if MARKED.match(line.source):
        builder.error(ProblemKind.MARKED_LINE, line, 1)
        return
    if _placeholder(builder, line):
        return
    try:
        tree = trees.parse(line.text)
    except UnexpectedInput as error:
        if is_candidate(line.text) or ticket_prose.misspelt_start(line.text):
            problem = _syntax_problem(line, error)
            builder.errors.append(problem)
            meant_as_origin = problem.kind in _ORIGIN_ERRORS or problem.params.get("example") == "origin"
            _broken_line(builder, line.text, origin=meant_as_origin)
        else:
            _read_prose(builder, line)
        return
    if line.joined:
        builder.warn(NoticeKind.LINES_JOINED, line.number, lines=line.joined, text=line.text.strip())
    _read_statement(builder, line, tree)


# The bot's mark before a line it could not read, in the reading it posts (bot/texts/ticket.py writes it):
# pasted back with the mark still there, the card is refused.
MARKED = re.compile(r"^[\s>]*⛔\s*À\s+CORRIGER\b")


def statement_lines(description: str) -> list[tuple[int, str, str, Center | None]]:
    """(line number, the line as written, what it is, the origin it names) of each line read as a statement:
    the grammar's statement (« origin_line », « rule_line », « field_line »…), or « unread » for a line meant
    as one that does not parse. A table row is given as the rule line it was read as. For
    bot/domain/ticket_reading.py."""
    trees = _Trees()
    found = []
    for line in normalize(split_lines(description), reads=trees.reads):
        if not line.text.strip():
            continue
        table_row = "\t" in line.source or line.source.lstrip().startswith("|")
        written = line.text if table_row else line.source.strip()
        try:
            tree = trees.parse(line.text)
        except UnexpectedInput:
            if line.empty_cell or MARKED.match(line.source) or _meant_as_statement(line.text):
                found.append((line.number, written, "unread", None))
            continue
        statement = next(child for child in tree.children if isinstance(child, Tree))
        origin = (
            _center(_Builder(""), line, statement.children[1]) if statement.data == "origin_line" else None
        )
        found.append((line.number, written, statement.data, origin))
    return found


def _placeholder(builder: _Builder, line: Line) -> bool:
    """A line meant as a statement that holds a placeholder (« ??? », « TBD », an empty cell) is refused:
    the author does not know the value yet, the bot never guesses it."""
    if line.empty_cell is not None:
        cell, column = line.empty_cell
        builder.error(ProblemKind.PLACEHOLDER, line, column, written="", cell=cell)
    else:
        found = placeholder(line.text)
        if found is None or not _meant_as_statement(line.text):
            return False
        offset, written = found
        builder.error(
            ProblemKind.PLACEHOLDER, line, line.source_column(offset + 1), written=written, cell=None
        )
    _broken_line(builder, line.text)
    return True


def _meant_as_statement(text: str) -> bool:
    if is_candidate(text) or ticket_prose.misspelt_start(text):
        return True
    try:
        parser().parse(text)
    except UnexpectedInput:
        return False
    return True


def _broken_line(builder: _Builder, text: str, *, origin: bool = False) -> None:
    if origin or _ORIGIN_START.match(text):  # its rules belong to a broken block, already reported
        builder.block, builder.origin = builder.block + 1, None
    else:
        builder.attempted.add(builder.block)


def _read_prose(builder: _Builder, line: Line) -> None:
    """A sentence inside a rule block that speaks of the migration is understood or reported, never dropped."""
    if builder.block < 0:
        return
    options = ticket_prose.instruction(line.text)
    if options is None:
        return
    if options and builder.origin is not None and not line.signed:
        builder.block_options[builder.block] |= options
    elif not options or line.signed:
        builder.warn(NoticeKind.NOT_UNDERSTOOD, line.number, text=line.source.strip())


def _read_statement(builder: _Builder, line: Line, tree: Tree) -> None:
    statement = next(child for child in tree.children if isinstance(child, Tree))
    kind = statement.data
    if kind == "origin_line":
        _read_origin_line(builder, line, statement)
    elif kind == "rule_line":
        _read_rules_and_options(builder, line, statement.children, origin_options=None)
    elif kind == "field_line":
        _read_field_line(builder, line, statement)
    elif kind == "option_line":
        options = _options(statement.children[0])
        bulleted = any(isinstance(c, Token) and c.type == "BULLET" for c in tree.children)
        if bulleted and builder.block >= 0:  # a list item of a block: that block, not the whole ticket
            builder.block_options.setdefault(builder.block, set()).update(options)
        else:
            builder.ticket_options |= options
    elif kind in {"accommodations_switch", "deleted_switch"}:
        answer = str(statement.children[-1]).lower()
        if answer == "oui":
            builder.ticket_options.add("accommodations" if kind == "accommodations_switch" else "deleted")
    elif kind == "decision_line":
        builder.decision = (
            ConflictDecision.MIGRATE_ANYWAY
            if statement.children[-1].type == "DECISION"
            else ConflictDecision.WITHOUT_ACCOMMODATIONS
        )


def _read_origin_line(builder: _Builder, line: Line, statement: Tree) -> None:
    center_tree = statement.children[1]
    center = _center(builder, line, center_tree)
    builder.block += 1
    builder.origin = center
    builder.block_options[builder.block] = set()
    if center is not None:
        builder.block_origins[builder.block] = (line.number, center)
    if center is not None and center.name:
        known = builder.origin_names.setdefault(center.id, center.name)
        if comparable_name(known) != comparable_name(center.name):
            builder.warn(NoticeKind.NAME_DIFFERS, line.number, id=center.id, name=center.name, known=known)
    _read_rules_and_options(
        builder, line, statement.children[2:], origin_options=builder.block_options[builder.block]
    )


def _read_rules_and_options(
    builder: _Builder, line: Line, items: list, *, origin_options: set[str] | None
) -> None:
    """Rules and their trailing options, in order. Options before any rule of an origin line are the block's."""
    last: _RuleDraft | None = None
    for item in items:
        if not isinstance(item, Tree):
            continue
        if item.data in {"rule", "tail_rule"}:
            rule_tree = item if item.data == "rule" else item.children[0]
            last = _draft(builder, line, rule_tree)
        elif item.data == "tail_options":
            options = set().union(*(_options(child) for child in item.children if isinstance(child, Tree)))
            if last is not None:
                last.options |= options
            elif origin_options is not None:
                origin_options |= options


def _draft(builder: _Builder, line: Line, rule_tree: Tree) -> _RuleDraft | None:
    condition, destination = rule_tree.children
    column = line.source_column(condition.children[0].column)
    builder.attempted.add(builder.block)
    center = _center(builder, line, destination.children[-1])
    if center is None:
        return None
    options: set[str] = set()
    if condition.data == "all_condition":
        field_name, value, all_files = None, None, True
        options = set().union(*(_options(c) for c in condition.children if isinstance(c, Tree)))
    else:
        field_name, value = _field_and_value(builder, line, condition)
        if value is None:
            return None
        all_files = False
    if builder.origin is None and builder.block == -1:
        builder.error(ProblemKind.RULE_WITHOUT_ORIGIN, line, column)
        return None
    if builder.origin is None:  # the block's origin line had an error already reported
        return None
    draft = _RuleDraft(
        origin=builder.origin,
        destination=center,
        field=field_name,
        value=value,
        all_files=all_files,
        options=options,
        line=line,
        column=column,
        block=builder.block,
    )
    builder.drafts.append(draft)
    return draft


def _field_and_value(builder: _Builder, line: Line, condition: Tree) -> tuple[str | None, str | None]:
    """(field, value); value None when the rule cannot be kept (an error was reported)."""
    field_name: str | None = None
    value: str | None = None
    for child in condition.children:
        if not isinstance(child, Tree):
            continue
        token = child.children[0]
        if child.data == "field":
            field_name = _slug(builder, line, token)
            if field_name is None:
                return None, None
        elif child.data == "value":
            value = _value(builder, line, token)
    return field_name, value


def _slug(builder: _Builder, line: Line, token: Token) -> str | None:
    slug = _unquote(str(token)).strip(" " + NO_BREAK_SPACES)
    if not _SLUG.fullmatch(slug):
        builder.error(ProblemKind.INVALID_FIELD, line, line.source_column(token.column), slug=slug)
        return None
    return slug


def _value(builder: _Builder, line: Line, token: Token) -> str | None:
    raw = _with_inner_ticks(line, token)
    column = line.source_column(token.column)
    if token.type == "QUOTED":
        value = _unquote(raw)
        if raw.startswith("«"):
            value = value.strip(" " + NO_BREAK_SPACES)
    else:
        value = raw.strip()
    kind = _value_problem(value, quoted=token.type == "QUOTED")
    if kind is not None:
        builder.error(kind, line, column, value=value)
        return None
    if token.type == "RAW_VALUE" and _SEVERAL_VALUES.search(value):
        builder.warn(NoticeKind.ONE_VALUE_PER_RULE, line.number, value=value)
    if any(space in value for space in NO_BREAK_SPACES):
        value = "".join(" " if char in NO_BREAK_SPACES else char for char in value)
        builder.warn(NoticeKind.NO_BREAK_SPACE, line.number, value=value)
    if any(char in INVISIBLE for char in value):
        value = "".join(char for char in value if char not in INVISIBLE)
        builder.warn(NoticeKind.INVISIBLE_REMOVED, line.number, value=value)
    return value


def _value_problem(value: str, *, quoted: bool) -> ProblemKind | None:
    if not value.strip(" " + NO_BREAK_SPACES):
        return ProblemKind.EMPTY_VALUE
    if any(unicodedata.category(char) == "Cc" for char in value):
        return ProblemKind.CONTROL_CHARACTER
    if quoted:
        return None
    if _DOUBLED_OPERATOR.match(value):
        return ProblemKind.DOUBLED_OPERATOR
    if _OPTIONS_IN_VALUE.search(value):
        return ProblemKind.OPTIONS_IN_VALUE
    if _SECOND_CONDITION.search(value):
        return ProblemKind.SECOND_CONDITION
    return None


def _with_inner_ticks(line: Line, token: Token) -> str:
    """The token's text, with the backticks Markdown cleaning took from inside it: values are exact."""
    text = str(token)
    if not line.ticks or not text:
        return text
    first = line.source_column(token.column) - 1
    last = line.source_column(token.column + len(text) - 1) - 1
    if not any(first < tick < last for tick in line.ticks):
        return text
    kept = {column - 1 for column in line.columns}
    return "".join(
        line.source[index] for index in range(first, last + 1) if index in kept or index in line.ticks
    )


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[-1] in _QUOTES.get(text[0], ""):
        return text[1:-1]
    return text


def _center(builder: _Builder, line: Line, center_tree: Tree) -> Center | None:
    tokens = [child for child in center_tree.children if isinstance(child, Token)]
    id_token = tokens[-1]
    name = str(tokens[0]).strip() if len(tokens) == 2 else None
    match = _ID_CONTENT.match(str(id_token))
    written = match.group(1).strip() if match else ""
    number = re.sub(r"[^\S\n]", "", written)  # « 4 537 »: French thousands separators
    kind = _id_problem(number)
    if kind is not None:
        builder.error(kind, line, line.source_column(id_token.column), written=written)
        return None
    if name and _AMBIGUOUS_NAME.search(name):
        builder.error(ProblemKind.AMBIGUOUS_NAME, line, line.source_column(tokens[0].column), name=name)
        return None
    return Center(id=int(number), name=name or None)


def _id_problem(number: str) -> ProblemKind | None:
    if not number:
        return ProblemKind.MISSING_ID
    if not number.isascii() and all(unicodedata.decimal(char, None) is not None for char in number):
        return ProblemKind.NON_ASCII_DIGITS  # « ٤٥٣٧ », « ４５３７ »: refused rather than guessed
    if not re.fullmatch(r"[0-9]+", number):
        return ProblemKind.NON_NUMERIC_ID
    if len(number) > len(str(MAX_ID)) or not 0 < int(number) <= MAX_ID:
        return ProblemKind.INVALID_ID
    return None


def _options(options_tree: Tree) -> set[str]:
    names = {
        "ACCOMMODATIONS": "accommodations",
        "NO_ACCOMMODATIONS": "no_accommodations",
        "DELETED": "deleted",
    }
    return {names[option.children[0].type] for option in options_tree.children}


def _read_field_line(builder: _Builder, line: Line, statement: Tree) -> None:
    token = statement.children[-1].children[0]
    slug = _slug(builder, line, token)
    if slug is None:
        return
    if builder.ticket_field and builder.ticket_field[0] != slug:
        first, first_line = builder.ticket_field
        builder.error(
            ProblemKind.TWO_FIELDS,
            line,
            line.source_column(token.column),
            first=first,
            first_line=first_line.number,
            second=slug,
        )
        return
    builder.ticket_field = (slug, line)


# --- checks across rules -------------------------------------------------------------------------


def _accommodations(*layers: set[str]) -> bool:
    """The most specific layer that says something decides: the rule, then its block, then the ticket."""
    for options in layers:
        if "no_accommodations" in options:
            return False
        if "accommodations" in options:
            return True
    return False


def _finish(builder: _Builder) -> Ticket:
    ticket_field = builder.ticket_field[0] if builder.ticket_field else builder.default_field
    blocks_with_rules = {draft.block for draft in builder.drafts} | builder.attempted
    for block, (number, center) in builder.block_origins.items():
        if block not in blocks_with_rules:
            builder.warn(NoticeKind.ORIGIN_WITHOUT_RULES, number, origin=center)
    rules: list[Rule] = []
    seen: dict[tuple, Rule] = {}
    for draft in builder.drafts:
        block_options = builder.block_options.get(draft.block, set())
        layers = (draft.options, block_options, builder.ticket_options)
        rule = Rule(
            origin=draft.origin,
            destination=draft.destination,
            field=None if draft.all_files else (draft.field or ticket_field),
            value=draft.value,
            with_deleted=any("deleted" in options for options in layers),
            with_accommodations=_accommodations(*layers),
            line=draft.line.number,
        )
        key = (rule.origin.id, rule.field, rule.value)
        problem = _conflict(rule, draft, seen, rules)
        if problem is _DUPLICATE:
            builder.warn(NoticeKind.DUPLICATE, rule.line, earlier_line=seen[key].line)
        elif problem is not None:
            builder.errors.append(problem)
        else:
            seen[key] = rule
            rules.append(rule)
    if not builder.drafts and not builder.errors:
        builder.error(ProblemKind.NO_RULES)
    errors = sorted(builder.errors, key=lambda p: (p.line or 0, p.column or 0))
    return Ticket(
        rules=tuple(rules),
        errors=tuple(errors),
        warnings=tuple(builder.warnings),
        conflict_decision=builder.decision,
    )


_DUPLICATE = Problem(ProblemKind.OTHER_OPTIONS)  # a sentinel, compared by identity


def _conflict(rule: Rule, draft: _RuleDraft, seen: dict[tuple, Rule], accepted: list[Rule]) -> Problem | None:
    def problem(kind: ProblemKind, **params) -> Problem:
        return Problem(kind, line=rule.line, column=draft.column, source=draft.line.source, params=params)

    if rule.origin.id == rule.destination.id:
        return problem(ProblemKind.SAME_CENTRE, origin=rule.origin.id)
    earlier = seen.get((rule.origin.id, rule.field, rule.value))
    if earlier is not None:
        if earlier.semantic_key() == rule.semantic_key():
            return _DUPLICATE
        if earlier.destination.id != rule.destination.id:
            return problem(
                ProblemKind.TWO_DESTINATIONS,
                origin=rule.origin.id,
                value=None if rule.no_field else rule.value,
                destination=earlier.destination.id,
                earlier_line=earlier.line,
            )
        return problem(ProblemKind.OTHER_OPTIONS, earlier_line=earlier.line)
    same_origin = [other for other in accepted if other.origin.id == rule.origin.id]
    if same_origin and (rule.no_field or any(other.no_field for other in same_origin)):
        return problem(ProblemKind.ALL_FILES_MIXED, origin=rule.origin.id, other_line=same_origin[0].line)
    return None


# --- syntax errors -------------------------------------------------------------------------------

# The terminal named in the expected form, by preference (bot/texts/ticket.py says each one). « = » last: in
# LALR's merged states it is often merely possible (an origin line's trailing colon).
_PREFERENCE = (
    "_RPAR",
    "NAME",
    "ID_GROUP",
    "_VALUE_OP",
    "RAW_VALUE",
    "QUOTED",
    "ARROW",
    "VERS",
    "_CHAMP",
    "_LE",
    "COND_WORD",
    "ALL_FILES",
    "_SEP",
    "_LPAR",
    "$END",
    "ACCOMMODATIONS",
    "DELETED",
    "YES_NO",
    "DECISION",
    "SLUG",
    "_ASSIGN",
)
_CANDIDATE_ARROW = re.compile(ARROWS + r"|\bvers\b", re.I)
_ARROW_FIRST = re.compile(r"\s*(?:" + ARROWS + r"|vers\b)", re.I)
_BARE_NUMBER = re.compile(r"\(\s*(\d[\d\s]*)\)")
_ORIGIN_LABEL = re.compile(ORIGIN_LABEL, re.I)
_NUMBERED_ID_GROUP = re.compile(r"\(\s*(?:id\b\s*[:=]?|#)\s*(\d[\d ]{0,20})\)", re.I)
_NAME_REACH = 200  # « Pour le centre d'origine <name> (ID 6130) »: the label is looked for this far back


def _origin_in_prose(text: str) -> tuple[int, str, str] | None:
    """(0-based start, name, number) of « … centre d'origine X (ID 6130) … » written inside a sentence."""
    group = _NUMBERED_ID_GROUP.search(text)
    if group is None:
        return None
    labels = list(_ORIGIN_LABEL.finditer(text, max(0, group.start() - _NAME_REACH), group.start()))
    if not labels:
        return None
    name = text[labels[-1].end() : group.start()].strip(" :=-\u00a0")
    return (labels[-1].start(), name, group.group(1).strip()) if name else None


_KEYWORD_EXAMPLES = {
    "Centre initial": "origin",
    "Centre d'origine": "origin",
    "tous les dossiers": "all",
    "Conflit hébergements": "decision",
    "migrer quand même": "decision",
    "Hébergements": "switch",
    "Supprimés": "switch",
}
# Errors on a line meant as an origin: the rules under it belong to a broken block, not to the one above.
_ORIGIN_ERRORS = {ProblemKind.ORIGIN_IN_PROSE}


def _syntax_problem(line: Line, error: UnexpectedInput) -> Problem:
    expected_terminals = set(getattr(error, "expected", None) or getattr(error, "allowed", None) or ())
    column = getattr(error, "column", None)
    at_end = isinstance(error, UnexpectedEOF) or (
        isinstance(error, UnexpectedToken) and error.token.type == "$END"
    )
    if at_end or not isinstance(column, int) or column < 1:
        column = len(line.text) + 1
    preference = ("SLUG", *_PREFERENCE) if "_VALUE_OP" not in expected_terminals else _PREFERENCE
    expected = next((name for name in preference if name in expected_terminals), None)
    params = {"expected": expected, "example": _example_for(line.text)}
    kind, column, extra = _syntax_kind(line, error, column, expected_terminals)
    return Problem(
        kind, line=line.number, column=line.source_column(column), source=line.source, params=params | extra
    )


def _syntax_kind(
    line: Line, error: UnexpectedInput, column: int, expected_terminals: set[str]
) -> tuple[ProblemKind, int, dict]:
    """What went wrong, the 1-based column in the cleaned text, and the facts the message needs."""
    text, rest = line.text, line.text[column - 1 :]
    before = text[: column - 1].rstrip()
    at = len(before) - 1 if before.endswith("(") else column - 1  # « (ID 3) » read as an options parenthesis
    second_id = _ID_CONTENT.match(text, at)
    if second_id and text[:at].rstrip().endswith(")"):
        return ProblemKind.TWO_ID_GROUPS, at + 1, {"written": second_id.group()}
    in_prose = _origin_in_prose(text) if not _ORIGIN_START.match(text) else None
    if in_prose:
        start, name, number = in_prose
        return ProblemKind.ORIGIN_IN_PROSE, start + 1, {"name": name, "number": number}
    typo = ticket_prose.suggestion(text, column - 1)
    if typo is not None:
        written, keyword, offset = typo
        example = _KEYWORD_EXAMPLES.get(keyword, _example_for(text))
        return ProblemKind.TYPO, offset + 1, {"written": written, "suggestion": keyword, "example": example}
    if "RAW_VALUE" in expected_terminals and _ARROW_FIRST.match(rest):
        return ProblemKind.EMPTY_VALUE, column, {}
    if "RAW_VALUE" in expected_terminals and not _CANDIDATE_ARROW.search(rest):
        return ProblemKind.MISSING_ARROW, column, {}
    if "ID_GROUP" in expected_terminals and not _ID_CONTENT.search(rest):
        bare = _BARE_NUMBER.search(rest)
        if bare:
            return ProblemKind.NUMBER_WITHOUT_ID, column + bare.start(), {"number": bare.group(1).strip()}
        return ProblemKind.MISSING_ID, column, {}
    words = rest.split()
    if not words:
        return ProblemKind.INCOMPLETE_LINE, column, {}
    return ProblemKind.UNEXPECTED, column, {"found": " ".join(words[:3]) + (" …" if len(words) > 3 else "")}


def _example_for(text: str) -> str:
    """The form the line was heading for: « origin », « all », « field », « decision », « switch » or « rule »."""
    lowered = text.lower()
    if re.search(r"^\W*centre\s+(initial|d['’]\s*origine)", lowered):
        return "origin"
    if "tous les dossiers" in lowered:
        return "all"
    if re.search(r"^\W*champ\s*[:=]", lowered):
        return "field"
    if re.search(r"^\W*conflit", lowered):
        return "decision"
    if re.search(r"^\W*(h[ée]bergements?|(dossiers\s+)?supprim)", lowered):
        return "switch"
    return "rule"
