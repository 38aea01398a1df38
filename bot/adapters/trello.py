"""The board port over py-trello, with an httpx transport. The only code that knows Trello's JSON.

py-trello builds the requests; `TrelloHttp` (its `http_service`) sends them with httpx to the configured
base URL, moves the key and token from the query string into Trello's documented `Authorization: OAuth …`
header (so they never appear in a URL, a log line or an error), retries what is safe to retry, and counts
requests for the benchmarks.

Retries: 429 always (Trello did not process it), honouring `Retry-After` or the `x-rate-limit-*-interval-ms`
window; 5xx and timeouts for idempotent methods (GET, PUT, DELETE) and for any request that never left
(connection refused). A POST that times out or gets a 5xx may have been applied: it is not replayed here; the
workflow resumes it safely on the next poll (it looks for its marker or attachment before posting again).
"""

from __future__ import annotations

import io
import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import httpx
from trello import Card, TrelloClient
from trello.exceptions import ResourceUnavailable

from bot.app.ports import (
    Attachment,
    BoardLayout,
    BoardUnavailable,
    CardSnapshot,
    CheckItem,
    Checklist,
    Comment,
    Execution,
    Member,
    Tick,
)
from bot.texts import trello as texts

log = logging.getLogger("migrabot.trello")

PY_TRELLO_ROOT = "https://api.trello.com/1/"
# badges carries the comment count: with dateLastActivity it tells the poll that a card's comments moved.
POLL_FIELDS = "id,name,desc,idList,idLabels,dateLastActivity,shortLink,badges"
ACTIONS_PAGE_SIZE = 50
COMMENT_PAGES_MAX = 20
IDEMPOTENT = frozenset({"GET", "PUT", "DELETE", "HEAD"})
# Why a request may be tried again: in the logs (English), and in the error people read (French).
FAILURES_EN = {"connect": "connection failed", "timeout": "timed out"}
FRENCH_REASONS = {"connect": texts.connection_failed, "timeout": texts.timed_out}


