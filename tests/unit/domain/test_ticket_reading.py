"""The refusal that helps (issue 19, point 4): the bot's reading of a refused card, ready to paste back.
Every rule read is written in its canonical form, every unread line follows a « ⛔ À CORRIGER » mark with its
reason. Pasted back, the reading gives exactly the rules the bot read; with a mark left in, it is refused."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.model import ProblemKind
from bot.domain.ticket import parse_ticket
from bot.domain.ticket_reading import reading
from bot.texts.ticket import MARK, reading_text
from tests.support.ticket_variants import CANONICALS, TRANSFORMATIONS, render, rules_of

F = "migration-des-donnees"


def read_back(description: str, *, default_field: str = F) -> str:
    ticket = parse_ticket(description, default_field=default_field)
    return reading_text(reading(description, ticket), default_field=default_field)


def without_marked_lines(text: str) -> str:
    """The reading with each mark and the line it marks taken out."""
    lines = text.split("\n")
    kept, skip = [], False
    for line in lines:
        if line.startswith(MARK):
            skip = True
        elif skip:
            skip = False
        else:
            kept.append(line)
    return "\n".join(kept)


def test_the_reading_of_a_refused_card():
    card = "\n".join(
        [
            "Bonjour 👋",
            "🏠 Centre initial = France Fraternités - CHU 75 n° 4537",
            "👉 lorsque le champ = SITE\\_NORD ➡️ France Fraternités - CHU 77 #5644",
            "👉 lorsque le champ = ??? ➡️ France Fraternités - CPH #4960",
            "👉 lorsque le champ = DAHAR ➡️ France Fraternités - DAHAR, avec hébergements",
            "Hébergements : oui",
            "Cordialement,",
            "Camille",
        ]
    )
    assert read_back(card) == "\n".join(
        [
            "Centre initial = France Fraternités - CHU 75 (ID 4537)",
            "- lorsque le champ = « SITE_NORD » → vers France Fraternités - CHU 77 (ID 5644), avec hébergements",
            f"{MARK} (ligne 4) : « ??? » n'est pas une valeur : la règle attend d'être complétée",
            "👉 lorsque le champ = ??? ➡️ France Fraternités - CPH #4960",
            f"{MARK} (ligne 5) : identifiant du centre manquant",
            "👉 lorsque le champ = DAHAR ➡️ France Fraternités - DAHAR, avec hébergements",
            "Hébergements : oui",
        ]
    )


def test_a_table_row_is_read_back_as_its_rule_line_and_an_empty_cell_as_a_placeholder():
    card = "Centre initial = A (ID 1)\nValeur\tVers\tID\nX\tB\t2\nY\tC\t\n"
    assert read_back(card) == "\n".join(
        [
            "Centre initial = A (ID 1)",
            "- lorsque le champ = « X » → vers B (ID 2)",
            f"{MARK} (ligne 4) : cellule « ID » vide : la règle n'est pas complète",
            "- lorsque le champ = «Y» → vers C (ID ???)",
        ]
    )


def test_rules_of_a_block_whose_origin_is_unread_are_kept_as_written_under_it():
    card = "Centre initial = A (ID XXXX)\n- si le champ = X → B (ID 2)\nCentre initial = C (ID 3)\n- si le champ = Y → B (ID 2)"
    assert read_back(card) == "\n".join(
        [
            f"{MARK} (ligne 1) : « XXXX » n'est pas une valeur : la règle attend d'être complétée",
            "Centre initial = A (ID XXXX)",
            "- si le champ = X → B (ID 2)",
            "Centre initial = C (ID 3)",
            "- lorsque le champ = « Y » → vers B (ID 2)",
        ]
    )


def test_a_mark_pasted_back_is_refused():
    text = read_back(
        "Centre initial = A (ID 1)\n- si le champ = ??? → B (ID 2)\n- si le champ = Y → B (ID 3)"
    )
    fixed = text.replace("???", "X")  # the line fixed, its mark forgotten
    assert [error.kind for error in parse_ticket(fixed).errors] == [ProblemKind.MARKED_LINE]
    assert len(parse_ticket(without_marked_lines(text)).rules) == 1
    marks_removed = "\n".join(line for line in fixed.split("\n") if not line.startswith(MARK))
    assert len(parse_ticket(marks_removed).rules) == 2


@pytest.mark.parametrize("canonical", CANONICALS, ids=lambda c: c.name)
def test_the_canonical_form_of_every_rule_reads_back_as_the_same_rule(canonical):
    for kinds in (frozenset(), frozenset(TRANSFORMATIONS)):
        variant = render(canonical, lambda options: list(options)[-1], kinds)
        assert rules_of(parse_ticket(read_back(variant))) == rules_of(parse_ticket(variant))


def _break_one_rule(variant: str, choice: int) -> tuple[str, int]:
    """The variant with one rule line's value replaced by « ??? »; (the card, its line number)."""
    lines = variant.split("\n")
    rule_lines = [index for index, line in enumerate(lines) if "champ" in line.lower() or "dossiers" in line]
    index = rule_lines[choice % len(rule_lines)] if rule_lines else 0
    lines[index] = lines[index] + " ???"
    return "\n".join(lines), index + 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    canonical=st.sampled_from(CANONICALS),
    kinds=st.frozensets(st.sampled_from(TRANSFORMATIONS)),
    choice=st.integers(min_value=0, max_value=50),
)
def test_the_reading_pasted_back_gives_exactly_the_rules_the_bot_read(data, canonical, kinds, choice):
    variant = render(canonical, lambda options: data.draw(st.sampled_from(list(options))), kinds)
    card, _ = _break_one_rule(variant, choice)
    ticket = parse_ticket(card)
    text = read_back(card)
    unread = {problem.line for problem in ticket.errors}
    read = [rule.semantic_key() for rule in ticket.rules if rule.line not in unread]
    assert rules_of(parse_ticket(without_marked_lines(text))) == read
    if ticket.errors:
        assert MARK in text
        assert ProblemKind.MARKED_LINE in {error.kind for error in parse_ticket(text).errors}


@pytest.mark.parametrize("value", ["CHU 77 ", " CHU 77", "  SITE NORD  "])
def test_a_value_with_edge_spaces_is_pasted_back_with_its_spaces(value: str):
    """« … » lose the spaces inside them; the reading quotes such a value with a pair that keeps them."""
    card = "\n".join(
        [
            "Centre initial = CHU 75 (ID 4537)",
            f'- lorsque le champ = "{value}" → vers CHU 77 (ID 5644)',
            "- lorsque le champ = ??? → vers CPH (ID 4960)",
        ]
    )
    pasted = without_marked_lines(read_back(card))
    [rule] = parse_ticket(pasted, default_field=F).rules
    assert rule.value == value
