"""Issue 22, point 4: French agreement where a count drives it. Every count a text shows goes through
`plural()` (checked on the source of bot/texts), every `plural()` pair agrees word for word, and the texts
driven by a count are rendered with 1 and with 2 and read back (« 1 commande ne trouve », « 2 commandes ne
trouvent », never « Les 1 commande »)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bot.domain.console_output import Unreadable
from bot.domain.decision import RequestKey
from bot.domain.model import AccommodationConflict, Problem, ProblemKind
from bot.texts import blocks, card, console, decisions, execution, text
from bot.texts.french import plural
from tests.support.text import plain
from tests.unit.texts.test_accommodation_impact import RUNBOOK_TICKET, runbook_console, simulated

TEXTS = Path(text.__file__).parent
# Words a number may stand before: each must be written with plural(), never « {count} dossiers ».
COUNTED_WORDS = (
    "suivis|migrés|entrants|sortants|jours|heures|minutes|dossiers|hébergements|commandes|règles|cartes|"
    "groupes|erreurs|conflits|options|lignes|parties|membres|listes"
)
PLACEHOLDER_THEN_PLURAL = re.compile(rf"\{{\w+\}} (?:{COUNTED_WORDS})\b")


def chosen_by_the_count(tree: ast.AST) -> set[int]:
    """Strings inside `a if count == 1 else b`: the count chose the branch, the words are that branch's."""
    chosen: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.IfExp) and any(
            isinstance(c, ast.Constant) and c.value == 1 for c in ast.walk(node.test)
        ):
            chosen.update(id(inner) for branch in (node.body, node.orelse) for inner in ast.walk(branch))
    return chosen


