"""What tools and habits do to a card's text, undone before the grammar reads it: one named step each.

A card is pasted from e-mails and spreadsheets, edited in Trello's editor, decorated with emoji. Rather than a
grammar special case per form, each habit is undone here by one step (`STEPS`, in order), tested on its own:
Trello's Markdown escapes, list markers and emoji bullets, e-mail residue, tables, arrows for « vers »,
identifier forms, lines wrapped by a mail client. The grammar then reads one canonical form.

Every step keeps the way back to the user's columns (`Line.columns`), never touches text inside quotes (a
quoted value is kept byte for byte) and is linear in the line's length. Placeholders (« ??? », « TBD »…) are
not undone but found (`placeholder`): bot/domain/ticket.py refuses the line. Pure.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from bot.domain import ticket_prose
from bot.domain.ticket_lines import ARROWS, CANDIDATE_START, Line, is_candidate, quoted_spans
from bot.domain.ticket_tables import read_tables

Edit = tuple[int, int, str]  # (start, end, replacement) in a line's text, 0-based


# --- the machinery: edits that keep columns, spans that are never touched -----------------------------


def rewrite(line: Line, edits: Iterable[Edit]) -> Line:
    """The line with each (start, end) replaced; a replacement points at the column of what it replaces."""
    text, columns = line.text, line.columns
    pieces: list[str] = []
    kept: list[int] = []
    done = 0
    for start, end, new in edits:
        pieces.append(text[done:start])
        kept.extend(columns[done:start])
        pieces.append(new)
        kept.extend([line.source_column(start + 1)] * len(new))
        done = end
    if not done and not pieces:
        return line
    pieces.append(text[done:])
    kept.extend(columns[done:])
    return replace(line, text="".join(pieces), columns=tuple(kept))


_WORD_APOSTROPHE = re.compile(r"(?<=\w)['’](?=\w)")


class Protected:
    """The quoted spans of a text (« … », "…", '…'…): no step edits inside them. An apostrophe between
    letters (« l'Escale ») opens no quote."""

    def __init__(self, text: str) -> None:
        self.spans = quoted_spans(_WORD_APOSTROPHE.sub("a", text))
        self.starts = [start for start, _ in self.spans]

    def __contains__(self, position: int) -> bool:
        at = bisect.bisect_right(self.starts, position) - 1
        return at >= 0 and position < self.spans[at][1]


def _edits(line: Line, pattern: re.Pattern, replacement: Callable[[re.Match], str | None]) -> Line:
    """Each match outside quotes replaced (None: left as it is)."""
    matches = list(pattern.finditer(line.text))
    if not matches:
        return line
    protected = Protected(line.text)
    edits = []
    for match in matches:
        new = None if match.start() in protected else replacement(match)
        if new is not None:
            edits.append((match.start(), match.end(), new))
    return rewrite(line, edits)


def _blank(line: Line) -> Line:
    return replace(line, text="", columns=())


# --- 1. Trello's Markdown escapes -------------------------------------------------------------------

# Trello's editor writes `SITE\_NORD`, `1\.`, `\- `, `\#`, `\>`: people never mean the backslash. The pipe is
# left to the table reader (`\|` is a pipe inside a cell).
_ESCAPE = re.compile(r"\\([!-/:-@\[\\\]^_`{}~])")


def trello_escapes(line: Line) -> Line:
    """`\\_` → `_`, `\\-` → `-`, `\\*` → `*`, `1\\.` → `1.`… outside quotes (the backslash goes, the character stays)."""
    return _edits(line, _ESCAPE, lambda match: match.group(1))


# --- 2. list markers, e-mail quoting and emoji bullets --------------------------------------------------

# One marker at the start of a line: a bullet, a number, a letter or a roman numeral (`1.`, `1)`, `a.`, `ii)`),
# a heading, a task box, e-mail quoting (`>`), an arrow used as a bullet (not followed by « vers »).
_MARKER = re.compile(
    r"[^\S\n]*+(?:"
    r"(?:[-*+•▪▫‣◦·●○■□◆◇►▸▹»–—]|\d{1,3}[.)]|\(\d{1,3}\)|[a-z][.)]|(?:i{1,3}|iv|vi{0,3}|ix|x)[.)]|#{1,6}"
    r"|\[[\sx]\]|(?:" + ARROWS + r"|⟶|⇨|➔)(?![^\S\n]*+vers\b))(?:[^\S\n]++|$)"
    r"|>[^\S\n]*+"
    r")",
    re.I,
)
_EMOJI_JOINERS = "\ufe0f\u200d\u20e3"


def _is_emoji(char: str) -> bool:
    return unicodedata.category(char) == "So" or "\U0001f3fb" <= char <= "\U0001f3ff"  # skin tones


def _emoji_end(text: str, position: int) -> int:
    """End of an emoji sequence (👉, ▶️, 🏠, 1️⃣, 👩‍💻) with the blanks after it; `position` when there is none."""
    at = position
    while at < len(text) and text[at] in " \t\u00a0":
        at += 1
    start = at
    if at + 1 < len(text) and text[at].isdigit() and text[at + 1] in _EMOJI_JOINERS:  # keycap 1️⃣
        at += 1
    while at < len(text) and (_is_emoji(text[at]) or (at > start and text[at] in _EMOJI_JOINERS)):
        at += 1
    if at == start or text[start] in "©®°":
        return position
    while at < len(text) and text[at].isspace():
        at += 1
    return at


def _markers_end(text: str) -> int:
    position = 0
    while True:
        match = _MARKER.match(text, position)
        end = match.end() if match and match.end() > position else _emoji_end(text, position)
        if end == position:
            return position
        position = end


def list_markers(line: Line) -> Line:
    """Any run of list markers, quoting and emoji bullets before the text → one « - »: nested or not, the
    line is a list item (an option on it is its block's)."""
    end = _markers_end(line.text)
    if not end:
        return line
    rest = line.text[end:]
    if not rest.strip():
        return _blank(line)
    return rewrite(line, [(0, end, "- ")])


# --- 3. e-mail residue ------------------------------------------------------------------------------

_HEADER = re.compile(
    r"^\s*(?:de|from|envoy[ée](?:\s+le)?|sent|date|[àa]|to|cc|cci|bcc|objet|subject|r[ée]pondre\s+[àa]|reply-to)"
    r"\s*:(?:\s|$)"
    r"|^\s*-{3,}\s*(?:original\s+message|message\s+(?:d['’]origine|transf[ée]r[ée])|forwarded\s+message)"
    r"|^\s*(?:le|on)\s.{0,200}\s(?:a\s+[ée]crit|wrote)\s*:\s*$",
    re.I,
)
_SIGN_OFF = re.compile(
    r"^\s*(?:--|__+|(?:(?:bien\s+)?cordialement|bien\s+[àa]\s+(?:vous|toi)|bonne\s+(?:journ[ée]e|soir[ée]e|fin\s+de\s+journ[ée]e)"
    r"|belle\s+journ[ée]e|[àa]\s+bient[ôo]t|merci(?:\s+(?:d['’]avance|beaucoup|encore|[àa]\s+vous))?"
    r"|regards|best(?:\s+regards)?|sinc[èe]rement)\b)[^\w]*$",
    re.I,
)
_GREETING = re.compile(r"^\s*(?:bonjour|bonsoir|hello|salut|coucou|hi)\b", re.I)


def email_residue(lines: list[Line]) -> list[Line]:
    """Headers of a forwarded or quoted e-mail (« De : », « Objet : », « Le … a écrit : »), greetings, a
    sign-off (« Cordialement », « Merci ! », « -- ») and the signature under it (up to the next blank line)
    become blank: never read as rules nor as instructions. A rule there is still read; a sentence there that
    asks for something (« Pôle hébergement », « PS : les supprimés aussi ») is kept as signed
    (`Line.signed`): reported as not understood, never followed."""
    result = []
    signature = ""  # "" none; "signed": after a sign-off; "name": inside the signature, until a blank line
    for line in lines:
        text = line.text
        if not text.strip():
            signature = "" if signature == "name" else signature
        elif _HEADER.match(text):
            line = _blank(line)
        elif is_candidate(text):
            signature = ""  # a rule after a sign-off: the card goes on, this is no signature
        elif _SIGN_OFF.match(text):
            signature, line = "signed", _blank(line)
        elif signature:
            signature = "name"
            line = replace(line, signed=True) if ticket_prose.instruction(text) else _blank(line)
        elif _GREETING.match(text) and not ticket_prose.instruction(text):
            line = _blank(line)
        result.append(line)
    return result


# --- 4. arrows for « vers » -------------------------------------------------------------------------

_ARROW_FORMS = re.compile(r"➡️?|⟶|⟹|⇨|⮕|🡒|🠖|➔|➙|➛|➝|➞|➤|⇾|▶️?|►|[-–—]{1,2}>|={1,2}>|-{2,}>")
_LONE_GREATER = re.compile(r"(?<=\s)>(?=\s)")
_ARROW_SYMBOL = re.compile(ARROWS)
# Something that only a rule holds after an arrow: « vers », or an identifier.
_RULE_AFTER = re.compile(
    r"\s*vers\b|.*?(?:\(\s*(?:id\b|#|n[°º]|no\b|identifiant)|\bID\s*[:=]?\s*\d|n[°º]\s*\d|#\d)", re.I
)


def arrows(line: Line) -> Line:
    """`➡️`, `➡`, `⟶`, `-->`, `=>`, ` > `… → `→`, where the line is a rule: it already is one, or a rule's
    end (« vers », an identifier) follows the arrow. An arrow in a sentence of context is left alone."""
    text = line.text
    rule_line = is_candidate(text)

    def canonical(match: re.Match) -> str | None:
        return "→" if rule_line or _RULE_AFTER.match(text, match.end()) else None

    line = _edits(line, _ARROW_FORMS, canonical)
    if ">" not in line.text or _ARROW_SYMBOL.search(line.text):
        return line  # a line with an arrow keeps its « > » (a value may hold one)
    return _edits(line, _LONE_GREATER, canonical)


# --- 5. identifiers ---------------------------------------------------------------------------------

# « (ID n° 4537) », « (n° 4537) », « (N°4537) », « (no 4537) », « (identifiant 4537) », « (ID : XXXX) »
_ID_IN_PARENTHESES = re.compile(
    r"\(\s*+(?:id\b\s*+[:=]?\s*+)?(?:n[°º]\.?|no\b\.?|num(?:[ée]ro)?\b\.?|identifiant\b)\s*+[:=]?\s*+([^()\n]*)\)",
    re.I,
)
# An identifier written without parentheses where it plainly ends a name (end of the line, options, another
# rule), with no id group after it before the next arrow: « … CHU 77 - ID 5644 », « … ID5644 », « … n° 5644 »,
# « … #5644 », « … identifiant 5644 », « … id : 5644 »; or a number alone in parentheses, « … CHU 77 (5644) ».
_BARE_ID = re.compile(
    r"\(\s*+(\d[\d\u00a0\u202f ]*+)\)"
    r"|(?<![(\s])(?:[^\S\n]+[-—–])?[^\S\n]*+(?<!\()"
    r"(?:\b(?:ID(?:[^\S\n]*+n[°º])?|identifiant|n[°º]|no\b\.?)|(?<=\s)#)"
    r"[^\S\n]*+[:=]?[^\S\n]*+(\d(?:[\d\u00a0\u202f]|[^\S\n](?=\d))*+)(?!\w)",
    re.I,
)
_ENDS_A_NAME = re.compile(r"[^\S\n]*+(?:$|[,;.!|]|\((?!\s*+(?:id\b|#|\d))|[-—–][^\S\n]|\*)", re.I)
_ID_GROUP = re.compile(r"\(\s*+(?:id\b|#)", re.I)
_ARROW = re.compile(ARROWS + r"|\bvers\b", re.I)  # where the next rule's destination starts


def identifiers(line: Line) -> Line:
    """Every way people write a centre's identifier → « (ID 4537) », in rule lines only (never in prose)."""
    if not is_candidate(line.text):
        return line
    line = _edits(line, _ID_IN_PARENTHESES, lambda m: f"(ID {m.group(1).strip()})")
    return _bare_ids(line)


_WRITTEN_ID_GROUP = re.compile(r"\(\s*+(?:id\b|#)[^()\n]*+\)", re.I)
_BARE_HINT = re.compile(r"\(\s*+\d|(?:\bid|\bidentifiant|\bn[°º]|\bno|#)[^\S\n]*+[:=]?[^\S\n]*+\d", re.I)


def _bare_ids(line: Line) -> Line:
    text = line.text
    if not _BARE_HINT.search(_WRITTEN_ID_GROUP.sub("", text)):
        return line  # the usual case: every id already written « (ID 4537) »
    id_groups = [match.start() for match in _ID_GROUP.finditer(text)]
    arrow_positions = [match.start() for match in _ARROW.finditer(text)]
    protected = Protected(text)
    edits = []
    for match in _BARE_ID.finditer(text):
        if not _ENDS_A_NAME.match(text, match.end()) or match.start() in protected:
            continue
        next_group = bisect.bisect_right(id_groups, match.end())
        next_arrow = bisect.bisect_right(arrow_positions, match.end())
        if next_group < len(id_groups) and (
            next_arrow >= len(arrow_positions) or arrow_positions[next_arrow] > id_groups[next_group]
        ):
            continue  # an id group follows in the same rule: this number belongs to a name
        digits = (match.group(1) or match.group(2)).strip()
        edits.append((match.start(), match.end(), f" (ID {digits})" if match.group(2) else f"(ID {digits})"))
    return rewrite(line, edits)


# --- 6. lines wrapped by a mail client or a narrow editor ------------------------------------------

MAX_WRAPPED = 3  # lines joined into one at most: a mail client wraps a rule once, twice at worst


def _join(first: Line, second: Line) -> Line:
    shift = len(first.source) + 1
    return replace(
        first,
        source=f"{first.source} {second.source.strip()}",
        text=f"{first.text.rstrip()} {second.text.strip()}",
        columns=(
            *first.columns[: len(first.text.rstrip())],
            shift,
            *(column + shift for column in second.columns[len(second.text) - len(second.text.lstrip()) :]),
        ),
        ticks=first.ticks | frozenset(tick + shift for tick in second.ticks),
        joined=(*(first.joined or (first.number,)), second.number),
    )


def _continues(line: Line) -> bool:
    """A line that may end the one above: not blank, not a list item, not the start of a statement."""
    text = line.text.strip()
    return bool(text) and not text.startswith(("- ", "|")) and not CANDIDATE_START.match(text)


def wrapped_lines(lines: list[Line], *, reads: Callable[[str], bool]) -> list[Line]:
    """A rule line that cannot stand alone, followed by lines that end it (its destination's identifier),
    joined into one: `reads(text)` tells whether the grammar reads the joined text. The joined line knows the
    lines it was made of (`Line.joined`), so the reading shown to the PO says so."""
    result = []
    index = 0
    while index < len(lines):
        line = lines[index]
        joined = None
        if is_candidate(line.text) and not reads(line.text):
            joined = _wrapped(lines, index, reads)
        if joined is None:
            result.append(line)
            index += 1
            continue
        result.append(joined)
        result.extend(_blank(lines[index + extra]) for extra in range(1, len(joined.joined)))
        index += len(joined.joined)
    return result


def _wrapped(lines: list[Line], index: int, reads: Callable[[str], bool]) -> Line | None:
    joined = lines[index]
    for extra in range(index + 1, min(index + MAX_WRAPPED, len(lines))):
        if not _continues(lines[extra]):
            return None
        joined = identifiers(arrows(_join(joined, lines[extra])))  # the id may be on the next line
        if reads(joined.text):
            return joined
    return None


# --- 7. placeholders: found, never read ---------------------------------------------------------------

_PLACEHOLDER = re.compile(
    r"(?<![\w?])(?:\?+|x{3,}|tbd|tbc|todo|[àa][^\S\n]+(?:confirmer|d[ée]finir|compl[ée]ter|pr[ée]ciser|voir))(?![\w?])",
    re.I,
)


def placeholder(text: str) -> tuple[int, str] | None:
    """(0-based offset, as written) of the first placeholder of a line: « ??? », « XXX », « TBD », « à
    confirmer »… outside quotes, or a whole quoted value that is one (« "???" »)."""
    protected = Protected(text)
    for match in _PLACEHOLDER.finditer(text):
        if match.start() not in protected:
            return match.start(), match.group()
    for start, end in protected.spans:
        inner = text[start + 1 : end - 1].strip(" \u00a0\u202f")
        if _PLACEHOLDER.fullmatch(inner):
            return start + 1 + text[start + 1 : end - 1].index(inner[0]), inner
    return None


# --- the pipeline -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    name: str
    apply: Callable[[list[Line]], list[Line]]


def _each(step: Callable[[Line], Line]) -> Callable[[list[Line]], list[Line]]:
    return lambda lines: [step(line) if line.text else line for line in lines]


STEPS = (
    Step("trello_escapes", _each(trello_escapes)),
    Step("list_markers", _each(list_markers)),
    Step("email_residue", email_residue),
    Step("tables", read_tables),
    Step("arrows", _each(arrows)),
    Step("identifiers", _each(identifiers)),
)


def normalize(lines: list[Line], *, reads: Callable[[str], bool]) -> list[Line]:
    """The card's lines as the grammar reads them: every step in order, then wrapped lines joined."""
    for step in STEPS:
        lines = step.apply(lines)
    return wrapped_lines(lines, reads=reads)
