"""Rules whose dry-run finds no file, and the values the card probably meant. Pure.

The runbook's main risk is a value that does not match exactly (« doit correspondre exactement à la valeur
saisie dans le dossier »): `CHU77` for `CHU 77` moves nobody, silently. A zero-match rule is a problem of the
card, told first; its value's near misses (`variants`) are dry-run too, so the card can say which value finds
files. The commands never change: a variant is only a suggestion for people.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from bot.domain.model import DryRun, NearMiss, Simulation, VariantKind

_SPACES = re.compile(r"[ \t]+")
_LETTER_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")  # CHU|77, 77|B
_LETTER_SPACE_DIGIT = re.compile(r"(?<=[^\W\d_]) (?=\d)|(?<=\d) (?=[^\W\d_])")  # CHU 77
_WORD = re.compile(r"\w+")
# Characters that tools put in place of what people type, and back.
_PLAIN = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u02bc": "'",
        "\u2013": "-",
        "\u2014": "-",
        "\u2011": "-",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
    }
)


def finds_nothing(run: DryRun) -> bool:
    """A dry-run that worked and moves nobody (« 0 migré »)."""
    return run.ok and run.figures is not None and run.figures.origin.moved == 0


def zero_match_indexes(simulation: Simulation) -> tuple[int, ...]:
    """The rules (indexes, plan order) whose dry-run found no file."""
    return tuple(run.rule_index for run in simulation.runs if finds_nothing(run))


def every_rule_finds_nothing(simulation: Simulation) -> bool:
    """A complete simulation where no rule moves anybody: nothing to ask the PO, the card needs fixing."""
    return simulation.ok and bool(simulation.runs) and all(finds_nothing(run) for run in simulation.runs)


def best_near_miss(simulation: Simulation, rule_index: int) -> NearMiss | None:
    """The variant of a rule's value that finds the most files, if any finds some (first tried on a tie)."""
    found = [m for m in simulation.near_misses if m.rule_index == rule_index and m.found]
    return max(found, key=lambda miss: miss.found or 0) if found else None


def tried(simulation: Simulation, rule_index: int) -> tuple[NearMiss, ...]:
    """The variants of a rule's value that were dry-run, in the order they were tried."""
    return tuple(miss for miss in simulation.near_misses if miss.rule_index == rule_index)


def variants(value: str, *, card_text: str = "") -> tuple[tuple[str, VariantKind], ...]:
    """Near misses of `value`, most likely first, each once, never `value` itself nor empty.

    Spaces first (trimmed, inner runs collapsed, a space added or removed between letters and digits), then
    case (UPPER, Title), accents (added back where a word of `card_text` carries them, removed), then
    typographic look-alikes (’ ↔ ', – ↔ -, no-break ↔ plain space). Linear in the lengths of both texts.
    """
    seen = {value, ""}
    found: list[tuple[str, VariantKind]] = []
    for candidate, kind in _candidates(value, card_text):
        if candidate not in seen:
            seen.add(candidate)
            found.append((candidate, kind))
    return tuple(found)


def _candidates(value: str, card_text: str) -> Iterator[tuple[str, VariantKind]]:
    trimmed = value.strip()
    yield trimmed, VariantKind.TRIMMED
    base = _SPACES.sub(" ", trimmed)
    yield base, VariantKind.SPACES_COLLAPSED
    yield _LETTER_DIGIT.sub(" ", base), VariantKind.SPACE_ADDED
    yield _LETTER_SPACE_DIGIT.sub("", base), VariantKind.SPACE_REMOVED
    yield base.upper(), VariantKind.UPPER
    yield _title(base), VariantKind.TITLE
    yield _accents_from(base, card_text), VariantKind.ACCENTS_ADDED
    yield strip_accents(base), VariantKind.ACCENTS_REMOVED
    yield base.translate(_PLAIN), VariantKind.PLAIN_TYPOGRAPHY
    yield base.replace("'", "\u2019").replace(" - ", " \u2013 "), VariantKind.TYPOGRAPHIC
    yield base.replace(" ", "\u00a0"), VariantKind.NO_BREAK_SPACES


def _title(text: str) -> str:
    """« chu 77 » → « Chu 77 », « l'oasis » → « L'oasis »: only each word's first letter."""
    return _WORD.sub(lambda word: word.group()[:1].upper() + word.group()[1:].lower(), text)


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def _accents_from(value: str, card_text: str) -> str:
    """Each unaccented word of `value` written with the accents a word of the card gives it (case kept)."""
    accented: dict[str, str] = {}
    for word in _WORD.findall(card_text):
        bare = strip_accents(word)
        if bare != word and len(bare) == len(word):
            accented.setdefault(bare.casefold(), word)

    def restore(match: re.Match[str]) -> str:
        word = match.group()
        model = accented.get(word.casefold())
        if model is None or len(model) != len(word) or strip_accents(word) != word:
            return word
        return "".join(
            m.upper() if w.isupper() else m.lower() if w.islower() else w
            for w, m in zip(word, model, strict=True)
        )

    return _WORD.sub(restore, value)
