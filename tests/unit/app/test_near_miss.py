"""The near-miss search: variants of a zero-match rule's value, dry-run on the same console, bounded.

A fake of our own port (`Console`) that compares values exactly, like Reconnect does."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.app.near_miss import NearMissBudget, look_for_near_misses
from bot.app.simulation import simulate
from bot.domain.codec import simulation_from_dict, simulation_to_dict
from bot.domain.command import DryRunCommand
from bot.domain.model import ConsoleResult, Plan, VariantKind
from bot.domain.near_miss import every_rule_finds_nothing, zero_match_indexes
from bot.domain.plan import plan_ticket
from bot.domain.ticket import parse_ticket
from bot.texts.card import outputs_plan
from tests.support.fakes import FakeConsole, dry_run_output
from tests.support.text import plain

CONSOLE = "php bin/console"
UNREACHABLE = ConsoleResult(exit_code=255, stdout="", stderr="ssh: connect: refused", duration_s=0.0)


class ExactConsole(FakeConsole):
    """Finds files only for the values it holds, compared exactly (`CHU77` is not `CHU 77`)."""

    def __init__(self, files: dict[str, int], *, broken_for_variants: bool = False) -> None:
        super().__init__()
        self.files = files
        self.broken_for_variants = broken_for_variants
        self.first_values: set[str] = set()

    def run(self, command: DryRunCommand) -> ConsoleResult:
        arguments = command.arguments()
        assert arguments[-1] == "--dry-run"
        self.ran.append(arguments)
        inline = [a.split("=", 1)[1] for a in arguments if a.startswith("--targetFieldValue=")]
        value = inline[0] if inline else arguments[arguments.index("-t") + 1] if "-t" in arguments else ""
        if self.broken_for_variants and value not in self.first_values:
            return UNREACHABLE
        origin = int(arguments[arguments.index("-o") + 1])
        destination = int(arguments[arguments.index("-d") + 1])
        stdout = dry_run_output(origin=origin, destination=destination, migrated=self.files.get(value, 0))
        return ConsoleResult(exit_code=0, stdout=stdout, stderr="", duration_s=0.01)


def plan_of(*values: str) -> Plan:
    lines = ["Centre initial = France Fraternités - CPH (ID 4960)"] + [
        f"- lorsque le champ = {value} → vers France Fraternités - CHU 77 (ID 5644)" for value in values
    ]
    ticket = parse_ticket("\n".join(lines), default_field="migration-des-donnees")
    assert ticket.ok, ticket.errors
    return plan_ticket(ticket, field_slug="migration-des-donnees")[0]


def simulated(console: ExactConsole, plan: Plan, *, tries: int = 6, card_text: str = ""):
    console.first_values = {rule.value or "" for rule in plan.rules}
    simulation = simulate(plan, console, console_command=CONSOLE)
    before = len(console.ran)
    searched = look_for_near_misses(
        simulation,
        console,
        budget=NearMissBudget(per_rule=tries, card_text=card_text),
        console_command=CONSOLE,
    )
    return searched, console.ran[before:]


def test_chu77_is_searched_as_chu_77_and_the_count_is_kept():
    console = ExactConsole({"CHU 77": 37, "DAHAR": 35})

    simulation, extra = simulated(console, plan_of("CHU77", "DAHAR"))

    assert zero_match_indexes(simulation) == (0,)
    [miss] = simulation.near_misses
    assert (miss.rule_index, miss.value, miss.kind, miss.found) == (0, "CHU 77", VariantKind.SPACE_ADDED, 37)
    # one extra dry-run, the rule's own command with only the value changed, --dry-run last
    assert extra == [
        (
            "app:migrate-individuals-to-other-organization",
            *("-o", "4960", "-d", "5644", "-f", "migration-des-donnees", "-t", "CHU 77", "--dry-run"),
        )
    ]


def test_the_commands_stay_the_cards():
    console = ExactConsole({"CHU 77": 37})
    plan = plan_of("CHU77")

    simulation, _ = simulated(console, plan)

    assert simulation.plan == plan
    assert [rule.value for rule in simulation.plan.rules] == ["CHU77"]
    assert '-t "CHU77"' in simulation.runs[0].command


def test_a_rule_that_finds_files_triggers_no_extra_run():
    console = ExactConsole({"CHU77": 1, "DAHAR": 35})

    simulation, extra = simulated(console, plan_of("CHU77", "DAHAR"))

    assert extra == []
    assert simulation.near_misses == ()


def test_at_most_near_miss_tries_per_rule():
    console = ExactConsole({})
    card = "Résidence Échat"

    simulation, extra = simulated(console, plan_of("  echat’s  l'77 "), tries=3, card_text=card)

    assert len(extra) == 3 == len(simulation.near_misses)
    assert all(miss.found == 0 for miss in simulation.near_misses)


def test_fifty_zero_match_rules_run_at_most_twenty_extra_dry_runs():
    console = ExactConsole({})
    values = [f"Site{number}" for number in range(50)]  # each has two or more variants

    simulation, extra = simulated(console, plan_of(*values))

    assert len(zero_match_indexes(simulation)) == 50
    assert len(extra) == 20
    assert all(arguments[-1] == "--dry-run" for arguments in extra)
    # every rule's most likely variant first: twenty rules get one try each, none gets six
    assert sorted({miss.rule_index for miss in simulation.near_misses}) == list(range(20))


def test_zero_turns_the_search_off():
    console = ExactConsole({"CHU 77": 37})

    simulation, extra = simulated(console, plan_of("CHU77"), tries=0)

    assert extra == [] and simulation.near_misses == ()


def test_the_breaker_still_stops_after_three_transport_failures():
    console = ExactConsole({}, broken_for_variants=True)

    simulation, extra = simulated(console, plan_of(*[f"Site{number}" for number in range(10)]))

    assert len(extra) == 3
    assert [miss.found for miss in simulation.near_misses] == [None, None, None]


def test_a_rule_stops_being_searched_once_a_variant_finds_files():
    console = ExactConsole({"chu 77": 3})  # the second variant (collapsed spaces) finds files

    simulation, extra = simulated(console, plan_of("chu  77"))

    assert [(miss.value, miss.found) for miss in simulation.near_misses] == [("chu 77", 3)]
    assert len(extra) == 1


def test_every_rule_finds_nothing_only_when_no_rule_moves_anybody():
    console = ExactConsole({"DAHAR": 35})
    assert every_rule_finds_nothing(simulate(plan_of("CHU77"), console, console_command=CONSOLE))
    assert not every_rule_finds_nothing(simulate(plan_of("CHU77", "DAHAR"), console, console_command=CONSOLE))


def test_near_misses_survive_the_state_database():
    simulation, _ = simulated(ExactConsole({"CHU 77": 37}), plan_of("CHU77"))
    stored = simulation_to_dict(simulation)
    assert simulation_from_dict(stored) == simulation
    assert simulation_from_dict(stored).near_misses[0].run.command.endswith('-t "CHU 77" --dry-run')
    del stored["near_misses"][0]["run"]  # stored before the tries were shown with the console outputs
    assert simulation_from_dict(stored).near_misses[0].run is None
    del stored["near_misses"]  # stored before the search existed
    assert simulation_from_dict(stored).near_misses == ()


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30))
def test_every_variant_runs_as_a_dry_run_with_the_value_as_one_literal_argument(value):
    if not value.strip():
        return  # the ticket reader refuses empty values
    plan = plan_ticket(
        parse_ticket(
            "Centre initial = France Fraternités - CPH (ID 4960)\n"
            "- lorsque le champ = x → vers France Fraternités - CHU 77 (ID 5644)",
            default_field="migration-des-donnees",
        ),
        field_slug="migration-des-donnees",
    )[0]
    rule = replace(plan.rules[0], value=value)  # any value, as if the reader had given it
    console = ExactConsole({})
    console.first_values = {value}
    simulation = simulate(replace(plan, rules=(rule,)), console, console_command=CONSOLE)
    before = len(console.ran)
    searched = look_for_near_misses(
        simulation, console, budget=NearMissBudget(per_rule=6), console_command=CONSOLE
    )
    extra = console.ran[before:]
    assert len(extra) == len(searched.near_misses) <= 6
    for arguments, miss in zip(extra, searched.near_misses, strict=True):
        assert arguments[-1] == "--dry-run" and arguments.count("--dry-run") == 1
        assert miss.value in arguments or f"--targetFieldValue={miss.value}" in arguments
    assert searched.plan.rules == (rule,)


def test_each_try_is_in_the_console_outputs_titled_as_a_try_with_its_command_in_a_code_block():
    console = ExactConsole({"CHU 77": 37, "DAHAR": 35})
    simulation, _ = simulated(console, plan_of("DAHAR", "CHU77"), tries=2)  # « CHU 77 » found at once
    tries = [miss.run for miss in simulation.near_misses if miss.run is not None]

    [comment] = outputs_plan(simulation.runs, tries=tries).comments

    lines = plain(comment).splitlines()
    at = lines.index("**Valeur proche essayée pour la commande 2 (essai 1)** :")
    assert lines[at + 1 : at + 4] == [
        "```",
        f"{CONSOLE} app:migrate-individuals-to-other-organization -o 4960 -d 5644 -f migration-des-donnees "
        '-t "CHU 77" --dry-run',
        "```",
    ]
    assert lines[at + 4] == "```" and "143 (- 37 migrés)" in "\n".join(lines[at + 5 :])  # its output, fenced
    assert at > lines.index("**Commande 2** :")  # after the card's own commands


def test_a_try_s_output_is_kept_shorter_than_a_rule_s():
    class Loud(ExactConsole):
        def run(self, command: DryRunCommand) -> ConsoleResult:
            result = super().run(command)
            return replace(result, stdout=result.stdout + "x" * 100_000)

    simulation, _ = simulated(Loud({"CHU 77": 37}), plan_of("CHU77"), tries=1)

    [miss] = simulation.near_misses
    assert len(miss.run.result.stdout) < 10_000 < len(simulation.runs[0].result.stdout)
