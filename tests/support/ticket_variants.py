"""Canonical tickets and the variants people make of them (issue 19, metamorphic tests).

A canonical ticket is a list of blocks (an origin and its rules). `render` writes it the way a coordinator
might: every choice (list marker, arrow, identifier form, keyword case, spaces, Trello's escapes, blank lines,
greeting and signature, e-mail headers and quoting, a table instead of bullets, a wrapped line) is asked of a
`choose` function, so that Hypothesis draws them in `make test` and a seeded `random.Random` draws 2,000 and
more in `make bench`. Decoration only: no choice changes a rule (values keep their characters).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.domain.model import Ticket
from bot.domain.ticket import parse_ticket

Choose = Callable[[Sequence[Any]], Any]


@dataclass(frozen=True)
class Rule:
    value: str | None  # None: « tous les dossiers »
    destination: str
    destination_id: int
    field: str | None = None  # None: the ticket's field
    accommodations: bool = False
    deleted: bool = False
    quoted: bool = False  # the value must be quoted (it holds a quote, an arrow, « vers »…)


@dataclass(frozen=True)
class Block:
    origin: str
    origin_id: int
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Canonical:
    name: str
    blocks: tuple[Block, ...]
    intro: tuple[str, ...] = field(default=())
    outro: tuple[str, ...] = field(default=())


FF = "France Fraternités"
RUNBOOK = Canonical(
    "runbook",
    (
        Block(
            f"{FF} - CHU 75",
            4537,
            (
                Rule("CHU 77", f"{FF} - CHU 77", 5644),
                Rule("CPH", f"{FF} - CPH", 4960),
                Rule("DAHAR", f"{FF} - DAHAR", 5634),
                Rule("TEH", f"{FF} - TEH", 5645),
            ),
        ),
        Block(
            f"{FF} - CPH",
            4960,
            (
                Rule("CHU 75", f"{FF} - CHU 75", 4537),
                Rule("CHU 77", f"{FF} - CHU 77", 5644),
                Rule("DAHAR", f"{FF} - DAHAR", 5634),
                Rule("TEH", f"{FF} - TEH", 5645),
            ),
        ),
    ),
    intro=(
        "Bonjour l'équipe tech,",
        "",
        "Suite à la réorganisation des centres France Fraternités, merci de migrer les dossiers usagers ci-dessous.",
        "",
    ),
    outro=("", "Merci !", "Camille, équipe produit"),
)
FIELDS_AND_FLAGS = Canonical(
    "fields-and-flags",
    (
        Block(
            "Foyer l’Escale - Paris 11",
            120,
            (
                Rule("SITE_NORD", "Foyer Nord", 121, field="site-rattachement", accommodations=True),
                Rule("l’Escale (bis)", "Foyer Sud", 122, field="site-rattachement", deleted=True),
                Rule("A-B", "CHRS Horizon", 130, accommodations=True, deleted=True),
            ),
        ),
        Block("CHRS Horizon", 130, (Rule(None, "Foyer Nord", 121, deleted=True),)),
        Block("Accueil de jour Les Lilas", 7, (Rule("Pôle_santé", "Pôle Santé 93", 8, accommodations=True),)),
    ),
)
EXACT_VALUES = Canonical(
    "exact-values",
    (
        Block(
            "Résidence Bellevue",
            31,
            (
                Rule("Foyer ` Nord", "Résidence du Parc", 32),
                Rule('Le "Phare"', "Résidence du Port", 33, quoted=True),
                Rule("Le Clos vers la mer", "Résidence du Clos", 34, quoted=True),
                Rule("BAT_2 - aile B", "Résidence du Parc", 32, field="batiment"),
            ),
        ),
    ),
)
CANONICALS = (RUNBOOK, FIELDS_AND_FLAGS, EXACT_VALUES)


# --- the pieces people choose ---------------------------------------------------------------------------

MARKERS = (
    "- ",
    "- ",
    "* ",
    "• ",
    "▪ ",
    "– ",
    "1. ",
    "1) ",
    "a. ",
    "a) ",
    "i. ",
    "1\\. ",
    "  - ",
    "👉 ",
    "▶️ ",
    "🔹 ",
    "",
)
ARROWS = (
    "→ vers ",
    "→ ",
    "-> ",
    "=> ",
    "➡️ vers ",
    "➡️ ",
    "➡ ",
    "⟶ ",
    "--> ",
    "> vers ",
    "⇒ ",
    "vers ",
    "→ VERS ",
    "➡️ Vers ",
    "==> ",
)
IDS = (
    "(ID {})",
    "(ID {})",
    "(ID n° {})",
    "n° {}",
    "N°{}",
    "no {}",
    "#{}",
    "id : {}",
    "identifiant {}",
    "({})",
    "ID {}",
    "(#{})",
    "(id: {})",
    "(N° {})",
)
CONDITIONS = (
    "lorsque le champ",
    "Lorsque le champ",
    "LORSQUE LE CHAMP",
    "quand le champ",
    "si le champ",
    "Si le champ",
    "**lorsque le champ**",
    "_si le champ_",
)
OPERATORS = (" = ", " : ", " vaut ", "= ", " =")
ORIGINS = (
    "Centre initial",
    "CENTRE INITIAL",
    "centre initial",
    "Centre d'origine",
    "Centre d’origine",
    "**Centre initial**",
    "🏠 Centre initial",
    "### Centre initial",
)
ORIGIN_OPERATORS = (" = ", " : ", "=", " :")
ACCOMMODATIONS = (
    "avec hébergements",
    "avec les hébergements",
    "AVEC HÉBERGEMENTS",
    "avec leurs hébergements",
)
DELETED = ("y compris supprimés", "y compris les dossiers supprimés", "y compris les supprimés")
SPACES = (" ", " ", " ", "  ", "\u00a0", "\u202f")
GREETINGS = ("Bonjour 👋,", "Hello l'équipe 🙂", "Bonjour à tous,", "Coucou ☀️ !")
SIGNATURES = (
    ("", "Cordialement,", "Camille Martin", "Coordinatrice des centres France Fraternités"),
    ("", "Merci d'avance 🙏", "Camille"),
    ("", "-- ", "Camille Martin | Pôle hébergement | 01 23 45 67 89"),
    ("", "Bien à vous,", "Camille", "Responsable des dossiers usagers"),
)
HEADERS = (
    "De : Camille Martin <camille@ff.example>",
    "Envoyé : lundi 3 juin 2025 10:12",
    "À : équipe tech <tech@reconnect.example>",
    "Objet : RE: migration des dossiers CHU 75 → CHU 77",
    "",
)
TRANSFORMATIONS = (
    "escapes",
    "markers",
    "arrows",
    "ids",
    "case",
    "spaces",
    "blank-lines",
    "greeting",
    "signature",
    "headers",
    "quoting",
    "table",
    "wrap",
    "first-rule-on-origin-line",
)


def _spaced(text: str, choose: Choose, on: bool) -> str:
    """Blanks between the words of glue text (never inside a value) replaced by other blanks."""
    if not on:
        return text
    return "".join(choose(SPACES) if char == " " else char for char in text)


def _escaped(value: str, on: bool) -> str:
    """What Trello's editor writes for a value typed in it: `_` and `*` escaped."""
    return value.replace("_", "\\_").replace("*", "\\*") if on else value


