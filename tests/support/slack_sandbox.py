"""Test helpers around the sandbox Slack: a started sandbox, a bolt app served over HTTP, polling.

Import fixtures explicitly: `from tests.support.slack_sandbox import slack_sandbox  # noqa: F401`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from wsgiref.simple_server import make_server

import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.adapters.slack import QuietWSGIHandler, ThreadingWSGIServer
from sandbox.slack_server import SlackSandbox

EVENTS_PATH = "/slack/events"


@pytest.fixture
def slack_sandbox() -> Iterator[SlackSandbox]:
    with SlackSandbox() as sandbox:
        yield sandbox


@contextmanager
def serve_bolt_app(app: App, *, path: str = EVENTS_PATH) -> Iterator[str]:
    """Serve `app` in HTTP mode on a free loopback port; yields its events URL, stops the server after."""
    server = make_server(
        "127.0.0.1",
        0,
        SlackRequestHandler(app, path=path),
        server_class=ThreadingWSGIServer,
        handler_class=QuietWSGIHandler,
    )
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="bolt-wsgi", daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}{path}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def wait_until(condition: Callable[[], object], *, timeout_s: float = 10.0, what: str = "condition") -> None:
    """Poll `condition` until it is truthy: bolt runs listeners after the ack, on its own threads. Generous
    on purpose (a loaded machine); a condition that holds returns at once."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(0.01)