class TrelloError(BoardUnavailable):
    """Trello could not be reached or refused a request; the message never contains a credential.

    `status` and `said` are Trello's HTTP status and words when it refused (both None when it was not reached).
    """

    def __init__(self, message: str, *, status: int | None = None, said: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.said = said


class TrelloHttp:
    """py-trello's `http_service`, on httpx."""

    def __init__(
        self,
        *,
        base_url: str,
        timeout_s: float = 20.0,
        max_attempts: int = 5,
        backoff_s: float = 0.5,
        max_backoff_s: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self._sleep = sleep
        self._client = httpx.Client(timeout=timeout_s, transport=transport, follow_redirects=False)
        self._count_lock = threading.Lock()
        self.request_count = 0

    def close(self) -> None:
        self._client.close()

    def request(
        self,
        method: str,
        url: str,
        params: dict | None = None,
        headers: dict | None = None,
        data: str | bytes | None = None,
        auth: Any = None,
        files: dict | None = None,
        proxies: Any = None,
        **_: Any,
    ) -> httpx.Response:
        method = method.upper()
        params = dict(params or {})
        headers = dict(headers or {})
        key, token = params.pop("key", None), params.pop("token", None)
        if key is not None or token is not None:
            headers["Authorization"] = f'OAuth oauth_consumer_key="{key or ""}", oauth_token="{token or ""}"'
        target = self._rewrite(url)
        for attempt in range(1, self.max_attempts + 1):
            try:
                self._count()
                response = self._client.request(
                    method, target, params=params, headers=headers, content=data, files=_httpx_files(files)
                )
            except httpx.ConnectError as error:  # nothing was sent: always safe to try again
                self._retry_or_raise(attempt, method, target, failure="connect", error=error)
                continue
            except httpx.TimeoutException as error:
                if method not in IDEMPOTENT:
                    raise TrelloError(texts.no_answer(method, _path(target))) from None
                self._retry_or_raise(attempt, method, target, failure="timeout", error=error)
                continue
            except httpx.HTTPError as error:
                raise TrelloError(texts.network_error(type(error).__name__, method, _path(target))) from None
            retryable = response.status_code == 429 or (response.status_code >= 500 and method in IDEMPOTENT)
            if retryable and attempt < self.max_attempts:
                delay = self._delay(attempt, response)
                log.warning(
                    "trello %s %s answered %s, retry %d in %.1fs",
                    method,
                    _path(target),
                    response.status_code,
                    attempt,
                    delay,
                )
                self._sleep(delay)
                continue
            return response
        raise AssertionError("unreachable")

    def _retry_or_raise(
        self, attempt: int, method: str, target: str, *, failure: str, error: Exception
    ) -> None:
        """Logs say it in English; the error people read (doctor, the card) says it in French."""
        kind = type(error).__name__
        if attempt >= self.max_attempts:
            reason = FRENCH_REASONS[failure](kind)
            raise TrelloError(texts.unreachable(reason, method, _path(target)))
        delay = self._delay(attempt, None)
        log.warning(
            "trello %s %s: %s (%s), retry %d in %.1fs",
            method,
            _path(target),
            FAILURES_EN[failure],
            kind,
            attempt,
            delay,
        )
        self._sleep(delay)

    def _delay(self, attempt: int, response: httpx.Response | None) -> float:
        hint = _retry_hint(response) if response is not None else None
        if hint is None:
            hint = self.backoff_s * 2 ** (attempt - 1)
        return min(hint, self.max_backoff_s) * (1 + random.random() * 0.25)  # jitter spreads retrying clients

    def _rewrite(self, url: str) -> str:
        if url.startswith(PY_TRELLO_ROOT):
            return self.base_url + url[len(PY_TRELLO_ROOT) :]
        return url

    def _count(self) -> None:
        with self._count_lock:
            self.request_count += 1


def _retry_hint(response: httpx.Response) -> float | None:
    retry_after = response.headers.get("retry-after")
    if retry_after:
        try:
            return max(float(retry_after), 0.0)
        except ValueError:
            return None
    for name in ("x-rate-limit-api-token-interval-ms", "x-rate-limit-api-key-interval-ms"):
        if response.status_code == 429 and response.headers.get(name, "").isdigit():
            return int(response.headers[name]) / 1000
    return None


def _httpx_files(files: dict | None) -> dict | None:
    """py-trello passes requests-style `{"file": (name, fileobj, mime)}`; httpx takes the same tuples."""
    return files or None


def _path(url: str) -> str:
    return httpx.URL(url).path


class TrelloBoard:
    """The board port: what the workflow needs from Trello, in as few requests as possible."""

    def __init__(self, *, http: TrelloHttp, api_key: str, token: str, board_id: str) -> None:
        self.http = http
        self._client = TrelloClient(api_key=api_key, api_secret=token, http_service=http)
        self._board_id = board_id
        self._board: Any = None
        self._member: dict | None = None

    def _fetch(self, path: str, **kwargs: Any) -> Any:
        try:
            return self._client.fetch_json(path, **kwargs)
        except ResourceUnavailable as error:
            raise _refusal(kwargs.get("http_method", "GET"), path, error) from None

    def board(self) -> Any:
        """py-trello's Board, fetched once: the parent every Card object needs."""
        if self._board is None:
            try:
                self._board = self._client.get_board(self._board_id)
            except ResourceUnavailable as error:
                raise _refusal("GET", f"/boards/{self._board_id}", error) from None
        return self._board

    def _card(self, card_id: str) -> Card:
        return Card(self.board(), card_id)

    def layout(self) -> BoardLayout:
        lists = self._fetch(
            f"/boards/{self._board_id}/lists", query_params={"fields": "id,name", "filter": "open"}
        )
        labels = self._fetch(
            f"/boards/{self._board_id}/labels", query_params={"fields": "id,name", "limit": "1000"}
        )
        return BoardLayout(
            lists={item["name"]: item["id"] for item in lists},
            labels={item["name"]: item["id"] for item in labels if item.get("name")},
        )

    def open_cards(self) -> list[CardSnapshot]:
        """The whole poll: one request, only the fields the workflow reads."""
        cards = self._fetch(f"/boards/{self._board_id}/cards/open", query_params={"fields": POLL_FIELDS})
        return [_snapshot(card) for card in cards]

    def card(self, card_id: str) -> CardSnapshot:
        """One card, fresh (a decision re-checks the description before it counts)."""
        card = self._fetch(f"/cards/{card_id}", query_params={"fields": POLL_FIELDS})
        return _snapshot(card)

    def comments(self, card_id: str) -> list[Comment]:
        """Newest first; rarely more than one request."""
        return [
            Comment(
                id=action["id"],
                text=action.get("data", {}).get("text", ""),
                author_id=action.get("idMemberCreator", ""),
                posted_at=_timestamp(action.get("date")),
            )
            for action in self._card_actions(card_id, "commentCard")
        ]

    def _card_actions(self, card_id: str, action_filter: str) -> list[dict]:
        """Newest first, page after page (Trello pages actions by 50)."""
        found: list[dict] = []
        for page in range(COMMENT_PAGES_MAX):
            actions = self._fetch(
                f"/cards/{card_id}/actions", query_params={"filter": action_filter, "page": str(page)}
            )
            found += actions
            if len(actions) < ACTIONS_PAGE_SIZE:
                break
        return found

    def comment(self, card_id: str, text: str) -> str:
        try:
            return self._card(card_id).comment(text)["id"]
        except ResourceUnavailable as error:
            raise _refusal("POST", f"/cards/{card_id}/actions/comments", error) from None

    def edit_comment(self, comment_id: str, text: str) -> None:
        """Only the bot's own comments can be edited (Trello refuses the others)."""
        self._fetch(f"/actions/{comment_id}", http_method="PUT", post_args={"text": text})

    def attachments(self, card_id: str) -> list[Attachment]:
        found = self._fetch(f"/cards/{card_id}/attachments", query_params={"fields": "id,name,idMember"})
        return [
            Attachment(id=item["id"], name=item.get("name", ""), author_id=item.get("idMember") or "")
            for item in found
        ]

    def attach(self, card_id: str, *, filename: str, data: bytes, mime_type: str) -> str:
        try:
            return self._card(card_id).attach(name=filename, mimeType=mime_type, file=io.BytesIO(data))["id"]
        except ResourceUnavailable as error:
            raise _refusal("POST", f"/cards/{card_id}/attachments", error) from None

    def move(self, card_id: str, list_id: str) -> None:
        """`PUT /cards/{id}` with `idList`: the documented way (py-trello's change_list uses an undocumented route)."""
        self._fetch(f"/cards/{card_id}", http_method="PUT", post_args={"idList": list_id})

    def add_label(self, card_id: str, label_id: str) -> None:
        self._fetch(f"/cards/{card_id}/idLabels", http_method="POST", post_args={"value": label_id})

    def checklists(self, card_id: str) -> list[Checklist]:
        """With who added each one: a checklist has no creator field, its `addChecklistToCard` action has."""
        found = self._fetch(f"/cards/{card_id}/checklists")
        creators = {}
        if found:
            for action in self._card_actions(card_id, "addChecklistToCard"):
                checklist = action.get("data", {}).get("checklist", {})
                creators[checklist.get("id")] = action.get("idMemberCreator", "")
        return [replace(_checklist(c), author_id=creators.get(c["id"], "")) for c in found]

    def execution(self, card_id: str) -> Execution:
        """Checklists and tick actions in one request (nested resources of the card)."""
        card = self._fetch(
            f"/cards/{card_id}",
            query_params={"fields": "id", "checklists": "all", "actions": "updateCheckItemStateOnCard"},
        )
        ticks = tuple(
            Tick(
                action_id=action["id"],
                item_id=action.get("data", {}).get("checkItem", {}).get("id", ""),
                item_name=action.get("data", {}).get("checkItem", {}).get("name", ""),
                checked=action.get("data", {}).get("checkItem", {}).get("state") == "complete",
                member_id=action.get("idMemberCreator", ""),
            )
            for action in card.get("actions", [])
            if action.get("type") == "updateCheckItemStateOnCard"
        )
        return Execution(checklists=tuple(_checklist(c) for c in card.get("checklists", [])), ticks=ticks)

    def tick(self, card_id: str, item_id: str) -> None:
        self._fetch(
            f"/cards/{card_id}/checkItem/{item_id}", http_method="PUT", post_args={"state": "complete"}
        )

    def untick(self, card_id: str, item_id: str) -> None:
        self._fetch(
            f"/cards/{card_id}/checkItem/{item_id}", http_method="PUT", post_args={"state": "incomplete"}
        )

    def add_checklist(self, card_id: str, name: str, items: Sequence[str]) -> str:
        """N+1 requests (py-trello's own add_checklist also re-fetches the whole card)."""
        checklist = self._fetch(f"/cards/{card_id}/checklists", http_method="POST", post_args={"name": name})
        self.add_checklist_items(checklist["id"], items)
        return checklist["id"]

    def add_checklist_items(self, checklist_id: str, items: Sequence[str]) -> None:
        for item in items:
            self._fetch(
                f"/checklists/{checklist_id}/checkItems",
                http_method="POST",
                post_args={"name": item, "checked": "false"},
            )

    def rename_checklist(self, checklist_id: str, name: str) -> None:
        self._fetch(f"/checklists/{checklist_id}", http_method="PUT", post_args={"name": name})

    # --- set-up (doctor --fix) -------------------------------------------------------------------

    def create_list(self, name: str) -> str:
        return self._fetch(
            "/lists",
            http_method="POST",
            post_args={"name": name, "idBoard": self.board().id, "pos": "bottom"},
        )["id"]

    def create_label(self, name: str, color: str = "purple") -> str:
        return self._fetch(
            f"/boards/{self.board().id}/labels", http_method="POST", post_args={"name": name, "color": color}
        )["id"]

    def member_name(self) -> str:
        return self._me().get("username", "")

    def member_id(self) -> str:
        """The bot's own Trello member: only its comments, attachments and checklists are taken for its own."""
        return self._me()["id"]

    def me(self) -> Member:
        """The bot's own member (how comments mention it), read once like its id."""
        found = self._me()
        return Member(id=found["id"], username=found.get("username", ""), full_name=found.get("fullName", ""))

    def member(self, id_or_username: str) -> Member:
        found = self._fetch(f"/members/{id_or_username}", query_params={"fields": "id,username,fullName"})
        return Member(id=found["id"], username=found.get("username", ""), full_name=found.get("fullName", ""))

    def _me(self) -> dict:
        if self._member is None:
            self._member = self._fetch("/members/me", query_params={"fields": "id,username,fullName"})
        return self._member


def _timestamp(date: object) -> float:
    """An action's `date` (ISO 8601, `Z`) as Unix seconds; 0 when absent or unreadable."""
    try:
        return datetime.fromisoformat(str(date).replace("Z", "+00:00")).timestamp() if date else 0.0
    except ValueError:
        return 0.0


def _checklist(found: dict) -> Checklist:
    items = found.get("checkItems", [])
    return Checklist(
        id=found["id"],
        name=found.get("name", ""),
        items=tuple(i.get("name", "") for i in items),
        entries=tuple(
            CheckItem(id=i["id"], name=i.get("name", ""), checked=i.get("state") == "complete") for i in items
        ),
    )


def _snapshot(card: dict) -> CardSnapshot:
    return CardSnapshot(
        id=card["id"],
        name=card.get("name", ""),
        desc=card.get("desc", ""),
        list_id=card.get("idList", ""),
        label_ids=tuple(card.get("idLabels", ())),
        last_activity=card.get("dateLastActivity") or "",
        short_link=card.get("shortLink", ""),
        comment_count=int((card.get("badges") or {}).get("comments") or 0),
    )


def _refusal(method: str, path: str, error: ResourceUnavailable) -> TrelloError:
    """py-trello's message is « <body> at <url without query> »: no credential in it."""
    status = getattr(error, "_status", None)
    body = str(getattr(error, "_msg", "")).rsplit(" at https://", 1)[0][:200]
    return TrelloError(
        texts.refused(method, path, status if status is not None else "?", body),
        status=int(status) if isinstance(status, int) else None,
        said=body.strip(),
    )
