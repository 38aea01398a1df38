"""Parse time per rule on a 200-rule ticket (target: well under 1 ms per rule). Run with `make bench`."""

from __future__ import annotations

import pytest

from bot.domain.plan import build_plan
from bot.domain.ticket import parse_ticket, parser

RULES = 200


def big_ticket() -> str:
    lines = ["Bonjour, voici la grosse migration.", ""]
    for block in range(RULES // 10):
        lines.append(
            f"**Centre initial** = France Fraternités - Centre {block} (ID {1000 + block}), avec hébergements"
        )
        for rule in range(10):
            lines.append(
                f"- lorsque le champ « site-{rule % 3} » = « Valeur {block}-{rule} » → vers "
                f"France Fraternités - Destination {rule} (ID {5000 + rule}) (y compris supprimés)"
            )
        lines.append("")
    lines.append("Merci, Camille")
    return "\n".join(lines)


@pytest.mark.benchmark(group="parse")
def test_parse_200_rule_ticket(benchmark):
    text = big_ticket()
    parser()  # compiled once per process: not part of the per-ticket cost

    def parse_and_plan():
        ticket = parse_ticket(text)
        return build_plan(ticket.rules, field_slug="migration-des-donnees")

    plan = benchmark(parse_and_plan)
    assert len(plan.rules) == RULES
    if benchmark.stats:  # None when benchmarks are disabled (plain `make test`)
        per_rule_ms = benchmark.stats.stats.mean * 1000 / RULES
        benchmark.extra_info["mean_ms_per_rule"] = per_rule_ms
        print(f"\nparse + plan: {per_rule_ms:.3f} ms per rule ({RULES} rules)")


@pytest.mark.benchmark(group="parse")
def test_grammar_compilation(benchmark):
    benchmark.pedantic(lambda: parser.__wrapped__(), rounds=5, iterations=1)


@pytest.mark.benchmark(group="parse")
@pytest.mark.parametrize(
    "shape",
    ["parentheses-then-spaces", "spaces-in-a-value", "many-words"],
)
def test_pathological_16k_lines_stay_linear(benchmark, shape):
    """Trello allows 16,384 characters: the worst lines a card can hold must not stall the poll."""
    half = 8000
    lines = {
        "parentheses-then-spaces": "Centre initial = (" + ")" * half + " " * half + "x",
        "spaces-in-a-value": "- si le champ = A" + " " * (2 * half) + "x",
        "many-words": "Centre initial = X (ID 1) - si le champ = " + "mot " * (half // 2) + "→ B (ID 2)",
    }
    ticket = benchmark(parse_ticket, lines[shape])
    assert ticket.errors or ticket.rules
