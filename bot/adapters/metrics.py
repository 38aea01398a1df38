"""`/healthz` and `/metrics` over HTTP (`METRICS_PORT`): what probes, Prometheus and the watchdog read.

`/healthz` answers 200 or 503 with a JSON reason (`bot.domain.health`: leader making progress, or healthy
standby) — a readiness probe; `/livez` 200 or 503 while the process's loop turns — a liveness probe (a
restart cures a stuck loop, not Trello's outage); `/metrics` is Prometheus' text
format from the process's own registry (prometheus-client): cards by state, polls and their failures, calls
to Trello, Slack and the console and their errors by kind, dry-runs and their durations, leadership, the last
successful poll. Bound to 127.0.0.1 by default: it says nothing secret, but nothing outside needs it.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from bot.app.monitoring import Call
from bot.domain.health import Verdict
from bot.domain.incidents import System
from bot.domain.lifecycle import CardState

log = logging.getLogger("migrabot.metrics")
DRY_RUN_BUCKETS = (0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600)
REQUEST_TIMEOUT_S = 10  # a probe that opens a connection and says nothing is dropped


class Metrics:
    def __init__(self, *, is_leader: Callable[[], bool]) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self.cards = Gauge(
            "migrabot_cards", "Cards the bot knows, by lifecycle state.", ["state"], registry=registry
        )
        self.polls = Counter("migrabot_polls", "Polls of the board.", registry=registry)
        self.poll_failures = Counter("migrabot_poll_failures", "Polls that failed.", registry=registry)
        self.calls = Counter(
            "migrabot_requests",
            "Calls to Trello, Slack and the console.",
            ["system", "operation"],
            registry=registry,
        )
        self.errors = Counter(
            "migrabot_request_errors",
            "Calls that failed, by kind of error.",
            ["system", "kind"],
            registry=registry,
        )
        self.dry_runs = Histogram(
            "migrabot_dry_run_seconds",
            "Console runs and their duration.",
            buckets=DRY_RUN_BUCKETS,
            registry=registry,
        )
        self.leader = Gauge("migrabot_leader", "1 while this process is the active one.", registry=registry)
        self.leader.set_function(lambda: 1.0 if is_leader() else 0.0)
        self.last_poll = Gauge(
            "migrabot_last_successful_poll_timestamp_seconds",
            "When the last poll succeeded.",
            registry=registry,
        )
        self.stood_down = Gauge(
            "migrabot_stood_down",
            "1 while this instance stands down because another one acts on the board.",
            registry=registry,
        )
        for system in System:
            self.errors.labels(system=system.value, kind="none")  # every system present from the start

    def watch_stand_down(self, stood_down: Callable[[], bool]) -> None:
        """Set once the service exists: whether another instance acts on the board (bot/app/instances.py)."""
        self.stood_down.set_function(lambda: 1.0 if stood_down() else 0.0)

    def record_call(self, call: Call) -> None:
        self.calls.labels(system=call.system.value, operation=call.operation).inc()
        if call.failed:
            self.errors.labels(system=call.system.value, kind=call.error_kind).inc()
        if call.system is System.CONSOLE and call.operation == "run":
            self.dry_runs.observe(call.seconds)

    def record_poll(self, *, ok: bool, at: float, cards_by_state: Mapping[str, int]) -> None:
        self.polls.inc()
        if not ok:
            self.poll_failures.inc()
            return
        self.last_poll.set(at)
        for state in CardState:
            self.cards.labels(state=state.value).set(cards_by_state.get(state.value, 0))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class HealthEndpoint:
    """The HTTP server; `start()` returns the port it listens on (METRICS_PORT may be 0 in tests)."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        metrics: Metrics,
        verdict: Callable[[], Verdict],
        responsive: Callable[[], bool] = lambda: True,
    ) -> None:
        probes = {
            "metrics": metrics,
            "verdict": staticmethod(verdict),
            "responsive": staticmethod(responsive),
        }
        handler = type("Handler", (_Handler,), probes)
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def start(self) -> int:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="health-endpoint", daemon=True
        )
        self._thread.start()
        log.info("health and metrics on http://%s:%s/healthz and /metrics", *self._server.server_address[:2])
        return self.port

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    metrics: Metrics
    verdict: Callable[[], Verdict]
    responsive: Callable[[], bool]
    timeout = REQUEST_TIMEOUT_S

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/healthz":
            verdict = self.verdict()
            body = json.dumps(verdict.as_json()).encode()
            self._send(200 if verdict.healthy else 503, body, "application/json")
        elif path == "/livez":
            alive = self.responsive()
            self._send(200 if alive else 503, json.dumps({"responsive": alive}).encode(), "application/json")
        elif path == "/metrics":
            self._send(200, self.metrics.exposition(), CONTENT_TYPE_LATEST)
        else:
            self._send(404, b'{"error": "not found: try /healthz, /livez or /metrics"}', "application/json")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("health endpoint: " + format, *args)
