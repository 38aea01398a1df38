"""`migrabot run` says when it is unwell: `/healthz` flips when Trello stops answering and back when it
answers again; one alert on Slack per incident and one recovery message; `/metrics` parses as Prometheus."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from sandbox.stack import TEAM_CHANNEL, SandboxStack
from tests.support.bot_process import ROOT, BotProcess, wait_until
from tests.support.text import plain

POLL = 0.3


def team_messages(stack: SandboxStack) -> list[str]:
    return [plain(message["text"]) for message in stack.slack.messages(TEAM_CHANNEL[0])]


def polls(client: httpx.Client) -> float:
    families = {f.name: f for f in text_string_to_metric_families(client.get("/metrics").text)}
    return families["migrabot_polls"].samples[0].value


def test_healthz_status_and_one_alert_per_incident_when_trello_stops_answering(tmp_path: Path):
    stack = SandboxStack(tmp_path / "stack").start(cards=())
    settings = stack.settings(poll_interval_seconds=1, metrics_port=0, alert_after_minutes=0.01)
    bot = BotProcess.start(stack.environment(settings), tmp_path, "bot")
    try:
        bot.wait_for_log("migrabot started")
        port = re.search(r"health and metrics on http://127\.0\.0\.1:(\d+)/healthz", bot.log).group(1)
        environment = {**stack.environment(settings), "METRICS_PORT": port}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            wait_until(lambda: client.get("/healthz").status_code == 200, timeout=30, what="healthy")
            healthy = status_health(environment, tmp_path)
            assert healthy.returncode == 0 and plain(healthy.stdout).startswith("ok : processus actif, ")

            stack.trello.faults.error_statuses = (503,)
            stack.trello.faults.error_rate = 1.0
            wait_until(
                lambda: client.get("/healthz").status_code == 503, timeout=60, what="503 from /healthz"
            )
            assert client.get("/healthz").json()["reason"].startswith("leader, no poll or call for ")
            down = status_health(environment, tmp_path)
            assert down.returncode == 1
            assert plain(down.stderr).startswith(
                "en panne : processus actif, aucune activité réussie depuis "
            )
            wait_until(  # once Trello's retries of the poll's request are spent, its words are quoted
                lambda: (
                    "dernière erreur : TrelloError: Trello a refusé GET "
                    in plain(status_health(environment, tmp_path).stderr)
                ),
                timeout=60,
                what="the error's words in status --health",
            )
            wait_until(
                lambda: any(m.startswith("🚨") for m in team_messages(stack)), timeout=60, what="alert"
            )

            stack.trello.faults.error_rate = 0.0
            wait_until(lambda: client.get("/healthz").status_code == 200, timeout=60, what="healthy again")
            wait_until(
                lambda: any(m.startswith("✅") for m in team_messages(stack)), timeout=60, what="recovery"
            )
            seen = polls(client)
            wait_until(lambda: polls(client) >= seen + 2, timeout=30, what="two more polls")

            [alert, recovery] = team_messages(stack)
            assert alert.startswith("🚨 Le bot n'arrive plus à joindre Trello depuis le ")
            assert "503" in alert and "`migrabot doctor`" in alert
            assert recovery.startswith("✅ Trello répond de nouveau")
            families = {f.name: f for f in text_string_to_metric_families(client.get("/metrics").text)}
            failures = families["migrabot_poll_failures"].samples[0].value
            errors = [
                s for s in families["migrabot_request_errors"].samples if s.labels.get("system") == "trello"
            ]
            assert failures >= 1 and any(s.value >= 1 and s.labels["kind"] == "TrelloError" for s in errors)
            assert families["migrabot_leader"].samples[0].value == 1
        assert bot.stop() == 0
        gone = status_health(environment, tmp_path)
        assert gone.returncode == 1 and f"http://127.0.0.1:{port}/healthz ne répond pas" in plain(gone.stderr)
    finally:
        bot.stop()
        stack.stop()


def test_a_standby_answers_healthz_as_a_healthy_standby(tmp_path: Path):
    stack = SandboxStack(tmp_path / "stack").start(cards=())
    env = stack.environment(stack.settings(poll_interval_seconds=POLL, metrics_port=0))
    active = BotProcess.start(env, tmp_path, "active")
    standby = None
    try:
        active.wait_for_log("migrabot started")
        standby = BotProcess.start(env, tmp_path, "standby")
        standby.wait_for_log("standby: another migrabot process")
        port = re.search(r"health and metrics on http://127\.0\.0\.1:(\d+)/healthz", standby.log).group(1)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            answer = client.get("/healthz")
            assert answer.status_code == 200 and answer.json()["reason"].startswith("standby")
            families = {f.name: f for f in text_string_to_metric_families(client.get("/metrics").text)}
            assert families["migrabot_leader"].samples[0].value == 0
    finally:
        if standby is not None:
            standby.stop()
        active.stop()
        stack.stop()


def status_health(environment: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", "status", "--health"],
        env={**environment, "PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT)},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )
