"""Alerts: one per incident on Slack and on the cards that wait on the failing system, one recovery each."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.adapters.store import Store
from bot.app.alerts import Alerts
from bot.app.monitoring import Call
from bot.domain.incidents import System
from bot.domain.lifecycle import CardState
from bot.settings import Settings
from tests.support.fakes import FakeBoard, FakeChat, FakeClock
from tests.support.text import plain

TEAM = "C0TECH"
SSH_REFUSED = "ssh: connect to host preprod.reconnect.fr port 22: Connection refused"


class Env:
    def __init__(self, tmp_path: Path) -> None:
        self.settings = Settings(_env_file=None, slack_team_channel_id=TEAM, alert_after_minutes=30)
        self.board = FakeBoard()
        self.chat = FakeChat()
        self.clock = FakeClock()
        self.path = tmp_path / "state.sqlite3"
        self.store = Store(self.path)
        self.cards = {
            state: self._card(state)
            for state in (
                CardState.SIMULATING,
                CardState.APPROVED,
                CardState.AWAITING_APPROVAL,
                CardState.DONE,
            )
        }
        self.restart()

    def _card(self, state: CardState) -> str:
        card_id = self.board.add_card(f"Migration des dossiers usagers - {state}", "")
        self.store.begin_round(
            card_id,
            description_hash="h",
            short_link=card_id,
            name=state.value,
            list_id="l",
            last_activity="",
            state=CardState.SIMULATING,
            now=self.clock(),
        )
        self.store.update_card(card_id, state=state, now=self.clock())
        return card_id

    def restart(self) -> None:
        self.alerts = Alerts(
            board=self.board, chat=self.chat, store=self.store, settings=self.settings, clock=self.clock
        )

    def call(self, system: System, *, words: str = "") -> None:
        kind = "transport" if words else ""
        self.alerts.record(Call(system, "run", 1.0, kind, words))

    def slack_texts(self) -> list[str]:
        return [
            plain(message["text"]) for (channel, _), message in self.chat.messages.items() if channel == TEAM
        ]

    def comments(self, state: CardState) -> list[str]:
        return [plain(text) for text in self.board.comment_texts(self.cards[state])]


@pytest.fixture
def env(tmp_path):
    return Env(tmp_path)


def test_a_console_outage_is_told_once_after_the_threshold_on_slack_and_on_the_cards_it_holds_up(env):
    env.call(System.CONSOLE, words=SSH_REFUSED)
    env.clock.advance(29 * 60)
    env.call(System.CONSOLE, words=SSH_REFUSED)
    env.alerts.review()
    assert env.slack_texts() == [] and env.comments(CardState.SIMULATING) == []  # not yet

    env.clock.advance(60)
    env.alerts.review()
    env.clock.advance(600)
    env.call(System.CONSOLE, words=SSH_REFUSED)
    env.alerts.review()

    [slack] = env.slack_texts()
    assert slack.startswith("🚨 Le bot n'arrive plus à joindre la console de preprod depuis le ")
    assert SSH_REFUSED in slack and "`migrabot doctor`" in slack
    for state in (CardState.SIMULATING, CardState.APPROVED):  # they need the console
        [comment] = env.comments(state)
        assert "la console de preprod" in comment and f"```\n{SSH_REFUSED}\n```" in comment
    assert env.comments(CardState.AWAITING_APPROVAL) == [] and env.comments(CardState.DONE) == []


def test_the_recovery_is_told_once_where_the_alert_was(env):
    env.call(System.CONSOLE, words=SSH_REFUSED)
    env.clock.advance(31 * 60)
    env.alerts.review()
    env.call(System.CONSOLE)  # it works again
    env.alerts.review()
    env.call(System.CONSOLE)
    env.alerts.review()
    alert, recovery = env.slack_texts()
    assert alert.startswith("🚨")
    assert recovery.startswith("✅ La console de preprod répond de nouveau depuis le ")
    assert "rétabli" not in recovery  # « la console … rétablie »: no participle to agree
    assert [c[:1] for c in env.comments(CardState.SIMULATING)] == ["🚨", "✅"]
    assert env.comments(CardState.AWAITING_APPROVAL) == []


def test_a_restart_during_a_told_incident_tells_it_neither_again_nor_forgets_its_end(env):
    env.call(System.CONSOLE, words=SSH_REFUSED)
    env.clock.advance(31 * 60)
    env.alerts.review()
    env.restart()  # a new process on the same state
    env.call(System.CONSOLE, words=SSH_REFUSED)
    env.clock.advance(3600)
    env.alerts.review()
    assert len(env.slack_texts()) == 1 and len(env.comments(CardState.SIMULATING)) == 1
    env.call(System.CONSOLE)
    env.alerts.review()
    assert len(env.slack_texts()) == 2 and env.slack_texts()[1].startswith("✅")


def test_a_restart_keeps_the_start_of_an_incident_not_yet_told(env):
    env.call(System.TRELLO, words="HTTP 503")
    env.clock.advance(20 * 60)
    env.restart()
    env.clock.advance(11 * 60)
    env.alerts.review()
    assert len(env.slack_texts()) == 1  # 31 minutes since the first failure, whatever the restart


def test_a_trello_outage_is_told_on_slack_only_and_a_slack_outage_on_the_cards_waiting_for_the_po(env):
    env.call(System.TRELLO, words="Trello HTTP 401: invalid token")
    env.call(System.SLACK, words="invalid_auth")
    env.clock.advance(31 * 60)
    env.alerts.review()
    [slack] = env.slack_texts()
    assert "joindre Trello" in slack and "invalid token" in slack
    [comment] = env.comments(CardState.AWAITING_APPROVAL)
    assert "joindre Slack" in comment and "invalid_auth" in comment
    assert all("Trello" not in c for c in env.comments(CardState.SIMULATING))


def test_a_blip_shorter_than_the_threshold_is_never_told(env):
    env.call(System.CONSOLE, words=SSH_REFUSED)
    env.clock.advance(10 * 60)
    env.call(System.CONSOLE)
    env.clock.advance(30 * 60)
    env.alerts.review()
    assert env.slack_texts() == [] and env.comments(CardState.SIMULATING) == []
