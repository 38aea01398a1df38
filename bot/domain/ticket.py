"""A card's description → rules, or French errors with line and column. Never raises on user input.

The sentence syntax lives in `grammar/ticket.lark`; this module cleans lines, decides which lines are
meant as rules (candidates), walks the parse trees and checks what a grammar cannot (ids, duplicates,
contradictions). It does no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedEOF, UnexpectedInput, UnexpectedToken

from bot.domain.command import SLUG_PATTERN
from bot.domain.model import Center, ConflictDecision, Notice, Problem, Rule, Ticket
from bot.domain.names import comparable_name

EXAMPLE_ORIGIN = "Centre initial = France Fraternités - CHU 75 (ID 4537)"
EXAMPLE_RULE = "- lorsque le champ = CHU 77 → vers France Fraternités - CHU 77 (ID 5644)"
EXAMPLE_ALL = "- tous les dossiers → vers France Fraternités - CHU 77 (ID 5644)"
EXAMPLE_FIELD = "Champ : site-rattachement"
EXAMPLE_SWITCH = "Hébergements : oui"
EXAMPLE_DECISION = "Conflit hébergements : migrer quand même (ou : sans hébergements)"

NO_BREAK_SPACES = "\u00a0\u202f\u2007"

# A line that looks like an attempt at a rule must parse; anything else that does not parse is prose.
_CANDIDATE_ANYWHERE = re.compile(
    r"→|->|=>|➜|⇒|\(\s*(?:id\b|#)|\(\s*\d+\s*\)|\ble\s+champ\b|\btous\s+les\s+dossiers\b", re.I
)
_BULLET_PREFIX = r"^\s*(?:(?:[-*•‣◦–]|\d{1,3}[.)])\s+)?"
_CANDIDATE_START = re.compile(
    _BULLET_PREFIX + r"(?:centre\s+(?:initial|d['’]\s*origine)\b|(?:lorsque|quand|si)\s+champ\b|champ\s*[:=]"
    r"|h[ée]bergements?\s*[:=]|(?:dossiers\s+)?supprim[ée]s?\s*[:=]|conflits?\s+(?:d['’]\s*|des\s+)?h[ée]bergements?\b)",
    re.I,
)
# Markdown that a card may carry around rules: bold, italics, strike-through, code ticks; at the start of a
# line, quotes, headings, an escaped bullet and a task box.
_NOISE = re.compile(
    r"\*\*|(?<!\w)__|__(?!\w)|~~|`"
    r"|(?<![*\w])\*(?=[^\s*][^*\n]*?(?<=[^\s*])\*(?![*\w]))|(?<=[^\s*])\*(?![*\w])"
)
_QUOTED_SPAN = re.compile(r"«[^»]*»|\"[^\"]*\"|“[^”]*”|„[^“”]*[“”]|'[^']*'|‘[^’]*’")
_ORIGIN_START = re.compile(_BULLET_PREFIX + r"centre\s+(?:initial|d['’]\s*origine)\b", re.I)
_LEADING_NOISE = re.compile(r"^(?:\s*>)+\s?|^\s*#{1,6}\s+|^\s*\\(?=[-*•])")
_TASK_BOX = re.compile(r"^\s*[-*•]\s+(\[[ xX]\]\s+)")
_LINE_BREAKS = re.compile(r"\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")
_ID_CONTENT = re.compile(r"\(\s*(?:id\b\s*[:=]?|#)([^()\n]*)\)", re.I)
_SLUG = re.compile(SLUG_PATTERN)
_QUOTES = {"«": "»", '"': '"', "“": "”", "'": "'", "„": "“”", "‘": "’"}
_AMBIGUOUS_NAME = re.compile(r"→|->|=>|➜|⇒|\bvers\b", re.I)
_DOUBLED_OPERATOR = re.compile(r"^(?:[=:]|vaut\b)", re.I)
_OPTIONS_IN_VALUE = re.compile(r",\s*(?:avec\s+(?:les\s+)?h[ée]bergements?|y\s+compris)\b", re.I)
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"  # zero-width and soft-hyphen characters
MAX_ID_DIGITS = 18


@cache
def parser() -> Lark:
    """The grammar, compiled once per process (LALR: linear in the line's length)."""
    return Lark.open_from_package("bot", "ticket.lark", ("grammar",), parser="lalr")


# --- lines ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """A line of the card, cleaned of Markdown noise, with the way back to the user's columns."""

    number: int
    source: str  # as written (after NFC), for messages
    text: str  # what the grammar reads
    columns: tuple[int, ...]  # 1-based column in `source` of each character of `text`

    def source_column(self, column: int) -> int:
        """Column in the user's line of the 1-based `column` of the cleaned text."""
        if not self.columns:
            return 1
        if column - 1 < len(self.columns):
            return self.columns[column - 1]
        return self.columns[-1] + 1 + (column - 1 - len(self.columns))


def split_lines(description: str) -> list[Line]:
    text = unicodedata.normalize("NFC", description).removeprefix("\ufeff")
    return [clean_line(number, raw) for number, raw in enumerate(_LINE_BREAKS.split(text), start=1)]


def clean_line(number: int, raw: str) -> Line:
    raw = raw.rstrip()
    removed: set[int] = set()
    leading = _LEADING_NOISE.match(raw)
    if leading:
        removed.update(range(leading.end()))
    box = _TASK_BOX.match(raw)
    if box:
        removed.update(range(box.start(1), box.end(1)))
    protected = {
        index for quoted in _QUOTED_SPAN.finditer(raw) for index in range(quoted.start(), quoted.end())
    }
    for match in _NOISE.finditer(raw):
        if match.start() not in protected:  # a quoted value is kept exactly, backticks included
            removed.update(range(match.start(), match.end()))
    kept = [index for index in range(len(raw)) if index not in removed]
    text = "".join(raw[index] for index in kept)
    trailing = len(text) - len(text.rstrip())
    if trailing:
        text, kept = text[: len(text) - trailing], kept[: len(kept) - trailing]
    return Line(number=number, source=raw, text=text, columns=tuple(i + 1 for i in kept))


def is_candidate(text: str) -> bool:
    return bool(_CANDIDATE_ANYWHERE.search(text) or _CANDIDATE_START.match(text))


# --- parse ---------------------------------------------------------------------------------------


@dataclass
class _RuleDraft:
    origin: Center | None
    destination: Center
    field: str | None  # None: the ticket's field; ignored when `all_files`
    value: str | None
    all_files: bool
    with_deleted: bool
    with_accommodations: bool
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


def parse_ticket(description: str, *, default_field: str = "migration-des-donnees") -> Ticket:
    """Read a card's description. Errors and warnings are French; user input never raises."""
    builder = _Builder(default_field=default_field)
    for line in split_lines(description):
        if not line.text.strip():
            continue
        try:
            tree = parser().parse(line.text)
        except UnexpectedInput as error:
            if is_candidate(line.text):
                builder.errors.append(_syntax_problem(line, error))
                if _ORIGIN_START.match(line.text):  # its rules belong to a broken block, already reported
                    builder.block, builder.origin = builder.block + 1, None
                else:
                    builder.attempted.add(builder.block)
            continue
        _read_statement(builder, line, tree)
    return _finish(builder)


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
            builder.block_options[builder.block] |= options
        else:
            builder.ticket_options |= options
    elif kind in {"accommodations_switch", "deleted_switch"}:
        answer = str(statement.children[-1]).lower()
        if answer == "oui":
            builder.ticket_options.add("accommodations" if kind == "accommodations_switch" else "deleted")
    elif kind == "decision_line":
        decision_text = str(statement.children[-1]).lower()
        builder.decision = (
            ConflictDecision.MIGRATE_ANYWAY
            if decision_text.startswith("migrer")
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
            builder.warnings.append(
                Notice(
                    f"le centre {center.id} est nommé « {center.name} » ici et « {known} » plus haut",
                    line=line.number,
                )
            )
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
                last.with_accommodations |= "accommodations" in options
                last.with_deleted |= "deleted" in options
            elif origin_options is not None:
                origin_options |= options


def _draft(builder: _Builder, line: Line, rule_tree: Tree) -> _RuleDraft | None:
    condition, destination = rule_tree.children
    first = condition.children[0]
    column = line.source_column(first.column)
    builder.attempted.add(builder.block)
    center = _center(builder, line, destination.children[-1])
    if center is None:
        return None
    if condition.data == "all_condition":
        field_name, value, all_files = None, None, True
    else:
        field_name, value = _field_and_value(builder, line, condition)
        if value is None:
            return None
        all_files = False
    if builder.origin is None and builder.block == -1:
        builder.errors.append(
            Problem(
                "règle sans centre d'origine",
                line=line.number,
                column=column,
                source=line.source,
                expected=f"une ligne « {EXAMPLE_ORIGIN} » avant les règles de ce centre",
            )
        )
        return None
    if builder.origin is None:  # the block's origin line had an error already reported
        return None
    draft = _RuleDraft(
        origin=builder.origin,
        destination=center,
        field=field_name,
        value=value,
        all_files=all_files,
        with_deleted=False,
        with_accommodations=False,
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
    if not _SLUG.match(slug):
        builder.errors.append(
            Problem(
                f"nom de champ invalide : « {slug} »",
                line=line.number,
                column=line.source_column(token.column),
                source=line.source,
                expected="un identifiant de champ en minuscules, chiffres et tirets, p. ex. « site-rattachement »",
            )
        )
        return None
    return slug


def _value(builder: _Builder, line: Line, token: Token) -> str | None:
    raw = str(token)
    column = line.source_column(token.column)
    if token.type == "QUOTED":
        value = _unquote(raw)
        if raw.startswith("«"):
            value = value.strip(" " + NO_BREAK_SPACES)
    else:
        value = raw.strip()

    def problem(message: str, expected: str) -> None:
        builder.errors.append(
            Problem(message, line=line.number, column=column, source=line.source, expected=expected)
        )

    if not value.strip(" " + NO_BREAK_SPACES):
        problem(
            "valeur vide",
            f"la valeur du champ telle qu'elle est saisie dans les dossiers, p. ex. « {EXAMPLE_RULE} »",
        )
        return None
    if any(unicodedata.category(char) == "Cc" for char in value):
        problem(
            "caractère de contrôle dans la valeur", "une valeur lisible, sans caractère invisible de contrôle"
        )
        return None
    if token.type == "RAW_VALUE" and _DOUBLED_OPERATOR.match(value):
        problem(
            f"opérateur en double devant la valeur : « {value} »",
            "un seul « = », « : » ou « vaut » entre le champ et la valeur, p. ex. « lorsque le champ vaut CHU 77 → … »",
        )
        return None
    if token.type == "RAW_VALUE" and _OPTIONS_IN_VALUE.search(value):
        problem(
            f"options collées à la valeur : « {value} »",
            "les options après le centre de destination, p. ex. « … → vers CHU 77 (ID 5644), avec hébergements »",
        )
        return None
    if any(space in value for space in NO_BREAK_SPACES):
        value = "".join(" " if char in NO_BREAK_SPACES else char for char in value)
        builder.warnings.append(
            Notice(
                f"espace insécable remplacée par une espace ordinaire dans la valeur « {value} »",
                line=line.number,
            )
        )
    if any(char in INVISIBLE for char in value):
        value = "".join(char for char in value if char not in INVISIBLE)
        builder.warnings.append(
            Notice(
                f"caractère invisible retiré de la valeur « {value} » (espace sans largeur, trait d'union conditionnel)",
                line=line.number,
            )
        )
    return value


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
    problem = None
    if not number:
        problem = "identifiant du centre manquant"
    elif not re.fullmatch(r"[0-9]+", number):
        problem = f"identifiant du centre non numérique : « {written} »"
    elif int(number) == 0 or len(number) > MAX_ID_DIGITS:
        problem = f"identifiant du centre invalide : « {written} »"
    if problem:
        builder.errors.append(
            Problem(
                problem,
                line=line.number,
                column=line.source_column(id_token.column),
                source=line.source,
                expected="l'identifiant numérique entre parenthèses, p. ex. « (ID 4537) »",
            )
        )
        return None
    if name and _AMBIGUOUS_NAME.search(name):
        builder.errors.append(
            Problem(
                f"valeur ou nom ambigu : « {name} » contient une flèche ou « vers »",
                line=line.number,
                column=line.source_column(tokens[0].column),
                source=line.source,
                expected="la valeur entre guillemets quand elle contient « vers » ou une flèche, "
                "p. ex. « lorsque le champ = « Le Clos vers la mer » → vers Foyer (ID 12) »",
            )
        )
        return None
    return Center(id=int(number), name=name or None)


def _options(options_tree: Tree) -> set[str]:
    found = set()
    for option in options_tree.children:
        token = option.children[0]
        found.add("accommodations" if token.type == "ACCOMMODATIONS" else "deleted")
    return found


def _read_field_line(builder: _Builder, line: Line, statement: Tree) -> None:
    token = statement.children[-1].children[0]
    slug = _slug(builder, line, token)
    if slug is None:
        return
    if builder.ticket_field and builder.ticket_field[0] != slug:
        builder.errors.append(
            Problem(
                f"deux champs différents pour tout le ticket : « {builder.ticket_field[0]} » "
                f"(ligne {builder.ticket_field[1].number}) et « {slug} »",
                line=line.number,
                column=line.source_column(token.column),
                source=line.source,
                expected="une seule ligne « Champ : … », ou le champ nommé dans chaque règle",
            )
        )
        return
    builder.ticket_field = (slug, line)


# --- checks across rules -------------------------------------------------------------------------


def _finish(builder: _Builder) -> Ticket:
    ticket_field = builder.ticket_field[0] if builder.ticket_field else builder.default_field
    blocks_with_rules = {draft.block for draft in builder.drafts} | builder.attempted
    for block, (number, center) in builder.block_origins.items():
        if block not in blocks_with_rules:
            builder.warnings.append(
                Notice(
                    f"le centre initial {center.label()} n'a aucune règle : rien ne partira de ce bloc",
                    line=number,
                )
            )
    rules: list[Rule] = []
    seen: dict[tuple, Rule] = {}
    for draft in builder.drafts:
        options = builder.ticket_options | builder.block_options.get(draft.block, set())
        rule = Rule(
            origin=draft.origin,
            destination=draft.destination,
            field=None if draft.all_files else (draft.field or ticket_field),
            value=draft.value,
            with_deleted=draft.with_deleted or "deleted" in options,
            with_accommodations=draft.with_accommodations or "accommodations" in options,
            line=draft.line.number,
        )
        problem = _conflict(rule, draft, seen, rules)
        if problem is _DUPLICATE:
            earlier = seen[(rule.origin.id, rule.field, rule.value)]
            builder.warnings.append(
                Notice(f"règle en double de la ligne {earlier.line} : gardée une seule fois", rule.line)
            )
            continue
        if problem is not None:
            builder.errors.append(problem)
            continue
        seen[(rule.origin.id, rule.field, rule.value)] = rule
        rules.append(rule)
    if not builder.drafts and not builder.errors:
        builder.errors.append(
            Problem(
                "aucune règle de migration trouvée dans le ticket",
                expected=f"une ligne « {EXAMPLE_ORIGIN} » suivie de règles « {EXAMPLE_RULE} »",
            )
        )
    errors = sorted(builder.errors, key=lambda p: (p.line or 0, p.column or 0))
    return Ticket(
        rules=tuple(rules),
        errors=tuple(errors),
        warnings=tuple(builder.warnings),
        conflict_decision=builder.decision,
    )


_DUPLICATE = Problem("duplicate")


def _conflict(rule: Rule, draft: _RuleDraft, seen: dict[tuple, Rule], accepted: list[Rule]) -> Problem | None:
    def problem(message: str, expected: str) -> Problem:
        return Problem(
            message, line=rule.line, column=draft.column, source=draft.line.source, expected=expected
        )

    if rule.origin.id == rule.destination.id:
        return problem(
            f"le centre d'origine et le centre de destination sont le même (ID {rule.origin.id})",
            "un centre de destination différent du centre d'origine",
        )
    earlier = seen.get((rule.origin.id, rule.field, rule.value))
    if earlier is not None:
        if earlier.semantic_key() == rule.semantic_key():
            return _DUPLICATE
        if earlier.destination.id != rule.destination.id:
            what = (
                "tous les dossiers du centre {origin} sont déjà envoyés"
                if rule.no_field
                else "les dossiers « {value} » du centre {origin} sont déjà envoyés"
            ).format(origin=rule.origin.id, value=rule.value)
            return problem(
                f"{what} vers le centre "
                f"{earlier.destination.id} (ligne {earlier.line}) : un dossier ne peut aller qu'à un endroit",
                "une seule destination par valeur et par centre d'origine",
            )
        return problem(
            f"règle déjà donnée ligne {earlier.line} avec d'autres options",
            "une seule règle par valeur, avec toutes ses options",
        )
    same_origin = [other for other in accepted if other.origin.id == rule.origin.id]
    if same_origin and (rule.no_field or any(other.no_field for other in same_origin)):
        other = same_origin[0]
        return problem(
            f"« tous les dossiers » du centre {rule.origin.id} ne peut pas être combiné avec d'autres règles "
            f"du même centre (ligne {other.line})",
            "soit « tous les dossiers → … », soit des règles « lorsque le champ = … »",
        )
    return None


# --- syntax errors -------------------------------------------------------------------------------


_EXPECTED = {
    "_RPAR": "« ) » pour fermer la parenthèse des options",
    "NAME": "le nom du centre suivi de son identifiant, p. ex. « France Fraternités - CHU 77 (ID 5644) »",
    "ID_GROUP": "l'identifiant du centre entre parenthèses, p. ex. « (ID 5644) »",
    "_VALUE_OP": "« = », « : » ou « vaut » suivi de la valeur",
    "RAW_VALUE": "la valeur du champ, puis une flèche « → vers » et le centre de destination",
    "QUOTED": "la valeur du champ, puis une flèche « → vers » et le centre de destination",
    "ARROW": "une flèche « → vers » suivie du centre de destination",
    "VERS": "une flèche « → vers » suivie du centre de destination",
    "_CHAMP": "« le champ »",
    "_LE": "« le champ »",
    "COND_WORD": "« lorsque le champ = … » ou « tous les dossiers »",
    "ALL_FILES": "« lorsque le champ = … » ou « tous les dossiers »",
    "_SEP": "la fin de la ligne, une option (« , avec hébergements ») ou une autre règle après « - »",
    "_LPAR": "la fin de la ligne, une option (« , avec hébergements ») ou une autre règle après « - »",
    "$END": "la fin de la ligne, une option (« , avec hébergements ») ou une autre règle après « - »",
    "ACCOMMODATIONS": "« avec hébergements » ou « y compris supprimés »",
    "DELETED": "« avec hébergements » ou « y compris supprimés »",
    "YES_NO": "« oui » ou « non »",
    "DECISION": "« migrer quand même » ou « sans hébergements »",
    "SLUG": "le nom du champ, p. ex. « site-rattachement »",
    # Last: in LALR's merged states « = » is often merely possible (an origin line's trailing colon).
    "_ASSIGN": "« = » ou « : »",
}
_PREFERENCE = tuple(_EXPECTED)


def _syntax_problem(line: Line, error: UnexpectedInput) -> Problem:
    expected_terminals = set(getattr(error, "expected", None) or getattr(error, "allowed", None) or ())
    column = getattr(error, "column", None)
    at_end = isinstance(error, UnexpectedEOF) or (
        isinstance(error, UnexpectedToken) and error.token.type == "$END"
    )
    if at_end or not isinstance(column, int) or column < 1:
        column = len(line.text) + 1
    found = _found(line, column)
    preference = ("SLUG", *_PREFERENCE) if "_VALUE_OP" not in expected_terminals else _PREFERENCE
    expected = next((_EXPECTED[name] for name in preference if name in expected_terminals), None)
    rest = line.text[column - 1 :]
    if "RAW_VALUE" in expected_terminals and _ARROW_FIRST.match(rest):
        message = "valeur vide"
    elif "RAW_VALUE" in expected_terminals and not _CANDIDATE_ARROW.search(rest):
        message = "flèche manquante après la valeur"
    elif "ID_GROUP" in expected_terminals and not _ID_CONTENT.search(rest):
        message = "identifiant du centre manquant"
    elif found is None:
        message = "ligne incomplète"
    else:
        message = f"« {found} » inattendu ici"
    return Problem(
        message,
        line=line.number,
        column=line.source_column(column),
        source=line.source,
        expected=f"{expected or 'une règle complète'}. Exemple : « {_example_for(line.text)} »",
    )


_CANDIDATE_ARROW = re.compile(r"→|->|=>|➜|⇒|\bvers\b", re.I)
_ARROW_FIRST = re.compile(r"\s*(?:→|->|=>|➜|⇒|vers\b)", re.I)


def _found(line: Line, column: int) -> str | None:
    words = line.text[column - 1 :].split()
    return " ".join(words[:3]) + (" …" if len(words) > 3 else "") if words else None


def _example_for(text: str) -> str:
    lowered = text.lower()
    if re.search(r"^\W*centre\s+(initial|d['’]\s*origine)", lowered):
        return f"{EXAMPLE_ORIGIN} - lorsque le champ = CHU 77 → vers France Fraternités - CHU 77 (ID 5644)"
    if "tous les dossiers" in lowered:
        return EXAMPLE_ALL
    if re.search(r"^\W*champ\s*[:=]", lowered):
        return EXAMPLE_FIELD
    if re.search(r"^\W*conflit", lowered):
        return EXAMPLE_DECISION
    if re.search(r"^\W*(h[ée]bergements?|(dossiers\s+)?supprim)", lowered):
        return EXAMPLE_SWITCH
    return EXAMPLE_RULE
