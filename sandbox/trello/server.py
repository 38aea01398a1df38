"""`TrelloSandbox`: the stand-in served over real HTTP on loopback, plus the helpers tests and the demo use
to seed the board and look at it (as the team would in Trello's web page)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler
from types import TracebackType
from typing import Any

from sandbox.loopback import LoopbackHTTPServer
from sandbox.trello import render
from sandbox.trello.api import Reply
from sandbox.trello.gateway import API_PREFIX, Faults, Gateway, IncomingRequest, RecordedRequest
from sandbox.trello.seed import seed_runbook_board
from sandbox.trello.store import Store

IDLE_CONNECTION_TIMEOUT_S = 30
SHUTDOWN_POLL_S = 0.02


class TrelloSandbox:
    """Trello's REST API on `http://127.0.0.1:<port>/1`, in memory, one instance per test or demo.

    Serves only operations of Atlassian's OpenAPI (see `routes.ROUTES`): a route Trello answers but does not
    document, such as `PUT /cards/{id}/idList`, gets a 404 here, because the bot must not depend on it.
    Authentication, 401/400/404/403 texts, `dateLastActivity` bumps, the 16,384-character cap, attachment
    limits (100 per card, 10 MB) and rate-limit headers follow Trello; `faults` adds 429s, 5xx and latency.
    """

    def __init__(
        self,
        *,
        api_key: str = "sandbox-key",
        token: str = "sandbox-token",
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int | None = None,
    ) -> None:
        self._address = (host, port)
        self._store = Store(seed=seed)
        self.faults = Faults()
        self._gateway = Gateway(self._store, self.faults, api_key=api_key, token=token)
        self._server: _SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""
        # Called with each request once its answer has left: reliability tests kill the bot right there,
        # after Trello applied a change and before the bot could journal it.
        self.after_reply: Callable[[RecordedRequest], None] | None = None

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, in arrival order (the live list: `clear()` it between steps)."""
        return self._gateway.requests

    # --- life cycle

    def start(self) -> str:
        if self._server is None:
            self._server = _SandboxHTTPServer(self._address, _Handler, self._gateway, self)
            host, port = self._server.server_address[:2]
            self.base_url = f"http://{host}:{port}{API_PREFIX}"
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": SHUTDOWN_POLL_S},
                name="trello-sandbox",
                daemon=True,
            )
            self._thread.start()
        return self.base_url

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> TrelloSandbox:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- seeding, as the team would do it in Trello

    def add_board(self, name: str, *, board_id: str | None = None) -> dict:
        with self._store.lock:
            return render.board_json(self._store, self._store.create_board(name, board_id=board_id))

    def add_list(self, board_id: str, name: str) -> dict:
        with self._store.lock:
            return render.list_json(self._store.create_list(self._store.board(board_id), name))

    def add_label(self, board_id: str, name: str, color: str = "green") -> dict:
        with self._store.lock:
            label = self._store.create_label(self._store.board(board_id), name, color)
            return render.label_json(self._store, label)

    def add_card(self, list_id: str, name: str, desc: str = "", *, label_ids: Sequence[str] = ()) -> dict:
        store = self._store
        with store.lock:
            card = store.create_card(
                store.list(list_id), name, desc=desc, label_ids=list(label_ids), by=store.human
            )
            return render.card_json(store, card)

    def seed_runbook_board(self) -> dict:
        """« Reconnect Pro - Tech » with its four lists, the migration label and the runbook's ticket in
        « À simuler »; returns {"board", "shortLink", "lists": {name: id}, "label", "card"}."""
        return seed_runbook_board(self._store)

    # --- what a human does on the board (bumps dateLastActivity and records an action, like Trello)

    def move_card(self, card_id: str, list_id: str) -> dict:
        store = self._store
        with store.lock:
            card = store.card(card_id)
            store.update_card(card, by=store.human, id_list=store.list(list_id).id)
            return render.card_json(store, card)

    def add_label_to_card(self, card_id: str, label_id: str) -> dict:
        store = self._store
        with store.lock:
            card = store.card(card_id)
            store.update_card(card, by=store.human, id_labels=[*card.id_labels, label_id])
            return render.card_json(store, card)

    def set_description(self, card_id: str, desc: str) -> dict:
        store = self._store
        with store.lock:
            card = store.card(card_id)
            store.update_card(card, by=store.human, desc=desc)
            return render.card_json(store, card)

    def add_member(self, username: str, full_name: str) -> str:
        """Another person of the team, who can comment on cards; returns the member id."""
        with self._store.lock:
            return self._store.add_member(username, full_name).id

    def add_comment(self, card_id: str, text: str, *, by: str | None = None) -> dict:
        """A person writes a comment in Trello's web page (`by`: a username; the seeded human otherwise)."""
        store = self._store
        with store.lock:
            author = store.member(by) if by else store.human
            return render.action_json(store, store.add_comment(store.card(card_id), text, by=author))

    def add_checklist(
        self, card_id: str, name: str, items: Sequence[str], *, checked: Sequence[str] = ()
    ) -> dict:
        """A person adds a checklist (ticking the items named in `checked`)."""
        store = self._store
        with store.lock:
            checklist = store.add_checklist(store.card(card_id), name, by=store.human)
            for item in items:
                store.add_check_item(checklist, item, checked=item in checked)
            return render.checklist_json(checklist)

    def tick(self, card_id: str, item_name: str, *, checked: bool = True, by: str | None = None) -> dict:
        """A person ticks (or unticks) a checklist item by its name, as Trello records it (`by`: a username;
        the seeded human otherwise)."""
        store = self._store
        with store.lock:
            card = store.card(card_id)
            item = next(
                item
                for checklist in store.card_checklists(card)
                for item in checklist.items
                if item.name == item_name
            )
            item.state = "complete" if checked else "incomplete"
            store.record_check_item_state(card, item, by=store.member(by) if by else store.human)
            store.touch(card)
            return render.check_item_json(item)

    def add_check_item(self, checklist_id: str, name: str) -> dict:
        """A person adds an item to an existing checklist (the bot's, say)."""
        store = self._store
        with store.lock:
            return render.check_item_json(
                store.add_check_item(store.checklist(checklist_id), name, checked=False)
            )

    def rename_check_item(self, item_id: str, name: str) -> dict:
        store = self._store
        with store.lock:
            item = store.check_item(item_id)
            item.name = name
            store.touch(store.card(store.checklist(item.id_checklist).id_card))
            return render.check_item_json(item)

    def delete_check_item(self, item_id: str) -> None:
        store = self._store
        with store.lock:
            item = store.check_item(item_id)
            checklist = store.checklist(item.id_checklist)
            checklist.items.remove(item)
            del store.check_items[item.id]
            store.touch(store.card(checklist.id_card))

    def tick_item(self, card_id: str, item_id: str, *, checked: bool = True) -> dict:
        """A person ticks (or unticks) one item, by its id (`tick` takes the first item of a name)."""
        store = self._store
        with store.lock:
            card, item = store.card(card_id), store.check_item(item_id)
            item.state = "complete" if checked else "incomplete"
            store.record_check_item_state(card, item, by=store.human)
            store.touch(card)
            return render.check_item_json(item)

    # --- inspection

    def card(self, card_id: str) -> dict:
        with self._store.lock:
            return render.card_json(self._store, self._store.card(card_id))

    def cards(self, board_id: str) -> list[dict]:
        with self._store.lock:
            store = self._store
            return [render.card_json(store, card) for card in store.board_cards(store.board(board_id))]

    def comments(self, card_id: str) -> list[dict]:
        """`commentCard` actions, newest first (Trello's order)."""
        store = self._store
        with store.lock:
            actions = store.card_actions(store.card(card_id))
            return [render.action_json(store, a) for a in actions if a.type == "commentCard"]

    def attachments(self, card_id: str) -> list[dict]:
        """Trello's attachment JSON, except that `bytes` holds the uploaded bytes themselves rather than
        their count (None for a link attachment)."""
        store = self._store
        with store.lock:
            return [
                {**render.attachment_json(attachment), "bytes": attachment.content}
                for attachment in store.card_attachments(store.card(card_id))
            ]

    def checklists(self, card_id: str) -> list[dict]:
        store = self._store
        with store.lock:
            return [
                render.checklist_json(checklist) for checklist in store.card_checklists(store.card(card_id))
            ]


class _SandboxHTTPServer(LoopbackHTTPServer):
    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        gateway: Gateway,
        sandbox: TrelloSandbox,
    ) -> None:
        super().__init__(address, handler)
        self.gateway = gateway
        self.sandbox = sandbox


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_CONNECTION_TIMEOUT_S
    disable_nagle_algorithm = True  # headers and body leave as two writes: no 40 ms delayed-ACK stall
    server: _SandboxHTTPServer

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the sandbox keeps its own request log."""

    def _serve(self) -> None:
        headers = {name.lower(): value for name, value in self.headers.items()}
        request = IncomingRequest(self.command, self.path, headers, self._read_body())
        self._send(self.server.gateway.handle(request))
        self.wfile.flush()
        hook = self.server.sandbox.after_reply
        if hook is not None and self.server.gateway.requests:
            hook(self.server.gateway.requests[-1])

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked(self) -> bytes:
        chunks = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def _send(self, reply: Reply) -> None:
        if isinstance(reply.body, str):
            payload, content_type = reply.body.encode("utf-8"), "text/plain; charset=utf-8"
        else:
            payload = json.dumps(reply.body, ensure_ascii=False).encode("utf-8")
            content_type = "application/json; charset=utf-8"
        self.send_response(reply.status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)
