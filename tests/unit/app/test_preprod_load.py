"""Preprod is not hammered: a card's rules are capped, and a round stops after three transport failures."""

from __future__ import annotations

import pytest

from bot.domain.model import ConsoleResult
from bot.settings import Settings
from tests.unit.app.test_workflow import RUNBOOK_TICKET, TITLE, Env, bodies

PAIRS = [
    (4537, 5644),
    (4537, 4960),
    (4537, 5634),
    (4537, 5645),
    (4960, 4537),
    (4960, 5644),
    (4960, 5634),
    (4960, 5645),
]
CANNOT_START = ConsoleResult(
    exit_code=None,
    stdout="",
    stderr="",
    duration_s=0.0,
    start_error="Impossible de lancer « php » : programme introuvable.",
)
SSH_REFUSED = ConsoleResult(
    exit_code=255,
    stdout="",
    stderr="ssh: connect to host preprod port 22: Connection refused\r\n",
    duration_s=0.1,
)
TIMED_OUT = ConsoleResult(exit_code=None, stdout="Migration…\n", stderr="", duration_s=600.0, timed_out=True)
SYMFONY_ERROR = ConsoleResult(
    exit_code=1, stdout="\n [ERROR] Organisation introuvable.\n\n", stderr="", duration_s=0.1
)


def ticket(rules: int) -> str:
    lines = ["Centre initial = France Fraternités - CHU 75 (ID 4537)"]
    lines += [f"- lorsque le champ = Valeur {n} → vers Centre {n} (ID {6000 + n})" for n in range(rules)]
    return "\n".join(lines) + "\n"


@pytest.fixture
def env(tmp_path):
    return Env(tmp_path, Settings(_env_file=None))


@pytest.mark.parametrize(
    "broken", [CANNOT_START, SSH_REFUSED, TIMED_OUT], ids=["cannot-start", "ssh-refused", "timeout"]
)
def test_a_broken_transport_is_tried_three_times_then_the_round_stops(env: Env, broken: ConsoleResult):
    env.console.failures.update(dict.fromkeys(PAIRS, broken))
    card = env.board.add_card(TITLE, RUNBOOK_TICKET)
    env.poll()
    assert len(env.console.ran) == 3  # not 8
    texts = bodies(env.board, card)
    assert texts[1].startswith(
        "⚠️ **La simulation a échoué** (3 commandes en erreur) : rien n'a été envoyé au PO."
    )
    assert texts[1].count("**Commande ") == 3
    assert (
        "⏹️ 5 commandes non lancées (n° 4 à 8) : la console a échoué 3 fois de suite sans pouvoir s'exécuter "
        "(lancement impossible, connexion SSH refusée ou délai dépassé) ; la simulation s'est arrêtée là pour "
        "ne pas insister sur la preprod."
    ) in texts[1]
    assert [t.split("\n", 1)[0] for t in texts].count("📄 **Sorties de la console** (1/1)") == 1
    assert texts[2].count("**Commande ") == 3  # the outputs of the runs that happened, nothing for the others
    assert env.board.list_of(card) == "À corriger"
    env.poll()
    assert len(env.console.ran) == 3  # and nothing more until a person moves the card


def test_failures_of_the_console_itself_do_not_stop_the_round(env: Env):
    env.console.failures.update(dict.fromkeys(PAIRS, SYMFONY_ERROR))
    env.board.add_card(TITLE, RUNBOOK_TICKET)
    env.poll()
    assert len(env.console.ran) == 8  # each rule's own error is worth knowing


def test_only_consecutive_transport_failures_count(env: Env):
    env.console.failures.update({PAIRS[0]: TIMED_OUT, PAIRS[1]: TIMED_OUT})  # rule 3 succeeds: count reset
    env.console.failures.update({PAIRS[3]: TIMED_OUT, PAIRS[4]: CANNOT_START, PAIRS[5]: SSH_REFUSED})
    card = env.board.add_card(TITLE, RUNBOOK_TICKET)
    env.poll()
    assert len(env.console.ran) == 6
    assert "⏹️ 2 commandes non lancées (n° 7 à 8)" in bodies(env.board, card)[1]


def test_a_remote_console_that_exits_255_with_output_is_not_a_transport_failure(env: Env):
    php_fatal = ConsoleResult(
        exit_code=255, stdout="PHP Fatal error:  Allowed memory size\n", stderr="", duration_s=1
    )
    env.console.failures.update(dict.fromkeys(PAIRS, php_fatal))
    env.board.add_card(TITLE, RUNBOOK_TICKET)
    env.poll()
    assert len(env.console.ran) == 8


def test_a_card_over_the_rule_cap_gets_a_french_error_before_any_console_run(env: Env):
    card = env.board.add_card(TITLE, ticket(51))
    env.poll()
    assert env.console.ran == []
    [text] = bodies(env.board, card)
    assert text.startswith("❌ **Ticket non compris** : 1 erreur, aucune commande n'a été lancée.")
    assert (
        "- **Ticket** : trop de règles : 51 sur cette carte, au plus 50 par carte (réglage MAX_RULES_PER_CARD) ; "
        "découpez la migration en plusieurs cartes" in text
    )
    assert env.board.list_of(card) == "À corriger"


def test_the_cap_is_a_setting_and_a_card_at_the_cap_runs(tmp_path):
    env = Env(tmp_path, Settings(_env_file=None, max_rules_per_card=5))
    at_cap = env.board.add_card(TITLE, ticket(5))
    env.poll()
    assert len(env.console.ran) == 5
    assert env.board.list_of(at_cap) == "En attente validation PO"
    over = env.board.add_card(TITLE + " bis", ticket(6))
    env.poll()
    assert len(env.console.ran) == 5
    assert "au plus 5 par carte" in bodies(env.board, over)[0]


def test_the_default_cap_is_fifty():
    assert Settings(_env_file=None).max_rules_per_card == 50
