"""The verdict `/healthz` serves and the systemd watchdog waits for."""

from __future__ import annotations

import pytest

from bot.domain.health import ATTEMPT_MARGIN_S, Liveness, Role, responsive, verdict

INTERVAL = 60


@pytest.mark.parametrize(
    ("liveness", "now", "healthy"),
    [
        (Liveness(Role.STARTING, role_since=0), 3 * INTERVAL, True),
        (Liveness(Role.STARTING, role_since=0), 3 * INTERVAL + 1, False),
        (Liveness(Role.LEADER, role_since=0), 2 * INTERVAL, True),  # its first poll is still under way
        (Liveness(Role.LEADER, role_since=0), 3 * INTERVAL + 1, False),
        (Liveness(Role.LEADER, role_since=0, last_success=1000), 1000 + 3 * INTERVAL, True),
        (
            Liveness(Role.LEADER, role_since=0, last_success=1000, last_error="TrelloError: HTTP 401"),
            1200,
            False,
        ),
        (Liveness(Role.STANDBY, role_since=0, last_success=500), 520, True),
        (Liveness(Role.STANDBY, role_since=0, last_success=500), 500 + 3 * INTERVAL + 1, False),
    ],
)
def test_verdict(liveness, now, healthy):
    assert verdict(liveness, now=now, interval_s=INTERVAL).healthy is healthy


def test_an_unhealthy_leader_says_why_with_the_error():
    stale = Liveness(
        Role.LEADER, role_since=0, last_success=0, last_error="TrelloError: HTTP 401 : invalid token"
    )
    result = verdict(stale, now=400, interval_s=INTERVAL)
    assert (
        result.reason
        == "leader, no poll or call for 400 s (limit 180 s): TrelloError: HTTP 401 : invalid token"
    )


def test_a_long_console_run_is_a_sign_of_life_until_the_console_times_out():
    busy = Liveness(Role.LEADER, role_since=0, last_success=0, console_busy_since=100)
    assert verdict(busy, now=100 + 600, interval_s=INTERVAL, console_timeout_s=600).healthy
    assert not verdict(busy, now=100 + 600 + INTERVAL + 1, interval_s=INTERVAL, console_timeout_s=600).healthy


def test_a_successful_call_during_a_long_poll_is_progress():
    polling = Liveness(Role.LEADER, role_since=0, last_success=0, last_progress=1000)
    assert verdict(polling, now=1000 + 3 * INTERVAL, interval_s=INTERVAL).healthy


def test_a_bot_whose_polls_fail_is_unhealthy_but_responsive_a_stuck_one_is_neither():
    failing = Liveness(Role.LEADER, role_since=0, last_success=0, last_attempt=5000, last_error="TrelloError")
    assert not verdict(failing, now=5010, interval_s=INTERVAL).healthy
    assert responsive(failing, now=5010, interval_s=INTERVAL)
    assert not responsive(failing, now=5000 + 3 * INTERVAL + ATTEMPT_MARGIN_S + 1, interval_s=INTERVAL)
