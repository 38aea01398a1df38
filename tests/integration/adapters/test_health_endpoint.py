"""`/healthz` and `/metrics` over real HTTP on loopback; systemd's notify socket as a real datagram socket."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.adapters.metrics import HealthEndpoint, Metrics
from bot.adapters.systemd import Watchdog
from bot.app.monitoring import Call
from bot.domain.health import Verdict
from bot.domain.incidents import System


@pytest.fixture
def served():
    state = {"verdict": Verdict(True, "leader, last poll 3 s ago"), "leader": True, "responsive": True}
    metrics = Metrics(is_leader=lambda: state["leader"])
    endpoint = HealthEndpoint(
        host="127.0.0.1",
        port=0,
        metrics=metrics,
        verdict=lambda: state["verdict"],
        responsive=lambda: state["responsive"],
    )
    port = endpoint.start()
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
        yield client, metrics, state
    endpoint.stop()


def test_healthz_answers_200_or_503_with_a_json_reason(served):
    client, _, state = served
    ok = client.get("/healthz")
    assert ok.status_code == 200 and ok.json()["healthy"] is True
    assert ok.json()["reason"] == "leader, last poll 3 s ago"
    state["verdict"] = Verdict(False, "leader, no successful poll for 400 s (limit 180 s): HTTP 401")
    down = client.get("/healthz")
    assert down.status_code == 503 and down.headers["content-type"] == "application/json"
    assert json.loads(down.content)["reason"].endswith("HTTP 401")
    assert client.get("/nothing").status_code == 404


def test_livez_answers_whether_the_loop_still_turns(served):
    client, _, state = served
    state["verdict"] = Verdict(
        False, "leader, no poll or call for 400 s"
    )  # Trello down: not a liveness issue
    assert client.get("/livez").json() == {"responsive": True}
    state["responsive"] = False
    stuck = client.get("/livez")
    assert stuck.status_code == 503 and stuck.json() == {"responsive": False}


def test_metrics_parse_as_prometheus_text_and_count_what_happened(served):
    client, metrics, state = served
    metrics.record_call(Call(System.TRELLO, "open_cards", 0.1))
    metrics.record_call(Call(System.TRELLO, "open_cards", 0.1, "TrelloError", "HTTP 503"))
    metrics.record_call(Call(System.CONSOLE, "run", 2.5))
    metrics.record_poll(ok=True, at=1_790_000_000, cards_by_state={"awaiting_approval": 2})
    metrics.record_poll(ok=False, at=1_790_000_060, cards_by_state={})
    state["leader"] = False
    assert "migrabot_stood_down 0.0" in client.get("/metrics").text
    metrics.watch_stand_down(lambda: True)  # another instance acts on the board
    families = {f.name: f for f in text_string_to_metric_families(client.get("/metrics").text)}

    def value(family: str, sample: str, **labels: str) -> float:
        return next(
            s.value
            for s in families[family].samples
            if s.name == sample and all(s.labels.get(k) == v for k, v in labels.items())
        )

    assert value("migrabot_requests", "migrabot_requests_total", system="trello", operation="open_cards") == 2
    assert (
        value("migrabot_request_errors", "migrabot_request_errors_total", system="trello", kind="TrelloError")
        == 1
    )
    assert value("migrabot_dry_run_seconds", "migrabot_dry_run_seconds_count") == 1
    assert value("migrabot_dry_run_seconds", "migrabot_dry_run_seconds_sum") == 2.5
    assert value("migrabot_polls", "migrabot_polls_total") == 2
    assert value("migrabot_poll_failures", "migrabot_poll_failures_total") == 1
    assert value("migrabot_cards", "migrabot_cards", state="awaiting_approval") == 2
    assert value("migrabot_cards", "migrabot_cards", state="done") == 0
    assert value("migrabot_leader", "migrabot_leader") == 0
    assert value("migrabot_stood_down", "migrabot_stood_down") == 1
    assert (
        value(
            "migrabot_last_successful_poll_timestamp_seconds",
            "migrabot_last_successful_poll_timestamp_seconds",
        )
        == 1_790_000_000
    )


def test_the_systemd_watchdog_is_fed_only_while_responsive(tmp_path: Path):
    path = tmp_path / "notify.sock"
    alive = threading.Event()
    alive.set()
    asked_while_stuck = threading.Event()

    def responsive() -> bool:
        if alive.is_set():
            return True
        asked_while_stuck.set()
        return False

    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(str(path))
        server.settimeout(10)
        watchdog = Watchdog(
            responsive=responsive, environ={"NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "100000"}
        )
        watchdog.start()
        assert server.recv(64) == b"READY=1"
        assert server.recv(64) == b"WATCHDOG=1"
        alive.clear()
        assert asked_while_stuck.wait(10)
        # A ping follows a "responsive" answer before the next question: what came before is in the socket.
        server.setblocking(False)
        while True:
            try:
                assert server.recv(64) == b"WATCHDOG=1"
            except BlockingIOError:
                break
        server.settimeout(0.5)  # five watchdog periods: fed, it would have pinged
        with pytest.raises(TimeoutError):
            server.recv(64)
        watchdog.stop()
        server.settimeout(10)
        assert server.recv(64) == b"STOPPING=1"


def test_outside_systemd_the_watchdog_does_nothing():
    watchdog = Watchdog(responsive=lambda: True, environ={})
    watchdog.start()
    assert watchdog.notify("READY=1") is False
    watchdog.stop()


def test_a_dry_run_longer_than_three_polls_keeps_the_leader_healthy_until_the_console_timeout():
    from bot.bootstrap import Monitoring
    from bot.settings import Settings
    from tests.support.fakes import FakeClock

    clock = FakeClock()
    monitoring = Monitoring(
        Settings(_env_file=None, poll_interval_seconds=60, console_timeout_seconds=600), clock=clock
    )
    monitoring.liveness.poll_succeeded()
    monitoring.liveness.console_busy(True)
    clock.advance(500)  # well past 3 polls, within the console's own timeout
    assert monitoring.verdict().healthy and monitoring.verdict().sign == "busy"
    clock.advance(200)
    assert not monitoring.verdict().healthy
