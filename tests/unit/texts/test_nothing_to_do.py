"""After execution, a rule that found no file at the simulation had nothing to do: the verification says so
rather than « OK » (issue 20, point 3)."""

from __future__ import annotations

from bot.app.simulation import simulate
from bot.domain.verification import PREPROD, verify_group
from bot.texts.execution import slack_line, verification_comment
from tests.support.text import plain
from tests.unit.app.test_near_miss import CONSOLE, ExactConsole, plan_of
from tests.unit.domain.test_verification import after_a_correct_run


def simulated(files: dict[str, int], *values: str):
    plan = plan_of(*values)
    console = ExactConsole(files)
    console.first_values = set(values)
    return simulate(plan, console, console_command=CONSOLE)


def comment(sim, runs) -> str:
    verification = verify_group(sim, environment=PREPROD, group=1, runs=runs)
    text = verification_comment(
        verification,
        sim.plan,
        console_command=CONSOLE,
        next_group=None,
        environment_done=True,
        prod_access=False,
    )
    return plain(text), plain(slack_line(verification))


def test_a_group_whose_rules_found_nothing_at_the_simulation_had_nothing_to_do_not_ok():
    sim = simulated({}, "CHU77")

    text, slack = comment(sim, after_a_correct_run(sim, 1))

    assert text.splitlines()[0] == "✅ **Vérification preprod — groupe 1 : rien à faire**"
    assert (
        "ℹ️ La règle 1 ne trouvait déjà aucun dossier lors de la simulation : elle n'avait rien à faire."
        in text.splitlines()
    )
    assert "OK" not in text
    assert slack == "✅ *Vérification preprod — groupe 1 : rien à faire*"


def test_a_group_with_one_empty_rule_is_ok_and_names_the_rule_that_had_nothing_to_do():
    sim = simulated({"DAHAR": 35}, "CHU77", "DAHAR")
    text, slack = comment(sim, after_a_correct_run(sim, 1))

    assert text.splitlines()[0] == "✅ **Vérification preprod — groupe 1 : OK**"
    assert text.splitlines()[2] == (
        "ℹ️ La règle 1 ne trouvait déjà aucun dossier lors de la simulation : elle n'avait rien à faire."
    )
    assert slack == "✅ *Vérification preprod — groupe 1 : OK*"


def test_a_group_whose_rules_all_moved_files_is_plain_ok():
    sim = simulated({"DAHAR": 35, "CHU 77": 37}, "CHU 77", "DAHAR")

    text, _ = comment(sim, after_a_correct_run(sim, 1))

    assert text.splitlines()[0] == "✅ **Vérification preprod — groupe 1 : OK**"
    assert "rien à faire" not in text
