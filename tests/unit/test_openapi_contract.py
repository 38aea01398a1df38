"""The contract checker on Atlassian's Trello OpenAPI 3.0, Slack's Swagger 2.0, and small hand-made specs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.openapi_contract import (
    SLACK_SPEC,
    TRELLO_SPEC,
    ApiContract,
    slack_contract,
    trello_contract,
)

CARD = "5abbe4b7ddc1b351ef961414"


@pytest.fixture(scope="module")
def trello() -> ApiContract:
    return trello_contract()


@pytest.fixture(scope="module")
def slack() -> ApiContract:
    return slack_contract()


# --- Trello (OpenAPI 3.0)


def test_trello_base_path_and_auth_parameters_come_from_the_spec(trello):
    assert trello.base_path == "/1"
    assert trello.always_allowed == {"key", "token"}


@pytest.mark.parametrize(
    ("method", "path", "template"),
    [
        ("POST", f"/1/cards/{CARD}/actions/comments", "/cards/{id}/actions/comments"),
        ("GET", f"/1/boards/{CARD}/labels", "/boards/{id}/labels"),  # literal beats /boards/{id}/{field}
        ("GET", f"/1/boards/{CARD}/name", "/boards/{id}/{field}"),
        ("GET", "/1/members/me", "/members/{id}"),
        ("GET", f"/1/boards/{CARD}/cards/open", "/boards/{id}/cards/{filter}"),
        ("GET", f"/1/boards/{CARD}/cards/", "/boards/{id}/cards"),  # a trailing slash is the same route
        ("POST", "/1/boards", "/boards"),  # the spec writes it `/boards/`
        ("PUT", f"/cards/{CARD}/checkItem/abc", "/cards/{id}/checkItem/{idCheckItem}"),  # prefix optional
        ("delete", f"/1/actions/{CARD}", "/actions/{id}"),
    ],
)
def test_trello_requests_find_their_operation(trello, method, path, template):
    operation = trello.operation(method, path)
    assert operation is not None
    assert (operation.method, operation.path) == (method.upper(), template)


def test_a_method_the_path_does_not_document_is_no_operation(trello):
    assert trello.operation("PUT", f"/1/cards/{CARD}/idList") is None  # only GET /cards/{id}/{field}
    assert trello.violations("PUT", f"/1/cards/{CARD}/idList", ["value"]) == [
        f"PUT /1/cards/{CARD}/idList: not a documented operation"
    ]
    assert trello.violations("GET", "/1/nowhere") == ["GET /1/nowhere: not a documented operation"]


def test_documented_parameters_pass_and_others_are_named(trello):
    assert trello.violations("POST", "/1/cards", ["idList", "name", "desc", "idLabels", "key", "token"]) == []
    assert trello.violations("PUT", f"/1/cards/{CARD}", ["desc", "colour"]) == [
        f"PUT /1/cards/{CARD}: parameter 'colour' is not documented for PUT /cards/{{id}}"
    ]


def test_path_parameters_are_not_request_parameters(trello):
    assert trello.violations("POST", f"/1/cards/{CARD}/actions/comments", ["text", "id"]) != []


def test_a_query_string_left_in_the_path_is_checked_too(trello):
    assert trello.violations("GET", f"/1/cards/{CARD}?fields=name,desc&key=k&token=t") == []
    assert trello.violations("GET", f"/1/cards/{CARD}?badges=false") == [
        f"GET /1/cards/{CARD}: parameter 'badges' is not documented for GET /cards/{{id}}"
    ]


def test_request_body_properties_count_as_parameters(trello):
    assert trello.violations("PUT", f"/1/boards/{CARD}/members", ["email", "type", "fullName"]) == []


def test_nested_resource_parameters_of_the_boards_cards_are_allowed_only_there(trello):
    assert trello.violations("GET", f"/1/boards/{CARD}/cards/open", ["fields", "customFieldItems"]) == []
    assert trello.violations("GET", f"/1/boards/{CARD}/cards", ["fields", "filter"]) == []
    assert trello.violations("GET", f"/1/lists/{CARD}/cards", ["fields"]) != []


def test_without_the_allowance_the_spec_alone_refuses_fields_on_the_boards_cards():
    bare = ApiContract.load(TRELLO_SPEC)
    assert bare.violations("GET", f"/1/boards/{CARD}/cards/open", ["fields"]) == [
        f"GET /1/boards/{CARD}/cards/open: parameter 'fields' is not documented for GET /boards/{{id}}/cards/{{filter}}"
    ]


def test_an_allowance_for_an_operation_the_spec_lacks_is_refused():
    with pytest.raises(ValueError, match="PUT"):
        ApiContract.load(TRELLO_SPEC, extra_params={("PUT", "/cards/{id}/idList"): ["value"]})


# --- Slack (Swagger 2.0)


def test_slack_base_path_is_api_and_nothing_is_allowed_everywhere(slack):
    assert slack.base_path == "/api"
    assert slack.always_allowed == frozenset()


@pytest.mark.parametrize(
    ("method", "path", "params"),
    [
        ("POST", "/api/chat.postMessage", ["channel", "text", "blocks", "thread_ts"]),
        ("POST", "/api/chat.update", ["channel", "ts", "text", "blocks"]),
        ("GET", "/api/conversations.history", ["channel", "limit"]),
        ("POST", "/chat.postMessage", ["channel", "text"]),
    ],
)
def test_slack_documented_calls_pass(slack, method, path, params):
    assert slack.violations(method, path, params) == []


def test_slack_undocumented_calls_and_parameters_are_named(slack):
    assert slack.violations("POST", "/api/chat.postMessage", ["channel", "txt"]) == [
        "POST /api/chat.postMessage: parameter 'txt' is not documented for POST /chat.postMessage"
    ]
    assert slack.violations("POST", "/api/chat.sendMessage", []) == [
        "POST /api/chat.sendMessage: not a documented operation"
    ]


def test_slack_header_parameters_are_not_form_fields(slack):
    operation = slack.operation("POST", "/api/chat.postMessage")
    assert operation.parameters["token"] == "header"
    assert "token" not in operation.request_params


def test_explicit_base_path_and_always_allowed_override_the_spec():
    contract = ApiContract.load(SLACK_SPEC, base_path="/slack", always_allowed=["token"])
    assert contract.violations("POST", "/slack/chat.postMessage", ["channel", "token"]) == []


# --- generic behaviour on hand-made specs


def _write(tmp_path: Path, spec: dict) -> Path:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    return path


def test_swagger_refs_and_body_parameters(tmp_path):
    spec = {
        "swagger": "2.0",
        "basePath": "/v2",
        "parameters": {"Limit": {"name": "limit", "in": "query", "type": "integer"}},
        "definitions": {"Pet": {"type": "object", "properties": {"name": {"type": "string"}}}},
        "paths": {
            "/pets": {
                "get": {"parameters": [{"$ref": "#/parameters/Limit"}]},
                "post": {
                    "parameters": [{"name": "pet", "in": "body", "schema": {"$ref": "#/definitions/Pet"}}]
                },
            }
        },
    }
    contract = ApiContract.load(_write(tmp_path, spec))
    assert contract.violations("GET", "/v2/pets", ["limit"]) == []
    assert contract.violations("POST", "/v2/pets", ["name"]) == []
    assert contract.violations("POST", "/v2/pets", ["pet"]) != []  # the body parameter is its fields


def test_openapi_path_level_parameters_and_servers_path(tmp_path):
    spec = {
        "openapi": "3.0.0",
        "servers": [{"url": "https://example.org/api/3"}],
        "paths": {
            "/things/{id}": {
                "parameters": [
                    {"name": "id", "in": "path", "required": True},
                    {"name": "verbose", "in": "query"},
                ],
                "get": {"parameters": [{"name": "fields", "in": "query"}]},
            }
        },
    }
    contract = ApiContract.load(_write(tmp_path, spec))
    assert contract.base_path == "/api/3"
    assert contract.violations("GET", "/api/3/things/7", ["verbose", "fields"]) == []
    assert contract.operation("GET", "/api/3/things/") is None  # a template segment is never empty
