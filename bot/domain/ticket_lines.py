"""The lines of a card as the grammar reads them: Markdown noise removed, quoted values protected, ids written
without « ID » made explicit, with the way back to the user's columns. Pure; every scan is linear in the
line's length (a card's line may hold 16,384 characters of anything)."""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

_QUOTES = {"«": "»", '"': '"', "“": "”", "'": "'", "„": "“”", "‘": "’"}
ARROWS = r"→|->|=>|➜|⇒"
# Invisible marks that change the order in which text is displayed (« Trojan Source »): refused.
DIRECTION_MARKS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
# Invisible characters that hide text or make two values look alike: tag characters, variation selectors,
# Hangul fillers, and zero-width joiners. A joiner between two emoji, and a variation selector 15/16 after an
# emoji, are how emoji are written: kept. Everything else is refused with the line, like direction marks.
INVISIBLE_MARKS = re.compile("[\U000e0000-\U000e007f\ufe00-\ufe0f\u3164\u115f\u1160\uffa0\u200d]")
_EMOJI_PARTS = "\ufe0e\ufe0f\U0001f3fb-\U0001f3ff"  # presentation selectors, skin tones
_JOINER_IN_EMOJI = re.compile(
    f"(?<=[\u2600-\u27bf\U0001f000-\U0001faff{_EMOJI_PARTS}])\u200d(?=[\u2600-\u27bf\U0001f000-\U0001faff])"
)
_SELECTOR_AFTER_EMOJI = re.compile(
    "(?<=[\u2190-\u2bff\u00a9\u00ae\U0001f000-\U0001faff])[\ufe0e\ufe0f]|[\ufe0e\ufe0f](?=\u20e3)"  # keycaps: 1️⃣
)


def invisible_marks(text: str) -> list[int]:
    """Positions of the invisible characters `text` holds that are not part of an emoji. Linear."""
    allowed = {match.start() for match in _JOINER_IN_EMOJI.finditer(text)}
    allowed.update(match.start() for match in _SELECTOR_AFTER_EMOJI.finditer(text))
    return [match.start() for match in INVISIBLE_MARKS.finditer(text) if match.start() not in allowed]


# Markdown that a card may carry around rules: bold, italics, strike-through; at the start of a line, quotes,
# headings, an escaped bullet and a task box. Backticks are noise only when they wrap a whole span.
_NOISE = re.compile(
    r"(?<!\\)(?:\*\*|(?<!\w)__|__(?!\w)|~~"
    r"|(?<![*\w])\*(?=[^\s*][^*\n]*?(?<=[^\s*\\])\*(?![*\w]))|(?<=[^\s*])\*(?![*\w]))"
)
# Italics written with underscores, `_si le champ_`: a pair around a span, never an underscore inside a word
# (`SITE_NORD`, `_x` alone stay).
_UNDERSCORE_ITALICS = re.compile(r"(?<![\w\\])_(?=[^\s_])[^_\n]*?[^\s_\\]_(?!\w)")
# A backtick run wrapping a span: outside it, the line's start or end, blanks, Markdown or punctuation.
_WRAPPING_TICKS = re.compile(r"(?<![^\s*_~>(=:])(`{1,3})(?=[^\s`])([^`\n]*?[^\s`])\1(?![^\s*_~),.;:!?])")
_LEADING_NOISE = re.compile(r"^(?:\s*>)+\s?|^\s*#{1,6}\s+|^\s*\\(?=[-*•])")
_TASK_BOX = re.compile(r"^\s*[-*•]\s+(\[[ xX]\]\s+)")
_LINE_BREAKS = re.compile(r"\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")
# Politeness after a destination (« … (ID 5644), merci »): noise. Anything else after it stays an error.
_POLITENESS = re.compile(
    r"(?<=\))[\s,;.!—–-]*(?:merci(?:\s+beaucoup)?|svp|stp|s['’]il\s+vous\s+pla[iî]t)[\s.!]*$", re.I
)


# A line is meant as a rule when it is shaped like one: it starts (after list markers, quotes and Markdown)
# with an origin label or a rule keyword, or it holds an arrow, or an id group with digits. Words in a
# sentence (« le champ », « (ID du site : voir Reconnect) ») are not enough.
BULLET_PREFIX = r"^\s*(?:(?:[-*•‣◦–]|\d{1,3}[.)])\s+)?"
ORIGIN_LABEL = r"centre\s+(?:initial|d['’]\s*origine)\b"
_CANDIDATE_ANYWHERE = re.compile(
    ARROWS + r"|\(\s*(?:id\b|#|n[°º]|no\b|identifiant\b)[^()\n]*?\d|\(\s*\d[\d\s]*\)", re.I
)
CANDIDATE_START = re.compile(
    BULLET_PREFIX
    + r"(?:"
    + ORIGIN_LABEL
    + r"|(?:lorsque|quand|si)\s+(?:le\s+)?champ\b|tous\s+les\s+dossiers\b"
    r"|champ\s*[:=]|h[ée]bergements?\s*[:=]|(?:dossiers\s+)?supprim[ée]s?\s*[:=]"
    r"|conflits?\s+(?:d['’]\s*|des\s+)?h[ée]bergements?\b)",
    re.I,
)


