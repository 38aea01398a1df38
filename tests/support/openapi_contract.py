"""Checks recorded HTTP requests against a published API description (OpenAPI 3.0 or Swagger 2.0).

A request passes when its method and path match a documented operation (templated paths such as
`/cards/{id}/actions/comments` match any non-empty segment, the most literal template winning) and every
parameter it sends, in the query string or the body, is one the operation documents. Where a request puts a
parameter (query, form, JSON body) is not checked: Trello and Slack both accept either.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
REQUEST_LOCATIONS = frozenset({"query", "formData", "body"})

CONTRACTS_DIR = Path(__file__).resolve().parents[1] / "contracts"
TRELLO_SPEC = CONTRACTS_DIR / "trello-openapi.json"
SLACK_SPEC = CONTRACTS_DIR / "slack-web-openapi-v2.json"

# The OpenAPI lists no query parameter for the board's cards, but its description of both operations sends
# the reader to the Nested Resources guide, which documents these for `/1/boards/{id}/cards`
# (https://developer.atlassian.com/cloud/trello/guides/rest-api/nested-resources/).
TRELLO_NESTED_RESOURCE_PARAMS: Mapping[tuple[str, str], frozenset[str]] = {
    ("GET", "/boards/{id}/cards"): frozenset({"fields", "filter", "customFieldItems", "checklists"}),
    ("GET", "/boards/{id}/cards/{filter}"): frozenset({"fields", "customFieldItems", "checklists"}),
}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str | None
    parameters: Mapping[str, str]  # name -> location ("path", "query", "formData", "header", "body")
    extra_params: frozenset[str] = field(default=frozenset())

    @property
    def request_params(self) -> frozenset[str]:
        """Names a request may send in its query string or body."""
        documented = {name for name, where in self.parameters.items() if where in REQUEST_LOCATIONS}
        return frozenset(documented) | self.extra_params


@dataclass(frozen=True)
class _Template:
    path: str
    pattern: re.Pattern[str]
    specificity: tuple[int, ...]  # one entry per segment, 0 = literal, 1 = templated: smaller is more literal


class ApiContract:
    def __init__(
        self,
        operations: Iterable[Operation],
        *,
        base_path: str = "",
        always_allowed: Iterable[str] = (),
    ) -> None:
        self._operations = {(op.method, op.path): op for op in operations}
        self._templates = sorted(
            (_compile_template(path) for path in {op.path for op in self._operations.values()}),
            key=lambda template: template.specificity,
        )
        self.base_path = base_path.rstrip("/")
        self.always_allowed = frozenset(always_allowed)

    @classmethod
    def load(
        cls,
        path: Path,
        *,
        base_path: str | None = None,
        always_allowed: Iterable[str] | None = None,
        extra_params: Mapping[tuple[str, str], Iterable[str]] | None = None,
    ) -> ApiContract:
        """Read a spec; `base_path` defaults to the spec's own (`servers[0].url` or `basePath`), and
        `always_allowed` to the query-string API keys its security schemes declare (Trello's key and token).
        `extra_params` adds parameters documented outside the spec, keyed by (METHOD, spec path)."""
        spec = json.loads(Path(path).read_text(encoding="utf-8"))
        extras = {key: frozenset(names) for key, names in (extra_params or {}).items()}
        operations = list(_read_operations(spec, extras))
        unknown = set(extras) - {(op.method, op.path) for op in operations}
        if unknown:
            raise ValueError(f"extra_params name operations the spec lacks: {sorted(unknown)}")
        return cls(
            operations,
            base_path=_spec_base_path(spec) if base_path is None else base_path,
            always_allowed=_query_api_keys(spec) if always_allowed is None else always_allowed,
        )

    @property
    def operations(self) -> list[Operation]:
        return list(self._operations.values())

    def operation(self, method: str, path: str) -> Operation | None:
        """The documented operation a request reaches, or None."""
        relative = self._relative(urlsplit(path).path)
        for template in self._templates:
            operation = self._operations.get((method.upper(), template.path))
            if operation is not None and template.pattern.fullmatch(relative):
                return operation
        return None

    def violations(self, method: str, path: str, params: Iterable[str] = ()) -> list[str]:
        """What is undocumented in one request (empty when it conforms); a query string left in `path`
        counts as parameters too."""
        names = set(params) | {name for name, _ in parse_qsl(urlsplit(path).query, keep_blank_values=True)}
        shown = f"{method.upper()} {urlsplit(path).path}"
        operation = self.operation(method, path)
        if operation is None:
            return [f"{shown}: not a documented operation"]
        allowed = operation.request_params | self.always_allowed
        return [
            f"{shown}: parameter {name!r} is not documented for {operation.method} {operation.path}"
            for name in sorted(names - allowed)
        ]

    def _relative(self, path: str) -> str:
        if self.base_path and (path == self.base_path or path.startswith(self.base_path + "/")):
            path = path[len(self.base_path) :]
        return _normalise(path)


def trello_contract() -> ApiContract:
    """Atlassian's Trello OpenAPI, requests under `/1`, key/token allowed everywhere, nested-resource
    parameters of the board's cards allowed (see TRELLO_NESTED_RESOURCE_PARAMS)."""
    return ApiContract.load(TRELLO_SPEC, extra_params=TRELLO_NESTED_RESOURCE_PARAMS)


def slack_contract() -> ApiContract:
    """Slack's Web API Swagger 2.0 spec, requests under `/api`."""
    return ApiContract.load(SLACK_SPEC)


# Documented by Slack after this 2019 description was published; each with its reference.
SLACK_LATER_ADDITIONS: Mapping[str, frozenset[str]] = {
    # Message metadata (2022): https://api.slack.com/metadata/using
    "/chat.postMessage": frozenset({"metadata"}),
    "/chat.update": frozenset({"metadata"}),
    "/conversations.history": frozenset({"include_all_metadata"}),
    # The upload flow that replaced files.upload (2024): https://api.slack.com/messaging/files#uploading_files
    "/files.getUploadURLExternal": frozenset({"filename", "length", "alt_txt", "snippet_type"}),
    "/files.completeUploadExternal": frozenset(
        {"files", "channel_id", "channels", "initial_comment", "thread_ts"}
    ),
}
SLACK_LATER_METHODS = frozenset({"/files.getUploadURLExternal", "/files.completeUploadExternal"})


class SlackWebContract:
    """Slack's Web API accepts GET or POST for every method (https://api.slack.com/web#basics: slack_sdk
    always POSTs), so an operation is found by its method name whatever the verb the 2019 spec lists."""

    def __init__(self, contract: ApiContract) -> None:
        self.contract = contract

    def violations(self, method: str, path: str, params: Iterable[str] = ()) -> list[str]:
        relative = self.contract._relative(urlsplit(path).path)
        # slack_sdk sends `team_id` on every call of a request's context client (org-wide apps).
        names = set(params) - {"token", "team_id"}
        extra = SLACK_LATER_ADDITIONS.get(relative, frozenset())
        shown = f"{method.upper()} {urlsplit(path).path}"
        if relative in SLACK_LATER_METHODS:
            return [f"{shown}: parameter {name!r} is not documented" for name in sorted(names - extra)]
        for verb in dict.fromkeys((method.upper(), "POST", "GET")):
            operation = self.contract.operation(verb, path)
            if operation is not None:
                allowed = operation.request_params | self.contract.always_allowed | extra
                return [
                    f"{shown}: parameter {name!r} is not documented for {operation.path}"
                    for name in sorted(names - allowed)
                ]
        return [f"{shown}: not a documented operation"]


def slack_web_contract() -> SlackWebContract:
    return SlackWebContract(slack_contract())


def _read_operations(
    spec: dict[str, Any], extras: Mapping[tuple[str, str], frozenset[str]]
) -> Iterable[Operation]:
    for raw_path, item in spec.get("paths", {}).items():
        path = _normalise(raw_path)
        shared = item.get("parameters", [])
        for method in HTTP_METHODS:
            if method not in item:
                continue
            operation = item[method]
            parameters = _parameters(spec, [*shared, *operation.get("parameters", [])])
            for name in _request_body_properties(spec, operation):
                parameters.setdefault(name, "body")
            key = (method.upper(), path)
            yield Operation(
                method=method.upper(),
                path=path,
                operation_id=operation.get("operationId"),
                parameters=parameters,
                extra_params=extras.get(key, frozenset()),
            )


def _parameters(spec: dict[str, Any], raw: list[dict[str, Any]]) -> dict[str, str]:
    parameters: dict[str, str] = {}
    for parameter in (_resolve(spec, p) for p in raw):
        if parameter.get("in") == "body":  # Swagger 2.0: one body parameter whose schema lists the fields
            for name in _schema_properties(spec, parameter.get("schema", {})):
                parameters.setdefault(name, "body")
        else:
            parameters[parameter["name"]] = parameter["in"]
    return parameters


def _request_body_properties(spec: dict[str, Any], operation: dict[str, Any]) -> set[str]:
    body = _resolve(spec, operation.get("requestBody", {}))
    names: set[str] = set()
    for media in body.get("content", {}).values():
        names |= _schema_properties(spec, media.get("schema", {}))
    return names


def _schema_properties(spec: dict[str, Any], schema: dict[str, Any]) -> set[str]:
    schema = _resolve(spec, schema)
    names = set(schema.get("properties", {}))
    for key in ("oneOf", "anyOf", "allOf"):
        for alternative in schema.get(key, []):
            names |= _schema_properties(spec, alternative)
    return names


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow local `$ref`s (`#/components/...`, `#/parameters/...`)."""
    seen = 0
    while "$ref" in node and seen < 20:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node, seen = target, seen + 1
    return node


def _spec_base_path(spec: dict[str, Any]) -> str:
    if "basePath" in spec:
        return spec["basePath"]
    servers = spec.get("servers") or [{}]
    return urlsplit(servers[0].get("url", "")).path


def _query_api_keys(spec: dict[str, Any]) -> frozenset[str]:
    schemes = {**spec.get("components", {}).get("securitySchemes", {}), **spec.get("securityDefinitions", {})}
    return frozenset(
        scheme["name"]
        for scheme in schemes.values()
        if scheme.get("type") == "apiKey" and scheme.get("in") == "query"
    )


def _normalise(path: str) -> str:
    """`/boards/` and `/boards` are one route; an empty path is the root."""
    stripped = path.rstrip("/")
    return stripped if stripped.startswith("/") else "/" + stripped


def _compile_template(path: str) -> _Template:
    segments = path.strip("/").split("/") if path != "/" else []
    regex_parts, specificity = [], []
    for segment in segments:
        pieces = re.split(r"(\{[^}/]+\})", segment)
        templated = any(piece.startswith("{") for piece in pieces)
        regex_parts.append("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in pieces))
        specificity.append(1 if templated else 0)
    pattern = re.compile("/" + "/".join(regex_parts)) if segments else re.compile("/")
    return _Template(path=path, pattern=pattern, specificity=tuple(specificity))
