"""The sandbox Trello over real HTTP: driven with plain httpx and with py-trello's own client, checked against
Atlassian's OpenAPI."""

from __future__ import annotations

import io
import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from trello import TrelloClient
from trello.checklist import Checklist
from trello.exceptions import ResourceUnavailable, Unauthorized

from sandbox.trello.routes import ROUTES
from sandbox.trello_server import RUNBOOK_TICKET, TrelloSandbox
from tests.support.openapi_contract import ApiContract, trello_contract

KEY, TOKEN = "sandbox-key", "sandbox-token"
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
TRELLO_ID = re.compile(r"^[0-9a-f]{24}$")
# Bytes that a careless multipart reader would damage: NUL, CRLF, a fake boundary, invalid UTF-8.
AWKWARD_BYTES = b"PK\x03\x04\x00\r\n--boundary\r\n\r\n\xff\xfe" + bytes(range(256)) * 40


class HttpxTrelloService:
    """The `http_service` py-trello calls: requests' signature, served by httpx on the sandbox's base URL."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.client = httpx.Client(timeout=5)

    def request(self, method, url, params=None, headers=None, data=None, auth=None, files=None, proxies=None):
        url = url.replace("https://api.trello.com/1", self.base_url)
        return self.client.request(method, url, params=params, headers=headers, content=data, files=files)


@pytest.fixture(scope="module")
def contract() -> ApiContract:
    return trello_contract()


@pytest.fixture
def sandbox() -> Iterator[TrelloSandbox]:
    with TrelloSandbox(api_key=KEY, token=TOKEN) as running:
        yield running


@pytest.fixture
def board(sandbox: TrelloSandbox) -> dict[str, Any]:
    return sandbox.seed_runbook_board()


@pytest.fixture
def api(sandbox: TrelloSandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.base_url, params={"key": KEY, "token": TOKEN}, timeout=5) as client:
        yield client


@pytest.fixture
def trello(sandbox: TrelloSandbox) -> Iterator[TrelloClient]:
    service = HttpxTrelloService(sandbox.base_url)
    yield TrelloClient(api_key=KEY, api_secret=TOKEN, http_service=service)
    service.client.close()


def contract_violations(contract: ApiContract, sandbox: TrelloSandbox) -> list[str]:
    return [
        violation
        for request in sandbox.requests
        for violation in contract.violations(request.method, request.path, request.params)
    ]


# --- py-trello against the sandbox


def test_py_trello_reads_the_runbook_board(sandbox, board, trello, contract):
    trello_board = trello.get_board(board["shortLink"])
    lists = trello_board.list_lists()
    labels = trello_board.get_labels()
    cards = trello_board.open_cards()

    assert trello_board.name == "Reconnect Pro - Tech"
    assert [item.name for item in lists] == [
        "À simuler",
        "En attente validation PO",
        "À corriger",
        "Validé — à exécuter",
        "Terminé",
    ]
    assert [(label.name, label.id) for label in labels] == [
        ("Migration des dossiers usagers", board["label"])
    ]
    (card,) = cards
    assert card.id == board["card"]
    assert card.list_id == board["lists"]["À simuler"]
    assert [label.name for label in card.labels] == ["Migration des dossiers usagers"]
    assert card.description == RUNBOOK_TICKET
    assert contract_violations(contract, sandbox) == []


def test_py_trello_writes_comment_attachment_label_checklist_and_move(sandbox, board, trello, contract):
    card = trello.get_card(board["card"])
    card.comment("Simulation en cours (8 commandes)…")
    card.attach(
        name="simulation_migration_France Fraternités.xlsx",
        mimeType="application/vnd.ms-excel",
        file=io.BytesIO(AWKWARD_BYTES),
    )
    extra_label = trello.get_board(board["board"]).add_label("Bloqué", "red")
    card.add_label(extra_label)
    checklist_json = trello.fetch_json(
        f"/cards/{card.id}/checklists", http_method="POST", post_args={"name": "Exécution"}
    )
    checklist = Checklist(trello, checklist_json, trello_card=card.id)
    checklist.add_checklist_item("Preprod : groupe 1 (CHU 75)")
    checklist.add_checklist_item("Prod : groupe 1 (CHU 75)", checked=True)
    trello.fetch_json(
        f"/cards/{card.id}",
        http_method="PUT",
        post_args={"idList": board["lists"]["En attente validation PO"]},
    )
    comments = card.get_comments()

    assert [comment["data"]["text"] for comment in comments] == ["Simulation en cours (8 commandes)…"]
    (attachment,) = sandbox.attachments(card.id)
    assert attachment["bytes"] == AWKWARD_BYTES
    assert attachment["name"] == "simulation_migration_France Fraternités.xlsx"
    assert attachment["mimeType"] == "application/vnd.ms-excel"
    after = sandbox.card(card.id)
    assert after["idList"] == board["lists"]["En attente validation PO"]
    assert after["idLabels"] == [board["label"], extra_label.id]
    (stored_checklist,) = sandbox.checklists(card.id)
    assert [(item["name"], item["state"]) for item in stored_checklist["checkItems"]] == [
        ("Preprod : groupe 1 (CHU 75)", "incomplete"),
        ("Prod : groupe 1 (CHU 75)", "complete"),
    ]
    assert (
        after["badges"] | {"comments": 1, "attachments": 1, "checkItems": 2, "checkItemsChecked": 1}
        == after["badges"]
    )
    assert contract_violations(contract, sandbox) == []


def test_py_trello_helpers_that_use_undocumented_routes_fail_here_as_the_contract_says(
    sandbox, board, trello, contract
):
    card = trello.get_card(board["card"])
    with pytest.raises(ResourceUnavailable):
        card.change_list(board["lists"]["À corriger"])  # PUT /cards/{id}/idList: not in the OpenAPI

    refused = sandbox.requests[-1]
    assert (refused.method, refused.status) == ("PUT", 404)
    assert contract.violations(refused.method, refused.path, refused.params) == [
        f"PUT /1/cards/{card.id}/idList: not a documented operation"
    ]
    assert sandbox.card(card.id)["idList"] == board["lists"]["À simuler"]


def test_py_trello_with_a_wrong_token_gets_unauthorized(sandbox, board):
    service = HttpxTrelloService(sandbox.base_url)
    client = TrelloClient(api_key=KEY, api_secret="not-the-token", http_service=service)
    with pytest.raises(Unauthorized, match="invalid token"):
        client.get_board(board["board"])
    service.client.close()


# --- plain httpx: shapes and behaviours


def test_every_served_route_is_a_documented_operation(contract):
    documented = {(operation.method, operation.path) for operation in contract.operations}
    assert [(r.method, r.template) for r in ROUTES if (r.method, r.template) not in documented] == []


def test_members_me_is_the_token_owner(api):
    me = api.get("/members/me").json()
    assert me["username"] == "migrabot"
    assert TRELLO_ID.match(me["id"])
    assert set(me) >= {"email", "status", "fullName", "initials", "avatarUrl", "url"}


def test_board_by_id_or_short_link_with_default_and_requested_fields(api, board):
    by_id = api.get(f"/boards/{board['board']}").json()
    by_short_link = api.get(f"/boards/{board['shortLink']}").json()
    narrow = api.get(f"/boards/{board['board']}", params={"fields": "name,shortLink"}).json()

    assert by_id == by_short_link
    assert set(by_id) == {
        "id",
        "name",
        "desc",
        "descData",
        "closed",
        "idOrganization",
        "pinned",
        "url",
        "shortUrl",
        "prefs",
        "labelNames",
    }
    assert by_id["labelNames"]["blue"] == "Migration des dossiers usagers"
    assert narrow == {"id": board["board"], "name": "Reconnect Pro - Tech", "shortLink": board["shortLink"]}


def test_open_cards_honour_fields(api, sandbox, board):
    sandbox.add_card(board["lists"]["À corriger"], "Autre carte")
    fields = "id,name,desc,idList,idLabels,dateLastActivity"

    cards = api.get(f"/boards/{board['board']}/cards/open", params={"fields": fields}).json()

    assert [set(card) for card in cards] == [set(fields.split(","))] * 2
    assert all(ISO_MS.match(card["dateLastActivity"]) for card in cards)
    assert api.get(f"/boards/{board['board']}/cards/open", params={"fields": "name,nope"}).status_code == 400


def test_closed_cards_leave_the_open_filter(api, board):
    api.put(f"/cards/{board['card']}", params={"closed": "true"})
    assert api.get(f"/boards/{board['board']}/cards/open").json() == []
    assert [c["id"] for c in api.get(f"/boards/{board['board']}/cards/closed").json()] == [board["card"]]


def test_a_board_of_500_cards_answers_one_poll_quickly(api, sandbox):
    created = sandbox.add_board("Grand tableau")
    todo = sandbox.add_list(created["id"], "À simuler")
    for number in range(500):
        sandbox.add_card(todo["id"], f"Carte {number}", "x" * 200)
    sandbox.requests.clear()

    started = time.perf_counter()
    response = api.get(
        f"/boards/{created['id']}/cards/open",
        params={"fields": "id,name,desc,idList,idLabels,dateLastActivity"},
    )
    elapsed = time.perf_counter() - started

    assert response.status_code == 200
    assert len(response.json()) == 500
    assert len(sandbox.requests) == 1
    assert elapsed < 0.5, f"{elapsed:.3f} s"


def test_every_change_bumps_date_last_activity(api, sandbox, board):
    card_id, label_id = board["card"], _new_label(api, board)
    seen = [sandbox.card(card_id)["dateLastActivity"]]
    changes = [
        lambda: api.post(f"/cards/{card_id}/actions/comments", params={"text": "Bonjour"}),
        lambda: api.put(f"/cards/{card_id}", params={"desc": "Nouvelle description"}),
        lambda: api.post(f"/cards/{card_id}/idLabels", params={"value": label_id}),
        lambda: api.post(f"/cards/{card_id}/attachments", params={"url": "https://example.org/rapport"}),
        lambda: api.post(f"/cards/{card_id}/checklists", params={"name": "Exécution"}),
        lambda: sandbox.move_card(card_id, board["lists"]["À corriger"]),
        lambda: sandbox.set_description(card_id, "Modifiée par un humain"),
    ]
    for change in changes:
        change()
        seen.append(sandbox.card(card_id)["dateLastActivity"])

    assert all(ISO_MS.match(moment) for moment in seen)
    assert seen == sorted(set(seen)), seen


def _new_label(api: httpx.Client, board: dict[str, Any]) -> str:
    return api.post(f"/boards/{board['board']}/labels", params={"name": "Urgent", "color": "red"}).json()[
        "id"
    ]


def test_lists_and_labels_can_be_created_both_ways(api, board):
    via_lists = api.post("/lists", json={"name": "Archives", "idBoard": board["board"]}).json()
    via_board = api.post(f"/boards/{board['board']}/lists", params={"name": "Brouillons"}).json()
    label_a = api.post("/labels", json={"name": "Prod", "color": "green", "idBoard": board["board"]}).json()
    label_b = api.post(f"/boards/{board['board']}/labels", params={"name": "Preprod", "color": "sky"}).json()
    bad_color = api.post(f"/boards/{board['board']}/labels", params={"name": "X", "color": "beige"})

    lists = api.get(f"/boards/{board['board']}/lists").json()
    labels = api.get(f"/boards/{board['board']}/labels").json()
    assert [item["name"] for item in lists][-2:] == ["Archives", "Brouillons"]
    assert {via_lists["idBoard"], via_board["idBoard"]} == {board["board"]}
    assert {label["name"] for label in labels} == {"Migration des dossiers usagers", "Prod", "Preprod"}
    assert (label_a["color"], label_b["color"]) == ("green", "sky")
    assert (bad_color.status_code, bad_color.text) == (400, "invalid value for color")


def test_card_creation_and_update(api, board):
    created = api.post(
        "/cards",
        json={
            "idList": board["lists"]["À simuler"],
            "name": "Nouvelle migration",
            "desc": "Centre initial = …",
            "idLabels": board["label"],
            "due": None,
        },
    )
    assert created.status_code == 200
    card = created.json()
    assert TRELLO_ID.match(card["id"]) and card["idShort"] == 2
    assert card["labels"][0]["name"] == "Migration des dossiers usagers"
    assert card["url"].startswith(f"https://trello.com/c/{card['shortLink']}/2-nouvelle-migration")

    moved = api.put(f"/cards/{card['id']}", json={"idList": board["lists"]["À corriger"], "name": "Renommée"})
    assert (moved.json()["idList"], moved.json()["name"]) == (board["lists"]["À corriger"], "Renommée")
    assert api.post("/cards", params={"name": "sans liste"}).text == "invalid value for idList"
    assert api.post("/cards", params={"idList": "nope"}).text == "invalid value for idList"
    assert api.post("/checklists", params={"idCard": "0" * 24}).text == "invalid value for idCard"
    assert api.put(f"/cards/{card['id']}", params={"desc": "x" * 16385}).status_code == 400


def test_labels_on_a_card_are_added_once_and_removed(api, board):
    card_id, label_id = board["card"], _new_label(api, board)
    added = api.post(f"/cards/{card_id}/idLabels", params={"value": label_id})
    again = api.post(f"/cards/{card_id}/idLabels", params={"value": label_id})
    removed = api.delete(f"/cards/{card_id}/idLabels/{label_id}")

    assert added.json() == [board["label"], label_id]
    assert again.status_code == 400
    assert removed.status_code == 200
    assert api.get(f"/cards/{card_id}", params={"fields": "idLabels"}).json()["idLabels"] == [board["label"]]


def test_comments_are_commentcard_actions_newest_first_editable_and_deletable(api, sandbox, board):
    card_id = board["card"]
    first = api.post(f"/cards/{card_id}/actions/comments", params={"text": "premier"}).json()
    sandbox.add_comment(card_id, "réponse du PO")
    second = api.post(f"/cards/{card_id}/actions/comments", json={"text": "**second**"}).json()
    sandbox.move_card(card_id, board["lists"]["À corriger"])

    listed = api.get(f"/cards/{card_id}/actions", params={"filter": "commentCard"}).json()
    assert [action["data"]["text"] for action in listed] == ["**second**", "réponse du PO", "premier"]
    assert {action["type"] for action in listed} == {"commentCard"}
    assert listed[1]["memberCreator"]["fullName"] == "Romain Lacits"

    edited = api.put(f"/actions/{first['id']}", params={"text": "premier (modifié)"}).json()
    edited_again = api.put(f"/actions/{second['id']}/text", params={"value": "second (modifié)"}).json()
    assert edited["data"]["text"] == "premier (modifié)" and "dateLastEdited" in edited["data"]
    assert edited_again["data"]["text"] == "second (modifié)"
    assert api.delete(f"/actions/{first['id']}").status_code == 200
    assert [c["data"]["text"] for c in sandbox.comments(card_id)] == ["second (modifié)", "réponse du PO"]

    moves = api.get(f"/cards/{card_id}/actions", params={"filter": "updateCard:idList"}).json()
    assert [(m["data"]["listBefore"]["name"], m["data"]["listAfter"]["name"]) for m in moves] == [
        ("À simuler", "À corriger")
    ]


def test_comment_length_is_capped_at_16384_characters(api, board):
    accepted = api.post(f"/cards/{board['card']}/actions/comments", json={"text": "é" * 16384})
    refused = api.post(f"/cards/{board['card']}/actions/comments", json={"text": "é" * 16385})
    assert accepted.status_code == 200
    assert (refused.status_code, refused.text) == (400, "invalid value for text")


def test_attachments_by_upload_or_url_with_trello_limits(api, sandbox, board):
    card_id = board["card"]
    uploaded = api.post(
        f"/cards/{card_id}/attachments",
        files={"file": ("sortie.txt", b"ligne 1\r\nligne 2\n", "text/plain")},
        data={"name": "Sortie console", "mimeType": "text/plain; charset=utf-8"},
    )
    linked = api.post(f"/cards/{card_id}/attachments", params={"url": "https://drive.example.org/x"})
    too_big = api.post(
        f"/cards/{card_id}/attachments",
        files={"file": ("gros.bin", b"\0" * (10 * 1024 * 1024 + 1), "application/octet-stream")},
    )

    assert uploaded.json()["name"] == "Sortie console"
    assert uploaded.json()["mimeType"] == "text/plain; charset=utf-8"
    assert linked.json()["isUpload"] is False
    assert too_big.status_code == 413
    assert [a["bytes"] for a in sandbox.attachments(card_id)] == [b"ligne 1\r\nligne 2\n", None]
    assert [a["id"] for a in api.get(f"/cards/{card_id}/attachments").json()] == [
        uploaded.json()["id"],
        linked.json()["id"],
    ]

    for number in range(98):
        api.post(f"/cards/{card_id}/attachments", params={"url": f"https://example.org/{number}"})
    assert (
        api.post(f"/cards/{card_id}/attachments", params={"url": "https://example.org/101"}).status_code
        == 403
    )


def test_checklists_and_check_items(api, sandbox, board):
    card_id = board["card"]
    checklist = api.post("/checklists", params={"idCard": card_id, "name": "Exécution"}).json()
    item = api.post(f"/checklists/{checklist['id']}/checkItems", params={"name": "Preprod"}).json()
    api.post(
        f"/checklists/{checklist['id']}/checkItems", json={"name": "Prod", "checked": True, "pos": "top"}
    )
    ticked = api.put(f"/cards/{card_id}/checkItem/{item['id']}", params={"state": "complete"}).json()

    fetched = api.get(f"/checklists/{checklist['id']}").json()
    assert ticked["state"] == "complete"
    assert [(i["name"], i["state"]) for i in fetched["checkItems"]] == [
        ("Prod", "complete"),
        ("Preprod", "complete"),
    ]
    assert api.get(f"/cards/{card_id}/checklists").json() == [fetched]
    assert sandbox.card(card_id)["idChecklists"] == [checklist["id"]]
    assert api.put(f"/cards/{card_id}/checkItem/{item['id']}", params={"state": "done"}).status_code == 400


def test_batch_answers_up_to_ten_get_routes(api, board):
    urls = f"/cards/{board['card']}?fields=name,idList,/boards/{board['board']}/labels,/cards/{'0' * 24}"
    answers = api.get("/batch", params={"urls": urls}).json()

    assert answers[0] == {
        "200": {
            "id": board["card"],
            "name": api.get(f"/cards/{board['card']}").json()["name"],
            "idList": board["lists"]["À simuler"],
        }
    }
    assert answers[1]["200"][0]["id"] == board["label"]
    assert answers[2] == {"404": "The requested resource was not found."}
    too_many = ",".join([f"/boards/{board['board']}"] * 11)
    assert api.get("/batch", params={"urls": too_many}).status_code == 400


def test_the_runbook_card_parses_into_the_runbooks_eight_rules(board, sandbox):
    from bot.domain.ticket import parse_ticket

    ticket = parse_ticket(sandbox.card(board["card"])["desc"])
    assert not ticket.errors
    assert [(rule.origin.id, rule.destination.id, rule.value) for rule in ticket.rules] == [
        (4537, 5644, "CHU 77"),
        (4537, 4960, "CPH"),
        (4537, 5634, "DAHAR"),
        (4537, 5645, "TEH"),
        (4960, 4537, "CHU 75"),
        (4960, 5644, "CHU 77"),
        (4960, 5634, "DAHAR"),
        (4960, 5645, "TEH"),
    ]


# --- Trello's refusals


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, "invalid key"),
        ({"key": "wrong", "token": TOKEN}, "invalid key"),
        ({"key": KEY}, "unauthorized permission requested"),
        ({"key": KEY, "token": "wrong"}, "invalid token"),
    ],
)
def test_wrong_or_missing_credentials_get_401_with_trellos_text(sandbox, params, expected):
    response = httpx.get(f"{sandbox.base_url}/members/me", params=params)
    assert (response.status_code, response.text) == (401, expected)
    assert response.headers["content-type"].startswith("text/plain")


def test_the_oauth_authorization_header_is_accepted(sandbox):
    header = f'OAuth oauth_consumer_key="{KEY}", oauth_token="{TOKEN}"'
    response = httpx.get(f"{sandbox.base_url}/members/me", headers={"Authorization": header})
    assert response.status_code == 200


def test_unknown_things_get_trellos_answers(api, board):
    unknown = api.get(f"/cards/{'a' * 24}")
    malformed = api.get("/cards/not-an-id")
    undocumented = api.put(f"/cards/{board['card']}/idList", params={"value": board["lists"]["À corriger"]})
    wrong_method = api.delete(f"/boards/{board['board']}/labels")

    assert (unknown.status_code, unknown.text) == (404, "The requested resource was not found.")
    assert (malformed.status_code, malformed.text) == (400, "invalid id")
    assert undocumented.status_code == 404
    assert wrong_method.status_code == 404


def test_a_get_with_a_body_is_forbidden(api, board):
    response = api.request("GET", f"/boards/{board['board']}", content=b'{"fields": "name"}')
    assert response.status_code == 403


# --- fault knobs


def test_a_429_burst_answers_like_trello_then_recovers(api, sandbox):
    sandbox.faults.burst_429 = 2
    responses = [api.get("/members/me") for _ in range(3)]

    assert [r.status_code for r in responses] == [429, 429, 200]
    assert responses[0].json()["error"] == "API_TOKEN_LIMIT_EXCEEDED"
    assert responses[0].headers["x-rate-limit-api-token-remaining"] == "0"
    assert responses[0].headers["x-rate-limit-api-token-max"] == "100"
    assert "retry-after" not in responses[0].headers
    assert int(responses[2].headers["x-rate-limit-api-token-remaining"]) < 100
    assert sandbox.faults.burst_429 == 0


def test_a_429_can_carry_a_retry_hint(api, sandbox):
    sandbox.faults.burst_429, sandbox.faults.retry_after_s = 1, 2
    assert api.get("/members/me").headers["retry-after"] == "2"


def test_real_rate_limits_when_enforced(api, sandbox):
    sandbox.faults.enforce_rate_limits = True
    statuses = [api.get("/members/me").status_code for _ in range(101)]
    assert statuses == [200] * 100 + [429]


def test_error_rate_gives_seeded_5xx_without_applying_the_change(api, sandbox, board):
    sandbox.faults.error_rate = 0.5
    statuses = [
        api.post(f"/cards/{board['card']}/actions/comments", params={"text": str(n)}).status_code
        for n in range(40)
    ]

    failures = [status for status in statuses if status != 200]
    assert 5 < len(failures) < 35
    assert set(failures) <= {500, 502, 503, 504}
    assert len(sandbox.comments(board["card"])) == statuses.count(200)


def test_error_after_apply_loses_the_answer_but_keeps_the_change(api, sandbox, board):
    sandbox.faults.error_rate, sandbox.faults.error_after_apply = 1.0, True
    response = api.post(f"/cards/{board['card']}/actions/comments", params={"text": "posté mais perdu"})
    assert response.status_code >= 500
    assert [c["data"]["text"] for c in sandbox.comments(board["card"])] == ["posté mais perdu"]


def test_latency_is_added(api, sandbox):
    sandbox.faults.latency_s = 0.2
    started = time.perf_counter()
    api.get("/members/me")
    assert time.perf_counter() - started >= 0.2


# --- recording, concurrency, life cycle


def test_requests_are_recorded_with_their_parameters_and_status(api, sandbox, board):
    sandbox.requests.clear()
    api.post(f"/cards/{board['card']}/actions/comments", json={"text": "Bonjour"})
    api.post(
        f"/cards/{board['card']}/attachments",
        files={"file": ("a.txt", b"abc", "text/plain")},
        data={"name": "A"},
    )

    comment, upload = sandbox.requests
    assert (comment.method, comment.path, comment.status) == (
        "POST",
        f"/1/cards/{board['card']}/actions/comments",
        200,
    )
    assert comment.query == {"key": KEY, "token": TOKEN}
    assert comment.body == {"text": "Bonjour"}
    assert upload.body == {
        "name": "A",
        "file": {"filename": "a.txt", "content_type": "text/plain", "size": 3},
    }
    assert upload.params == {"key", "token", "name", "file"}


def test_concurrent_comments_are_all_kept(api, sandbox, board):
    def post(number: int) -> None:  # httpx clients are thread-safe: one pool, many connections
        api.post(f"/cards/{board['card']}/actions/comments", params={"text": f"fil {number}"})

    threads = [threading.Thread(target=post, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    texts = {comment["data"]["text"] for comment in sandbox.comments(board["card"])}
    assert texts == {f"fil {n}" for n in range(20)}


def test_stop_closes_the_port_and_its_threads():
    sandbox = TrelloSandbox()
    base_url = sandbox.start()
    with httpx.Client() as client:  # a kept-alive connection must not keep the sandbox alive
        client.get(f"{base_url}/members/me", params={"key": "sandbox-key", "token": "sandbox-token"})
        sandbox.stop()
    port = int(base_url.split(":")[2].split("/")[0])

    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass
    deadline = time.monotonic() + 2
    while _sandbox_threads() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _sandbox_threads() == []


def _sandbox_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "trello-sandbox" or "process_request" in t.name]
