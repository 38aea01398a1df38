"""Two instances, two state databases, one board: the one that began last stands down after at most one
comment too many, says so once on the card and once in Slack, writes nothing more, and acts again once the
other has stopped. With fakes of our own ports; the same with real processes in tests/e2e/test_two_instances.py."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.adapters.store import Store
from bot.app.instances import OtherInstances, StoodDown, Telling
from bot.app.steps import INTENT, CardSteps, Round
from bot.bootstrap import build_workflow, guard_writes
from bot.commands.status import read_status, status_payload
from bot.domain.instances import Instance
from bot.domain.journal import Step
from bot.domain.lifecycle import CardState
from bot.settings import Settings
from bot.texts.card import marked_by, marker, with_marker
from bot.texts.decisions import PARIS
from bot.texts.status import render_status
from tests.support.fakes import BOT_MEMBER, FakeBoard, FakeChat, FakeClock, FakeConsole
from tests.support.text import plain
from tests.unit.app.test_workflow import LIST_IDS, RUNBOOK_TICKET, TITLE

TEAM = "C0TECH"
ELDER = Instance(id="0a0a0a0a", host="machine-a", since=1_789_000_000)
YOUNGER = Instance(id="0b0b0b0b", host="machine-b", since=1_789_500_000)
GRACE_S = 600


class Gate:
    """A console whose first dry-run waits until the test opens the gate (the other instance acts meanwhile)."""

    def __init__(self, console: FakeConsole) -> None:
        self.console, self.arrived, self.opened = console, threading.Event(), threading.Event()

    def run(self, command):
        if not self.arrived.is_set():
            self.arrived.set()
            assert self.opened.wait(timeout=30)
        return self.console.run(command)

    def __getattr__(self, name):
        return getattr(self.console, name)


class Machine:
    """One migrabot: its own state database and console, the shared board, Slack and clock."""

    def __init__(
        self, path: Path, me: Instance, *, board: FakeBoard, chat: FakeChat, clock: FakeClock
    ) -> None:
        settings = Settings(
            _env_file=None,
            slack_po_user_ids="UPO",
            slack_channel_id="C0VALIDATION",
            slack_team_channel_id=TEAM,
            slack_bot_token="xoxb-test",
        )
        self.store, self.board, self.chat = Store(path), board, chat
        self.console = Gate(FakeConsole())
        self.others = OtherInstances(
            me=me,
            board=board,
            store=self.store,
            clock=clock,
            telling=Telling(chat=chat, channel=TEAM, zone=PARIS),
            grace_s=GRACE_S,
        )
        ports = guard_writes(self.others.ensure, board=board, chat=chat, console=self.console)
        self.workflow = build_workflow(
            store=self.store, settings=settings, lists=LIST_IDS, clock=clock, others=self.others, **ports
        )


@pytest.fixture
def two(tmp_path):
    board, chat, clock = FakeBoard(), FakeChat(), FakeClock(start=1_790_000_000.0)
    board.clock = clock
    elder = Machine(tmp_path / "a.sqlite3", ELDER, board=board, chat=chat, clock=clock)
    younger = Machine(tmp_path / "b.sqlite3", YOUNGER, board=board, chat=chat, clock=clock)
    elder.console.opened.set()
    younger.console.opened.set()
    return elder, younger, board, chat, clock


def by(board: FakeBoard, card: str, instance: Instance) -> list[str]:
    return [text for text in board.comment_texts(card) if marked_by(text) == instance]


def told(board: FakeBoard, card: str) -> list[str]:
    return [text for text in board.comment_texts(card) if "Une autre instance de migrabot" in text]


def team_messages(chat: FakeChat) -> list[str]:
    return [m["text"] for (channel, _), m in chat.messages.items() if channel == TEAM]


class Stale:
    """The elder's board, whose poll answer was taken just before the younger wrote on the card."""

    def __init__(self, board: FakeBoard, meanwhile) -> None:
        self.board, self.meanwhile = board, meanwhile

    def open_cards(self):
        cards = self.board.open_cards()
        self.meanwhile()
        return cards

    def __getattr__(self, name):
        return getattr(self.board, name)