def _value(rule: Rule, choose: Choose, kinds: frozenset[str]) -> str:
    assert rule.value is not None
    if rule.quoted or ("case" in kinds and choose((False, False, True))):
        pairs = [
            pair
            for pair in (("« ", " »"), ("«", "»"), ("“", "”"), ('"', '"'))
            if pair[1].strip() not in rule.value
        ]
        opening, closing = choose(pairs)
        return f"{opening}{rule.value}{closing}"
    return _escaped(rule.value, "escapes" in kinds and choose((True, False)))


def _options(rule: Rule, choose: Choose, kinds: frozenset[str]) -> str:
    words = []
    if rule.accommodations:
        words.append(choose(ACCOMMODATIONS) if "case" in kinds else ACCOMMODATIONS[0])
    if rule.deleted:
        words.append(choose(DELETED) if "case" in kinds else DELETED[0])
    if not words:
        return ""
    if "case" in kinds and choose((False, True)):
        return f" ({choose((', ', ' et ')).join(words)})"
    return ", " + ", ".join(words)


def _destination(rule: Rule, choose: Choose, kinds: frozenset[str]) -> tuple[str, str]:
    """(name, identifier) of the rule's destination."""
    form = choose(IDS) if "ids" in kinds else IDS[0]
    return rule.destination, form.format(rule.destination_id)


def rule_text(rule: Rule, choose: Choose, kinds: frozenset[str]) -> tuple[str, str]:
    """(the rule up to its destination's name, the rest: name's last word, identifier, options) — the place
    where a mail client may wrap it."""
    spaced = "spaces" in kinds
    if rule.value is None:
        condition = _spaced("tous les dossiers", choose, spaced)
    else:
        words = choose(CONDITIONS) if "case" in kinds else CONDITIONS[0]
        if rule.field:
            words += f" « {rule.field} »" if choose((True, False)) else f" {rule.field}"
        operator = choose(OPERATORS) if "case" in kinds else " = "
        condition = _spaced(words, choose, spaced) + operator + _value(rule, choose, kinds)
    arrow = choose(ARROWS) if "arrows" in kinds else ARROWS[0]
    name, identifier = _destination(rule, choose, kinds)
    head, _, last = name.rpartition(" ")
    options = _options(rule, choose, kinds)
    return f"{condition} {arrow}{head}", f"{last} {identifier}{options}"


