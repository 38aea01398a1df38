"""PO decisions with fakes: authorisation, stale requests, one decision, final commands, reminders."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from bot.adapters.slack import refusal_view
from bot.adapters.store import Store
from bot.app.decisions import Outcome
from bot.app.workflow import Workflow
from bot.bootstrap import build_workflow
from bot.domain.decision import Decision, RequestKey
from bot.domain.lifecycle import Event
from bot.domain.model import ConflictDecision
from bot.settings import Settings
from tests.support.fakes import FakeBoard, FakeChat, FakeClock, FakeConsole, SimulatedCrash
from tests.support.text import plain
from tests.unit.app.test_workflow import LIST_IDS, RUNBOOK_TICKET, TITLE, bodies

ROOT = Path(__file__).parents[3]
CHANNEL = "CPO"
FINAL_COMMANDS = (ROOT / "tests/fixtures/final_commands_runbook.md").read_text(encoding="utf-8")


class Say:
    """What a channel (Slack buttons, modal, thread replies) does: turn a person's act into a decision."""

    def __init__(self, workflow: Workflow) -> None:
        self.workflow = workflow
        self.messages = 0  # each thread message its own ts

    def approve(self, key: RequestKey, *, user_id: str) -> Outcome:
        return self.workflow.apply(Decision(Event.APPROVE, key, user_id=user_id))

    def refuse(self, key: RequestKey, *, user_id: str, reason: str) -> Outcome:
        return self.workflow.apply(Decision(Event.REFUSE, key, user_id=user_id, reason=reason))

    def resimulate(self, key: RequestKey, *, user_id: str) -> Outcome:
        return self.workflow.apply(Decision(Event.RESIMULATE, key, user_id=user_id))

    def decide_conflict(
        self, key: RequestKey, conflict: ConflictDecision, *, user_id: str, channel: str
    ) -> Outcome:
        decision = Decision(Event.CONFLICT_SETTLED, key, user_id=user_id, conflict=conflict, channel=channel)
        return self.workflow.apply(decision)

    def on_thread_reply(self, *, channel: str, thread_ts: str, user_id: str, text: str) -> Outcome:
        self.messages += 1
        answer = self.workflow.hear_in_thread(
            channel=channel,
            thread_ts=thread_ts,
            ts=f"{thread_ts}.{self.messages}",
            user_id=user_id,
            text=text,
            me="UBOT",
        )
        return Outcome(answer)

    def remind_and_expire(self) -> None:
        self.workflow.remind_and_expire()


class Env:
    def __init__(self, tmp_path: Path, *, location: Path | str | None = None, **settings: object) -> None:
        values = {
            "slack_po_user_ids": "UPO,UPO2",
            "slack_channel_id": CHANNEL,
            "slack_bot_token": "xoxb-test",
        }
        values.update(settings)
        self.settings = Settings(_env_file=None, **values)
        self.board = FakeBoard()
        self.console = FakeConsole()
        self.chat = FakeChat(side_effect=self.board.count_side_effect)
        self.clock = FakeClock(start=1_795_000_000.0)  # 2026-11-18 12:06:40 in Paris
        self.store_path = location or tmp_path / "state.sqlite3"
        self.store = Store(self.store_path)
        self.workflow = self._workflow(self.store)
        self.approvals = Say(self.workflow)

    def _workflow(self, store: Store) -> Workflow:
        return build_workflow(
            board=self.board,
            console=self.console,
            store=store,
            settings=self.settings,
            lists=LIST_IDS,
            clock=self.clock,
            chat=self.chat,
        )

    def restarted(self) -> Workflow:
        """A new process after a crash: the same board, Slack and state file, nothing else kept."""
        return self._workflow(Store(self.store_path))

    def poll(self) -> None:
        self.clock.advance(60)
        self.workflow.poll()

    def request(self, channel: str = CHANNEL, action: str = "approve") -> tuple[str, RequestKey]:
        [(ts, _, value)] = [b for b in self.chat.buttons(channel) if b[1] == action]
        key = RequestKey.parse(value)
        assert key is not None
        return ts, key


