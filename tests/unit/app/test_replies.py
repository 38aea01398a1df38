"""Replies taken the one way (issue 21; issue 25 point 2), with fakes of our ports: a PO on Trello and on
Slack, the workflow's own reply path. Answers are one per message, across a restart and a redelivery; a
decision-like reply after a decision, or while the simulation runs, is answered, never silently dropped."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from bot.adapters.store import Store
from bot.app.ports import Member
from bot.app.workflow import Workflow
from bot.bootstrap import build_workflow
from bot.domain.decision import Decision, RequestKey
from bot.domain.lifecycle import Event
from bot.settings import Settings
from tests.support.fakes import FakeBoard, FakeChat, FakeClock, FakeConsole, SimulatedCrash
from tests.support.text import plain
from tests.unit.app.test_workflow import LIST_IDS, RUNBOOK_TICKET, TITLE, bodies

PO = Member(id="member-camille", username="camille", full_name="Camille Martin")
CHANNEL = "CPO"
WAITING, APPROVED, FIX = "En attente validation PO", "Validé — à exécuter", "À corriger"
GO_BACK = (
    "rien n'a changé. Pour revenir sur cette décision, remettez la carte dans « À simuler » : "
    "elle sera simulée à nouveau."
)
RUNNING = "La simulation n'est pas terminée ; la demande arrive dans quelques instants : rien n'est décidé."
EARLY = "Ce message a été écrit avant la fin de la simulation : rien n'est décidé."


class Env:
    def __init__(self, tmp_path: Path) -> None:
        self.settings = Settings(
            _env_file=None, slack_po_user_ids="UPO", slack_channel_id=CHANNEL, slack_bot_token="xoxb-test"
        )
        self.board = FakeBoard()
        self.console = FakeConsole()
        self.chat = FakeChat()
        self.clock = FakeClock(start=1_795_000_000.0)
        self.path = tmp_path / "state.sqlite3"
        self.workflow = self.restarted()
        self.card = self.board.add_card(TITLE, RUNBOOK_TICKET)
        self.messages = 0

    def restarted(self) -> Workflow:
        """A new process on the same state, board and Slack."""
        self.workflow = build_workflow(
            board=self.board,
            console=self.console,
            store=Store(self.path),
            settings=self.settings,
            lists=LIST_IDS,
            clock=self.clock,
            chat=self.chat,
            trello_pos=[PO],
        )
        return self.workflow

    def poll(self) -> None:
        self.clock.advance(60)
        self.workflow.poll()

    def comment(self, text: str, *, by: str = PO.id) -> None:
        self.board.comment(self.card, text, author=by)

    def answers(self) -> list[str]:
        """What the bot answered on the card (its replies to comments)."""
        journal = self.workflow.store
        ids = set(journal.journal_results(self.card, "reponse-"))
        return [
            plain(c.text.rsplit("\n\nmigrabot · ", 1)[0])
            for c in self.board.cards[self.card].comments
            if c.id in ids
        ]

    def thread(self, text: str, *, by: str = "UPO", ts: str | None = None) -> str | None:
        [(channel, thread_ts)] = [key for key, m in self.chat.messages.items() if m["metadata"]]
        self.messages += 1
        return self.workflow.hear_in_thread(
            channel=channel,
            thread_ts=thread_ts,
            ts=ts or f"t{self.messages}",
            user_id=by,
            text=text,
            me="UBOT",
        )

    def approval(self):
        record = self.workflow.store.card(self.card)
        return self.workflow.store.approval(self.card, record.round, record.description_hash)


@pytest.fixture
def env(tmp_path):
    env = Env(tmp_path)
    env.poll()
    assert env.board.list_of(env.card) == WAITING
    return env


def test_an_unclear_comment_is_answered_once_across_a_restart(env):
    env.comment("ok mais il manque TEH")
    env.poll()
    env.poll()
    env.restarted()
    env.poll()
    [answer] = env.answers()
    assert answer.startswith(
        "🤔 Rien n'est décidé : j'ai lu « ok » (une validation), mais avec une condition"
    )
    assert env.approval() is None and env.board.list_of(env.card) == WAITING


def test_an_unclear_comment_read_again_after_a_crash_is_not_answered_twice(env):
    env.comment("ok ?")
    env.board.crash_after(1)  # the answer landed, the watch did not record the comment as read
    with pytest.raises(SimulatedCrash):
        env.poll()
    env.restarted()
    env.poll()
    assert len(env.answers()) == 1


def test_conversation_and_a_refusal_without_a_reason(env):
    env.comment("merci Claire pour la carte")
    env.poll()
    assert env.answers() == []
    env.comment("❌")
    env.poll()
    assert env.board.list_of(env.card) == FIX
    assert env.approval().reason == "(sans raison donnée)"
    assert "> (sans raison donnée)" in bodies(env.board, env.card)[-1]


def test_a_thread_message_is_answered_once_even_when_slack_delivers_it_twice(env):
    first = env.thread("on valide ?", ts="m1")
    again = env.thread("on valide ?", ts="m1")
    assert plain(first).startswith("🤔 Rien n'est décidé : j'ai lu « on valide » (une validation), mais sous")
    assert again is None
    assert env.thread("merci Claire pour la carte") is None
    assert (
        plain(env.thread("ok", by="UAUTRE"))
        == "Seul le PO peut décider de cette migration : rien n'a changé."
    )
    assert env.thread("@julien ok") is not None and env.approval() is None  # issue 25 point 11
    assert env.thread("Je valide") is None and env.board.list_of(env.card) == APPROVED


def test_after_a_slack_approval_a_refusal_on_the_card_is_answered_once(env):
    record = env.workflow.store.card(env.card)
    env.workflow.apply(
        Decision(Event.APPROVE, RequestKey(env.card, record.round, record.description_hash), user_id="UPO")
    )
    assert env.board.list_of(env.card) == APPROVED
    env.poll()
    env.comment("refusé : il manque le centre TEH")
    env.comment("merci pour les commandes")  # conversation: nothing
    env.comment("ok", by="member-sam")  # not the PO, after the decision: nothing
    env.poll()
    env.poll()
    [answer] = env.answers()
    assert answer.startswith("Déjà validé par Camille (sur Slack) le ")
    assert answer.endswith(GO_BACK)
    assert env.board.list_of(env.card) == APPROVED


def test_after_a_refusal_on_the_card_a_reply_in_the_thread_or_on_the_card_is_answered(env):
    env.comment("Refusé, il manque le centre TEH")
    env.poll()
    assert env.board.list_of(env.card) == FIX
    late = plain(env.thread("finalement ok"))
    assert late.startswith("Déjà refusé par Camille Martin (sur Trello) le ") and late.endswith(GO_BACK)
    env.comment("ok finalement ?")
    env.poll()
    [answer] = env.answers()  # (the refusal itself was answered by the refusal comment)
    assert answer.startswith("Déjà refusé par Camille Martin (sur Trello) le ") and answer.endswith(GO_BACK)


class WritingConsole(FakeConsole):
    """The PO writes on the card while the dry-runs run (and the process may die there)."""

    def __init__(self, board: FakeBoard, card: str, *, text: str, crash: bool) -> None:
        super().__init__()
        self.board, self.card, self.text, self.crash = board, card, text, crash

    def run(self, command):
        if self.text:
            self.board.comment(self.card, self.text, author=PO.id)
            self.text = ""
            if self.crash:
                raise SimulatedCrash("killed during the dry-runs")
        return super().run(command)


def test_a_po_validating_during_the_simulation_is_told_it_is_not_finished(tmp_path):
    env = Env(tmp_path)
    env.console = WritingConsole(env.board, env.card, text="validé", crash=True)
    env.restarted()
    with pytest.raises(SimulatedCrash):
        env.poll()
    env.restarted()
    env.poll()  # the card is read while its round is still « simulating », then resumed
    assert env.answers() == [RUNNING]
    assert env.board.list_of(env.card) == WAITING and env.approval() is None
    env.poll()
    assert env.answers() == [RUNNING]


def test_a_po_validating_during_the_simulation_read_after_it_is_told_so(tmp_path):
    env = Env(tmp_path)
    env.console = WritingConsole(env.board, env.card, text="Je valide", crash=False)
    env.restarted()
    env.poll()
    assert env.board.list_of(env.card) == WAITING
    env.poll()
    [answer] = env.answers()
    assert answer.startswith(EARLY)
    assert env.approval() is None


def test_a_po_validating_a_card_sent_back_for_its_ticket_is_told_there_is_nothing_to_decide(tmp_path):
    env = Env(tmp_path)
    env.board.edit(env.card, desc="Centre initial = CHU 75 (ID 4537)\n- si le champ = A → vers B\n")
    env.poll()
    assert env.board.list_of(env.card) == FIX
    env.comment("validé")
    env.comment("merci, je corrige")  # conversation: nothing
    env.poll()
    env.poll()
    assert env.answers() == [
        "Rien à décider pour l'instant : le ticket doit d'abord être corrigé (voir le commentaire du bot). "
        "Une fois la carte corrigée et remise dans « À simuler », elle sera simulée à nouveau et la demande "
        "vous sera envoyée."
    ]


class FailingConsole(FakeConsole):
    """The dry-runs fail at the first `failing` polls (an internal error: the round is retried); the PO may
    write on the card during the dry-runs of the poll that finishes the round."""

    def __init__(self, board: FakeBoard, card: str, *, failing: int, text: str = "") -> None:
        super().__init__()
        self.board, self.card, self.failing, self.text = board, card, failing, text

    def run(self, command):
        if self.failing:
            self.failing -= 1
            raise RuntimeError("preprod hiccup")
        if self.text:
            self.board.comment(self.card, self.text, author=PO.id)
            self.text = ""
        return super().run(command)


def failing_round(tmp_path: Path, *, failing: int, text: str = "") -> Env:
    env = Env(tmp_path)
    env.settings = env.settings.model_copy(update={"approval_ttl_hours": 72, "approval_reminder_hours": 24})
    env.console = FailingConsole(env.board, env.card, failing=failing, text=text)
    env.restarted()
    for _ in range(failing):
        env.poll()
        assert env.workflow.store.card(env.card).state == "error"
    return env


def test_a_po_comment_written_before_the_synthesis_never_approves_once_the_card_was_watched(tmp_path):
    env = failing_round(tmp_path, failing=2, text="ok")  # the second poll looked at the comments (error)
    env.poll()  # « ok » is written during the dry-runs that finish the round
    assert env.board.list_of(env.card) == WAITING
    env.poll()
    [answer] = env.answers()
    assert answer.startswith(EARLY)
    assert env.approval() is None and env.board.list_of(env.card) == WAITING
    env.comment("validé")  # written after the synthesis: decides
    env.poll()
    assert env.board.list_of(env.card) == APPROVED


def test_the_wait_for_the_po_starts_when_the_request_goes_out(tmp_path):
    env = failing_round(tmp_path, failing=2)  # the card is watched while its round fails
    env.clock.advance(80 * 3600)
    env.poll()  # the request goes out now (its comments were looked at just before, while it ran)
    assert env.board.list_of(env.card) == WAITING
    published = env.workflow.store.card(env.card).round
    env.workflow.remind_and_expire()
    assert env.workflow.store.card(env.card).state == "awaiting_approval"
    env.poll()  # the first look since the request went out
    env.workflow.remind_and_expire()
    assert env.board.list_of(env.card) == WAITING
    assert env.workflow.store.card(env.card).state == "awaiting_approval"
    assert env.workflow.store.card(env.card).round == published  # the same request, not a new round
    assert not any(text.startswith("⏰") for text in bodies(env.board, env.card))
    env.clock.advance(73 * 3600)
    env.workflow.remind_and_expire()
    assert env.board.list_of(env.card) == "À corriger"  # expired: the 72 h count from the request


def test_a_crash_after_a_po_approval_on_the_card_never_answers_it_as_already_decided(env):
    env.poll()  # the card's comments were looked at once
    env.comment("validé")
    env.comment("on en reparle demain ?")
    replies = env.workflow.trello_comments.replies
    hear = replies.answer

    def killed_at_the_second_comment(heard):
        if heard.text.startswith("on en reparle"):
            raise SimulatedCrash("killed while reading the next comment")
        return hear(heard)

    replies.answer = killed_at_the_second_comment
    with pytest.raises(SimulatedCrash):
        env.poll()
    assert env.approval() is not None
    env.restarted()
    env.poll()
    env.poll()
    assert env.board.list_of(env.card) == APPROVED
    assert not any(answer.startswith("Déjà validé") for answer in env.answers())


def test_a_thread_message_delivered_twice_at_once_on_two_threads_is_answered_once(env):
    """The first delivery stops right before it records its answer, until the second one got there (at the
    card's lock, or past the journal's check)."""
    workflow, store = env.workflow, env.workflow.store
    second_came = threading.Event()
    journal, journaled, card_lock = store.journal, store.journaled, workflow.card_lock

    def first_waits(*args, **kwargs):
        if threading.current_thread().name == "first":
            assert second_came.wait(timeout=60)
        return journal(*args, **kwargs)

    def second_checks(*args, **kwargs):
        if threading.current_thread().name == "second":
            second_came.set()
        return journaled(*args, **kwargs)

    def second_locks(card_id):
        if threading.current_thread().name == "second":
            second_came.set()
        return card_lock(card_id)

    store.journal, store.journaled, workflow.card_lock = first_waits, second_checks, second_locks
    answers = []
    first = threading.Thread(target=lambda: answers.append(env.thread("on valide ?", ts="m1")), name="first")
    second = threading.Thread(
        target=lambda: answers.append(env.thread("on valide ?", ts="m1")), name="second"
    )
    first.start()
    second.start()
    first.join(timeout=120)
    second.join(timeout=120)
    assert not first.is_alive() and not second.is_alive()
    assert len(answers) == 2 and answers.count(None) == 1


def test_a_bare_oui_or_non_from_the_po_decides_nothing_and_is_answered(env):
    env.comment("Oui !")
    env.poll()
    [answer] = env.answers()
    assert answer == (
        "🤔 Rien n'est décidé : j'ai lu « oui » (une validation), mais employé seul (il pourrait répondre à "
        "une autre question). Pour décider, répondez « validé » pour valider, ou « refusé : » suivi de la "
        "raison pour refuser."
    )
    assert plain(env.thread("non")).startswith(
        "🤔 Rien n'est décidé : j'ai lu « non » (un refus), mais employé"
    )
    assert env.approval() is None and env.board.list_of(env.card) == WAITING
    env.comment("non, il manque le centre TEH")
    env.poll()
    assert env.board.list_of(env.card) == FIX and env.approval().reason == "il manque le centre TEH"


def test_a_refusal_with_only_politeness_after_it_has_no_reason(env):
    env.comment("Refusé, merci !")
    env.poll()
    assert env.board.list_of(env.card) == FIX
    assert env.approval().reason == "(sans raison donnée)"
