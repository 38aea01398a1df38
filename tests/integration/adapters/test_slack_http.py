"""Slack's HTTP endpoint facing a hostile network: big or unsigned bodies are refused before they are read."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import socket
import time
from collections.abc import Iterator

import pytest
from slack_bolt import App
from slack_sdk import WebClient

from bot.adapters.slack import MAX_BODY_BYTES, SlackEndpoint
from bot.settings import Settings

SECRET = "test-signing-secret"


@pytest.fixture
def endpoint() -> Iterator[SlackEndpoint]:
    settings = Settings(_env_file=None, slack_mode="http", slack_signing_secret=SECRET, slack_http_port=0)
    clicks: list[dict] = []
    app = App(
        client=WebClient(token="xoxb-test", base_url="http://127.0.0.1:9/"),
        signing_secret=SECRET,
        token_verification_enabled=False,
        request_verification_enabled=True,
    )

    @app.event("app_mention")
    def mention(event: dict) -> None:
        clicks.append(event)

    served = SlackEndpoint(app, settings)
    served.start()
    yield served
    served.stop()


def exchange(port: int, head: bytes, body: bytes = b"", *, timeout: float = 5.0) -> bytes:
    """Sends the head and as much of the body as the server takes, returns what it answered."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(head)
        with contextlib.suppress(OSError):  # the server may answer and close before the whole body
            conn.sendall(body)
        answer = b""
        try:
            while chunk := conn.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
        return answer


def post_head(length: int, **headers: str) -> bytes:
    lines = [
        "POST /slack/events HTTP/1.1",
        "Host: 127.0.0.1",
        "Content-Type: application/json",
        f"Content-Length: {length}",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def signed(body: bytes) -> dict[str, str]:
    timestamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256)
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": "v0=" + digest.hexdigest()}


def test_the_endpoint_listens_on_loopback_unless_told_otherwise(endpoint: SlackEndpoint):
    assert Settings.model_fields["slack_http_host"].default == "127.0.0.1"
    assert endpoint.host == "127.0.0.1"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        probe.connect(("127.0.0.1", endpoint.port))  # reachable on loopback
    assert endpoint.bound_address()[0] == "127.0.0.1"


def test_a_64_mb_body_is_refused_from_its_headers_without_waiting_for_it(endpoint: SlackEndpoint, capfd):
    # Only the head is sent: a server that reads the body first would wait for it and time out here.
    answer = exchange(endpoint.port, post_head(64 * 1024 * 1024), timeout=5)
    assert answer.startswith(b"HTTP/1.0 413 ") or answer.startswith(b"HTTP/1.1 413 ")
    assert "Traceback" not in capfd.readouterr().err


def test_a_body_just_over_the_limit_is_refused_and_one_at_the_limit_is_read(endpoint: SlackEndpoint):
    over = exchange(endpoint.port, post_head(MAX_BODY_BYTES + 1), b"x" * (MAX_BODY_BYTES + 1))
    assert b" 413 " in over.split(b"\r\n", 1)[0]
    at_limit = exchange(endpoint.port, post_head(MAX_BODY_BYTES), b"x" * MAX_BODY_BYTES)
    assert b" 401 " in at_limit.split(b"\r\n", 1)[0]  # read, then refused for its missing signature


def test_a_request_without_a_length_is_refused(endpoint: SlackEndpoint):
    head = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    answer = exchange(endpoint.port, head, b"5\r\nhello\r\n0\r\n\r\n")
    assert b" 411 " in answer.split(b"\r\n", 1)[0]


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe not utf-8 \xc3\x28", b'{"type": "event_callback"}', bytes(range(256)) * 64],
    ids=["not-utf8", "json", "binary"],
)
def test_unsigned_or_forged_bodies_get_401_without_a_traceback(endpoint: SlackEndpoint, capfd, body: bytes):
    forged = {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=" + "0" * 64}
    for headers in ({}, forged):
        answer = exchange(endpoint.port, post_head(len(body), **headers), body)
        assert b" 401 " in answer.split(b"\r\n", 1)[0]
    assert "Traceback" not in capfd.readouterr().err


def test_a_signed_body_that_is_not_utf8_gets_400_without_a_traceback(endpoint: SlackEndpoint, capfd):
    body = b"payload=\xff\xfe"
    answer = exchange(endpoint.port, post_head(len(body), **signed(body)), body)
    assert b" 400 " in answer.split(b"\r\n", 1)[0]
    assert "Traceback" not in capfd.readouterr().err


def test_a_signed_request_still_reaches_the_app(endpoint: SlackEndpoint):
    body = json.dumps({"type": "url_verification", "challenge": "abc123"}).encode()
    answer = exchange(endpoint.port, post_head(len(body), **signed(body)), body)
    assert b" 200 " in answer.split(b"\r\n", 1)[0]
    assert answer.endswith(b"abc123") or b"abc123" in answer
