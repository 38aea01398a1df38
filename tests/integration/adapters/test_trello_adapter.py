"""The board port over py-trello and httpx, against the sandbox Trello over real HTTP."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from bot.adapters.trello import TrelloBoard, TrelloError, TrelloHttp
from sandbox.trello_server import TrelloSandbox
from tests.support.openapi_contract import trello_contract
from tests.support.text import plain

CONTRACT = Path(__file__).parents[2] / "contracts/trello-openapi.json"
KEY, TOKEN = "sandbox-key", "sandbox-token-0123456789abcdef"


@pytest.fixture
def sandbox():
    with TrelloSandbox(api_key=KEY, token=TOKEN) as server:
        yield server


@pytest.fixture
def board_setup(sandbox):
    board = sandbox.add_board("Reconnect Pro - Tech")
    lists = {
        name: sandbox.add_list(board["id"], name)["id"] for name in ("À simuler", "En attente validation PO")
    }
    label = sandbox.add_label(board["id"], "Migration des dossiers usagers")
    return board, lists, label


def adapter(sandbox: TrelloSandbox, board_id: str, **http_options) -> TrelloBoard:
    http = TrelloHttp(base_url=sandbox.base_url, backoff_s=0.01, max_backoff_s=0.05, **http_options)
    return TrelloBoard(http=http, api_key=KEY, token=TOKEN, board_id=board_id)


def test_one_request_per_poll_on_a_board_of_500_open_cards(sandbox, board_setup):
    board, lists, label = board_setup
    for index in range(500):
        sandbox.add_card(
            lists["À simuler"], f"Carte {index}", "x" * 200, label_ids=[label["id"]] if index % 7 == 0 else []
        )
    trello = adapter(sandbox, board["id"])
    before = trello.http.request_count
    cards = trello.open_cards()
    assert trello.http.request_count - before == 1
    assert len(cards) == 500
    assert sum(label["id"] in card.label_ids for card in cards) == 72
    [request] = [r for r in sandbox.requests if r.path.endswith("/cards/open")]
    assert set(request.query["fields"].split(",")) == {
        "id",
        "name",
        "desc",
        "idList",
        "idLabels",
        "dateLastActivity",
        "shortLink",
        "badges",  # its comment count tells which waiting cards' comments to read
    }


def test_the_ports_operations_round_trip(sandbox, board_setup):
    board, lists, label = board_setup
    card = sandbox.add_card(lists["À simuler"], "Migration des dossiers usagers - test", "desc")
    trello = adapter(sandbox, board["id"])
    layout = trello.layout()
    assert layout.lists["En attente validation PO"] == lists["En attente validation PO"]
    assert layout.labels["Migration des dossiers usagers"] == label["id"]
    comment_id = trello.comment(card["id"], "Bonjour **équipe** « CHU 77 »")
    [comment] = trello.comments(card["id"])
    assert (comment.id, comment.text) == (comment_id, "Bonjour **équipe** « CHU 77 »")
    assert comment.author_id == trello.member_id()
    data = bytes(range(256)) * 40
    attachment_id = trello.attach(
        card["id"], filename="simulation_migration_X.xlsx", data=data, mime_type="application/octet-stream"
    )
    [stored] = sandbox.attachments(card["id"])
    assert stored["id"] == attachment_id and stored["name"] == "simulation_migration_X.xlsx"
    assert stored["bytes"] == data
    assert [(a.name, a.author_id) for a in trello.attachments(card["id"])] == [
        ("simulation_migration_X.xlsx", trello.member_id())
    ]
    trello.move(card["id"], lists["En attente validation PO"])
    trello.add_label(card["id"], label["id"])
    snapshot = trello.card(card["id"])
    assert snapshot.list_id == lists["En attente validation PO"] and label["id"] in snapshot.label_ids
    trello.add_checklist(card["id"], "Exécution", ["Preprod — groupe 1", "Prod — groupe 1"])
    [checklist] = sandbox.checklists(card["id"])
    assert checklist["name"] == "Exécution"
    assert [item["name"] for item in checklist["checkItems"]] == ["Preprod — groupe 1", "Prod — groupe 1"]


def test_every_request_is_a_documented_operation(sandbox, board_setup):
    board, lists, label = board_setup
    card = sandbox.add_card(lists["À simuler"], "Carte", "desc")
    trello = adapter(sandbox, board["id"])
    trello.layout()
    trello.open_cards()
    trello.card(card["id"])
    comment_id = trello.comment(card["id"], "x")
    trello.edit_comment(comment_id, "x (obsolète)")
    assert [c.text for c in trello.comments(card["id"])] == ["x (obsolète)"]
    trello.attach(card["id"], filename="f.txt", data=b"abc", mime_type="text/plain")
    trello.attachments(card["id"])
    trello.move(card["id"], lists["En attente validation PO"])
    trello.add_label(card["id"], label["id"])
    checklist_id = trello.add_checklist(card["id"], "Exécution", ["a"])
    trello.add_checklist_items(checklist_id, ["b"])
    assert [(c.name, c.items) for c in trello.checklists(card["id"])] == [("Exécution", ("a", "b"))]
    trello.create_list("Nouvelle liste")
    trello.create_label("Nouvelle étiquette")
    trello.member_name()
    contract = trello_contract()
    violations = [
        (r.method, r.path, v)
        for r in sandbox.requests
        for v in contract.violations(r.method, r.path, r.query.keys())
    ]
    assert violations == []
    assert len(sandbox.requests) >= 14


def test_key_and_token_travel_in_the_authorization_header_never_in_the_url(sandbox, board_setup):
    board, _, _ = board_setup
    adapter(sandbox, board["id"]).open_cards()
    request = sandbox.requests[-1]
    assert "token" not in request.query and "key" not in request.query
    assert request.headers.get("authorization", "").startswith('OAuth oauth_consumer_key="sandbox-key"')


def test_429_and_5xx_bursts_are_absorbed_by_retries(sandbox, board_setup):
    board, lists, _ = board_setup
    sandbox.add_card(lists["À simuler"], "Carte", "desc")
    trello = adapter(sandbox, board["id"])
    sandbox.faults.burst_429 = 3
    assert len(trello.open_cards()) == 1
    sandbox.faults.error_rate = 0.5
    for _ in range(10):
        assert len(trello.open_cards()) == 1  # GETs retried through 5xx
    sandbox.faults.error_rate = 0.0
    statuses = [r.status for r in sandbox.requests]
    assert statuses.count(429) == 3 and any(s >= 500 for s in statuses)


def test_a_post_that_gets_a_5xx_is_not_replayed(sandbox, board_setup):
    """It may have been applied: the workflow resumes it safely (marker check) instead of posting twice."""
    board, lists, _ = board_setup
    card = sandbox.add_card(lists["À simuler"], "Carte", "desc")
    trello = adapter(sandbox, board["id"])
    trello.board()  # py-trello's Card needs its board, fetched once before
    sandbox.faults.error_rate = 1.0
    with pytest.raises(TrelloError):
        trello.comment(card["id"], "x")
    sandbox.faults.error_rate = 0.0
    assert len([r for r in sandbox.requests if r.method == "POST"]) == 1


def test_an_unreachable_trello_is_a_clear_error_without_the_token(caplog):
    caplog.set_level(logging.DEBUG)
    http = TrelloHttp(base_url="http://127.0.0.1:9/1", max_attempts=2, backoff_s=0.01)
    trello = TrelloBoard(http=http, api_key=KEY, token=TOKEN, board_id="b")
    with pytest.raises(TrelloError) as error:
        trello.open_cards()
    assert "Trello injoignable" in str(error.value)
    assert TOKEN not in str(error.value) and TOKEN not in caplog.text


def test_retries_are_logged_in_english_and_the_error_people_read_is_french(caplog):
    caplog.set_level(logging.WARNING, logger="migrabot.trello")
    http = TrelloHttp(base_url="http://127.0.0.1:9/1", max_attempts=2, backoff_s=0.01)
    trello = TrelloBoard(http=http, api_key=KEY, token=TOKEN, board_id="b")
    with pytest.raises(TrelloError) as error:
        trello.open_cards()
    [retry] = [record.getMessage() for record in caplog.records if record.name == "migrabot.trello"]
    assert re.fullmatch(
        r"trello GET /1/boards/b/cards/open: connection failed \(ConnectError\), retry 1 in [\d.]+s", retry
    )
    assert plain(str(error.value)) == (
        "Trello injoignable : connexion impossible (ConnectError) (GET /1/boards/b/cards/open)"
    )


def test_a_wrong_token_is_refused_without_echoing_it(sandbox, board_setup):
    board, _, _ = board_setup
    http = TrelloHttp(base_url=sandbox.base_url)
    trello = TrelloBoard(http=http, api_key=KEY, token="wrong-token-abcdef", board_id=board["id"])
    with pytest.raises(TrelloError) as error:
        trello.open_cards()
    assert "HTTP 401" in str(error.value)
    assert "wrong-token-abcdef" not in str(error.value)


def test_checklists_carry_who_added_them_and_comments_and_attachments_their_author(sandbox, board_setup):
    board, lists, _ = board_setup
    card = sandbox.add_card(lists["À simuler"], "Carte", "desc")["id"]
    trello = adapter(sandbox, board["id"])
    me = trello.member_id()
    sandbox.add_checklist(
        card, "Exécution", ["Prod : tout est déjà vérifié"], checked=["Prod : tout est déjà vérifié"]
    )
    sandbox.add_comment(card, "migrabot · simulation n° 1 · empreinte 23fe63fb")
    ours = trello.add_checklist(card, "Exécution", ["Preprod — groupe 1"])
    trello.comment(card, "du bot")

    by_id = {c.id: c for c in trello.checklists(card)}
    assert by_id[ours].author_id == me
    [persons] = [c for c in by_id.values() if c.id != ours]
    assert persons.author_id not in ("", me)
    authors = {c.text: c.author_id for c in trello.comments(card)}
    assert authors["du bot"] == me and authors["migrabot · simulation n° 1 · empreinte 23fe63fb"] not in (
        "",
        me,
    )
