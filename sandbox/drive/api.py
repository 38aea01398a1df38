"""Drive v3's `files` resource (list, get, create; multipart, media and resumable uploads) and the token
endpoint, answered as Google's reference describes: JSON bodies, `fields` partial responses, Drive's error
envelope `{"error": {"code", "message", "errors": [{"domain", "reason", …}]}}`."""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from sandbox.drive.auth import Accounts, GrantError
from sandbox.drive.store import FOLDER_MIME, DriveItem, QueryError, Store

UPLOAD_PATH = "/upload/drive/v3/files"
FILES_PATH = "/drive/v3/files"
DEFAULT_FILE_FIELDS = "kind,id,name,mimeType"


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, value: object, **headers: str) -> Reply:
        body = json.dumps(value, ensure_ascii=False).encode()
        return cls(status, body, {"Content-Type": "application/json; charset=UTF-8", **headers})


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes


def drive_error(status: int, message: str, *, reason: str, location: str | None = None) -> Reply:
    detail = {"message": message, "domain": "global", "reason": reason}
    if location:
        detail |= {"location": location, "locationType": "parameter"}
    return Reply.json(status, {"error": {"code": status, "message": message, "errors": [detail]}})


class DriveApi:
    def __init__(self, store: Store, accounts: Accounts, *, public_url: str) -> None:
        self.store = store
        self.accounts = accounts
        self.public_url = public_url  # http://127.0.0.1:port/
        self.sessions: dict[str, dict] = {}  # resumable upload_id → {"meta", "received", "account", …}
        self.reports_capabilities = True  # False: files without `capabilities`, as a `fields=` mask may give

    def token(self, request: Request) -> Reply:
        form = dict(parse_qsl(request.body.decode("utf-8", "replace")))
        try:
            return Reply.json(200, self.accounts.grant(form, token_uri=self.public_url + "token"))
        except GrantError as error:
            return Reply.json(400, {"error": error.error, "error_description": error.description})

    def account(self, request: Request) -> str | Reply:
        authorization = request.headers.get("authorization", "")
        if not authorization.startswith("Bearer "):
            return drive_error(
                401,
                "Request is missing required authentication credential. Expected OAuth 2 access token.",
                reason="required",
            )
        account = self.accounts.account_of(authorization.removeprefix("Bearer "))
        return account if account is not None else drive_error(401, "Invalid Credentials", reason="authError")

    # --- files.list / files.get ----------------------------------------------------------------------

    def list_files(self, request: Request, account: str) -> Reply:
        all_drives = _flag(request, "supportsAllDrives") and _flag(request, "includeItemsFromAllDrives")
        try:
            found = self.store.search(request.query.get("q", ""), account, all_drives=all_drives)
        except QueryError:
            return drive_error(400, "Invalid Value", reason="invalid", location="q")
        size = int(request.query.get("pageSize", "100"))
        start = int(request.query.get("pageToken", "0") or "0")
        page = found[start : start + size]
        result: dict = {
            "kind": "drive#fileList",
            "incompleteSearch": False,
            "files": [self.file_json(item, account) for item in page],
        }
        if start + size < len(found):
            result["nextPageToken"] = str(start + size)
        return Reply.json(200, select(result, request.query.get("fields", "kind,incompleteSearch,files")))

    def get_file(self, request: Request, account: str, file_id: str) -> Reply:
        item = self._visible(file_id, account, all_drives=_flag(request, "supportsAllDrives"))
        if item is None:
            return _not_found(file_id)
        if request.query.get("alt") == "media":
            return Reply(200, item.content, {"Content-Type": item.mime_type})
        return Reply.json(200, select(self.file_json(item, account), request.query.get("fields")))

    # --- files.create ------------------------------------------------------------------------------

    def create(self, request: Request, account: str, *, metadata: dict, content: bytes = b"") -> Reply:
        parents = metadata.get("parents") or []
        if len(parents) > 1:
            return drive_error(
                403, "Increasing the number of parents is not allowed", reason="cannotAddParent"
            )
        all_drives = _flag(request, "supportsAllDrives")
        if parents:
            parent = self._visible(parents[0], account, all_drives=all_drives)
            if parent is None:
                return _not_found(parents[0])
            if not self.store.can_add_children(parent, account):
                return drive_error(
                    403,
                    f"The user does not have sufficient permissions for file {parents[0]}.",
                    reason="insufficientFilePermissions",
                )
        item = self.store.add(
            name=str(metadata.get("name") or "Untitled"),
            mime_type=str(metadata.get("mimeType") or "application/octet-stream"),
            parents=list(parents),
            owner=account,
            content=content,
        )
        return Reply.json(200, select(self.file_json(item, account), request.query.get("fields")))

    def upload(self, request: Request, account: str) -> Reply:
        kind = request.query.get("uploadType", "")
        content_type = request.headers.get("content-type", "")
        if kind == "multipart":
            if not content_type.startswith("multipart/related"):
                return drive_error(400, "Bad content type. Please use multipart.", reason="badContent")
            try:
                metadata, media, media_type = parse_related(content_type, request.body)
            except ValueError as error:
                return drive_error(400, f"Malformed multipart body: {error}", reason="badContent")
            return self.create(request, account, metadata={"mimeType": media_type, **metadata}, content=media)
        if kind == "media":
            metadata = {"mimeType": content_type or "application/octet-stream"}
            return self.create(request, account, metadata=metadata, content=request.body)
        if kind == "resumable":
            return self._start_session(request, account)
        return drive_error(400, f"Invalid upload type: {kind}", reason="invalid", location="uploadType")

    def _start_session(self, request: Request, account: str) -> Reply:
        metadata = json.loads(request.body or b"{}")
        metadata.setdefault("mimeType", request.headers.get("x-upload-content-type", ""))
        upload_id = "ADPycd" + secrets.token_urlsafe(24)
        self.sessions[upload_id] = {"meta": metadata, "data": b"", "account": account, "request": request}
        location = f"{self.public_url}upload/drive/v3/files?uploadType=resumable&upload_id={upload_id}"
        return Reply(200, b"", {"Location": location, "X-GUploader-UploadID": upload_id})

    def resume(self, request: Request) -> Reply:
        """`PUT` on the session URI: a chunk (`Content-Range: bytes a-b/total`), the whole file, or a status
        query (`bytes */total`). 308 with `Range` until the last byte, then the file."""
        session = self.sessions.get(request.query.get("upload_id", ""))
        if session is None:
            return drive_error(404, "Upload session not found", reason="notFound")
        match = re.fullmatch(r"bytes (\*|(\d+)-(\d+))/(\d+|\*)", request.headers.get("content-range", ""))
        total = None
        if match:
            if match.group(2) is not None and int(match.group(2)) != len(session["data"]):
                return drive_error(400, "Invalid Content-Range", reason="badRequest")
            if match.group(1) != "*":
                session["data"] += request.body
            total = None if match.group(4) == "*" else int(match.group(4))
        else:
            session["data"] += request.body
            total = len(session["data"])
        if total is None or len(session["data"]) < total:
            received = len(session["data"])
            return Reply(308, b"", {"Range": f"bytes=0-{received - 1}"} if received else {})
        del self.sessions[request.query["upload_id"]]
        return self.create(
            session["request"], session["account"], metadata=session["meta"], content=session["data"]
        )

    # --- JSON ------------------------------------------------------------------------------------------

    def file_json(self, item: DriveItem, account: str) -> dict:
        value: dict = {
            "kind": "drive#file",
            "id": item.id,
            "name": item.name,
            "mimeType": item.mime_type,
            "parents": item.parents,
            "trashed": item.trashed,
            "createdTime": item.created_time,
            "webViewLink": self.view_link(item),
        }
        if self.reports_capabilities:
            value["capabilities"] = {
                "canAddChildren": self.store.can_add_children(item, account),
                "canEdit": self.store.role(item, account)
                in {"writer", "fileOrganizer", "organizer", "owner"},
            }
        if item.mime_type != FOLDER_MIME:
            value["size"] = str(len(item.content))
        if item.drive_id is not None:
            value["driveId"] = item.drive_id
        return value

    def view_link(self, item: DriveItem) -> str:
        """Drive's `https://drive.google.com/file/d/<id>/view?usp=drivesdk`, served by the stand-in."""
        kind = "drive/folders" if item.mime_type == FOLDER_MIME else "file/d"
        return f"{self.public_url}{kind}/{item.id}" + (
            "" if kind == "drive/folders" else "/view?usp=drivesdk"
        )

    def _visible(self, item_id: str, account: str, *, all_drives: bool) -> DriveItem | None:
        item = self.store.items.get(item_id)
        return item if item and self.store.visible(item, account, all_drives=all_drives) else None


