"""`DriveSandbox`: Google Drive v3 and Google's token endpoint over real HTTP on loopback.

Roots as in production: `{base_url}token` (the key file's `token_uri`), `{base_url}drive/v3/files`,
`{base_url}upload/drive/v3/files`. `{base_url}file/d/<id>/view` stands for drive.google.com's page of a
file (the `webViewLink`): the demo's link opens the workbook. `faults` injects 5xx/403 and latency.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from sandbox.drive.api import FILES_PATH, UPLOAD_PATH, DriveApi, Reply, Request, drive_error
from sandbox.drive.auth import Accounts
from sandbox.drive.store import FOLDER_MIME, Store
from sandbox.loopback import LoopbackHTTPServer

SERVICE_ACCOUNT = "migrabot@migrabot-sandbox.iam.gserviceaccount.com"
TEAM_MEMBER = "equipe.tech@example.org"


@dataclass
class Faults:
    """`fail(503, times=2)`: the next two API requests (token excepted unless `token=True`) get that status;
    `latency_s` delays every API answer (not the token endpoint's)."""

    pending: list[tuple[int, bool]] = field(default_factory=list)
    latency_s: float = 0.0
    # `odd`: the next API answers, as given (a 200 in HTML, without `id`, a 50 MB link…), then normal again
    odd: list[Reply] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, status: int, *, times: int = 1, token: bool = False) -> None:
        with self.lock:
            self.pending += [(status, token)] * times

    def take(self, *, is_token: bool) -> int | None:
        with self.lock:
            for index, (status, on_token) in enumerate(self.pending):
                if on_token == is_token:
                    del self.pending[index]
                    return status
        return None


class DriveSandbox:
    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._address = (host, port)
        self.store = Store()
        self.accounts = Accounts()
        self.faults = Faults()
        self.requests: list[tuple[str, str]] = []  # (method, path?query) in arrival order
        self.base_url = ""
        self.api: DriveApi | None = None
        self._server: _DriveHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        if self._server is None:
            self._server = _DriveHTTPServer(self._address, _Handler)
            self._server.sandbox = self
            host, port = self._server.server_address[:2]
            self.base_url = f"http://{host}:{port}/"
            self.api = DriveApi(self.store, self.accounts, public_url=self.base_url)
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True, name="drive"
            )
            self._thread.start()
        return self.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.close_connections()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server = self._thread = None

    def __enter__(self) -> DriveSandbox:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    # --- seeding, as the team would do it in Google's consoles

    @property
    def token_uri(self) -> str:
        return self.base_url + "token"

    def service_account_key(self, path: Path, *, email: str = SERVICE_ACCOUNT) -> Path:
        return self.accounts.create_key_file(path, email=email, token_uri=self.token_uri)

    def add_folder(
        self,
        name: str,
        *,
        share_with: str | None = SERVICE_ACCOUNT,
        role: str = "writer",
        shared_drive: bool = False,
    ) -> str:
        """A folder of the team (owned by a person), shared with the bot's account."""
        with self.store.lock:
            folder = self.store.add(
                name=name,
                mime_type=FOLDER_MIME,
                parents=[],
                owner=TEAM_MEMBER,
                drive_id="0AsandboxSharedDrive" if shared_drive else None,
            )
            if share_with:
                folder.shared_with[share_with] = role
            return folder.id

    def files_in(self, folder_id: str) -> list[dict]:
        with self.store.lock:
            return [
                {"id": item.id, "name": item.name, "mimeType": item.mime_type, "content": item.content}
                for item in self.store.items.values()
                if folder_id in item.parents and not item.trashed
            ]

    def answer(self, request: Request) -> Reply:
        assert self.api is not None
        is_token = request.path == "/token"
        if self.faults.latency_s and not is_token:
            time.sleep(self.faults.latency_s)
        with self.faults.lock:
            odd = self.faults.odd.pop(0) if self.faults.odd and not is_token else None
        if odd is not None:
            return odd
        failure = self.faults.take(is_token=is_token)
        if failure is not None:
            if is_token:
                return Reply.json(
                    failure, {"error": "internal_failure", "error_description": "Backend Error"}
                )
            return drive_error(
                failure, "Backend Error" if failure >= 500 else "Forbidden", reason="backendError"
            )
        return _route(self.api, request, self.store)


def _route(api: DriveApi, request: Request, store: Store) -> Reply:
    method, path = request.method, request.path
    if method == "POST" and path == "/token":
        return api.token(request)
    view = re.fullmatch(r"/file/d/([^/]+)/view", path)
    if method == "GET" and view:
        item = store.items.get(view.group(1))
        return (
            Reply(200, item.content, {"Content-Type": item.mime_type}) if item else Reply(404, b"Not Found")
        )
    if method == "PUT" and path == UPLOAD_PATH:
        return api.resume(request)
    account = api.account(request)
    if isinstance(account, Reply):
        return account
    with store.lock:
        if method == "POST" and path == UPLOAD_PATH:
            return api.upload(request, account)
        if method == "POST" and path == FILES_PATH:
            return api.create(request, account, metadata=json.loads(request.body or b"{}"))
        if method == "GET" and path == FILES_PATH:
            return api.list_files(request, account)
        one = re.fullmatch(FILES_PATH + r"/([^/]+)", path)
        if method == "GET" and one:
            return api.get_file(request, account, one.group(1))
    return drive_error(404, f"Not Found: {method} {path}", reason="notFound")


class _DriveHTTPServer(LoopbackHTTPServer):
    sandbox: DriveSandbox


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30  # an idle kept-alive connection is closed
    server: _DriveHTTPServer

    def log_message(self, format: str, *args: object) -> None:  # the test output stays quiet
        pass

    def _serve(self) -> None:
        sandbox = self.server.sandbox
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length", "0") or 0)
        request = Request(
            method=self.command,
            path=url.path,
            query=dict(parse_qsl(url.query, keep_blank_values=True)),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
        )
        sandbox.requests.append((self.command, self.path))
        reply = sandbox.answer(request)
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting (timeout tests)
            self.close_connection = True

    do_GET = do_POST = do_PUT = _serve
