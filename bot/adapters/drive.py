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
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path

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
        return _drive_file(files[0]) if files else None

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
        response = self._send(
            "POST",
            "upload/drive/v3/files",
            {"uploadType": "multipart", "supportsAllDrives": "true", "fields": FILE_FIELDS},
            content=body,
            headers={"Content-Type": f"multipart/related; boundary={boundary}"},
        )
        _raise_for(response, what="upload")
        return _drive_file(response.json())

    # --- HTTP --------------------------------------------------------------------------------------

    def _read(self, path: str, params: dict, *, what: str) -> dict:
        for attempt in range(1, READ_ATTEMPTS + 1):
            try:
                response = self._send("GET", path, params)
            except DriveUnavailable:
                if attempt == READ_ATTEMPTS:
                    raise
                self._sleep(0.5 * attempt)
                continue
            if (response.status_code == 429 or response.status_code >= 500) and attempt < READ_ATTEMPTS:
                log.warning("drive GET %s answered %s, retry %d", path, response.status_code, attempt)
                self._sleep(0.5 * attempt)
                continue
            _raise_for(response, what=what)
            return response.json()
        raise AssertionError("unreachable")

    def _send(
        self,
        method: str,
        path: str,
        params: dict,
        *,
        content: bytes | None = None,
        headers: dict | None = None,
    ) -> httpx.Response:
        headers = {**(headers or {}), "Authorization": f"Bearer {self.token()}"}
        try:
            return self._client.request(
                method, self.base_url + path, params=params, content=content, headers=headers
            )
        except httpx.TimeoutException:
            raise DriveUnavailable(texts.NO_ANSWER) from None
        except httpx.HTTPError as error:
            raise DriveUnavailable(texts.unreachable(type(error).__name__)) from None


def _raise_for(response: httpx.Response, *, what: str) -> None:
    status = response.status_code
    if status < 400:
        return
    reason, message = _drive_error(response)
    if status == 401:
        raise DriveUnavailable(texts.refused_token(reason or message))
    if status == 403:
        raise DriveUnavailable(texts.cannot_write(reason or message))
    if status == 404:
        raise DriveUnavailable(texts.not_found(what))
    raise DriveUnavailable(texts.unavailable(status, reason or message))


def _drive_error(response: httpx.Response) -> tuple[str, str]:
    try:
        error = response.json().get("error", {})
    except ValueError:
        return "", ""
    if not isinstance(error, dict):
        return str(error), ""
    details = error.get("errors") or [{}]
    return str(details[0].get("reason", "")), str(error.get("message", ""))[:120]


def _grant_reason(error: auth_exceptions.RefreshError) -> str:
    """google-auth puts the token endpoint's JSON answer in the error's arguments."""
    for argument in error.args:
        if isinstance(argument, dict) and argument.get("error"):
            return str(argument.get("error_description") or argument["error"])[:120]
    return str(error.args[0])[:120] if error.args else "refus"


def _quoted(text: str) -> str:
    """A string literal of Drive's search syntax: backslash and single quote escaped."""
    return text.replace("\\", "\\\\").replace("'", "\\'")


def _drive_file(value: dict) -> DriveFile:
    return DriveFile(
        id=str(value["id"]), name=str(value.get("name", "")), link=str(value.get("webViewLink", ""))
    )
