"""PREPROD_APPLY with Slack on, with fakes of our own ports: a launched group and the end of its run are told
in the thread of the PO's request, once each."""

from __future__ import annotations

import pytest

from bot.domain.lifecycle import CardState
from bot.domain.model import ConsoleResult
from bot.texts.french import typeset
from tests.support.text import plain
from tests.unit.app.test_decisions import CHANNEL, Env
from tests.unit.app.test_workflow import RUNBOOK_TICKET, TITLE

LAUNCH_ONE = typeset("Preprod — lancer le groupe 1 : CHU 75 (ID 4537), 4 commandes")


@pytest.fixture
def env(tmp_path) -> Env:
    return Env(tmp_path, preprod_apply=True, apply_members="person")  # FakeBoard's ticks are member-person's


def approved(env: Env) -> tuple[str, str]:
    card = env.board.add_card(TITLE, RUNBOOK_TICKET)
    env.poll()
    ts, key = env.request()
    env.approvals.approve(key, user_id="UPO")
    assert env.store.card(card).state is CardState.APPROVED
    return card, ts


def thread(env: Env, ts: str) -> list[str]:
    return [
        plain(text) for channel, thread_ts, text in env.chat.replies if (channel, thread_ts) == (CHANNEL, ts)
    ]


def test_a_launch_and_its_end_are_told_once_in_the_request_s_thread(env):
    card, ts = approved(env)
    said = len(thread(env, ts))
    env.board.person_ticks(card, LAUNCH_ONE)
    env.poll()
    env.poll()

    assert env.console.approved_runs == [(1, 0), (1, 1), (1, 2), (1, 3)]
    lines = thread(env, ts)[said:]
    assert lines[:2] == [
        "🚀 *Preprod — groupe 1 lancé* par Person : le bot exécute 4 commandes sur la preprod (pour de vrai, "
        "sans --dry-run), dans l'ordre des commandes finales.",
        "▶️ *Preprod — groupe 1 exécuté* : 4 commandes sans erreur. Le bot vérifie le groupe.",
    ]
    assert (
        sum(line.startswith("🚀") for line in lines) == 1 and sum(line.startswith("▶️") for line in lines) == 1
    )


def test_a_failed_run_is_told_as_stopped(env):
    card, ts = approved(env)
    env.console.approved_failures[(1, 1)] = ConsoleResult(
        exit_code=1, stdout="", stderr=" [ERROR] Organization 4960 is locked.", duration_s=0.1
    )
    env.board.person_ticks(card, LAUNCH_ONE)
    env.poll()

    assert env.console.approved_runs == [(1, 0), (1, 1)]
    assert thread(env, ts)[-1] == (
        "❌ *Preprod — groupe 1 arrêté sur une erreur* : les commandes suivantes n'ont pas été lancées "
        "(détails sur la carte Trello)."
    )