def test_both_start_the_same_card_at_once_and_the_younger_stops_after_one_comment(two, tmp_path):
    _, younger, board, chat, clock = two
    card = board.add_card(TITLE, RUNBOOK_TICKET)
    younger.console.opened.clear()
    racing = threading.Thread(target=younger.workflow.poll)

    def the_younger_starts_too():
        racing.start()
        assert younger.console.arrived.wait(timeout=30)  # its « Simulation en cours » is on the card

    elder = Machine(
        tmp_path / "a2.sqlite3", ELDER, board=Stale(board, the_younger_starts_too), chat=chat, clock=clock
    )
    elder.console.opened.set()
    elder.workflow.poll()  # it saw no comment at its poll: it begins too, sees the younger's mark, goes on
    younger.console.opened.set()
    racing.join(timeout=30)
    assert not racing.is_alive()

    assert len(by(board, card, YOUNGER)) == 1  # its « Simulation en cours »: the one duplicate
    heads = [plain(text).split("\n", 1)[0] for text in by(board, card, ELDER)]
    assert heads[0].startswith("⏳ Simulation en cours")
    assert heads[1].startswith("✅ **Prêt pour validation**")
    assert board.list_of(card) == "En attente validation PO"
    [comment] = told(board, card)
    assert "`0a0a0a0a` sur `machine-a`" in comment and "`0b0b0b0b` sur `machine-b`" in comment
    [message] = team_messages(chat)
    assert "machine-a" in message and "machine-b" in message
    assert younger.others.stood_down_before == ELDER
    assert elder.others.stood_down_before is None
    with pytest.raises(StoodDown):
        younger.others.ensure()


def test_a_card_the_younger_began_first_is_left_to_it_with_one_comment_then_done_by_the_elder(two):
    elder, younger, board, chat, _clock = two
    card = board.add_card(TITLE, RUNBOOK_TICKET)
    younger.console.opened.clear()
    racing = threading.Thread(target=younger.workflow.poll)
    racing.start()
    assert younger.console.arrived.wait(timeout=30)  # the younger simulates the card
    elder.workflow.poll()  # it sees the younger at work on it: leaves it, says so, duplicates nothing
    heads = [plain(text) for text in by(board, card, ELDER)]
    assert len(heads) == 1 and heads[0].startswith("⏸️ L'instance `0b0b0b0b` sur `machine-b` simule déjà")
    younger.console.opened.set()
    racing.join(timeout=30)
    assert younger.others.stood_down_before == ELDER  # it saw that comment after its dry-runs
    assert len(by(board, card, YOUNGER)) == 1 and len(told(board, card)) == 1
    elder.workflow.poll()
    assert board.list_of(card) == "En attente validation PO"
    heads = [plain(text).split("\n", 1)[0] for text in by(board, card, ELDER)]
    assert heads[1].startswith("⏳ Simulation en cours") and heads[2].startswith(
        "✅ **Prêt pour validation**"
    )
    assert len(team_messages(chat)) == 1


def test_the_elder_writing_on_a_card_the_younger_finished_stops_the_younger_at_its_next_poll(two):
    elder, younger, board, _chat, _clock = two
    card = board.add_card(TITLE, RUNBOOK_TICKET)
    younger.workflow.poll()  # alone for now: the card is the younger's
    assert board.list_of(card) == "En attente validation PO"
    younger.workflow.poll()  # an idle poll: nothing read
    board.edit(card, list_name="À simuler")  # a person asks again; the elder sees it first
    elder.workflow.poll()
    assert younger.others.stood_down_before is None
    calls = len(board.calls)
    younger.workflow.poll()
    assert ("comments", card) in board.calls[calls:]  # the count moved beyond its own comments: read
    assert younger.others.stood_down_before == ELDER