def _not_found(file_id: str) -> Reply:
    return drive_error(404, f"File not found: {file_id}.", reason="notFound", location="fileId")


def _flag(request: Request, name: str) -> bool:
    return request.query.get(name, "false").lower() == "true"


def select(value: dict, fields: str | None) -> dict:
    """Drive's partial response: `fields=nextPageToken,files(id,name)`; `*` or nothing keeps the default."""
    if fields is None:
        fields = DEFAULT_FILE_FIELDS
    if fields.strip() == "*":
        return value
    chosen: dict = {}
    for name, inner in _split_fields(fields):
        if name not in value:
            continue
        item = value[name]
        if inner is not None and isinstance(item, list):
            chosen[name] = [select(element, inner) for element in item]
        elif inner is not None and isinstance(item, dict):
            chosen[name] = select(item, inner)
        else:
            chosen[name] = item
    return chosen


def _split_fields(fields: str) -> list[tuple[str, str | None]]:
    result, depth, current = [], 0, ""
    for char in fields + ",":
        if char == "," and depth == 0:
            if current.strip():
                name, _, inner = current.strip().partition("(")
                result.append((name.strip(), inner[:-1] if inner else None))
            current = ""
            continue
        depth += (char == "(") - (char == ")")
        current += char
    return result


def parse_related(content_type: str, body: bytes) -> tuple[dict, bytes, str]:
    """`multipart/related; boundary=…`: the JSON metadata first, then the media with its own type."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        raise ValueError("no boundary")
    delimiter = b"--" + match.group(1).encode()
    chunks = body.split(delimiter)
    parts = [chunk for chunk in chunks[1:] if not chunk.startswith(b"--")]
    if len(parts) != 2:
        raise ValueError(f"{len(parts)} parts, expected 2")
    decoded = []
    for part in parts:
        head, separator, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not separator:
            raise ValueError("part without headers")
        headers = dict(
            (line.split(":", 1)[0].strip().lower(), line.split(":", 1)[1].strip())
            for line in head.decode("latin-1").split("\r\n")
            if ":" in line
        )
        decoded.append((headers.get("content-type", ""), content.removesuffix(b"\r\n")))
    (meta_type, meta), (media_type, media) = decoded
    if not meta_type.startswith("application/json"):
        raise ValueError("the first part must be the JSON metadata")
    return json.loads(meta.decode("utf-8")), media, media_type or "application/octet-stream"
