"""The zero-match texts, exact: the warning, the suggestion, the variants that found nothing, the counts."""

from __future__ import annotations

from bot.app.near_miss import NearMissBudget, look_for_near_misses
from bot.app.simulation import simulate
from bot.domain.model import Plan
from bot.domain.plan import plan_ticket
from bot.domain.ticket import parse_ticket
from bot.texts.zero_match import nothing_found_comment, rule_lines, zero_match_count
from tests.support.text import plain
from tests.unit.app.test_near_miss import CONSOLE, ExactConsole, plan_of

WARNING = (
    "⚠️ La règle 1 (CPH → CHU 77, valeur « {value} ») ne trouve aucun dossier : la valeur doit être écrite "
    "exactement comme dans les dossiers."
)


def searched(files: dict[str, int], plan: Plan):
    console = ExactConsole(files)
    console.first_values = {rule.value or "" for rule in plan.rules}
    simulation = simulate(plan, console, console_command=CONSOLE)
    return look_for_near_misses(
        simulation, console, budget=NearMissBudget(per_rule=6), console_command=CONSOLE
    )


def lines(simulation, index: int = 0) -> list[str]:
    return [plain(line) for line in rule_lines(simulation, index)]


def test_the_suggestion_says_the_value_how_it_differs_and_its_count():
    assert lines(searched({"CHU 77": 41}, plan_of("CHU77"))) == [
        WARNING.format(value="CHU77"),
        "  - la valeur « CHU 77 » (avec espace) en trouve 41 : corrigez la carte si c'est celle-ci.",
    ]


def test_the_variants_that_found_nothing_are_named_with_how_they_differ():
    assert lines(searched({}, plan_of("TEH2"))) == [
        WARNING.format(value="TEH2"),
        "  - aucune des 2 variantes essayées (« TEH 2 » avec espace, « Teh2 » avec une majuscule initiale) "
        "n'en trouve non plus.",
    ]


def test_a_single_variant_that_found_nothing_is_said_in_the_singular():
    assert lines(searched({}, plan_of("X1")))[1] == (
        "  - la variante essayée (« X 1 » avec espace) n'en trouve pas non plus."
    )


def test_no_variant_tried_no_second_line():
    simulation = simulate(plan_of("AB"), ExactConsole({}), console_command=CONSOLE)
    assert lines(simulation) == [WARNING.format(value="AB")]


def test_a_rule_for_all_files_of_an_empty_centre():
    ticket = parse_ticket(
        "Centre initial = France Fraternités - CPH (ID 4960) - tous les dossiers → vers "
        "France Fraternités - CHU 77 (ID 5644)",
        default_field="migration-des-donnees",
    )
    assert ticket.ok, ticket.errors
    plan = plan_ticket(ticket, field_slug="migration-des-donnees")[0]

    simulation = simulate(plan, ExactConsole({}), console_command=CONSOLE)  # --noField: nobody there
    assert lines(simulation) == [
        "⚠️ La règle 1 (CPH → CHU 77, tous les dossiers) ne trouve aucun dossier : le centre d'origine n'en a "
        "aucun."
    ]


def test_the_count_agrees_in_number():
    one = searched({"DAHAR": 35}, plan_of("CHU77", "DAHAR"))
    two = searched({"DAHAR": 35}, plan_of("CHU77", "TEH2", "DAHAR"))
    assert plain(zero_match_count(one) or "") == (
        "⚠️ 1 règle sur 2 ne trouve aucun dossier : vérifiez-la avant de valider (une règle peut être gardée "
        "exprès)."
    )
    assert plain(zero_match_count(two) or "") == (
        "⚠️ 2 règles sur 3 ne trouvent aucun dossier : vérifiez-les avant de valider (une règle peut être "
        "gardée exprès)."
    )
    assert zero_match_count(searched({"CHU77": 1}, plan_of("CHU77"))) is None


def test_card_content_is_inert_in_the_fix_comment():
    simulation = searched({}, plan_of("« *gras* [lien](https://evil.example) »"))
    text = nothing_found_comment(simulation, fix_list="À corriger", todo_list="À simuler")
    assert text is not None
    assert "\\*gras\\* \\[lien\\](https://evil.example)" in text
    assert "*gras* [lien]" not in text
