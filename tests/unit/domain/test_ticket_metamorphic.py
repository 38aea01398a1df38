"""Decoration never changes a rule (issue 19): from canonical tickets (the runbook's, and ones with several
origins, flags, field slugs and exact values), Hypothesis composes what people do to a card — list markers,
emoji, arrows, identifier forms, case, spaces, Trello's escapes, blank lines, greetings, signatures, e-mail
headers and quoting, tables, wrapped lines. Every variant parses to exactly the canonical rules, or is refused
with a message: never to different rules. `make bench` reports the share over 2,000 and more variants."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.ticket import parse_ticket
from bot.texts.text import describe_problem
from tests.support.ticket_variants import (
    CANONICALS,
    RUNBOOK,
    TRANSFORMATIONS,
    Tally,
    canonical_text,
    render,
    rules_of,
)

RUNBOOK_TICKET = Path(__file__).parents[3] / "sandbox/tickets/runbook.txt"


def test_the_runbook_canonical_is_the_runbook_card():
    assert rules_of(parse_ticket(canonical_text(RUNBOOK))) == rules_of(
        parse_ticket(RUNBOOK_TICKET.read_text(encoding="utf-8"))
    )


@pytest.mark.parametrize("canonical", CANONICALS, ids=lambda c: c.name)
def test_every_canonical_ticket_reads_without_error(canonical):
    ticket = parse_ticket(canonical_text(canonical))
    assert not ticket.errors, [describe_problem(e) for e in ticket.errors]
    assert len(ticket.rules) == sum(len(block.rules) for block in canonical.blocks)


def test_the_canonical_values_keep_their_characters():
    values = {
        rule.value for canonical in CANONICALS for rule in parse_ticket(canonical_text(canonical)).rules
    }
    assert {
        "Foyer ` Nord",
        'Le "Phare"',
        "SITE_NORD",
        "Pôle_santé",
        "l’Escale (bis)",
        "BAT_2 - aile B",
    } <= values


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    canonical=st.sampled_from(CANONICALS),
    kinds=st.frozensets(st.sampled_from(TRANSFORMATIONS), min_size=1),
)
def test_decoration_never_changes_a_rule(data, canonical, kinds):
    variant = render(canonical, lambda options: data.draw(st.sampled_from(list(options))), kinds)
    tally = Tally()
    outcome = tally.add(canonical, variant)
    assert outcome != "different", variant
    if outcome == "refused":  # refused, with a message for each error
        assert all(describe_problem(error) for error in parse_ticket(variant).errors)


@pytest.mark.parametrize("kind", TRANSFORMATIONS)
def test_each_transformation_alone_reads_identically(kind):
    """One transformation at a time, with every one of its choices taken in turn (the last option each time)."""
    for canonical in CANONICALS:
        for pick in (0, -1, 1):
            variant = render(
                canonical, lambda options, at=pick: list(options)[at % len(options)], frozenset({kind})
            )
            assert Tally().add(canonical, variant) == "identical", variant