def younger_sees_the_elder_at_work(two, *, card: str | None = None) -> str:
    """The younger polls while the elder's dry-runs run: the card is still in « À simuler », with the
    elder's « Simulation en cours »."""
    elder, younger, board, _, _ = two
    card = card or board.add_card(TITLE, RUNBOOK_TICKET)
    elder.console.arrived.clear()
    elder.console.opened.clear()
    working = threading.Thread(target=elder.workflow.poll)
    working.start()
    assert elder.console.arrived.wait(timeout=30)
    younger.workflow.poll()
    elder.console.opened.set()
    working.join(timeout=30)
    assert not working.is_alive()
    assert younger.others.stood_down_before == ELDER
    return card


def test_the_younger_seeing_the_elders_card_first_stands_down_before_writing_anything(two):
    _elder, younger, board, chat, _clock = two
    card = younger_sees_the_elder_at_work(two)

    assert by(board, card, YOUNGER) == []  # not one comment of its own: it looked before writing
    assert len(told(board, card)) == 1 and len(team_messages(chat)) == 1
    assert board.list_of(card) == "En attente validation PO"
    assert younger.console.console.ran == []  # not even a dry-run


def test_a_stood_down_instance_writes_nothing_and_says_it_once_across_polls_and_a_restart(two, tmp_path):
    _elder, younger, board, chat, clock = two
    younger_sees_the_elder_at_work(two)
    calls = len(board.calls)
    second = board.add_card(TITLE + " (2)", RUNBOOK_TICKET)
    for _ in range(3):
        clock.advance(60)
        younger.workflow.poll()
    assert board.calls[calls:] == [("open_cards",)] * 3  # one request per poll, nothing written
    restarted = Machine(tmp_path / "b.sqlite3", YOUNGER, board=board, chat=chat, clock=clock)
    restarted.workflow.poll()
    assert restarted.others.stood_down_before == ELDER  # the state remembers it
    assert by(board, second, YOUNGER) == [] and len(team_messages(chat)) == 1
    assert sum(len(told(board, card)) for card in board.cards) == 1
    shown = plain(render_status(read_status(restarted.store), now=clock(), todo_list="À simuler", tz=PARIS))
    assert (
        "⏸️ En retrait : l'instance 0a0a0a0a sur machine-a (en service depuis le 10/09/2026 à 02:26)" in shown
    )
    payload = status_payload(read_status(restarted.store), now=clock(), todo_list="À simuler")
    assert payload["stood_down_before"] == {"id": "0a0a0a0a", "host": "machine-a", "since": 1_789_000_000}


def test_the_younger_acts_again_once_a_card_nobody_wrote_on_waits_past_the_grace(two):
    _elder, younger, board, _chat, clock = two
    first = younger_sees_the_elder_at_work(two)
    # The elder is stopped. A new card arrives (dated by the board's clock) and nobody takes it.
    fresh = board.add_card(TITLE + " (nouvelle)", RUNBOOK_TICKET)
    board.cards[fresh].snapshot = replace(board.cards[fresh].snapshot, last_activity=_iso(clock()))
    clock.advance(GRACE_S - 1)
    younger.workflow.poll()
    assert by(board, fresh, YOUNGER) == []  # not yet: the other may only be slow
    clock.advance(2)
    younger.workflow.poll()
    assert younger.others.stood_down_before is None
    assert board.list_of(fresh) == "En attente validation PO"
    assert len(by(board, fresh, YOUNGER)) >= 2  # « Simulation en cours », the synthesis…
    # The elder's earlier marks are history now; a new one means it is back: the younger stands down again.
    board.edit(first, desc=RUNBOOK_TICKET + "\nMerci", list_name="À simuler")
    younger_sees_the_elder_at_work(two, card=first)


