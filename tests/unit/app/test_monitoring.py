"""Every call to Trello, Slack and the console is reported, whoever made it; the poll's outcome too."""

from __future__ import annotations

import pytest

from bot.app.monitoring import Call, LivenessTracker, Observed, ObservedConsole, fan_out, watched_poll
from bot.domain.health import Role
from bot.domain.incidents import System
from bot.domain.model import ConsoleResult
from tests.support.fakes import FakeClock


class Port:
    def works(self, value: int) -> int:
        return value * 2

    def fails(self) -> None:
        raise ConnectionError("Trello could not be reached")


class Console:
    def __init__(self, result: ConsoleResult) -> None:
        self.result = result

    def run(self, command: object) -> ConsoleResult:
        return self.result

    def migration_help(self) -> ConsoleResult:
        return self.result

    def close(self) -> None:
        pass


def test_a_port_call_is_reported_with_its_outcome_and_its_result_or_error_unchanged():
    calls: list[Call] = []
    port = Observed(Port(), system=System.TRELLO, report=calls.append)
    assert port.works(21) == 42
    with pytest.raises(ConnectionError):
        port.fails()
    assert [(c.operation, c.failed, c.error_kind, c.error_words) for c in calls] == [
        ("works", False, "", ""),
        ("fails", True, "ConnectionError", "Trello could not be reached"),
    ]


@pytest.mark.parametrize(
    ("result", "failed", "words"),
    [
        (ConsoleResult(0, "OK", "", 1.5), False, ""),
        (ConsoleResult(1, "", "[ERROR] Organization 999 not found", 0.4), False, ""),  # Symfony's own answer
        (
            ConsoleResult(255, "", "ssh: connect to host preprod port 22: Connection refused", 0.1),
            True,
            "ssh: connect to host preprod port 22: Connection refused",
        ),
        (ConsoleResult(None, "", "", 600, timed_out=True), True, "timed out after 600 s"),
        (ConsoleResult(None, "", "", 0, start_error="ssh: not found"), True, "ssh: not found"),
    ],
)
def test_the_console_fails_when_it_is_not_reached_not_when_symfony_refuses(result, failed, words):
    calls: list[Call] = []
    ObservedConsole(Console(result), report=calls.append).run(object())  # type: ignore[arg-type]
    [call] = calls
    assert (call.system, call.operation, call.failed, call.error_words, call.seconds) == (
        System.CONSOLE,
        "run",
        failed,
        words,
        result.duration_s,
    )


def test_a_failing_reporter_never_breaks_the_call():
    seen: list[Call] = []

    def broken(call: Call) -> None:
        raise RuntimeError("metrics broke")

    port = Observed(Port(), system=System.SLACK, report=fan_out(broken, seen.append))
    assert port.works(1) == 2 and len(seen) == 1


def test_the_poll_job_tells_the_liveness_the_metrics_and_reviews_alerts_whatever_happens():
    clock = FakeClock()
    liveness = LivenessTracker(clock=clock)
    polls: list[bool] = []
    reviews: list[int] = []
    outcomes = iter([3, RuntimeError("Trello HTTP 401")])

    def poll() -> int:
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    job = watched_poll(poll, liveness=liveness, record_poll=polls.append, review=lambda: reviews.append(1))
    assert job() == 3
    assert liveness.current().role is Role.LEADER and liveness.current().last_success == clock()
    clock.advance(60)
    with pytest.raises(RuntimeError):
        job()
    assert polls == [True, False] and len(reviews) == 2
    assert liveness.current().last_error == "RuntimeError: Trello HTTP 401"
    assert liveness.current().last_success == clock() - 60


def test_only_the_polls_calls_are_progress_a_slack_click_does_not_feed_a_stuck_poll():
    clock = FakeClock()
    liveness = LivenessTracker(clock=clock)
    liveness.became_leader()
    clock.advance(10)
    liveness.record_call(Call(System.SLACK, "ephemeral", 0.1))  # a listener thread, no poll under way
    assert liveness.current().last_progress is None
    liveness.poll_began()
    liveness.record_call(Call(System.TRELLO, "comment", 0.1))
    assert liveness.current().last_progress == clock()
