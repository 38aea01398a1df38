"""The HTTP side of the sandbox: a threaded stdlib server handing plain requests to one function."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from sandbox.slack.workspace import ApiError

logger = logging.getLogger(__name__)
SHUTDOWN_POLL_S = 0.02  # how soon `stop()` is noticed; the default 0.5 s slows every test down


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    query: str
    headers: dict[str, str]  # lower-cased names
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


@dataclass(frozen=True)
class HttpReply:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, data: Any, headers: dict[str, str] | None = None) -> HttpReply:
        return cls(status=status, body=json.dumps(data).encode(), headers=headers or {})

    @classmethod
    def text(cls, status: int, text: str) -> HttpReply:
        return cls(status=status, body=text.encode(), content_type="text/plain; charset=utf-8")


def decode_params(request: HttpRequest) -> tuple[dict[str, Any], bool]:
    """The arguments of a Web API call (query string and body) and whether the body was JSON."""
    params: dict[str, Any] = dict(parse_qsl(request.query, keep_blank_values=True))
    if not request.body:
        return params, False
    if request.content_type == "application/json":
        try:
            decoded = json.loads(request.body)
        except ValueError:
            raise ApiError("invalid_json") from None
        if not isinstance(decoded, dict):
            raise ApiError("json_not_object")
        return {**params, **decoded}, True
    if request.content_type == "multipart/form-data":
        fields = {
            name: data.decode() for name, filename, data in multipart_parts(request) if filename is None
        }
        return {**params, **fields}, False
    try:
        return {**params, **dict(parse_qsl(request.body.decode(), keep_blank_values=True))}, False
    except UnicodeDecodeError:
        raise ApiError("invalid_form_data") from None


def multipart_parts(request: HttpRequest) -> list[tuple[str, str | None, bytes]]:
    """(field name, file name or None, bytes) of each part of a multipart/form-data body."""
    head = f"Content-Type: {request.headers.get('content-type', '')}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + request.body)
    parts = []
    for part in message.iter_parts():
        payload = part.get_payload(decode=True) or b""
        parts.append(
            (part.get_param("name", header="content-disposition") or "", part.get_filename(), payload)
        )
    return parts


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handle: Callable[[HttpRequest], HttpReply]) -> None:
        super().__init__(address, _RequestHandler)
        self.handle_request_fn = handle


class _RequestHandler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("content-length") or 0)
        request = HttpRequest(
            method=self.command,
            path=url.path,
            query=url.query,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
        )
        reply = self.server.handle_request_fn(request)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("slack sandbox: " + format, *args)


class ServerThread:
    """A `ThreadingHTTPServer` on its own thread; `stop()` leaves nothing running."""

    def __init__(self, handle: Callable[[HttpRequest], HttpReply]) -> None:
        self._handle = handle
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self, host: str, port: int) -> tuple[str, int]:
        self._server = _Server((host, port), self._handle)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": SHUTDOWN_POLL_S},
            name="slack-sandbox",
            daemon=True,
        )
        self._thread.start()
        bound_host, bound_port = self._server.server_address[:2]
        return str(bound_host), int(bound_port)

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None