def literals() -> list[tuple[str, int, str]]:
    found = []
    for path in sorted(TEXTS.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skipped = chosen_by_the_count(tree)
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.append((path.name, node.lineno, node.value))
            elif isinstance(node, ast.JoinedStr):  # f-strings: the placeholders as {name}
                parts = [v.value if isinstance(v, ast.Constant) else "{x}" for v in node.values]
                found.append((path.name, node.lineno, "".join(map(str, parts))))
    return found


def test_no_text_writes_a_count_before_a_plural_word_by_hand():
    offenders = [
        f"{name}:{line}: {value!r}"
        for name, line, value in literals()
        if PLACEHOLDER_THEN_PLURAL.search(value)
    ]
    assert offenders == []


def plural_pairs() -> list[tuple[str, int, str, str]]:
    pairs = []
    for path in sorted(TEXTS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "plural"
                and all(isinstance(arg, ast.Constant) for arg in node.args[1:3])
            ):
                pairs.append((path.name, node.lineno, node.args[1].value, node.args[2].value))
    return pairs


def agrees(one: str, many: str) -> bool:
    """« hébergement migré » / « hébergements migrés », « commande ne trouve » / « commandes ne trouvent »."""
    words_one, words_many = one.split(), many.split()
    if len(words_one) != len(words_many):
        return False
    for index, (a, b) in enumerate(zip(words_one, words_many, strict=True)):
        after_ne = index > 0 and words_one[index - 1] == "ne"  # the verb: it must agree too
        if (a == b and not after_ne) or b in (a + "s", a + "x", a + "nt", a[:-1] + "ont", a[:-2] + "aux"):
            continue
        return False
    return True


def test_every_plural_pair_agrees_word_for_word():
    pairs = plural_pairs()
    assert len(pairs) > 20
    assert [pair for pair in pairs if not agrees(pair[2], pair[3])] == []
    assert not agrees("commande ne trouve", "commandes ne trouve")  # the checker sees a verb left singular


# --- rendered with 1 and with 2 ---------------------------------------------------------------------

CONFLICT = AccommodationConflict(center_id=4537, accommodation_id=892, not_migrated=(1042,), migrated=(1035,))
NOUN = r"(?:commande|dossier|hébergement|erreur|règle|groupe|conflit|suivi|migré|entrant|sortant|jour|carte)"


def renderings(count: int) -> list[str]:
    problem = Problem(ProblemKind.NO_RULES)
    return [
        card.started_comment(count, check_count=count),
        card.ready_line(count),
        card.ticket_errors_comment([problem] * count, [], fix_list="À corriger", todo_list="À simuler"),
        card.not_run_line(list(range(1, count + 1)), after=3),
        card.conflict_comment([(0, CONFLICT)] * count, to_migrate=count),
        card.expired_comment(days=count, fix_list="À corriger", todo_list="À simuler"),
        decisions.closed_expired(days=count, fix_list="À corriger"),
        execution.nothing_left_line(count, environment="Preprod"),
        blocks.conflict_request(
            card=blocks.CardLink("Carte", "https://trello.com/c/x"),
            key=RequestKey("c", 1, "0" * 16),
            conflicts=[CONFLICT] * count,
            to_migrate=count,
            deciders=[],
        )[0],
        text.count_change_warning(summarize_change(count)),
        console.unreadable_message(
            Unreadable(
                "origin_inconsistent",
                (("id", 1), ("before", count), ("moved", count), ("expected", 0), ("after", 1)),
                None,
            )
        ),
        console.unreadable_message(
            Unreadable(
                "moves_inconsistent",
                (("left", count), ("origin", 1), ("arrived", count), ("destination", 2)),
                None,
            )
        ),
    ]


def summarize_change(count: int):
    from bot.domain.synthesis import CountChange

    return CountChange(center_id=1, first=count, second=count + 1)


@pytest.mark.parametrize("count", [1, 2, 7])
def test_texts_driven_by_a_count_agree_with_it(count: int):
    for rendered in renderings(count):
        said = plain(rendered)
        assert not re.search(rf"\b(?:Les|les|des|ces) 1 {NOUN}", said), said
        if count == 1:
            assert not re.search(rf"\b1 {NOUN}s\b", said), said
            assert not re.search(r"\b1 commande ne trouvent\b|\b1 dossier quittent\b", said), said
        else:
            assert not re.search(rf"\b{count} {NOUN}\b(?!s)", said), said
            assert not re.search(rf"\b{count} commandes ne trouve\b", said), said


def test_the_verification_says_which_commands_find_nothing_left_with_the_right_article_and_verb():
    assert plain(execution.nothing_left_line(1, environment="Preprod")) == (
        "La commande ne trouve plus aucun dossier à migrer (--dry-run relancé sur la preprod)."
    )
    assert plain(execution.nothing_left_line(2, environment="Preprod")) == (
        "Les 2 commandes ne trouvent plus aucun dossier à migrer (--dry-run relancé sur la preprod)."
    )


def test_a_group_ticked_too_early_waiting_for_the_preprod_is_feminine():
    assert plain(execution.order_warning(environment="Prod", group=1, waiting_for="la preprod")).startswith(
        "⚠️ **Prod — groupe 1 coché trop tôt** : la preprod n'est pas encore vérifiée."
    )
    assert plain(
        execution.order_warning(environment="Preprod", group=2, waiting_for="le groupe 1 (preprod)")
    ).startswith("⚠️ **Preprod — groupe 2 coché trop tôt** : le groupe 1 (preprod) n'est pas encore vérifié.")


def test_preprod_verified_says_one_thing_per_sentence():
    """« … dans le même ordre** : le bot n'a pas accès à la prod : cochez… » had two colons in a sentence."""
    simulation = simulated(RUNBOOK_TICKET, runbook_console())
    lines = execution._next_steps(  # the sentence after the last preprod group
        _verification(), None, environment_done=True, prod_access=False
    )
    assert [plain(line) for line in lines] == [
        "**Preprod vérifiée — reproduire sur la prod dans le même ordre.** Le bot n'a pas accès à la prod : "
        "cochez chaque étape de la prod au fur et à mesure, en terminant et vérifiant chaque groupe avant le "
        "suivant."
    ]
    assert simulation.plan.groups  # the runbook's card has groups to verify


def _verification():
    from bot.domain.verification import PREPROD, GroupVerification

    return GroupVerification(environment=PREPROD, group=2, rules_left=(), centres=(), failures=())


def test_plural_takes_the_singular_for_zero_and_one():
    assert [plural(n, "dossier", "dossiers") for n in (0, 1, 2)] == ["0 dossier", "1 dossier", "2 dossiers"]
