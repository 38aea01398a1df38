"""What the ticket's free text may still mean: misspelt keywords (a suggestion), and instructions written
as sentences inside a rule block (understood when unambiguous, otherwise reported, never dropped). Pure."""

from __future__ import annotations

import re
import unicodedata

# The grammar's keywords, as a person writes them. A misspelling is at most 2 edits away (Damerau).
KEYWORDS = (
    "Centre initial",
    "Centre d'origine",
    "lorsque le champ",
    "quand le champ",
    "tous les dossiers",
    "Conflit hébergements",
    "avec hébergements",
    "sans hébergements",
    "y compris supprimés",
    "migrer quand même",
    "Hébergements",
    "Supprimés",
    "lorsque",
    "quand",
    "champ",
    "vers",
    "vaut",
)
# Starts of lines that are plainly meant as the grammar's statements, even misspelt.
_STATEMENT_STARTS = (
    "Centre initial",
    "Centre d'origine",
    "lorsque le champ",
    "quand le champ",
    "tous les dossiers",
)
MAX_EDITS = 2
_WORDS_LOOKED_AT = 8  # after the point where the line stops making sense: bounded, whatever the line's length
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def edits(a: str, b: str, *, limit: int = MAX_EDITS) -> int:
    """Damerau-Levenshtein distance (optimal string alignment), `limit + 1` as soon as it is over `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, start=1):
            cost = 0 if char_a == char_b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _allowed_edits(keyword: str) -> int:
    return 1 if len(keyword) <= 5 else MAX_EDITS  # « des » is 2 edits from « vers »: short words, 1 edit


def _near(words: list[re.Match], keywords: tuple[str, ...]) -> tuple[str, str, int] | None:
    """(as written, keyword, start offset) of the first run of words that misspells a keyword."""
    runs = [
        (index, keyword, " ".join(match.group() for match in words[index : index + len(keyword.split())]))
        for index in range(len(words))
        for keyword in keywords
        if index + len(keyword.split()) <= len(words)
    ]
    exact = {index for index, keyword, written in runs if _folded(written) == _folded(keyword)}
    for index, keyword, written in runs:
        if index in exact or len(written) < 3:
            continue
        if edits(_folded(written), _folded(keyword)) <= _allowed_edits(keyword):
            return written, keyword, words[index].start()
    return None


def misspelt_start(text: str) -> bool:
    """The line starts with a misspelt statement keyword (« Centre intial = … »): it is meant as a rule."""
    words = list(_WORD.finditer(text[:80]))[:3]
    return _near(words, _STATEMENT_STARTS) is not None


def suggestion(text: str, start: int) -> tuple[str, str, int] | None:
    """(as written, keyword, 0-based offset) for the first misspelt keyword from `start` (0-based) or at the line's start."""
    head = list(_WORD.finditer(text[:80]))[:3]
    found = _near(head, _STATEMENT_STARTS)
    if found is None:
        words = []
        for match in _WORD.finditer(text, max(0, start)):
            words.append(match)
            if len(words) >= _WORDS_LOOKED_AT:
                break
        found = _near(words, KEYWORDS)
    return found


# --- instructions in prose ---------------------------------------------------------------------------

# A sentence speaks of the migration when it names files, accommodations, deleted files, an exception,
# a field, a value or a centre.
_ABOUT_MIGRATION = re.compile(
    r"\b(?:dossiers?|h[ée]bergements?|supprim[ée]s?|sauf|except[ée]s?|hormis|sans|champs?|valeurs?|centres?)\b",
    re.I,
)
_EXCEPTION = re.compile(
    r"\b(?:sauf|except[ée]s?|hormis|sans|ni|pas|non|aucun|aucune|ne|n['’]|uniquement|seulement)\b", re.I
)
_DELETED = re.compile(r"\bsupprim[ée]s?\b", re.I)
_ACCOMMODATIONS = re.compile(r"\bh[ée]bergements?\b", re.I)
_OTHER_SUBJECT = re.compile(r"\b(?:champs?|valeurs?|centres?)\b", re.I)


def instruction(text: str) -> frozenset[str] | None:
    """The options a sentence plainly asks for (« les dossiers supprimés aussi svp » → deleted), an empty set
    when it speaks of the migration without being understood, None when it does not speak of it."""
    if not _ABOUT_MIGRATION.search(text):
        return None
    if _EXCEPTION.search(text) or _OTHER_SUBJECT.search(text):
        return frozenset()
    options = set()
    if _DELETED.search(text):
        options.add("deleted")
    if _ACCOMMODATIONS.search(text):
        options.add("accommodations")
    return frozenset(options)
