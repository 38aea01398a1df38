"""Near misses of a rule's value: the variants a new user's typo calls for, most likely first, each once."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.model import VariantKind
from bot.domain.near_miss import variants

K = VariantKind


def test_a_missing_space_between_letters_and_digits_is_added_first():
    assert variants("CHU77")[0] == ("CHU 77", K.SPACE_ADDED)


def test_a_space_between_letters_and_digits_is_removed():
    assert ("CHU77", K.SPACE_REMOVED) in variants("CHU 77")


def test_spaces_around_are_trimmed_and_inner_runs_collapsed():
    assert variants("  CHU  77 ")[:2] == (("CHU  77", K.TRIMMED), ("CHU 77", K.SPACES_COLLAPSED))


def test_case_variants_upper_and_title():
    found = dict((kind, value) for value, kind in variants("chu 77"))
    assert found[K.UPPER] == "CHU 77"
    assert found[K.TITLE] == "Chu 77"


def test_accents_come_back_from_a_word_of_the_card_only():
    card = "Centre initial = Résidence Échat (ID 12) - lorsque le champ = Echat → vers …"
    assert ("Échat", K.ACCENTS_ADDED) in variants("Echat", card_text=card)
    assert ("ECHAT", K.UPPER) in variants("Echat", card_text="")
    assert not [kind for _, kind in variants("Echat", card_text="") if kind is K.ACCENTS_ADDED]


def test_the_accents_added_back_keep_the_case_as_written():
    assert ("ÉCHAT", K.ACCENTS_ADDED) in variants("ECHAT", card_text="le site Échat")


def test_accents_are_removed():
    assert ("Echat", K.ACCENTS_REMOVED) in variants("Échat")


def test_typographic_look_alikes_are_swapped_both_ways():
    assert ("L'Oasis - Nord", K.PLAIN_TYPOGRAPHY) in variants("L’Oasis – Nord")
    assert ("L’Oasis – Nord", K.TYPOGRAPHIC) in variants("L'Oasis - Nord")
    assert ("CHU 77", K.PLAIN_TYPOGRAPHY) in variants("CHU\u00a077")
    assert ("CHU\u00a077", K.NO_BREAK_SPACES) in variants("CHU 77")


@given(st.text(max_size=40), st.text(max_size=80))
def test_variants_are_distinct_never_the_value_nor_empty_and_few(value, card):
    found = variants(value, card_text=card)
    values = [candidate for candidate, _ in found]
    assert value not in values
    assert "" not in values
    assert len(set(values)) == len(values)
    assert len(found) <= len(VariantKind)


@given(st.text(alphabet="CHUchu 7é’'-\u00a0", max_size=30))
def test_every_variant_is_the_value_up_to_spaces_case_accents_and_look_alikes(value):
    def skeleton(text: str) -> str:
        from bot.domain.near_miss import strip_accents

        plain = strip_accents(text).translate(str.maketrans({"’": "'", "–": "-", "\u00a0": " "}))
        return "".join(plain.split()).casefold()

    for candidate, _ in variants(value):
        assert skeleton(candidate) == skeleton(value)
