"""Two `migrabot run` processes, two state databases, one board (issue 25, point 1): the one started last sees
the other's marks at its first poll, writes nothing of its own, says once on the card and once in Slack who
acts (host, since when), stays quiet, and acts again once the other has stopped and a card waits for nobody."""

from __future__ import annotations

import time
from pathlib import Path

from bot.texts.card import marked_by
from sandbox.stack import DEMO_CARDS, TEAM_CHANNEL, SandboxStack
from sandbox.tickets import ticket_text
from tests.support.bot_process import BotProcess, last_poll, wait_until
from tests.support.text import plain

POLL = 0.5
GRACE_S = 3.0
WAITING = "En attente validation PO"
TOLD = "Une autre instance de migrabot agit sur ce tableau"


class Board:
    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.stack = SandboxStack(tmp_path / "stack").start(
            cards=(DEMO_CARDS[1],)
        )  # + a shared accommodation
        self.runbook, self.conflict = self.stack.cards["runbook.txt"], self.stack.cards["hebergements.txt"]
        self.processes: list[BotProcess] = []

    def start(self, name: str, host: str) -> BotProcess:
        workdir = self.tmp_path / name
        workdir.mkdir()
        settings = self.stack.settings(
            poll_interval_seconds=POLL,
            state_db=workdir / "state.sqlite3",
            instance_name=host,
            other_instance_grace_seconds=GRACE_S,
        )
        process = BotProcess.start(self.stack.environment(settings), workdir, name)
        self.processes.append(process)
        return process

    def comments(self, card: str) -> list[str]:
        return [c["data"]["text"] for c in reversed(self.stack.trello.comments(card))]

    def list_of(self, card: str) -> str:
        list_id = self.stack.trello.card(card)["idList"]
        return next(name for name, found in self.stack.board["lists"].items() if found == list_id)

    def hosts(self) -> dict[str, int]:
        """How many comments each instance's mark signs, over the whole board."""
        found: dict[str, int] = {}
        for card in self.stack.trello.cards(self.stack.board["board"]):
            for text in self.comments(card["id"]):
                instance = marked_by(text)
                if instance is not None:
                    found[instance.host] = found.get(instance.host, 0) + 1
        return found

    def told(self) -> list[str]:
        every = [
            text
            for card in self.stack.trello.cards(self.stack.board["board"])
            for text in self.comments(card["id"])
        ]
        return [plain(text) for text in every if TOLD in plain(text)]

    def team_messages(self) -> list[str]:
        return [
            plain(m["text"])
            for m in self.stack.slack.messages(TEAM_CHANNEL[0])
            if "Deux instances" in plain(m["text"])
        ]

    def stop(self) -> None:
        for process in self.processes:
            process.stop()
        self.stack.stop()


def test_an_instance_started_from_another_directory_stands_down_at_once_and_resumes_when_the_first_stops(
    tmp_path: Path,
):
    board = Board(tmp_path)
    try:
        first = board.start("first", "machine-a")
        wait_until(
            lambda: (
                board.list_of(board.runbook) == WAITING
                and any("Conflit d'hébergements" in plain(c) for c in board.comments(board.conflict))
            ),
            timeout=120,
            what="the first instance's synthesis, and its conflict left in « À simuler » for the team",
        )
        before = board.hosts()
        assert set(before) == {"machine-a"}

        second = board.start("second", "machine-b")
        second.wait_for_log("standing down: instance", timeout=60)
        assert board.hosts() == before  # not one comment of its own: it looked before writing
        [told] = board.told()
        assert "`machine-a`" in told and "`machine-b`" in told
        assert TOLD in plain(board.comments(board.conflict)[-1])  # on the card where it saw the other
        [message] = board.team_messages()
        assert "`machine-a`" in message and "en service depuis le" in message
        socket = board.stack.slack.socket_mode  # Slack spreads an app's events over its connections:
        wait_until(
            lambda: socket.connection_count == 1, timeout=30, what="the second one's Socket Mode closed"
        )
        opened = socket.links_opened

        stood_down_at = time.time()
        wait_until(
            lambda: (last_poll(tmp_path / "second/state.sqlite3") or 0.0) > stood_down_at + 3 * POLL,
            timeout=30,
            what="three more polls of the stood-down instance",
        )
        assert board.hosts() == before and len(board.told()) == 1 and len(board.team_messages()) == 1

        first.stop()
        fresh = board.stack.add_card(
            "Migration des dossiers usagers - lot suivant", ticket_text("runbook.txt")
        )
        second.wait_for_log("acts on the board again", timeout=GRACE_S + 60)
        wait_until(lambda: board.list_of(fresh) == WAITING, timeout=120, what="the fresh card simulated")
        mine = [marked_by(text) for text in board.comments(fresh)]
        assert {instance.host for instance in mine if instance} == {"machine-b"}
        wait_until(
            lambda: socket.links_opened > opened and socket.connection_count == 1,
            timeout=30,
            what="the second one's Socket Mode open again",
        )
        assert len(board.told()) == 1 and len(board.team_messages()) == 1
    finally:
        board.stop()
