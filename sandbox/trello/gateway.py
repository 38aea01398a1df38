"""Everything a request meets before and after its route: Trello's refusals (GET with a body, bad key or
token, rate limits), the fault knobs, and the request log.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from sandbox.trello.api import NOT_FOUND_TEXT, Call, Reply, run
from sandbox.trello.multipart import MultipartError, Part, parse_multipart
from sandbox.trello.routes import ROUTER
from sandbox.trello.store import Store

API_PREFIX = "/1"
RATE_WINDOW_S = 10.0
TOKEN_LIMIT = 100  # requests per 10 s per token
KEY_LIMIT = 300  # requests per 10 s per API key
OAUTH_PARAM = re.compile(r'(oauth_consumer_key|oauth_token)="([^"]*)"')


@dataclass
class Faults:
    """Mutable knobs for reliability tests; change them at any time, from any thread."""

    error_rate: float = 0.0  # probability that a request gets a 5xx
    error_statuses: tuple[int, ...] = (500, 502, 503, 504)
    error_after_apply: bool = False  # the change is made, then the 5xx is sent (a response lost on the way)
    burst_429: int = 0  # the next N authenticated requests get a 429
    retry_after_s: int | None = None  # adds Retry-After to 429s (Trello documents none)
    latency_s: float = 0.0  # added before each answer
    enforce_rate_limits: bool = False  # refuse past Trello's 100 requests / 10 s per token
    seed: int = 0  # of the error draws; read once, at construction
    _rng: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def take_429(self) -> bool:
        with self._lock:
            if self.burst_429 > 0:
                self.burst_429 -= 1
                return True
            return False

    def draw_error(self) -> int | None:
        with self._lock:
            if self.error_rate > 0 and self._rng.random() < self.error_rate:
                return self._rng.choice(self.error_statuses)
            return None


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # without the query string, e.g. /1/cards/5abb…/actions/comments
    query: dict[str, str]
    body: dict[str, Any]  # JSON or form fields; a multipart file as {"filename", "content_type", "size"}
    status: int
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased names

    @property
    def params(self) -> frozenset[str]:
        """Every parameter name the request sent, in its query string or body."""
        return frozenset(self.query) | frozenset(self.body)


@dataclass(frozen=True)
class IncomingRequest:
    method: str
    target: str  # path and query string as received
    headers: Mapping[str, str]  # lower-cased names
    body: bytes


@dataclass(frozen=True)
class _Parsed:
    path: str
    query: dict[str, str]
    body: dict[str, Any]
    files: dict[str, Part]


class BadRequest(ValueError):
    pass


class RateWindow:
    """Requests accepted in the last 10 seconds, for the x-rate-limit-* headers and the optional limit."""

    def __init__(self) -> None:
        self._times: deque[float] = deque()
        self._lock = threading.Lock()

    def count(self) -> int:
        with self._lock:
            self._forget_old(time.monotonic())
            return len(self._times)

    def add(self) -> None:
        with self._lock:
            now = time.monotonic()
            self._forget_old(now)
            self._times.append(now)

    def _forget_old(self, now: float) -> None:
        while self._times and now - self._times[0] > RATE_WINDOW_S:
            self._times.popleft()


class Gateway:
    def __init__(self, store: Store, faults: Faults, *, api_key: str, token: str) -> None:
        self.store = store
        self.faults = faults
        self.api_key = api_key
        self.token = token
        self.requests: list[RecordedRequest] = []
        self.window = RateWindow()

    def handle(self, request: IncomingRequest) -> Reply:
        if self.faults.latency_s > 0:
            time.sleep(self.faults.latency_s)
        try:
            parsed = _parse(request)
        except BadRequest as error:
            parsed, reply = _Parsed(urlsplit(request.target).path, {}, {}, {}), Reply(400, str(error))
        else:
            reply = self._answer(request, parsed)
        self.requests.append(_record(request, parsed, reply.status))
        return reply

    def _answer(self, request: IncomingRequest, parsed: _Parsed) -> Reply:
        if request.method == "GET" and request.body:
            return Reply(403, "Forbidden")  # Trello refuses GET requests that carry a body
        refusal = self._authenticate(request, parsed)
        if refusal:
            return Reply(401, refusal)
        if self.faults.take_429() or (self.faults.enforce_rate_limits and self.window.count() >= TOKEN_LIMIT):
            return self._too_many_requests()
        self.window.add()
        reply = self._route(request.method, parsed)
        return Reply(reply.status, reply.body, {**reply.headers, **self._rate_headers()})

    def _route(self, method: str, parsed: _Parsed) -> Reply:
        if not parsed.path.startswith(API_PREFIX + "/"):
            return Reply(404, NOT_FOUND_TEXT)
        found = ROUTER.find(method, parsed.path.removeprefix(API_PREFIX))
        if found is None:
            return Reply(404, NOT_FOUND_TEXT, {"X-Sandbox-Reason": "no route: not a documented operation"})
        route, path_params = found
        error = self.faults.draw_error()
        if error is not None and not self.faults.error_after_apply:
            return _server_error(error)
        call = Call(self.store, path_params, {**parsed.query, **parsed.body}, parsed.files, self._get_route)
        reply = run(route.handler, call)
        return _server_error(error) if error is not None else reply

    def _get_route(self, url: str) -> Reply:
        """A /batch sub-request: a GET route without the version prefix (tolerated when present)."""
        parts = urlsplit(url)
        path = parts.path.removeprefix(API_PREFIX) if parts.path.startswith(API_PREFIX + "/") else parts.path
        found = ROUTER.find("GET", path)
        if found is None:
            return Reply(404, NOT_FOUND_TEXT)
        route, path_params = found
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        return run(route.handler, Call(self.store, path_params, query, {}, self._get_route))

    def _authenticate(self, request: IncomingRequest, parsed: _Parsed) -> str | None:
        oauth = dict(OAUTH_PARAM.findall(request.headers.get("authorization", "")))
        key = parsed.query.get("key") or parsed.body.get("key") or oauth.get("oauth_consumer_key")
        token = parsed.query.get("token") or parsed.body.get("token") or oauth.get("oauth_token")
        if key != self.api_key:
            return "invalid key"
        if not token:
            return "unauthorized permission requested"
        if token != self.token:
            return "invalid token"
        return None

    def _too_many_requests(self) -> Reply:
        headers = {**self._rate_headers(), "x-rate-limit-api-token-remaining": "0"}
        if self.faults.retry_after_s is not None:
            headers["Retry-After"] = str(self.faults.retry_after_s)
        body = {
            "error": "API_TOKEN_LIMIT_EXCEEDED",
            "message": f"Rate limit exceeded: {TOKEN_LIMIT} requests per {int(RATE_WINDOW_S)} seconds per token.",
        }
        return Reply(429, body, headers)

    def _rate_headers(self) -> dict[str, str]:
        used = self.window.count()
        interval = str(int(RATE_WINDOW_S * 1000))
        return {
            "x-rate-limit-api-token-interval-ms": interval,
            "x-rate-limit-api-token-max": str(TOKEN_LIMIT),
            "x-rate-limit-api-token-remaining": str(max(TOKEN_LIMIT - used, 0)),
            "x-rate-limit-api-key-interval-ms": interval,
            "x-rate-limit-api-key-max": str(KEY_LIMIT),
            "x-rate-limit-api-key-remaining": str(max(KEY_LIMIT - used, 0)),
        }


def _server_error(status: int) -> Reply:
    return Reply(status, HTTPStatus(status).phrase)


def _parse(request: IncomingRequest) -> _Parsed:
    parts = urlsplit(request.target)
    query: dict[str, str] = {}
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        query.setdefault(name, value)
    body, files = _parse_body(request)
    return _Parsed(parts.path, query, body, files)


def _parse_body(request: IncomingRequest) -> tuple[dict[str, Any], dict[str, Part]]:
    if not request.body:
        return {}, {}
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";")[0].strip().lower()
    if media_type == "application/json":
        try:
            decoded = json.loads(request.body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise BadRequest("invalid JSON") from None
        if not isinstance(decoded, dict):
            raise BadRequest("invalid JSON")
        return {name: value for name, value in decoded.items() if value is not None}, {}
    if media_type == "application/x-www-form-urlencoded":
        return dict(parse_qsl(request.body.decode("utf-8", errors="replace"), keep_blank_values=True)), {}
    if media_type == "multipart/form-data":
        try:
            parts = parse_multipart(request.body, content_type)
        except MultipartError as error:
            raise BadRequest(f"invalid multipart body: {error}") from None
        files = {part.name: part for part in parts if part.filename is not None or part.name == "file"}
        fields = {part.name: part.text for part in parts if part.name not in files}
        return fields, files
    return {}, {}


def _record(request: IncomingRequest, parsed: _Parsed, status: int) -> RecordedRequest:
    body: dict[str, Any] = dict(parsed.body)
    for name, part in parsed.files.items():
        body[name] = {"filename": part.filename, "content_type": part.content_type, "size": len(part.data)}
    return RecordedRequest(
        method=request.method,
        path=parsed.path,
        query=dict(parsed.query),
        body=body,
        status=status,
        headers=dict(request.headers),
    )
