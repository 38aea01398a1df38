"""The state store on both engines: a SQLite file and a real PostgreSQL server (`state_location`)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from bot.adapters.schema import LATEST, SchemaTooNew
from bot.adapters.store import Store
from bot.domain.decision import Verdict
from bot.domain.lifecycle import CardState
from bot.domain.records import RequestKind, RequestStatus, SlackRequest, TrelloWatch
from tests.support.postgres import PostgresServer


def begin(store: Store, card_id: str, *, now: float = 100.0, state=CardState.SIMULATING, desc: str = "h1"):
    return store.begin_round(
        card_id,
        description_hash=desc,
        short_link=f"s{card_id}",
        name=f"Migration {card_id}",
        list_id="todo",
        last_activity="a",
        state=state,
        now=now,
    )


@pytest.fixture
def store(state_location: str | Path):
    opened = Store(state_location)
    yield opened
    opened.close()


def test_rounds_count_up_and_forget_the_previous_round(store: Store):
    first = begin(store, "c1", now=100.25)
    store.update_card("c1", now=101.5, last_error="oops", decision="keep", decision_by="U1")
    store.save_simulation("c1", {"groups": [1, 2], "texte": "é « »"}, now=102)
    second = begin(store, "c1", now=103.125, desc="h2")
    assert (first.round, second.round) == (1, 2)
    assert second.description_hash == "h2"
    assert (second.last_error, second.simulation, second.decision) == (None, None, None)
    assert second.round_started_at == 103.125
    store.save_simulation("c1", {"groups": [1, 2], "texte": "é « »"}, now=104)
    assert store.card("c1").simulation == {"groups": [1, 2], "texte": "é « »"}


def test_a_round_without_renumbering_keeps_its_number_and_forgets_the_rest(store: Store):
    begin(store, "c1", state=CardState.UNLABELLED)  # a card asked for its label: no simulation yet
    store.update_card("c1", now=101.0, last_error="oops")
    again = store.begin_round(
        "c1",
        description_hash="h2",
        short_link="sc1",
        name="Migration c1",
        list_id="todo",
        last_activity="b",
        state=CardState.SIMULATING,
        now=102.0,
        renumber=False,
    )
    assert (again.round, again.state, again.last_error) == (1, CardState.SIMULATING, None)
    assert begin(store, "c1", desc="h3").round == 2


def test_the_journal_keeps_the_first_result_of_a_step(store: Store):
    begin(store, "c1")
    store.journal("c1", 1, "h1", "synthese#intention", "", now=1.0)
    store.journal("c1", 1, "h1", "synthese", "comment-1", now=2.0)
    store.journal("c1", 1, "h1", "synthese", "comment-2", now=3.0)
    assert store.journaled("c1", 1, "h1", "synthese#intention") == ""
    assert store.journaled("c1", 1, "h1", "synthese") == "comment-1"
    assert store.journaled("c1", 2, "h1", "synthese") is None
    store.journal("c1", 1, "h1", "piece-a", "att-1", now=4.0)
    store.journal("c1", 2, "h1", "piece-b", "att-2", now=5.0)
    assert store.journal_results("c1", "piece-") == ["att-1", "att-2"]
    assert store.journal_results("c1", "piece-", round_=2) == ["att-2"]


def test_one_decision_per_round_with_the_cards_new_state(store: Store):
    begin(store, "c1", state=CardState.AWAITING_APPROVAL)
    assert store.decide("c1", 1, "h1", Verdict.APPROVED, user_id="U1", now=5.5, state=CardState.APPROVING)
    assert not store.decide("c1", 1, "h1", Verdict.REFUSED, user_id="U2", reason="non", now=6)
    approval = store.approval("c1", 1, "h1")
    assert (approval.decision, approval.user_id, approval.decided_at) == (Verdict.APPROVED, "U1", 5.5)
    assert store.card("c1").state is CardState.APPROVING
    assert store.decide_conflict("c1", 1, "h1", "keep", user_id="U3", state=CardState.SIMULATING, now=7)
    assert not store.decide_conflict("c1", 1, "h1", "move", user_id="U4", state=CardState.ERROR, now=8)
    assert (store.card("c1").decision, store.card("c1").decision_by) == ("keep", "U3")


def test_errors_are_counted_and_cards_that_left_the_board_are_archived(store: Store):
    begin(store, "c1", now=1)
    begin(store, "c2", now=2)
    begin(store, "c3", now=3, state=CardState.DONE)
    store.record_error("c1", "boom", state=CardState.ERROR, now=4)
    store.record_error("c1", "boom", state=CardState.ERROR, now=5)
    assert store.card("c1").attempts == 2
    gone = store.archive_missing({"c2"}, now=6)
    assert [record.card_id for record in gone] == ["c1"]
    assert store.card("c1").state is CardState.ARCHIVED
    assert [c.card_id for c in store.cards()] == ["c1", "c2", "c3"]


def test_cards_sharing_centres_are_found_earliest_first(store: Store):
    for number, card_id in enumerate(("c1", "c2", "c3", "c4"), start=1):
        begin(store, card_id, now=10 - number)  # c4 started first
    store.record_centres("c1", {5, 7, 9})
    store.record_centres("c2", {7, 9, 11})
    store.record_centres("c3", {1})
    store.record_centres("c4", {5, 9})
    found = store.overlapping_cards("c1", {5, 7, 9})
    assert [(record.card_id, centres) for record, centres in found] == [("c4", [5, 9]), ("c2", [7, 9])]


def test_slack_requests_and_trello_watches_round_trip(store: Store):
    request = SlackRequest(
        card_id="c1",
        round=1,
        description_hash="h1",
        kind=RequestKind.APPROVAL,
        channel="C1",
        ts="1700000000.000100",
        status=RequestStatus.PENDING,
        created_at=1700000000.123456,
        reminded_at=None,
        text="Validez « ceci »",
        blocks='[{"type": "section"}]',
    )
    store.add_slack_request(request)
    store.add_slack_request(request)  # twice: kept once
    assert store.slack_requests(status=RequestStatus.PENDING) == [request]
    store.set_slack_request(request, status=RequestStatus.APPROVED, reminded_at=1700000100.5)
    assert store.slack_request_by_ts("C1", "1700000000.000100").status is RequestStatus.APPROVED
    assert store.slack_requests(kind=RequestKind.CONFLICT) == []
    watch = TrelloWatch("c1", 1, "h1", activity="3|x", seen_comment_ids="a b", since=1.5)
    store.set_trello_watch(watch)
    assert store.trello_watch("c1", 1, "h1") == watch  # saved while the round ran (asked=False)
    # The request went out: the wait starts again (since) and the row says so (asked).
    again = TrelloWatch("c1", 1, "h1", activity="4|y", seen_comment_ids="a b c", since=9, asked=True)
    store.set_trello_watch(again)
    assert store.trello_watch("c1", 1, "h1") == again
    store.beat("poll", now=12.75, detail="2 cartes")
    assert store.last_beat("poll") == (12.75, "2 cartes")


def test_two_processes_never_lose_an_update_nor_decide_twice(state_location: str | Path):
    """Two stores are two sessions, as two processes would have: counts add up, one decision wins."""
    setup = Store(state_location)
    begin(setup, "c1")
    stores = [Store(state_location) for _ in range(4)]
    start = threading.Barrier(len(stores))
    wins: list[bool] = []

    def work(store: Store, number: int) -> None:
        start.wait()
        for _ in range(25):
            store.record_error("c1", "boom", state=CardState.ERROR, now=1)
        wins.append(store.decide("c1", 1, "h1", Verdict.APPROVED, user_id=f"U{number}", now=2))

    threads = [threading.Thread(target=work, args=(store, n)) for n, store in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert setup.card("c1").attempts == 100
    assert sorted(wins) == [False, False, False, True]
    for store in [setup, *stores]:
        store.close()


def test_a_state_written_by_a_newer_migrabot_is_refused_untouched(state_location: str | Path):
    Store(state_location).close()
    newer = Store(state_location)
    with newer._transaction() as db:
        db.execute("UPDATE schema_version SET version = ?", (LATEST + 1,))
    newer.close()
    with pytest.raises(SchemaTooNew) as refused:
        Store(state_location)
    assert str(refused.value).startswith(
        f"la base d'état {state_location} est au schéma {LATEST + 1}, plus récent"
    )
    assert "mettez migrabot à jour" in str(refused.value)


def test_the_password_of_a_postgresql_url_never_shows_in_the_refusal(postgres_server: PostgresServer):
    url = postgres_server.new_database()
    Store(url).close()
    postgres_server.sql(url, "UPDATE schema_version SET version = %s", (LATEST + 1,))
    secret_url = url.replace("postgres@", "postgres:s3cret@")  # trust authentication ignores it
    with pytest.raises(SchemaTooNew) as refused:
        Store(secret_url)
    assert "s3cret" not in str(refused.value)
    assert "postgres:***@" in str(refused.value)


def test_doctor_writes_and_reads_back_on_either_engine(state_location: str | Path):
    from bot.commands.doctor import check_state_db

    check = check_state_db(state_location, now=1234.5)
    assert check.ok, check
    assert Store(state_location).last_beat("doctor") == (1234.5, "migrabot doctor")


def test_doctor_says_why_postgresql_is_out_of_reach_without_its_password(postgres_server: PostgresServer):
    from bot.commands.doctor import check_state_db

    url = f"postgresql://postgres:s3cret@127.0.0.1:{postgres_server.port}/no_such_database"
    check = check_state_db(url, now=1)
    assert not check.ok
    assert "s3cret" not in check.detail and "postgres:***@" in check.detail
    assert 'database "no_such_database" does not exist' in check.detail
