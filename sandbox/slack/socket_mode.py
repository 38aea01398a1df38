"""Slack's side of Socket Mode: a WebSocket server on loopback that hands envelopes to the app and takes acks.

The app asks `apps.connections.open` (with its app-level token) for a `ws://…/link/?ticket=…` URL, opens a
WebSocket there, gets a `hello`, then receives envelopes `{"envelope_id", "type", "payload",
"accepts_response_payload"}` and answers each with `{"envelope_id", "payload"?}`. A ticket opens one
connection. The WebSocket protocol itself (handshake, masking, pings and pongs, close) is the `websockets`
library's threaded server: the sandbox only adds what Slack puts on top.
"""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
import threading
import uuid
from concurrent.futures import Future
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

log = logging.getLogger(__name__)

LINK_PATH = "/link/"
DEBUG_HOST = "applink-sandbox"


@dataclass(frozen=True)
class SocketAck:
    """The app's answer to one envelope; `payload` is absent from a plain `ack()`."""

    envelope_id: str
    payload: dict[str, Any] | None


class SocketModeServer:
    """The WebSocket side of the sandbox Slack; `SlackSandbox` starts it and issues its URLs.

    `send()` delivers one envelope to the newest connection and waits for its ack; `refresh()` asks the apps
    to reconnect, as Slack does every few hours; `drop()` closes the connections as a network failure
    would; `stop()` closes every connection (1001) and leaves no thread behind.
    """

    def __init__(self, *, app_id: str, host: str = "127.0.0.1", ping_interval_s: float = 1.0) -> None:
        self.app_id = app_id
        self.ping_interval_s = ping_interval_s
        self.received: list[Any] = []  # every message the apps sent, decoded (acks and anything else)
        self._host = host
        self._port = 0
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._condition = threading.Condition()
        self._links: list[ServerConnection] = []  # open, oldest first
        self._tickets: set[str] = set()
        self._waiting: dict[str, Future[SocketAck]] = {}
        self._links_opened = 0

    # --- lifecycle

    def start(self) -> int:
        self._server = serve(
            self._serve_link,
            self._host,
            0,
            process_request=self._check_ticket,
            compression=None,  # Slack's client offers no extension
            ping_interval=self.ping_interval_s,
            ping_timeout=max(5.0, 5 * self.ping_interval_s),
            close_timeout=1,
            logger=log,
        )
        self._port = self._server.socket.getsockname()[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="slack-socket", daemon=True)
        self._thread.start()
        return self._port

    def stop(self) -> None:
        if self._server is None or self._thread is None:
            return
        self._server.shutdown(code=CloseCode.GOING_AWAY, reason="server stopping")
        self._thread.join(timeout=5)
        self._server = self._thread = None
        with self._condition:
            waiting = list(self._waiting.values())
        for future in waiting:
            future.cancel()

    # --- what the Web API, the driver and tests use

    def new_url(self) -> str:
        """A fresh URL for `apps.connections.open`: its ticket opens one connection."""
        if self._server is None:
            raise RuntimeError("the Socket Mode server is not started")
        ticket = secrets.token_hex(16)
        with self._condition:
            self._tickets.add(ticket)
        return f"ws://{self._host}:{self._port}{LINK_PATH}?ticket={ticket}&app_id={self.app_id}"

    @property
    def connection_count(self) -> int:
        with self._condition:
            return len(self._links)

    @property
    def links_opened(self) -> int:
        """How many connections were accepted since the start (a reconnection opens one more)."""
        with self._condition:
            return self._links_opened

    def wait_for_connection(self, *, timeout_s: float = 5.0, count: int = 1) -> None:
        with self._condition:
            if not self._condition.wait_for(lambda: len(self._links) >= count, timeout=timeout_s):
                raise TimeoutError(f"no Socket Mode connection after {timeout_s} s")

    def ping_all(self, *, timeout_s: float = 3.0) -> int:
        """Ping every connection; how many answered with a pong in time."""
        with self._condition:
            links = list(self._links)
        answered = 0
        for link in links:
            with contextlib.suppress(ConnectionClosed):
                answered += link.ping().wait(timeout_s)
        return answered

    def send(
        self,
        envelope_type: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool,
        timeout_s: float = 5.0,
        **extra: Any,
    ) -> SocketAck:
        """Deliver an envelope to the newest connection and wait for the app's ack."""
        envelope_id = str(uuid.uuid4())  # Slack's envelope ids are UUIDs
        envelope = {
            "envelope_id": envelope_id,
            "payload": payload,
            "type": envelope_type,
            "accepts_response_payload": accepts_response_payload,
            **extra,
        }
        self.wait_for_connection(timeout_s=timeout_s)
        future: Future[SocketAck] = Future()
        with self._condition:
            self._waiting[envelope_id] = future
            link = self._links[-1]
        try:
            link.send(json.dumps(envelope))
            return future.result(timeout=timeout_s)
        except TimeoutError:
            raise TimeoutError(f"no ack for the {envelope_type} envelope within {timeout_s} s") from None
        finally:
            with self._condition:
                self._waiting.pop(envelope_id, None)

    def refresh(self, reason: str = "refresh_requested") -> None:
        """Ask every connected app to reconnect (a `disconnect` message), as Slack does regularly."""
        message = json.dumps({"type": "disconnect", "reason": reason, "debug_info": {"host": DEBUG_HOST}})
        for link in self._open_links():
            with contextlib.suppress(ConnectionClosed):
                link.send(message)

    def drop(self) -> None:
        """Close every connection without warning the app first (code 1011), as a failing server would."""
        for link in self._open_links():
            link.close(code=CloseCode.INTERNAL_ERROR, reason="connection lost")

    # --- serving

    def _open_links(self) -> list[ServerConnection]:
        with self._condition:
            return list(self._links)

    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        """Refuse (401) a path or ticket that `apps.connections.open` did not hand out, or one used already."""
        url = urlsplit(request.path)
        ticket = (parse_qs(url.query).get("ticket") or [""])[0]
        with self._condition:
            if url.path.rstrip("/") != LINK_PATH.rstrip("/") or ticket not in self._tickets:
                return connection.respond(HTTPStatus.UNAUTHORIZED, "invalid or used ticket\n")
            self._tickets.discard(ticket)
        return None

    def _serve_link(self, connection: ServerConnection) -> None:
        """`hello` first, as Slack does: only then may envelopes (or a refresh) go down this link."""
        with self._condition:
            hello = {
                "type": "hello",
                "num_connections": len(self._links) + 1,
                "debug_info": {"host": DEBUG_HOST, "build_number": 1, "approximate_connection_time": 18060},
                "connection_info": {"app_id": self.app_id},
            }
        try:
            connection.send(json.dumps(hello))
            with self._condition:
                self._links.append(connection)
                self._links_opened += 1
                self._condition.notify_all()
            for message in connection:
                self._answered(message)
        except ConnectionClosed:
            pass
        finally:
            with self._condition:
                if connection in self._links:
                    self._links.remove(connection)
                self._condition.notify_all()

    def _answered(self, data: str | bytes) -> None:
        try:
            message = json.loads(data)
        except ValueError:
            message = None
        with self._condition:
            self.received.append(message)
            envelope_id = message.get("envelope_id") if isinstance(message, dict) else None
            future = self._waiting.get(envelope_id) if isinstance(envelope_id, str) else None
        if future is not None and not future.done():
            payload = message.get("payload") if isinstance(message, dict) else None
            ack = SocketAck(
                envelope_id=str(envelope_id), payload=payload if isinstance(payload, dict) else None
            )
            future.set_result(ack)
