"""Logs: one line per event, JSON when asked, and no secret ever written."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot.logs import setup_logging

SECRET = "trello-token-0123456789abcdef"


@pytest.fixture
def restore_root_logger():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_logs_are_one_object_per_line_with_the_card(restore_root_logger):
    stream = io.StringIO()
    setup_logging(level="INFO", fmt="json", secrets=[SECRET], stream=stream)
    logging.getLogger("migrabot.workflow").info(
        "card %s: %s", "abc123", "simulated", extra={"event": "simulated", "card": "abc123"}
    )
    [line] = stream.getvalue().splitlines()
    document = json.loads(line)
    assert document["message"] == "card abc123: simulated"
    assert (document["level"], document["logger"], document["event"], document["card"]) == (
        "info",
        "migrabot.workflow",
        "simulated",
        "abc123",
    )


def test_secrets_are_masked_in_messages_arguments_and_tracebacks(restore_root_logger):
    stream = io.StringIO()
    setup_logging(level="DEBUG", fmt="text", secrets=[SECRET, "short"], stream=stream)
    log = logging.getLogger("migrabot.test")
    log.warning("token is %s", SECRET)
    try:
        raise RuntimeError(f"request failed with token={SECRET}")
    except RuntimeError:
        log.exception("boom")
    output = stream.getvalue()
    assert SECRET not in output
    assert output.count("***") >= 2
    assert "RuntimeError: request failed with token=***" in output


def test_http_client_urls_are_not_logged_at_info(restore_root_logger):
    stream = io.StringIO()
    setup_logging(level="INFO", fmt="text", stream=stream)
    logging.getLogger("httpx").info("HTTP Request: GET https://api.trello.com/1/boards?token=x")
    assert stream.getvalue() == ""
