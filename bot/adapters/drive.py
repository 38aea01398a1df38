"""The Drive port: Google Drive v3's REST API over httpx, authenticated by google-auth. The only code that
knows Drive's JSON.

google-auth reads the service-account key and signs the JWT-bearer grant; the token request goes to the
key's own `token_uri` through `HttpxAuthRequest` (google-auth's transport interface on our httpx client), so
a key file can point at the sandbox. Drive calls are rooted at `DRIVE_API_BASE_URL` (google-api-python-client
cannot be used: it forces upload URLs to https). Shared drives are supported (`supportsAllDrives`).

Retries: reads (the look-up, the folder) are tried again on 429/5xx/connection errors; an upload is not (it
may have landed): the journaled step looks the file up by name before uploading again.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from google.auth import exceptions as auth_exceptions
from google.auth import transport
from google.oauth2 import service_account

from bot.app.ports import DriveFile, DriveUnavailable
from bot.texts import drive as texts

log = logging.getLogger("migrabot.drive")

SCOPES = ("https://www.googleapis.com/auth/drive",)
FILE_FIELDS = "id,name,webViewLink"
FOLDER_MIME = "application/vnd.google-apps.folder"
READ_ATTEMPTS = 3
MAX_ANSWER_BYTES = 256 * 1024  # a file's description is a few hundred bytes; a longer answer is not read
MAX_LINK_CHARS = 2048
_FILE_ID = re.compile(r"[A-Za-z0-9_-]{1,200}")
# RFC 3986's characters, less those that Markdown or Slack would read: ( ) [ ] < > ` and spaces
_URL_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~%!$&'*+,;=:@/?#]+")


class HttpxAuthRequest(transport.Request):
    """google-auth's transport on httpx: used only for the token request."""

    def __init__(self, client: httpx.Client) -> None:
        self._client = client

    def __call__(self, url, method="GET", body=None, headers=None, timeout=None, **kwargs):
        try:
            response = self._client.request(method, url, content=body, headers=headers)
        except httpx.HTTPError as error:
            raise auth_exceptions.TransportError(type(error).__name__) from None
        return _AuthResponse(response)


class _AuthResponse(transport.Response):
    def __init__(self, response: httpx.Response) -> None:
        self._response = response

    @property
    def status(self) -> int:
        return self._response.status_code

    @property
    def headers(self):
        return self._response.headers

    @property
    def data(self) -> bytes:
        return self._response.content


