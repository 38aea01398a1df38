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


def decorated_ticket() -> str:
    """The same 200 rules written the way coordinators paste them (issue 19): e-mail headers, emoji bullets,
    Trello's escapes, « n° » ids, emoji arrows, one rule in ten wrapped by a mail client, a spreadsheet paste."""
    lines = ["De : Camille <camille@ff.example>", "Objet : RE: migration", "", "Bonjour 👋,", ""]
    for block in range(RULES // 10):
        lines.append(f"🏠 **Centre initial** = France Fraternités - Centre {block} N°{1000 + block}")
        for rule in range(5):
            head = f"👉 lorsque le champ « site-{rule % 3} » = SITE\\_{block}\\_{rule} ➡️ vers France Fraternités -"
            tail = f"Destination {rule} n° {5000 + rule}, avec hébergements"
            lines += [head, f"   {tail}"] if rule == 0 else [f"{head} {tail}"]  # one rule in ten wrapped
        lines.append("Valeur\tDestination\tID\tOptions")
        lines += [
            f"VAL_{block}_{rule}\tDestination {rule}\t{5000 + rule}\ty compris supprimés"
            for rule in range(5, 10)
        ]
        lines.append("")
    lines += ["Cordialement,", "Camille", "Coordinatrice des centres"]
    return "\n".join(lines)


@pytest.mark.benchmark(group="parse")
def test_parse_200_decorated_rules(benchmark):
    """Normalization included: still linear, well under 1 ms per rule."""
    text = decorated_ticket()
    parser()
    ticket = benchmark(parse_ticket, text)
    assert not ticket.errors and len(ticket.rules) == RULES
    if benchmark.stats:
        per_rule_ms = benchmark.stats.stats.mean * 1000 / RULES
        benchmark.extra_info["mean_ms_per_rule"] = per_rule_ms
        print(f"\ndecorated parse: {per_rule_ms:.3f} ms per rule ({RULES} rules)")


@pytest.mark.benchmark(group="parse")
def test_grammar_compilation(benchmark):
    benchmark.pedantic(lambda: parser.__wrapped__(), rounds=5, iterations=1)


LINE = 16384  # Trello's limit for a description
HALF = 8000
# The worst lines a card can hold, one per scan the parser makes (target: under 50 ms a line).
PATHOLOGICAL = {
    "parentheses-then-spaces": "Centre initial = (" + ")" * HALF + " " * HALF + "x",
    "spaces-in-a-value": "- si le champ = A" + " " * (2 * HALF) + "x",
    "many-words": "Centre initial = X (ID 1) - si le champ = " + "mot " * (HALF // 2) + "→ B (ID 2)",
    "low-double-quotes": "„" * LINE,  # issue 11: about 4 s before quoted spans were found linearly
    "guillemets": "«" * LINE,
    "open-and-close-quotes": "„”" * (LINE // 2),
    "apostrophes": "'" * LINE,
    "backticks": "`a` " * (LINE // 4),
    "ids-without-id": "- si le champ = A → " + "(1) " * (LINE // 4 - 6),
    "id-words": "- si le champ = A → " + "ID 1 " * (LINE // 5 - 5),
    "origin-in-a-sentence": "x centre initial " * (LINE // 17) + "(ID 1",
    "misspelt-arrows": "- si le champ = A " + "vesr " * (LINE // 5 - 4),
    "direction-marks": "- si le champ = A" + "\u202e" * (LINE - 20),
    "table-cells": "| Origine | Valeur | Destination |\n|---|---|---|\n" + "| (ID 1" * (LINE // 6),
    "instructions-in-prose": "Centre initial = A (ID 1)\n" + "dossiers sauf " * (LINE // 14),
    # issue 19's normalization steps
    "emoji-bullets": "👉🏽" * (LINE // 2) + " si le champ = A → B (ID 2)",
    "trello-escapes": "- si le champ = " + "\\_" * (LINE // 2 - 20) + " → B (ID 2)",
    "list-markers": "1. a) i. - " * (LINE // 11),
    "emoji-arrows": "- si le champ = A " + "➡️ " * (LINE // 3 - 8),
    "lone-greater-than": "- si le champ = A" + " >" * (LINE // 2 - 10),
    "identifier-words": "- si le champ = A → B " + "n° 1 " * (LINE // 5 - 5),
    "placeholders": "- si le champ = A → B (ID 2) " + "? " * (LINE // 2 - 16),
    "tab-separated-cells": "Valeur\tVers\tID\n" + "A\t" * (LINE // 2),
}


@pytest.mark.benchmark(group="pathological-lines")
@pytest.mark.parametrize("shape", list(PATHOLOGICAL))
def test_pathological_16k_lines_stay_linear(benchmark, shape):
    """Trello allows 16,384 characters: the worst lines a card can hold must not stall the poll."""
    parser()
    ticket = benchmark(parse_ticket, PATHOLOGICAL[shape])
    assert ticket.errors or ticket.rules
    if benchmark.stats:
        worst_ms = benchmark.stats.stats.max * 1000
        benchmark.extra_info["max_ms"] = worst_ms
        print(f"\n{shape}: mean {benchmark.stats.stats.mean * 1000:.1f} ms, max {worst_ms:.1f} ms")