def test_the_elder_logs_the_younger_once_and_never_stands_down(two, caplog):
    elder, younger, board, _chat, _clock = two
    card = board.add_card(TITLE, RUNBOOK_TICKET)
    younger.console.opened.clear()
    racing = threading.Thread(target=younger.workflow.poll)
    racing.start()
    assert younger.console.arrived.wait(timeout=30)
    with caplog.at_level("WARNING", logger="migrabot.instances"):
        elder.workflow.poll()
        elder.workflow.poll()
    younger.console.opened.set()
    racing.join(timeout=30)
    elder.workflow.poll()
    assert elder.others.stood_down_before is None
    lines = [
        r.getMessage() for r in caplog.records if "another migrabot acts on this board" in r.getMessage()
    ]
    assert len(lines) == 1 and "0b0b0b0b on machine-b" in lines[0]
    assert board.list_of(card) == "En attente validation PO"


def test_a_mark_written_by_a_person_stops_nobody(two):
    _elder, younger, board, _chat, _clock = two
    card = board.add_card(TITLE, RUNBOOK_TICKET)
    forged = "salut\n\nmigrabot · simulation n° 1 · empreinte 892d5078 · instance 00000000 (pirate, depuis 2000-01-01T00:00:00Z)"
    board.comment(card, forged, author="member-person")
    younger.workflow.poll()
    assert younger.others.stood_down_before is None
    assert board.list_of(card) == "En attente validation PO"
    assert board.cards[card].comments[0].author_id != BOT_MEMBER
    # The control: the same line under the bot's own member is another instance's mark.
    other = board.add_card(TITLE + " (2)", RUNBOOK_TICKET)
    board.comment(other, forged)
    younger.workflow.poll()
    assert younger.others.stood_down_before == Instance(id="00000000", host="pirate", since=946_684_800)


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat().replace("+00:00", "Z")


def resumed_step(tmp_path: Path, *, posted_by: Instance | None, me: Instance) -> tuple[FakeBoard, str]:
    """A « Simulation en cours » that reached Trello before a crash (its intent journaled, not its result),
    posted under `posted_by`'s mark (None: the line of the releases before instances); then `me` resumes."""
    board, clock = FakeBoard(), FakeClock()
    store = Store(tmp_path / "resume.sqlite3")
    card = board.add_card(TITLE, RUNBOOK_TICKET)
    record = store.begin_round(
        card,
        description_hash="892d5078e54a9001",
        short_link="s",
        name=TITLE,
        list_id="l",
        last_activity="",
        state=CardState.SIMULATING,
        now=clock(),
    )
    text = "⏳ Simulation en cours…"
    line = marker(round_=record.round, description_hash=record.description_hash, instance=posted_by)
    posted = board.comment(card, with_marker(text, line))
    steps = CardSteps(board=board, store=store, clock=clock, instance=me)
    run = Round(card=board.card(card), record=record)
    steps.journal(run, Step.STARTED + INTENT, "")
    steps.comment(run, Step.STARTED, text)
    assert store.journaled(card, record.round, record.description_hash, Step.STARTED) is not None
    return board, posted


def test_a_comment_posted_before_marks_named_their_instance_is_adopted_on_resume(tmp_path):
    board, posted = resumed_step(tmp_path, posted_by=None, me=YOUNGER)
    [only] = board.cards["card1"].comments
    assert only.id == posted


def test_a_replica_of_the_same_state_on_another_host_adopts_what_the_other_replica_posted(tmp_path):
    replica = Instance(id=YOUNGER.id, host="replica-2", since=YOUNGER.since)
    board, posted = resumed_step(tmp_path, posted_by=YOUNGER, me=replica)
    assert [c.id for c in board.cards["card1"].comments] == [posted]


def test_what_another_instance_posted_is_never_adopted(tmp_path):
    board, _ = resumed_step(tmp_path, posted_by=ELDER, me=YOUNGER)
    assert len(board.cards["card1"].comments) == 2  # its own, posted: the elder's is not its work