class GoogleDrive:
    def __init__(
        self,
        *,
        folder_id: str,
        credentials_path: str | Path,
        base_url: str = "https://www.googleapis.com/",
        timeout_s: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.folder_id = folder_id
        self.credentials_path = Path(credentials_path)
        self.base_url = base_url.rstrip("/") + "/"
        self._client = httpx.Client(timeout=timeout_s, follow_redirects=False)
        self._timeout_s = timeout_s
        self._sleep = sleep
        self._credentials: service_account.Credentials | None = None
        self._lock = threading.Lock()

    def close(self) -> None:
        self._client.close()

    # --- authentication ----------------------------------------------------------------------------

    def credentials(self) -> service_account.Credentials:
        """The key file, read once; a missing or broken file is said in French, without its content."""
        if self._credentials is None:
            try:
                self._credentials = service_account.Credentials.from_service_account_file(
                    str(self.credentials_path), scopes=list(SCOPES)
                )
            except FileNotFoundError:
                raise DriveUnavailable(texts.key_missing(self.credentials_path)) from None
            except (OSError, ValueError, KeyError) as error:
                reason = type(error).__name__
                raise DriveUnavailable(texts.key_unreadable(self.credentials_path, reason)) from None
        return self._credentials

    def token(self) -> str:
        with self._lock:
            credentials = self.credentials()
            if not credentials.valid:
                try:
                    credentials.refresh(HttpxAuthRequest(self._client))
                except auth_exceptions.RefreshError as error:
                    raise DriveUnavailable(texts.token_refused(_grant_reason(error))) from None
                except auth_exceptions.TransportError as error:
                    raise DriveUnavailable(texts.token_server_unreachable(error)) from None
            return str(credentials.token)

    # --- the folder and its files ------------------------------------------------------------------

    def folder(self) -> dict:
        """The folder's name, type and whether the bot may add files to it (doctor)."""
        return self._read(
            f"drive/v3/files/{self.folder_id}",
            {"fields": "id,name,mimeType,capabilities(canAddChildren)", "supportsAllDrives": "true"},
            what="folder",
        )

    def find(self, name: str) -> DriveFile | None:
        query = f"name = '{_quoted(name)}' and '{_quoted(self.folder_id)}' in parents and trashed = false"
        params = {
            "q": query,
            "fields": f"files({FILE_FIELDS})",
            "supportsAllDrives": "true",
            "includeItemsFromAllDrives": "true",
            "pageSize": "10",
        }
        files = self._read("drive/v3/files", params, what="search").get("files", [])
        if not isinstance(files, list):
            raise DriveUnavailable(texts.not_json(200, "?"))
        return self._drive_file(files[0]) if files and isinstance(files[0], dict) else None

    def upload(self, *, name: str, data: bytes, mime_type: str) -> DriveFile:
        boundary = "migrabot-" + secrets.token_hex(12)
        metadata = json.dumps({"name": name, "parents": [self.folder_id], "mimeType": mime_type})
        body = b"".join(
            [
                f"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n".encode(),
                metadata.encode(),
                f"\r\n--{boundary}\r\nContent-Type: {mime_type}\r\n\r\n".encode(),
                data,
                f"\r\n--{boundary}--\r\n".encode(),
            ]
        )
        answer = self._send(
            "POST",
            "upload/drive/v3/files",
            {"uploadType": "multipart", "supportsAllDrives": "true", "fields": FILE_FIELDS},
            content=body,
            headers={"Content-Type": f"multipart/related; boundary={boundary}"},
        )
        return self._drive_file(answer.json(what="upload"))

    # --- HTTP --------------------------------------------------------------------------------------

    def _read(self, path: str, params: dict, *, what: str) -> dict:
        for attempt in range(1, READ_ATTEMPTS + 1):
            try:
                answer = self._send("GET", path, params)
            except _NoAnswer:
                raise  # a hanging Drive costs its timeout once, not once per attempt
            except DriveUnavailable:
                if attempt == READ_ATTEMPTS:
                    raise
                self._sleep(0.5 * attempt)
                continue
            if (answer.status == 429 or answer.status >= 500) and attempt < READ_ATTEMPTS:
                log.warning("drive GET %s answered %s, retry %d", path, answer.status, attempt)
                self._sleep(0.5 * attempt)
                continue
            return answer.json(what=what)
        raise AssertionError("unreachable")

    def _send(
        self,
        method: str,
        path: str,
        params: dict,
        *,
        content: bytes | None = None,
        headers: dict | None = None,
    ) -> _Answer:
        """One request, its answer read within MAX_ANSWER_BYTES and the request's own deadline."""
        headers = {**(headers or {}), "Authorization": f"Bearer {self.token()}"}
        deadline = time.monotonic() + self._timeout_s
        try:
            with self._client.stream(
                method, self.base_url + path, params=params, content=content, headers=headers
            ) as response:
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > MAX_ANSWER_BYTES:
                        raise DriveUnavailable(texts.answer_too_large(MAX_ANSWER_BYTES))
                    if time.monotonic() > deadline:
                        raise _NoAnswer(texts.NO_ANSWER)
                return _Answer(response.status_code, response.headers.get("content-type", ""), bytes(body))
        except httpx.TimeoutException:
            raise _NoAnswer(texts.NO_ANSWER) from None
        except httpx.HTTPError as error:
            raise DriveUnavailable(texts.unreachable(type(error).__name__)) from None

    def _drive_file(self, value: dict) -> DriveFile:
        """A file as Drive describes it; an answer without an id or with a link that is not one is refused."""
        file_id, link = value.get("id"), value.get("webViewLink", "")
        if not isinstance(file_id, str) or not _FILE_ID.fullmatch(file_id):
            raise DriveUnavailable(texts.ANSWER_WITHOUT_ID)
        if not isinstance(link, str) or not self._valid_link(link):
            raise DriveUnavailable(texts.ANSWER_WITH_BAD_LINK)
        return DriveFile(id=file_id, name=str(value.get("name", ""))[:500], link=link)

    def _valid_link(self, link: str) -> bool:
        """An https URL made of URL characters only (never Markdown), or a link on the configured API's own
        origin (the stand-in serves plain http on loopback)."""
        if len(link) > MAX_LINK_CHARS or not _URL_CHARACTERS.fullmatch(link):
            return False
        parts = urlsplit(link)
        own = urlsplit(self.base_url)
        return bool(parts.netloc) and (
            parts.scheme == "https" or (parts.scheme, parts.netloc) == (own.scheme, own.netloc)
        )


class _NoAnswer(DriveUnavailable):
    """Drive did not answer within the request's timeout: not tried again within the same call."""


@dataclass(frozen=True)
class _Answer:
    status: int
    content_type: str
    body: bytes

    def json(self, *, what: str) -> dict:
        """The answer's JSON object, or DriveUnavailable saying what came instead (an error, HTML, …)."""
        _raise_for(self, what=what)
        try:
            value = json.loads(self.body)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            kind = self.content_type.split(";")[0].strip() or "?"
            raise DriveUnavailable(texts.not_json(self.status, kind))
        return value


def _raise_for(answer: _Answer, *, what: str) -> None:
    status = answer.status
    if status < 400:
        return
    reason, message = _drive_error(answer)
    if status == 401:
        raise DriveUnavailable(texts.refused_token(reason or message))
    if status == 403:
        raise DriveUnavailable(texts.cannot_write(reason or message))
    if status == 404:
        raise DriveUnavailable(texts.not_found(what))
    raise DriveUnavailable(texts.unavailable(status, reason or message))


def _drive_error(answer: _Answer) -> tuple[str, str]:
    try:
        value = json.loads(answer.body)
    except ValueError:
        return "", ""
    error = value.get("error", {}) if isinstance(value, dict) else {}
    if not isinstance(error, dict):
        return str(error)[:120], ""
    details = error.get("errors") or [{}]
    first = details[0] if isinstance(details, list) and details and isinstance(details[0], dict) else {}
    return str(first.get("reason", ""))[:120], str(error.get("message", ""))[:120]


def _grant_reason(error: auth_exceptions.RefreshError) -> str:
    """google-auth puts the token endpoint's JSON answer in the error's arguments."""
    for argument in error.args:
        if isinstance(argument, dict) and argument.get("error"):
            return str(argument.get("error_description") or argument["error"])[:120]
    return str(error.args[0])[:120] if error.args else "refus"


def _quoted(text: str) -> str:
    """A string literal of Drive's search syntax: backslash and single quote escaped."""
    return text.replace("\\", "\\\\").replace("'", "\\'")
