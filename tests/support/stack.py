"""The whole bot against the sandbox stack: real adapters, loopback services, the simulator as a process."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.bootstrap import Service, build_service
from bot.settings import Settings
from sandbox.slack_driver import SlackDriver
from sandbox.stack import TRELLO_PO, SandboxStack
from tests.support.text import plain

FAST_HTTP = {"backoff_s": 0.01, "max_backoff_s": 0.05}


@dataclass
class Running:
    stack: SandboxStack
    settings: Settings
    service: Service
    driver: SlackDriver | None

    @property
    def trello(self):
        return self.stack.trello

    def poll(self) -> None:
        self.service.workflow.poll()

    def card(self, ticket: str) -> dict:
        return self.trello.card(self.stack.cards[ticket])

    def list_name(self, ticket: str) -> str:
        lists = {list_id: name for name, list_id in self.stack.board["lists"].items()}
        return lists[self.card(ticket)["idList"]]

    def comments(self, ticket: str) -> list[str]:
        """Oldest first, marker lines removed, read with plain spaces (typography has its own tests)."""
        texts = [c["data"]["text"] for c in reversed(self.trello.comments(self.stack.cards[ticket]))]
        return [plain(t.rsplit("\n\nmigrabot · ", 1)[0]) for t in texts]


def start(tmp_path: Path, *, cards: tuple[tuple[str, str], ...], slack: bool, **overrides: object) -> Running:
    stack = SandboxStack(tmp_path / "stack").start(cards=cards)
    if not slack:
        overrides.setdefault("slack_bot_token", "")
    overrides.setdefault("slack_mode", "http")  # the HTTP tests; `with_socket_mode` asks for the socket
    settings = stack.settings(**overrides)
    service = build_service(settings, socket_ping_interval_s=0.5, **FAST_HTTP)
    driver = None
    if service.slack is not None:
        service.start_slack()
        driver = driver_for(stack, settings, service)
    return Running(stack=stack, settings=settings, service=service, driver=driver)


def driver_for(stack: SandboxStack, settings: Settings, service: Service) -> SlackDriver:
    """Slack's side of the conversation, over the transport the bot listens on."""
    assert service.slack is not None
    if settings.slack_mode == "socket":
        stack.slack.socket_mode.wait_for_connection()
        return SlackDriver(sandbox=stack.slack, transport="socket")
    return SlackDriver(
        events_url=f"http://127.0.0.1:{service.slack.port}/slack/events",
        signing_secret=stack.signing_secret,
        sandbox=stack.slack,
    )


RUNBOOK_ONLY = (("Migration des dossiers usagers - France Fraternités CHU 75 et CPH", "runbook.txt"),)


@pytest.fixture
def trello_only(tmp_path: Path) -> Iterator[Running]:
    running = start(tmp_path, cards=RUNBOOK_ONLY, slack=False)
    yield running
    running.service.close()
    running.stack.stop()


@pytest.fixture
def trello_po(tmp_path: Path) -> Iterator[Running]:
    """Slack off; the PO decides by a comment on the card."""
    running = start(tmp_path, cards=RUNBOOK_ONLY, slack=False, trello_po_members=TRELLO_PO)
    yield running
    running.service.close()
    running.stack.stop()


@pytest.fixture
def trello_po_and_slack(tmp_path: Path) -> Iterator[Running]:
    running = start(tmp_path, cards=RUNBOOK_ONLY, slack=True, trello_po_members=TRELLO_PO)
    yield running
    running.service.close()
    running.stack.stop()


@pytest.fixture
def with_socket_mode(tmp_path: Path) -> Iterator[Running]:
    running = start(tmp_path, cards=RUNBOOK_ONLY, slack=True, slack_mode="socket")
    yield running
    running.service.close()
    running.stack.stop()


@pytest.fixture
def with_slack(tmp_path: Path) -> Iterator[Running]:
    running = start(tmp_path, cards=RUNBOOK_ONLY, slack=True)
    yield running
    running.service.close()
    running.stack.stop()


def heads(stack: SandboxStack) -> list[str]:
    """The first line of each comment on the runbook card, oldest first, read with plain spaces."""
    card = stack.cards["runbook.txt"]
    return [plain(c["data"]["text"].split("\n", 1)[0]) for c in reversed(stack.trello.comments(card))]


def list_of_card(stack: SandboxStack) -> str:
    """The list the runbook card is in."""
    names = {list_id: name for name, list_id in stack.board["lists"].items()}
    return names[stack.trello.card(stack.cards["runbook.txt"])["idList"]]
