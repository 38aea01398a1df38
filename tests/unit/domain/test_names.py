"""One centre-name comparison for the ticket (an id named twice) and the console (`Centre Nom`)."""

from __future__ import annotations

import pytest

from bot.domain.console_output import name_mismatches
from bot.domain.model import Center, CenterCount, Figures, NoticeKind, Rule
from bot.domain.names import comparable_name
from bot.domain.ticket import parse_ticket

NAME = "Foyer d'accueil Cœur de Ville - CHU 75"

# What the console's check needed (case, accents, ligatures, apostrophes, any dash, spacing glued or not)
# and what the ticket's check needed (underscores and dots as separators, runs of spaces).
SAME_CENTRE = [
    "foyer d'accueil cœur de ville - chu 75",  # case
    "Foyer d'accueil Cœur de Ville – CHU 75",  # en dash
    "Foyer d'accueil Cœur de Ville — CHU 75",  # em dash
    "Foyer d'accueil Cœur de Ville − CHU 75",  # minus sign
    "Foyer d’accueil Cœur de Ville - CHU 75",  # typographic apostrophe
    "Foyer d'accueil Coeur de Ville - CHU 75",  # ligature spelt out
    "Foyer d'accueil Cœur de Ville-CHU75",  # spacing glued
    "Foyer\u00a0d'accueil  Cœur de Ville - CHU 75 ",  # no-break and doubled spaces
    "Foyer d'accuéil Cœur de Ville - CHU 75",  # an accent more
    "Foyer_d'accueil_Cœur_de_Ville_-_CHU_75",  # underscores
    "Foyer d'accueil Cœur de Ville. CHU 75",  # a dot as separator
]
OTHER_CENTRE = [
    "Foyer d'accueil Cœur de Ville - CHU 76",
    "Foyer d'accueil Cœur de Villes - CHU 75",
    "Foyer Cœur de Ville - CHU 75",
]


@pytest.mark.parametrize("written", SAME_CENTRE)
def test_what_people_write_differently_is_the_same_name(written: str):
    assert comparable_name(written) == comparable_name(NAME)


@pytest.mark.parametrize("written", OTHER_CENTRE)
def test_another_word_or_number_is_another_name(written: str):
    assert comparable_name(written) != comparable_name(NAME)


def _ticket_warns(first: str, second: str) -> bool:
    text = "\n".join(
        [
            f"Centre initial = {first} (ID 1)",
            "- si le champ = A → B (ID 2)",
            f"Centre initial = {second} (ID 1)",
            "- si le champ = C → B (ID 2)",
        ]
    )
    ticket = parse_ticket(text)
    assert not ticket.errors, ticket.errors
    return any(warning.kind is NoticeKind.NAME_DIFFERS for warning in ticket.warnings)


def _console_warns(ticket_name: str, console_name: str) -> bool:
    rule = Rule(origin=Center(1, ticket_name), destination=Center(2, None), field="f", value="A")
    figures = Figures(origin=CenterCount(1, console_name, 2, 1, 1), destination=CenterCount(2, "B", 0, 1, 1))
    return bool(name_mismatches(rule, figures))


@pytest.mark.parametrize("written", SAME_CENTRE + OTHER_CENTRE)
def test_the_ticket_and_the_console_agree_on_every_case(written: str):
    expected = written in OTHER_CENTRE
    assert _ticket_warns(NAME, written) is expected
    assert _console_warns(written, NAME) is expected
