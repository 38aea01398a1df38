"""Is the process well? The verdict `/healthz` serves and the systemd watchdog waits for. Pure.

A standby is well while it keeps checking the lock. The leader is well while it makes progress: a poll
completed, or a call to Trello, Slack or the console that succeeded, within `POLLS_OF_GRACE` intervals — or
a console run under way for less than the console's own timeout (a dry-run may take minutes, and the runner
kills it at its timeout). A leader that has just taken over has the same grace for its first poll.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum

POLLS_OF_GRACE = 3
# A poll that fails still ends: Trello's retries (backoff up to 30 s, five attempts) and timeouts bound it.
ATTEMPT_MARGIN_S = 300


class Role(StrEnum):
    STARTING = "starting"
    STANDBY = "standby"
    LEADER = "leader"


@dataclass(frozen=True)
class Liveness:
    """What the process knows of itself (times are the clock's seconds)."""

    role: Role
    role_since: float
    last_success: float | None = None  # of a poll (leader) or a lock check (standby)
    last_progress: float | None = None  # a call that worked, during a poll
    last_attempt: float | None = None  # a poll or a lock check ended, whether it worked or not
    console_busy_since: float | None = None  # a console run under way since then
    last_error: str = ""


@dataclass(frozen=True)
class Verdict:
    healthy: bool
    reason: str  # English, for operators and probes
    role: Role = Role.LEADER
    sign: str = "alive"  # starting, busy (a console run under way), alive, silent
    age_s: float = 0.0  # since the last sign of life (or since the role began, before any)
    limit_s: float = 0.0
    last_error: str = ""

    def as_json(self) -> dict:
        return asdict(self)


def verdict(liveness: Liveness, *, now: float, interval_s: float, console_timeout_s: float = 0.0) -> Verdict:
    busy = liveness.console_busy_since
    if _console_run_under_way(liveness, now=now, interval_s=interval_s, console_timeout_s=console_timeout_s):
        age = max(now - busy, 0.0)
        return Verdict(
            healthy=True,
            reason=f"leader, console run under way for {age:.0f} s",
            role=liveness.role,
            sign="busy",
            age_s=round(age, 1),
            limit_s=console_timeout_s + interval_s,
            last_error=liveness.last_error,
        )
    limit = POLLS_OF_GRACE * interval_s
    signs = [t for t in (liveness.last_success, liveness.last_progress) if t is not None]
    age = max(now - max(signs, default=liveness.role_since), 0.0)
    healthy = age <= limit
    return Verdict(
        healthy=healthy,
        reason=_reason(liveness, healthy=healthy, age=age, limit=limit),
        role=liveness.role,
        sign=("starting" if liveness.role is Role.STARTING else "alive") if healthy else "silent",
        age_s=round(age, 1),
        limit_s=limit,
        last_error=liveness.last_error,
    )


def _reason(liveness: Liveness, *, healthy: bool, age: float, limit: float) -> str:
    if liveness.role is Role.STARTING:
        return "starting" if healthy else f"still starting after {age:.0f} s"
    what = "poll or call" if liveness.role is Role.LEADER else "lock check"
    if healthy:
        return f"{liveness.role.value}, last {what} {age:.0f} s ago"
    error = f": {liveness.last_error}" if liveness.last_error else ""
    return f"{liveness.role.value}, no {what} for {age:.0f} s (limit {limit:.0f} s){error}"


def responsive(liveness: Liveness, *, now: float, interval_s: float, console_timeout_s: float = 0.0) -> bool:
    if _console_run_under_way(liveness, now=now, interval_s=interval_s, console_timeout_s=console_timeout_s):
        return True
    signs = [t for t in (liveness.last_attempt, liveness.last_progress) if t is not None]
    return now - max(signs, default=liveness.role_since) <= POLLS_OF_GRACE * interval_s + ATTEMPT_MARGIN_S


def _console_run_under_way(
    liveness: Liveness, *, now: float, interval_s: float, console_timeout_s: float
) -> bool:
    """A dry-run may take up to the console's own timeout: while one runs, the bot is alive and busy."""
    busy = liveness.console_busy_since
    return busy is not None and now - busy <= console_timeout_s + interval_s
