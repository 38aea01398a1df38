"""The Drive stand-in answers as Google's Drive v3 and OAuth references say, over HTTP."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from google.auth import crypt, jwt

from bot.adapters.drive import GoogleDrive
from sandbox.drive import DriveSandbox

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@pytest.fixture
def drive(tmp_path):
    with DriveSandbox() as sandbox:
        key = sandbox.service_account_key(tmp_path / "key.json")
        folder = sandbox.add_folder("Migration des dossiers usagers", shared_drive=True)
        token = GoogleDrive(folder_id=folder, credentials_path=key, base_url=sandbox.base_url).token()
        yield sandbox, folder, {"Authorization": f"Bearer {token}"}, key


def signed_assertion(key_path, **claims: object) -> str:
    info = json.loads(key_path.read_text())
    now = int(time.time())
    payload = {
        "iss": info["client_email"],
        "scope": "https://www.googleapis.com/auth/drive",
        "aud": "https://oauth2.googleapis.com/token",
        "iat": now,
        "exp": now + 3600,
        **claims,
    }
    return jwt.encode(crypt.RSASigner.from_service_account_info(info), payload).decode()


def test_the_token_endpoint_checks_the_grant_the_signature_and_the_lifetime(drive, tmp_path):
    sandbox, _, _, key = drive
    good = httpx.post(sandbox.token_uri, data={"grant_type": JWT_BEARER, "assertion": signed_assertion(key)})
    assert (
        good.status_code == 200
        and good.json()["token_type"] == "Bearer"
        and good.json()["expires_in"] == 3599
    )
    other_key = DriveSandbox().accounts.create_key_file(
        tmp_path / "other.json",
        email=json.loads(key.read_text())["client_email"],
        token_uri=sandbox.token_uri,
    )
    forged = httpx.post(
        sandbox.token_uri, data={"grant_type": JWT_BEARER, "assertion": signed_assertion(other_key)}
    )
    assert (forged.status_code, forged.json()) == (
        400,
        {"error": "invalid_grant", "error_description": "Invalid JWT Signature."},
    )
    too_long = signed_assertion(key, exp=int(time.time()) + 7200)
    assert (
        httpx.post(sandbox.token_uri, data={"grant_type": JWT_BEARER, "assertion": too_long}).status_code
        == 400
    )
    wrong = httpx.post(sandbox.token_uri, data={"grant_type": "client_credentials"})
    assert wrong.json()["error"] == "unsupported_grant_type"


def test_requests_without_a_valid_token_get_drives_401(drive):
    sandbox, folder, _, _ = drive
    missing = httpx.get(f"{sandbox.base_url}drive/v3/files/{folder}")
    assert missing.status_code == 401 and missing.json()["error"]["errors"][0]["reason"] == "required"
    invalid = httpx.get(
        f"{sandbox.base_url}drive/v3/files/{folder}", headers={"Authorization": "Bearer ya29.x"}
    )
    assert invalid.json()["error"]["message"] == "Invalid Credentials"


def test_multipart_related_is_taken_and_form_data_refused(drive):
    sandbox, folder, auth, _ = drive
    url = f"{sandbox.base_url}upload/drive/v3/files?uploadType=multipart&supportsAllDrives=true"
    form = httpx.post(url, headers=auth, files={"file": ("a.xlsx", b"PK", XLSX)}, data={"name": "a.xlsx"})
    assert (
        form.status_code == 400
        and form.json()["error"]["message"] == "Bad content type. Please use multipart."
    )
    body = (
        b'--b\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{"name": "a.xlsx", "parents": ["'
        + folder.encode()
        + b'"]}\r\n--b\r\nContent-Type: '
        + XLSX.encode()
        + b"\r\n\r\nPK\x03\x04\r\n--b--\r\n"
    )
    created = httpx.post(url, headers={**auth, "Content-Type": "multipart/related; boundary=b"}, content=body)
    assert created.status_code == 200
    assert created.json() == {
        "kind": "drive#file",
        "id": created.json()["id"],
        "name": "a.xlsx",
        "mimeType": XLSX,
    }
    assert sandbox.files_in(folder)[0]["content"] == b"PK\x03\x04"


def test_a_resumable_upload_takes_chunks_and_answers_308_until_the_last_byte(drive):
    sandbox, folder, auth, _ = drive
    start = httpx.post(
        f"{sandbox.base_url}upload/drive/v3/files?uploadType=resumable&supportsAllDrives=true",
        headers={**auth, "X-Upload-Content-Type": XLSX, "Content-Type": "application/json; charset=UTF-8"},
        content=json.dumps({"name": "big.xlsx", "parents": [folder]}).encode(),
    )
    session = start.headers["Location"]
    assert start.status_code == 200 and "upload_id=" in session
    first = httpx.put(session, headers={"Content-Range": "bytes 0-3/6"}, content=b"PK\x03\x04")
    assert (first.status_code, first.headers["Range"]) == (308, "bytes=0-3")
    status = httpx.put(session, headers={"Content-Range": "bytes */6"})
    assert (status.status_code, status.headers["Range"]) == (308, "bytes=0-3")
    last = httpx.put(session, headers={"Content-Range": "bytes 4-5/6"}, content=b"!!")
    assert last.status_code == 200 and last.json()["name"] == "big.xlsx"
    assert sandbox.files_in(folder)[0]["content"] == b"PK\x03\x04!!"


def test_shared_drive_items_need_supports_all_drives_and_fields_select_the_answer(drive):
    sandbox, folder, auth, _ = drive
    url = f"{sandbox.base_url}drive/v3/files/{folder}"
    assert httpx.get(url, headers=auth).status_code == 404
    found = httpx.get(
        url, headers=auth, params={"supportsAllDrives": "true", "fields": "id,capabilities(canAddChildren)"}
    )
    assert found.json() == {"id": folder, "capabilities": {"canAddChildren": True}}
    listed = httpx.get(
        f"{sandbox.base_url}drive/v3/files",
        headers=auth,
        params={"q": "name = 'Migration des dossiers usagers'", "supportsAllDrives": "true"},
    )
    assert listed.json()["files"] == []  # not included without includeItemsFromAllDrives
    bad = httpx.get(f"{sandbox.base_url}drive/v3/files", headers=auth, params={"q": "name ~ 'x'"})
    assert bad.status_code == 400 and bad.json()["error"]["errors"][0]["location"] == "q"
