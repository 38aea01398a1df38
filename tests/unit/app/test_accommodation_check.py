"""The accommodation check: rules without --withAccommodations are dry-run again with it, through the same
runner (still --dry-run); it counts in the progress, and its failure alone does not fail the simulation."""

from __future__ import annotations

from pathlib import Path

from bot.app.simulation import dry_run_count, simulate
from bot.domain.codec import simulation_from_dict, simulation_to_dict
from bot.domain.command import DryRunCommand, FinalCommand
from bot.domain.model import ConsoleResult, Plan
from bot.domain.plan import plan_ticket
from bot.domain.ticket import parse_ticket
from bot.texts.text import render_accommodations
from tests.support.fakes import FakeConsole, dry_run_output
from tests.support.text import plain

ROOT = Path(__file__).parents[3]
RUNBOOK_TICKET = (ROOT / "sandbox/tickets/runbook.txt").read_text(encoding="utf-8")
MIXED_TICKET = (
    "Centre initial = France Fraternités - CHU 75 (ID 4537)\n"
    "- lorsque le champ = CHU 77 → vers France Fraternités - CHU 77 (ID 5644), avec hébergements\n"
    "- lorsque le champ = DAHAR → vers France Fraternités - DAHAR (ID 5634)\n"
)


def plan_of(text: str) -> Plan:
    ticket = parse_ticket(text, default_field="migration-des-donnees")
    assert ticket.ok, ticket.errors
    return plan_ticket(ticket, field_slug="migration-des-donnees")[0]


class CheckFailingConsole(FakeConsole):
    """A preprod whose --withAccommodations dry-run of one migration fails (a fake of our own port)."""

    def __init__(self, failing: tuple[int, int], result: ConsoleResult) -> None:
        super().__init__()
        self.failing, self.result = failing, result

    def run(self, command: DryRunCommand) -> ConsoleResult:
        answer = super().run(command)
        arguments = command.arguments()
        pair = (int(arguments[arguments.index("-o") + 1]), int(arguments[arguments.index("-d") + 1]))
        return self.result if pair == self.failing and "--withAccommodations" in arguments else answer


def test_each_rule_without_the_option_is_dry_run_again_with_it_after_the_rules():
    console = FakeConsole()
    plan = plan_of(RUNBOOK_TICKET)

    simulation = simulate(plan, console, console_command="php bin/console", accommodation_impact=True)

    assert len(console.ran) == 16 == dry_run_count(plan, accommodation_impact=True)
    assert all(args[-1] == "--dry-run" for args in console.ran)
    assert [("--withAccommodations" in args) for args in console.ran] == [False] * 8 + [True] * 8
    assert [args[:-2] for args in console.ran[8:]] == [args[:-1] for args in console.ran[:8]]
    checks = simulation.accommodation_checks
    assert checks is not None and [check.rule_index for check in checks] == list(range(8))
    assert checks[0].command.endswith('-t "CHU 77" --withAccommodations --dry-run')
    assert all(check.figures.accommodations.to_migrate == 2 for check in checks)
    # the commands stay what the ticket says: nothing is added to them
    assert simulation.plan == plan
    assert all("--withAccommodations" not in FinalCommand(rule).printable() for rule in simulation.plan.rules)
    assert simulation.runs[0].figures.accommodations is None


def test_rules_with_the_option_are_not_checked_again():
    console = FakeConsole()

    simulation = simulate(
        plan_of(MIXED_TICKET), console, console_command="php bin/console", accommodation_impact=True
    )

    assert len(console.ran) == 3
    assert [check.rule_index for check in simulation.accommodation_checks] == [1]


def test_turned_off_it_runs_nothing_more():
    console = FakeConsole()
    plan = plan_of(RUNBOOK_TICKET)

    simulation = simulate(plan, console, console_command="php bin/console", accommodation_impact=False)

    assert len(console.ran) == 8 == dry_run_count(plan, accommodation_impact=False)
    assert simulation.accommodation_checks is None


def test_the_check_counts_in_the_progress_with_its_own_label():
    seen: list[tuple[int, int, str]] = []

    simulate(
        plan_of(MIXED_TICKET),
        FakeConsole(),
        console_command="php bin/console",
        accommodation_impact=True,
        progress=lambda number, total, label: seen.append((number, total, label)),
    )

    assert seen == [
        (1, 3, "CHU 75 → CHU 77"),
        (2, 3, "CHU 75 → DAHAR"),
        (3, 3, "CHU 75 → DAHAR (vérification des hébergements)"),
    ]


def test_a_failing_check_alone_does_not_fail_the_simulation():
    refused = ConsoleResult(
        exit_code=1, stdout="", stderr="\n [ERROR] Base de données verrouillée.\n", duration_s=0.1
    )
    console = CheckFailingConsole((4537, 5634), refused)

    simulation = simulate(
        plan_of(MIXED_TICKET), console, console_command="php bin/console", accommodation_impact=True
    )

    assert simulation.ok and not simulation.failed_runs
    [check] = simulation.accommodation_checks
    assert not check.ok
    assert plain(check.error) == "La commande a échoué (code 1) : « Base de données verrouillée. »"