def is_candidate(text: str) -> bool:
    return bool(CANDIDATE_START.match(text) or _CANDIDATE_ANYWHERE.search(text))


@dataclass(frozen=True)
class Line:
    """A line of the card, cleaned of Markdown noise, with the way back to the user's columns."""

    number: int
    source: str  # as written (after NFC), for messages
    text: str  # what the grammar reads
    columns: tuple[int, ...]  # 1-based column in `source` of each character of `text`
    ticks: frozenset[int] = frozenset()  # 0-based positions in `source` of backticks removed as Markdown
    joined: tuple[int, ...] = ()  # numbers of the lines joined into this one (a wrapped rule), else empty
    signed: bool = False  # under an e-mail's sign-off: a sentence there is never followed as an instruction
    empty_cell: tuple[str, int] | None = None  # a table row: (header, column) of an empty required cell

    def source_column(self, column: int) -> int:
        """Column in the user's line of the 1-based `column` of the cleaned text."""
        if not self.columns:
            return 1
        if column - 1 < len(self.columns):
            return self.columns[column - 1]
        return self.columns[-1] + 1 + (column - 1 - len(self.columns))

    def direction_marks(self) -> list[str]:
        """« U+202E »… for each kind of direction mark the line holds."""
        return sorted(f"U+{ord(char):04X}" for char in set(DIRECTION_MARKS.findall(self.source)))

    def invisible_marks(self) -> tuple[int | None, list[str]]:
        """0-based position of the first invisible character (not part of an emoji) and each kind's
        « U+E0041 »."""
        positions = invisible_marks(self.source)
        if not positions:
            return None, []
        return positions[0], sorted({f"U+{ord(self.source[at]):04X}" for at in positions})


def split_lines(description: str) -> list[Line]:
    text = unicodedata.normalize("NFC", description).removeprefix("\ufeff")
    return [clean_line(number, raw) for number, raw in enumerate(_LINE_BREAKS.split(text), start=1)]


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every quoted span, « … », "…", “…”, „…“ or ”, '…', ‘…’. Linear: the next position of
    each closing quote is remembered, so no stretch of the line is searched twice for the same quote, and an
    opening quote that can no longer be closed is no longer looked at."""
    spans = []
    next_at: dict[str, int] = {}  # closing quote → its next position after the last search, -1: none left
    live = "".join(_QUOTES)
    opener = _openers(live).search(text)
    while opener is not None:
        index = opener.start()
        end = -1
        for closer in _QUOTES[text[index]]:
            at = next_at.get(closer)
            if at is None or index >= at >= 0:
                at = next_at[closer] = text.find(closer, index + 1)
            if at >= 0 and (end < 0 or at < end):
                end = at
        if end >= 0:
            spans.append((index, end + 1))
        else:
            live = live.replace(text[index], "")
        opener = _openers(live).search(text, end + 1 if end >= 0 else index + 1)
    return spans


@cache
def _openers(quotes: str) -> re.Pattern:
    return re.compile(f"[{re.escape(quotes)}]" if quotes else r"(?!)")


def clean_line(number: int, raw: str) -> Line:
    raw = raw.rstrip()
    removed: set[int] = set()
    leading = _LEADING_NOISE.match(raw)
    if leading:
        removed.update(range(leading.end()))
    box = _TASK_BOX.match(raw)
    if box:
        removed.update(range(box.start(1), box.end(1)))
    noise = list(_NOISE.finditer(raw))
    wrapping = list(_WRAPPING_TICKS.finditer(raw))
    italics = list(_UNDERSCORE_ITALICS.finditer(raw))
    spans = quoted_spans(raw) if noise or wrapping or italics else []
    starts = [start for start, _ in spans]
    for match in noise:
        if not _inside(spans, starts, match.start()):  # a quoted value is kept exactly, Markdown included
            removed.update(range(match.start(), match.end()))
    for match in italics:
        if not _inside(spans, starts, match.start()):
            removed.update((match.start(), match.end() - 1))
    ticks = set()
    for match in wrapping:
        if not _inside(spans, starts, match.start()):
            ticks.update(range(match.start(1), match.end(1)))
            ticks.update(range(match.end(2), match.end()))
    removed |= ticks
    kept = [index for index in range(len(raw)) if index not in removed] if removed else list(range(len(raw)))
    text = "".join(raw[index] for index in kept) if removed else raw
    polite = _POLITENESS.search(text)
    if polite:
        text, kept = text[: polite.start()], kept[: polite.start()]
    trailing = len(text) - len(text.rstrip())
    if trailing:
        text, kept = text[: len(text) - trailing], kept[: len(kept) - trailing]
    columns = tuple(index + 1 for index in kept)
    return Line(number=number, source=raw, text=text, columns=columns, ticks=frozenset(ticks))


def _inside(spans: list[tuple[int, int]], starts: list[int], position: int) -> bool:
    at = bisect.bisect_right(starts, position) - 1
    return at >= 0 and position < spans[at][1]
