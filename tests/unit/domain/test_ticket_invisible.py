"""Issue 25, point 7: invisible characters in ticket values are refused with the line, like direction marks.
Emoji keep their joiners and presentation selectors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.model import ProblemKind
from bot.domain.ticket import parse_ticket
from bot.texts.text import describe_problem
from bot.texts.ticket import problem_expected
from tests.support.text import plain

ORIGIN = "Centre initial = France Fraternités - CHU 75 (ID 4537)"

INVISIBLE = [
    "\U000e0041",  # tag latin capital A
    "\U000e0000",
    "\U000e007f",  # cancel tag
    "\ufe00",
    "\ufe0f",  # variation selector 16 outside an emoji
    "\u3164",  # Hangul filler
    "\u115f",
    "\u1160",
    "\uffa0",
    "\u200d",  # zero-width joiner between letters
]


@pytest.mark.parametrize("mark", INVISIBLE)
def test_an_invisible_character_in_a_value_is_refused_naming_the_line(mark):
    text = f"{ORIGIN}\n- si le champ = A{mark}B → vers B (ID 2)\n- si le champ = C → vers B (ID 2)"
    ticket = parse_ticket(text)
    [error] = ticket.errors
    assert (error.kind, error.line, error.column) == (ProblemKind.INVISIBLE_CHARACTER, 2, 18)
    assert plain(describe_problem(error)).startswith(
        f"Ligne 2, colonne 18 : caractère invisible dans la ligne (U+{ord(mark):04X}) : "
        "il peut cacher du texte ou faire se ressembler deux valeurs différentes — « "
    )
    assert problem_expected(error) == (
        "la ligne sans caractère invisible (U+E0000 à U+E007F, U+FE00 à U+FE0F, U+3164, U+115F, U+1160, "
        "U+FFA0, U+200D hors émoji) : retapez-la ou collez-la en texte brut"
    )


@pytest.mark.parametrize(
    "line",
    [
        "Centre initial = Foyer \u3164Nord (ID 9)",
        "- si le champ = \U000e0061\U000e0062 → vers B (ID 2)",
        "- si le champ = « A\u200dB » → vers B (ID 2)",
        "Champ : site\ufe01-rattachement",
        "- si le champ = A → vers B\uffa0 (ID 2)",
    ],
)
def test_invisible_characters_are_refused_wherever_the_bot_reads(line):
    ticket = parse_ticket(
        f"{ORIGIN}\n- si le champ = Z → vers B (ID 2)\n{line}\n- si le champ = A → vers B (ID 2)"
    )
    assert [(e.line, e.kind) for e in ticket.errors] == [(3, ProblemKind.INVISIBLE_CHARACTER)]


@pytest.mark.parametrize(
    "value", ["👨\u200d👩\u200d👧", "❤\ufe0f", "👍🏽", "🏳\ufe0f\u200d🌈", "1\ufe0f\u20e3"]
)
def test_emoji_keep_their_joiners_and_selectors(value):
    ticket = parse_ticket(f"{ORIGIN}\n- si le champ = « {value} » → vers B (ID 2)")
    assert not ticket.errors
    assert [rule.value for rule in ticket.rules] == [value]


def test_an_invisible_character_in_free_text_is_not_read_so_not_refused():
    ticket = parse_ticket(f"Merci d'avance \u3164 !\n{ORIGIN}\n- si le champ = A → vers B (ID 2)")
    assert not ticket.errors


_LETTERS = st.text(alphabet="abcAB1 -", min_size=1, max_size=8).filter(lambda text: text.strip())


@settings(max_examples=200, deadline=None)
@given(_LETTERS, st.sampled_from(INVISIBLE), _LETTERS)
def test_any_value_with_an_invisible_character_is_refused(before, mark, after):
    ticket = parse_ticket(f"{ORIGIN}\n- si le champ = « {before}{mark}{after} » → vers B (ID 2)")
    assert [e.kind for e in ticket.errors] == [ProblemKind.INVISIBLE_CHARACTER]