def test_a_check_without_the_accommodation_line_is_a_failed_check():
    console = CheckFailingConsole(
        (4537, 5634), FakeConsole().run(DryRunCommand.of(plan_of(MIXED_TICKET).rules[1]))
    )  # the same output as without the option: no « Hébergements à migrer »

    simulation = simulate(
        plan_of(MIXED_TICKET), console, console_command="php bin/console", accommodation_impact=True
    )

    [check] = simulation.accommodation_checks
    assert simulation.ok
    assert plain(check.error).startswith(
        "La simulation avec --withAccommodations n'affiche pas le nombre d'hébergements à migrer."
    )


def test_no_check_when_the_dry_runs_themselves_failed():
    console = FakeConsole()
    console.failures[(4537, 5634)] = ConsoleResult(exit_code=1, stdout="", stderr="boom", duration_s=0.1)

    simulation = simulate(
        plan_of(MIXED_TICKET), console, console_command="php bin/console", accommodation_impact=True
    )

    assert not simulation.ok
    assert len(console.ran) == 2
    assert simulation.accommodation_checks is None


def test_checks_survive_the_state_database_and_older_simulations_read_as_not_measured():
    simulation = simulate(
        plan_of(MIXED_TICKET), FakeConsole(), console_command="php bin/console", accommodation_impact=True
    )
    stored = simulation_to_dict(simulation)

    assert simulation_from_dict(stored) == simulation
    del stored["accommodation_checks"]
    assert simulation_from_dict(stored).accommodation_checks is None


def test_the_transport_breaker_stops_the_check_too_and_the_rest_is_not_run():
    """Issue 11's rule: after 3 transport failures in a row, the remaining dry-runs are not started."""
    unreachable = ConsoleResult(
        exit_code=None, stdout="", stderr="", duration_s=0.0, start_error="ssh: coupé"
    )

    class ConsoleLostAfterTheRules(FakeConsole):
        def run(self, command: DryRunCommand) -> ConsoleResult:
            answer = super().run(command)
            return unreachable if "--withAccommodations" in command.arguments() else answer

    console = ConsoleLostAfterTheRules()

    simulation = simulate(
        plan_of(RUNBOOK_TICKET), console, console_command="php bin/console", accommodation_impact=True
    )

    assert simulation.ok  # the rules' own dry-runs are fine: the card is not blocked
    assert len(console.ran) == 8 + 3
    checks = simulation.accommodation_checks
    assert [check.not_run for check in checks] == [False] * 3 + [True] * 5
    assert plain(checks[0].error).startswith("La commande n'a pas pu être lancée")


class NobodyConsole(FakeConsole):
    """A preprod where one value finds no file (compared exactly, like Reconnect): its rule moves nobody."""

    def __init__(self, nobody: str) -> None:
        super().__init__()
        self.nobody = nobody

    def run(self, command: DryRunCommand) -> ConsoleResult:
        answer = super().run(command)
        arguments = command.arguments()
        if arguments[arguments.index("-t") + 1] != self.nobody:
            return answer
        origin = int(arguments[arguments.index("-o") + 1])
        destination = int(arguments[arguments.index("-d") + 1])
        found = (0, []) if "--withAccommodations" in arguments else None
        stdout = dry_run_output(origin=origin, destination=destination, migrated=0, accommodations=found)
        return ConsoleResult(exit_code=0, stdout=stdout, stderr="", duration_s=0.01)


TYPO_TICKET = (
    "Centre initial = France Fraternités - CHU 75 (ID 4537)\n"
    "- lorsque le champ = CHU77 → vers France Fraternités - CHU 77 (ID 5644)\n"
    "- lorsque le champ = DAHAR → vers France Fraternités - DAHAR (ID 5634)\n"
)


def test_a_rule_that_finds_no_file_gets_no_accommodation_check():
    console = NobodyConsole("CHU77")
    seen: list[tuple[int, int, str]] = []

    simulation = simulate(
        plan_of(TYPO_TICKET),
        console,
        console_command="php bin/console",
        accommodation_impact=True,
        progress=lambda number, total, label: seen.append((number, total, label)),
    )

    assert len(console.ran) == 3  # two rules, one check: none for the rule that moves nobody
    assert [check.rule_index for check in simulation.accommodation_checks] == [1]
    assert "CHU77" not in console.ran[2]
    # counted out of the most it could be until the rules have run, then out of what really runs
    assert seen == [
        (1, 4, "CHU 75 → CHU 77"),
        (2, 4, "CHU 75 → DAHAR"),
        (3, 3, "CHU 75 → DAHAR (vérification des hébergements)"),
    ]


def test_every_rule_finding_nothing_runs_no_check_at_all():
    console = NobodyConsole("CHU77")

    simulation = simulate(
        plan_of(TYPO_TICKET.splitlines()[0] + "\n" + TYPO_TICKET.splitlines()[1]),
        console,
        console_command="php bin/console",
        accommodation_impact=True,
    )

    assert len(console.ran) == 1
    assert simulation.accommodation_checks == ()


def test_the_unchecked_rule_is_said_to_move_nobody_not_to_be_unmeasured():
    simulation = simulate(
        plan_of(TYPO_TICKET),
        NobodyConsole("CHU77"),
        console_command="php bin/console",
        accommodation_impact=True,
    )

    text = plain(render_accommodations(simulation))

    assert "non mesuré" not in text
    assert "- CHU 75 (ID 4537) → CHU 77 (ID 5644) : aucun dossier ne migre, aucun hébergement concerné." in (
        text.splitlines()
    )
    assert (
        "- CHU 75 (ID 4537) → DAHAR (ID 5634) : les dossiers migrés seront décrochés de 2 hébergements"
        in text
    )