@pytest.fixture
def env(tmp_path, state_location):
    """Decisions on each engine of the store: a SQLite file, then a real PostgreSQL database."""
    return Env(tmp_path, location=state_location)


def test_the_po_request_carries_the_synthesis_buttons_and_the_excel_file(env):
    card = env.board.add_card(TITLE, RUNBOOK_TICKET)
    env.poll()
    [(channel, ts)] = list(env.chat.messages)
    message = env.chat.messages[(channel, ts)]
    assert channel == CHANNEL
    assert plain(message["text"]) == f"Validation PO demandée : {TITLE}"
    text = plain("\n".join(b["text"]["text"] for b in message["blocks"] if b["type"] == "section"))
    assert f"*<https://trello.com/c/s{card}|{TITLE}>*" in text
    assert "<@UPO> <@UPO2>, la simulation est prête" in text
    assert "→ vers CHU 77 (ID 5644) : 41 migrés | reste 119" in text
    assert "Croisement entre CHU 75 (ID 4537) et CPH (ID 4960)" in text
    assert [b[1] for b in env.chat.buttons(CHANNEL)] == ["approve", "refuse", "resimulate"]
    assert env.chat.uploads == [
        (CHANNEL, ts, f"simulation_migration_France_Fraternites_CHU_75_+1_s{card}_simulation1.xlsx")
    ]
    assert env.board.list_of(card) == "En attente validation PO"


def test_without_a_channel_each_po_gets_a_direct_message(tmp_path):
    env = Env(tmp_path, slack_channel_id="")
    env.board.add_card(TITLE, RUNBOOK_TICKET)
    env.poll()
    assert sorted(channel for channel, _ in env.chat.messages) == ["DUPO", "DUPO2"]


def test_a_non_po_click_changes_nothing(env):
    card = env.board.add_card(TITLE, RUNBOOK_TICKET)
    env.poll()
    ts, key = env.request()
    outcome = env.approvals.approve(key, user_id="UINTRUS")
    assert plain(outcome.message) == "Seul le PO peut décider de cette migration : rien n'a changé."
    assert env.store.approval(card, key.round, key.description_hash) is None
    assert env.board.list_of(card) == "En attente validation PO"
    assert env.chat.outcome(CHANNEL, ts) is None


def test_the_po_approves_final_commands_checklist_move_and_request_updated(env):
    card = env.board.add_card(TITLE, RUNBOOK_TICKET)
    env.poll()
    ts, key = env.request()
    assert env.approvals.approve(key, user_id="UPO").message is None
    final = bodies(env.board, card)[-1]
    assert final == FINAL_COMMANDS.rstrip("\n")
    [(_, name, items)] = env.board.cards[card].checklists
    assert name == "Exécution"
    assert [plain(item) for item in items] == [
        "Preprod — groupe 1 : CHU 75 (ID 4537), 4 commandes",
        "Preprod — vérifier le groupe 1 (CHU 75 (ID 4537) : 160 → 83 suivis)",
        "Preprod — groupe 2 : CPH (ID 4960), 4 commandes",
        "Preprod — vérifier le groupe 2 (CPH (ID 4960) : 190 → 80 suivis)",  # with group 1's 10 arrivals
        "Prod — groupe 1 : CHU 75 (ID 4537), 4 commandes",
        "Prod — vérifier le groupe 1",
        "Prod — groupe 2 : CPH (ID 4960), 4 commandes",
        "Prod — vérifier le groupe 2",
    ]
    assert env.board.list_of(card) == "Validé — à exécuter"
    assert plain(env.chat.outcome(CHANNEL, ts)) == (
        "✅ *Validé* par <@UPO> le 18/11/2026 à 12:07. Les commandes finales sont sur la carte."
    )
    assert env.chat.buttons(CHANNEL) == []
    approval = env.store.approval(card, key.round, key.description_hash)
    assert (approval.decision, approval.user_id) == ("approved", "UPO")


