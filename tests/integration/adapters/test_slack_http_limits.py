"""Issue 25, point 8: Slack's HTTP endpoint with a socket timeout and a bounded pool of workers. Idle
connections cost no thread and are closed after the timeout; Slack's own requests are still served while
hundreds of connections sit idle."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator

import pytest
from slack_bolt import App
from slack_sdk import WebClient

from bot.adapters.slack import SlackEndpoint
from bot.settings import Settings
from tests.integration.adapters.test_slack_http import SECRET, exchange, post_head, signed

IDLE = 300
WORKERS = 4


@pytest.fixture
def endpoint() -> Iterator[SlackEndpoint]:
    settings = Settings(
        _env_file=None,
        slack_mode="http",
        slack_signing_secret=SECRET,
        slack_http_port=0,
        slack_http_workers=WORKERS,
        slack_http_timeout_seconds=2,
    )
    app = App(
        client=WebClient(token="xoxb-test", base_url="http://127.0.0.1:9/"),
        signing_secret=SECRET,
        token_verification_enabled=False,
        request_verification_enabled=True,
    )
    served = SlackEndpoint(app, settings)
    served.start()
    yield served
    served.stop()


def slack_http_threads() -> int:
    return sum(1 for thread in threading.enumerate() if thread.name.startswith("slack-http"))


def test_idle_connections_hold_no_thread_and_slack_is_still_served(endpoint: SlackEndpoint):
    assert endpoint.port is not None
    idle = [socket.create_connection(("127.0.0.1", endpoint.port), timeout=10) for _ in range(IDLE)]
    try:
        body = json.dumps({"type": "url_verification", "challenge": "abc123"}).encode()
        answer = exchange(endpoint.port, post_head(len(body), **signed(body)) + body)
        assert answer.startswith(b"HTTP/1.0 200") and b"abc123" in answer
        # the accepting thread, the waiting room and at most WORKERS workers, whatever the idle connections
        assert slack_http_threads() <= WORKERS + 2
        for conn in idle:  # each idle connection is closed by the server after its timeout (recv returns b"")
            assert conn.recv(1) == b""
    finally:
        for conn in idle:
            conn.close()


def test_a_client_that_stops_mid_body_gets_408_after_the_timeout(endpoint: SlackEndpoint, capfd):
    assert endpoint.port is not None
    with socket.create_connection(("127.0.0.1", endpoint.port), timeout=10) as conn:
        conn.sendall(post_head(1000, **signed(b"x" * 1000)) + b"x" * 10)  # 990 bytes never come
        answer = b""
        while chunk := conn.recv(65536):  # until the server closes the connection
            answer += chunk
    assert answer.startswith(b"HTTP/1.0 408")
    assert "Traceback" not in capfd.readouterr().err


def test_the_defaults_bound_the_endpoint():
    settings = Settings(_env_file=None)
    assert settings.slack_http_workers == 16
    assert settings.slack_http_timeout_seconds == 10