def _rule_lines(rule: Rule, choose: Choose, kinds: frozenset[str], marker: str) -> list[str]:
    head, tail = rule_text(rule, choose, kinds)
    if "wrap" in kinds and choose((False, False, True)) and " " in head:
        return [f"{marker}{head}", choose(("", "  ", "    ")) + tail]
    return [f"{marker}{head} {tail}"]


def _origin_line(block: Block, choose: Choose, kinds: frozenset[str]) -> str:
    label = choose(ORIGINS) if "case" in kinds else ORIGINS[0]
    operator = choose(ORIGIN_OPERATORS) if "case" in kinds else " = "
    form = choose(IDS) if "ids" in kinds else IDS[0]
    origin = _escaped(block.origin, "escapes" in kinds and choose((True, False)))
    return f"{label}{operator}{origin} {form.format(block.origin_id)}"


def _table(block: Block, choose: Choose, kinds: frozenset[str]) -> list[str] | None:
    """The block as a table (Markdown or a spreadsheet's tab-separated paste), columns in any order."""
    if any(rule.field or rule.quoted for rule in block.rules):
        return None  # a table has no column for the field (nor for quotes around a value)
    columns = ["Valeur", "Destination", "ID", "Options"]
    with_origin = choose((True, False))
    if with_origin:
        columns += ["Centre d'origine", "ID origine"]
    order = [columns.pop(choose(range(len(columns)))) for _ in range(len(columns))]
    rows = []
    for rule in block.rules:
        options = [
            word
            for word, on in (
                ("avec hébergements", rule.accommodations),
                ("y compris supprimés", rule.deleted),
            )
            if on
        ]
        cells = {
            "Valeur": rule.value if rule.value is not None else "tous les dossiers",
            "Destination": rule.destination,
            "ID": str(rule.destination_id),
            "Options": ", ".join(options),
            "Centre d'origine": block.origin,
            "ID origine": str(block.origin_id),
        }
        rows.append([cells[name] for name in order])
    lines = [] if with_origin else [_origin_line(block, choose, kinds), ""]
    if choose(("markdown", "tabs")) == "tabs":
        return [*lines, "\t".join(order), *("\t".join(row) for row in rows)]
    rule_rows = [f"| {' | '.join(row)} |" for row in rows]
    return [*lines, f"| {' | '.join(order)} |", "|" + "---|" * len(order), *rule_rows]


def _block_lines(block: Block, choose: Choose, kinds: frozenset[str]) -> list[str]:
    if "table" in kinds and choose((True, False)):
        table = _table(block, choose, kinds)
        if table is not None:
            return table
    lines = [_origin_line(block, choose, kinds)]
    head, _, last = lines[0].rpartition(" - ")
    if "wrap" in kinds and head and choose((False, False, True)):
        lines = [f"{head} -", f"{last}"]  # the mail client wrapped the origin's name
    rules = list(block.rules)
    if "first-rule-on-origin-line" in kinds and choose((True, False)):
        head, tail = rule_text(rules.pop(0), choose, kinds)
        lines[-1] += f" - {head} {tail}"
    for rule in rules:
        marker = choose(MARKERS) if "markers" in kinds else MARKERS[0]
        lines += _rule_lines(rule, choose, kinds, marker)
        if "blank-lines" in kinds and choose((False, False, True)):
            lines.append("")
    return lines


def render(canonical: Canonical, choose: Choose, kinds: frozenset[str]) -> str:
    """A variant of the canonical ticket with the transformations `kinds`, each choice asked of `choose`."""
    lines: list[str] = list(HEADERS) if "headers" in kinds else []
    if "greeting" in kinds:
        lines.append(choose(GREETINGS))
    lines += canonical.intro
    for block in canonical.blocks:
        lines += _block_lines(block, choose, kinds)
        lines.append("")
    lines += canonical.outro
    if "signature" in kinds:
        lines += choose(SIGNATURES)
    if "quoting" in kinds:
        lines = [f"> {line}" if line else ">" for line in lines]
    return "\n".join(lines) + "\n"


def canonical_text(canonical: Canonical) -> str:
    return render(canonical, lambda options: options[0], frozenset())


def rules_of(ticket: Ticket) -> list[tuple]:
    return [rule.semantic_key() for rule in ticket.rules]


@dataclass
class Tally:
    identical: int = 0
    refused: int = 0
    different: list[tuple[str, str]] = field(default_factory=list)  # (canonical's name, the variant)

    @property
    def total(self) -> int:
        return self.identical + self.refused + len(self.different)

    def add(self, canonical: Canonical, variant: str, *, default_field: str = "migration-des-donnees") -> str:
        """« identical », « refused » or « different »."""
        expected = rules_of(parse_ticket(canonical_text(canonical), default_field=default_field))
        ticket = parse_ticket(variant, default_field=default_field)
        if ticket.errors:
            self.refused += 1
            return "refused"
        if rules_of(ticket) == expected:
            self.identical += 1
            return "identical"
        self.different.append((canonical.name, variant))
        return "different"