def test_two_clicks_or_two_pos_at_once_give_one_decision(env):
    card = env.board.add_card(TITLE, RUNBOOK_TICKET)
    env.poll()
    _, key = env.request()
    outcomes = []
    barrier = threading.Barrier(4)

    def click(user: str) -> None:
        barrier.wait()
        outcomes.append(env.approvals.approve(key, user_id=user))

    threads = [threading.Thread(target=click, args=(user,)) for user in ("UPO", "UPO", "UPO2", "UPO2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(o.message is None for o in outcomes) == 1
    assert sum(t.startswith("✅ **Validé par") for t in bodies(env.board, card)) == 1
    assert len(env.board.cards[card].checklists) == 1


def test_an_edited_card_makes_the_pending_request_obsolete_and_no_approval_counts(env):
    card = env.board.add_card(TITLE, RUNBOOK_TICKET)
    env.poll()
    ts, key = env.request()
    env.board.edit(card, desc=RUNBOOK_TICKET.replace("CHU 77 →", "CHU 78 →", 1))
    outcome = env.approvals.approve(key, user_id="UPO")
    assert (
        plain(outcome.message)
        == "La carte a changé depuis la simulation : nouvelle simulation lancée, rien n'est décidé."
    )
    assert env.store.approval(card, key.round, key.description_hash).decision == "obsolete"
    assert plain(env.chat.outcome(CHANNEL, ts)).startswith("🔄 *Obsolète*")
    new_ts, new_key = env.request()
    assert new_ts != ts and new_key.round == key.round + 1
    assert env.board.list_of(card) == "En attente validation PO"
    assert not any(t.startswith("✅ **Validé par") for t in bodies(env.board, card))


def test_a_card_moved_back_by_hand_retires_the_old_request(env):
    card = env.board.add_card(TITLE, RUNBOOK_TICKET)
    env.poll()
    old_ts, old_key = env.request()
    env.board.edit(card, list_name="À simuler")  # moved back by the team: a new round
    env.poll()
    assert (
        plain(env.chat.outcome(CHANNEL, old_ts))
        == "🔄 *Obsolète* : la carte a été remise dans « À simuler »."
    )
    outcome = env.approvals.approve(old_key, user_id="UPO")
    assert plain(outcome.message) == "Cette demande est obsolète : la carte a été simulée à nouveau depuis."
    assert env.store.approval(card, old_key.round, old_key.description_hash).decision == "obsolete"
    assert env.board.list_of(card) == "En attente validation PO"  # the new round, not approved


def test_a_refusal_with_its_reason_lands_on_the_card(env):
    card = env.board.add_card(TITLE, RUNBOOK_TICKET)
    env.poll()
    ts, key = env.request(action="refuse")
    env.approvals.refuse(key, user_id="UPO2", reason="Le CPH doit garder ses dossiers DAHAR.")
    assert bodies(env.board, card)[-1] == (
        "❌ **Refusé par Dominique** (PO) le 18/11/2026 à 12:07 :\n\n> Le CPH doit garder ses dossiers DAHAR.\n\n"
        "La carte est déplacée dans « À corriger ». Une fois corrigée, remettez-la dans « À simuler »."
    )
    assert env.board.list_of(card) == "À corriger"
    assert plain(env.chat.outcome(CHANNEL, ts)) == (
        "❌ *Refusé* par <@UPO2> le 18/11/2026 à 12:07 : Le CPH doit garder ses dossiers DAHAR."
    )


def test_refusal_modal_metadata_round_trips(env):
    env.board.add_card(TITLE, RUNBOOK_TICKET)
    env.poll()
    ts, key = env.request(action="refuse")
    view = refusal_view(key, channel=CHANNEL, ts=ts, card_name=env.workflow.card_name(key.card_id))
    assert view["title"]["text"] == "Refuser la migration" and len(view["title"]["text"]) <= 24
    value, channel, message_ts = view["private_metadata"].rsplit("|", 2)
    assert (RequestKey.parse(value), channel, message_ts) == (key, CHANNEL, ts)


@pytest.mark.parametrize(
    ("reply", "decision"), [("ok", "approved"), ("Validé !", "approved"), ("go", "approved")]
)
def test_thread_replies_approve(env, reply, decision):
    card = env.board.add_card(TITLE, RUNBOOK_TICKET)
    env.poll()
    ts, key = env.request()
    env.approvals.on_thread_reply(channel=CHANNEL, thread_ts=ts, user_id="UPO", text=reply)
    assert env.store.approval(card, key.round, key.description_hash).decision == decision


def test_a_thread_reply_refuses_with_its_reason_and_chatter_is_ignored(env):
    card = env.board.add_card(TITLE, RUNBOOK_TICKET)
    env.poll()
    ts, key = env.request()
    env.approvals.on_thread_reply(channel=CHANNEL, thread_ts=ts, user_id="UPO", text="je regarde ça demain")
    assert env.store.approval(card, key.round, key.description_hash) is None
    outcome = env.approvals.on_thread_reply(channel=CHANNEL, thread_ts=ts, user_id="UAUTRE", text="ok")
    assert plain(outcome.message) == "Seul le PO peut décider de cette migration : rien n'a changé."
    env.approvals.on_thread_reply(
        channel=CHANNEL, thread_ts=ts, user_id="UPO", text="Refusé : chiffres à revoir"
    )
    approval = env.store.approval(card, key.round, key.description_hash)
    assert (approval.decision, approval.reason) == ("refused", "chiffres à revoir")


def test_resimulation_closes_the_request_and_simulates_again(env):
    env.board.add_card(TITLE, RUNBOOK_TICKET)
    env.poll()
    ts, key = env.request()
    env.approvals.resimulate(key, user_id="UPO")
    assert plain(env.chat.outcome(CHANNEL, ts)).startswith("🔄 *Nouvelle simulation* demandée par <@UPO>")
    _, new_key = env.request()
    assert new_key.round == key.round + 1
    assert len(env.console.ran) == 32  # twice 8 rules and their accommodation checks


def test_a_conflict_decision_gates_the_po_request(tmp_path):
    env = Env(tmp_path, slack_team_channel_id="CTEAM")
    env.console.conflicts[(4537, 5644)] = (3, [(4537, 892, "1042, 1078", "1035")])
    ticket = (
        "Centre initial = France Fraternités - CHU 75 (ID 4537) - lorsque le champ = CHU 77 → vers "
        "France Fraternités - CHU 77 (ID 5644), avec hébergements\n"
    )
    card = env.board.add_card(TITLE, ticket)
    env.poll()
    assert [b[1] for b in env.chat.buttons("CTEAM")] == ["conflict_migrate", "conflict_without"]
    assert env.chat.buttons(CHANNEL) == []  # no PO request before the decision
    ts, key = env.request("CTEAM", "conflict_without")
    assert env.approvals.decide_conflict(
        key, ConflictDecision.WITHOUT_ACCOMMODATIONS, user_id="UOUTSIDER", channel="CDM"
    ).message.startswith("Seuls le PO et l'équipe technique")
    env.approvals.decide_conflict(
        key, ConflictDecision.WITHOUT_ACCOMMODATIONS, user_id="UDEV", channel="CTEAM"
    )
    assert plain(env.chat.outcome("CTEAM", ts)).startswith("🏠 *Décision* de <@UDEV> : sans hébergements")
    decided = "🏠 **Conflit d'hébergements tranché** par UDEV via Slack : sans hébergements"
    texts = bodies(env.board, card)
    assert any(t.startswith(decided) for t in texts)
    assert texts.index(next(t for t in texts if t.startswith(decided))) < texts.index(
        next(t for t in texts if t.startswith("✅ **Prêt pour validation**"))
    )
    [(po_channel, po_ts)] = [k for k in env.chat.messages if k[0] == CHANNEL]
    po_text = plain(
        "\n".join(
            b["text"]["text"]
            for b in env.chat.messages[(po_channel, po_ts)]["blocks"]
            if b["type"] == "section"
        )
    )
    assert "Décision : sans hébergements" in po_text
    assert env.board.list_of(card) == "En attente validation PO"
    assert all("--withAccommodations" not in " ".join(args) for args in env.console.ran[1:])


def test_reminder_then_expiry(env):
    card = env.board.add_card(TITLE, RUNBOOK_TICKET)
    env.poll()
    ts, key = env.request()
    env.clock.advance(23 * 3600)
    env.approvals.remind_and_expire()
    assert [(channel, ts, plain(text)) for channel, ts, text in env.chat.replies] == []
    env.clock.advance(2 * 3600)
    env.approvals.remind_and_expire()
    env.approvals.remind_and_expire()
    assert [(channel, ts, plain(text)) for channel, ts, text in env.chat.replies] == [
        (CHANNEL, ts, "⏰ Rappel : <@UPO> <@UPO2> cette demande attend une décision depuis 25 h.")
    ]
    env.clock.advance(7 * 24 * 3600)
    env.approvals.remind_and_expire()
    assert plain(env.chat.outcome(CHANNEL, ts)).startswith("⌛ *Expirée* sans décision après 7 jours")
    assert bodies(env.board, card)[-1].startswith("⌛ **Demande de validation expirée**")
    assert env.board.list_of(card) == "À corriger"
    env.poll()
    assert env.store.card(card).round == key.round  # not simulated and asked again by itself
    env.board.edit(card, list_name="À simuler")  # a person asks again
    env.poll()
    assert env.store.card(card).round == key.round + 1


def test_a_crash_after_any_side_effect_with_slack_on_then_a_restart_posts_nothing_twice(tmp_path):
    def state(env: Env, card: str) -> tuple:
        return (
            bodies(env.board, card),
            [a.name for a, _ in env.board.cards[card].attachments],
            env.board.list_of(card),
            sorted(message["text"] for message in env.chat.messages.values()),
            [filename for _, _, filename in env.chat.uploads],
        )

    reference = Env(tmp_path / "reference")
    card = reference.board.add_card(TITLE, RUNBOOK_TICKET)
    reference.poll()
    expected = state(reference, card)
    effects = reference.board.side_effects
    for crash_at in range(1, effects + 1):
        env = Env(tmp_path / f"crash{crash_at}")
        card = env.board.add_card(TITLE, RUNBOOK_TICKET)
        env.board.crash_after(crash_at)
        with pytest.raises(SimulatedCrash):
            env.poll()
        env.store = Store(tmp_path / f"crash{crash_at}" / "state.sqlite3")  # a new process, same files
        env.workflow = build_workflow(
            board=env.board,
            console=env.console,
            store=env.store,
            settings=env.settings,
            lists=LIST_IDS,
            clock=env.clock,
            chat=env.chat,
        )
        env.poll()
        env.poll()
        assert state(env, card) == expected, f"crash after side effect {crash_at}"


def test_a_decision_interrupted_by_a_trello_outage_is_carried_out_by_the_next_poll(env):
    from bot.adapters.trello import TrelloError

    card = env.board.add_card(TITLE, RUNBOOK_TICKET)
    env.poll()
    ts, key = env.request()
    env.board.fail_next = lambda call: TrelloError("Trello injoignable") if call == "comment" else None
    outcome = env.approvals.approve(key, user_id="UPO")
    assert (
        plain(outcome.message)
        == "Décision enregistrée : la carte sera mise à jour au prochain passage du bot."
    )
    assert env.store.card(card).state == "approving"
    assert plain(env.approvals.approve(key, user_id="UPO").message) == (
        "Déjà validé par <@UPO> (sur Slack) le 18/11/2026 à 12:07 : rien n'a changé. Pour revenir sur cette "
        "décision, remettez la carte dans « À simuler » : elle sera simulée à nouveau."
    )
    env.board.fail_next = None
    env.poll()
    assert env.board.list_of(card) == "Validé — à exécuter"
    assert sum(t.startswith("✅ **Validé par") for t in bodies(env.board, card)) == 1
    assert plain(env.chat.outcome(CHANNEL, ts)).startswith("✅ *Validé* par <@UPO>")
    assert env.store.card(card).state == "approved"


def test_a_crash_anywhere_in_an_approval_then_a_restart_ends_approved_once(tmp_path):
    def state(env: Env, card: str) -> tuple:
        return (
            bodies(env.board, card),
            [(name, tuple(items)) for _, name, items in env.board.cards[card].checklists],
            env.board.list_of(card),
            sorted(env.chat.outcome(channel, ts) or "" for channel, ts in env.chat.messages),
        )

    def simulated(workdir: Path) -> tuple[Env, str, RequestKey]:
        env = Env(workdir)
        card = env.board.add_card(TITLE, RUNBOOK_TICKET)
        env.poll()
        return env, card, env.request()[1]

    reference, card, key = simulated(tmp_path / "reference")
    before = reference.board.side_effects
    reference.approvals.approve(key, user_id="UPO")
    expected = state(reference, card)
    effects = reference.board.side_effects - before
    assert effects >= 10  # comment, checklist and its 8 items, move, Slack update
    for crash_at in range(1, effects + 1):
        env, card, key = simulated(tmp_path / f"crash{crash_at}")
        env.board.crash_after(env.board.side_effects + crash_at)
        with pytest.raises(SimulatedCrash):
            env.approvals.approve(key, user_id="UPO")
        restarted = env.restarted()
        restarted.poll()
        restarted.poll()
        assert state(env, card) == expected, f"crash after side effect {crash_at} of the approval"


def test_a_persons_comment_carrying_a_marker_is_never_taken_for_the_bots(env):
    card = env.board.add_card(TITLE, RUNBOOK_TICKET)
    env.poll()
    _, key = env.request()
    forged = f"php bin/console … sans --dry-run\n\nmigrabot · simulation n° {key.round} · empreinte {key.description_hash[:8]}"
    env.board.comment(card, forged, author="member-human")
    env.store.journal(
        card, key.round, key.description_hash, "validation#intention", "", now=env.clock()
    )  # as after a crash
    env.approvals.approve(key, user_id="UPO")
    bots = [c.text for c in env.board.cards[card].comments if c.author_id != "member-human"]
    assert any(text.startswith("✅ **Validé par Camille (PO)**") for text in bots)


def test_an_archived_card_closes_its_requests_and_takes_no_decision(env):
    card = env.board.add_card(TITLE, RUNBOOK_TICKET)
    env.poll()
    ts, key = env.request()
    archived = env.board.cards.pop(card)
    env.poll()
    assert plain(env.chat.outcome(CHANNEL, ts)) == "🗄️ *Carte archivée* : plus rien à décider."
    env.board.cards[card] = archived  # still readable by id, as Trello keeps archived cards
    assert (
        plain(env.approvals.approve(key, user_id="UPO").message)
        == "Cette carte a été archivée : rien n'a changé."
    )


def test_a_card_parked_in_fix_and_edited_is_not_pulled_back(env):
    card = env.board.add_card(TITLE, RUNBOOK_TICKET)
    env.poll()
    ts, _ = env.request()
    env.board.edit(card, list_name="À corriger", desc=RUNBOOK_TICKET.replace("= TEH →", "= TEH2 →", 1))
    env.poll()
    assert env.board.list_of(card) == "À corriger"
    assert bodies(env.board, card)[-1].endswith(
        "Une fois la correction finie, remettez la carte dans « À simuler » pour une nouvelle simulation."
    )
    assert plain(env.chat.outcome(CHANNEL, ts)).startswith("🔄 *Obsolète*")
    env.board.edit(card, list_name="À simuler")
    env.poll()
    assert env.board.list_of(card) == "En attente validation PO"
