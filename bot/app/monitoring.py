"""What the process observes of itself for health, metrics and alerts, without the services knowing.

The ports the services use are wrapped at the composition root: every call to Trello, Slack or the console
is timed and reported as a `Call` (its failure with the error's own words), whoever made it. The poll job is
wrapped likewise (`watched_poll`), and the leadership loop reports the process's role to `LivenessTracker`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from bot.app.ports import Clock, Console
from bot.app.simulation import is_transport_failure
from bot.domain.command import DryRunCommand
from bot.domain.health import Liveness, Role
from bot.domain.incidents import System
from bot.domain.model import ConsoleResult

log = logging.getLogger("migrabot.monitoring")


@dataclass(frozen=True)
class Call:
    system: System
    operation: str  # the port's method: `comment`, `post`, `run`…
    seconds: float
    error_kind: str = ""  # empty when it worked; the exception's class, or `transport` for the console
    error_words: str = ""

    @property
    def failed(self) -> bool:
        return bool(self.error_kind)


Report = Callable[[Call], None]


def fan_out(*reports: Report) -> Report:
    def report(call: Call) -> None:
        for each in reports:
            try:
                each(call)
            except Exception:  # watching must never break what is watched
                log.exception("reporting a %s call failed", call.system)

    return report


class Observed:
    """Any port whose methods raise on failure (Trello's board, Slack's chat): each call reported."""

    def __init__(self, port: Any, *, system: System, report: Report) -> None:
        self._port = port
        self._system = system
        self._report = report

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._port, name)
        if not callable(attribute) or name.startswith("_"):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                result = attribute(*args, **kwargs)
            except Exception as error:
                elapsed = time.perf_counter() - started
                self._report(Call(self._system, name, elapsed, type(error).__name__, str(error)))
                raise
            self._report(Call(self._system, name, time.perf_counter() - started))
            return result

        return call


class ObservedConsole:
    """The console answers failures with a result, not an exception: a transport failure is its outage.

    `busy` is told when a run starts and ends: a long dry-run is a sign of life, not of a stuck bot."""

    def __init__(
        self, console: Console, *, report: Report, busy: Callable[[bool], None] = lambda _: None
    ) -> None:
        self._console = console
        self._report = report
        self._busy = busy

    def run(self, command: DryRunCommand) -> ConsoleResult:
        self._busy(True)
        try:
            result = self._console.run(command)
        finally:
            self._busy(False)
        return self._reported("run", result)

    def migration_help(self) -> ConsoleResult:
        return self._reported("migration_help", self._console.migration_help())

    def close(self) -> None:
        self._console.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._console, name)  # what only the adapter's own callers use, unobserved

    def _reported(self, operation: str, result: ConsoleResult) -> ConsoleResult:
        failed = is_transport_failure(result)
        words = (result.start_error or result.stderr or result.stdout).strip() if failed else ""
        if failed and result.timed_out and not words:
            words = f"timed out after {result.duration_s:.0f} s"
        self._report(Call(System.CONSOLE, operation, result.duration_s, "transport" if failed else "", words))
        return result


class LivenessTracker:
    """The process's role and its last successes, shared by the scheduler's threads and `/healthz`."""

    def __init__(self, *, clock: Clock = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._liveness = Liveness(role=Role.STARTING, role_since=clock())
        self._runs = 0  # console runs under way (the dry-runs of a round may overlap)
        self._polling = False  # only the poll's calls are its progress (a Slack click is not)

    def current(self) -> Liveness:
        with self._lock:
            return self._liveness

    def standby_checked(self) -> None:
        self._set(role=Role.STANDBY, success=True)

    def became_leader(self) -> None:
        self._set(role=Role.LEADER)

    def poll_succeeded(self) -> None:
        with self._lock:
            self._polling = False
        self._set(role=Role.LEADER, success=True)

    def record_call(self, call: Call) -> None:
        """A call of the poll's that worked is progress (a long poll over many cards is not a stuck bot); a
        failed one, from any thread, is the newest error the verdict quotes."""
        with self._lock:
            if call.failed:
                words = f"{call.error_kind}: {call.error_words}"
                self._liveness = replace(self._liveness, last_error=words.strip()[:300])
            elif self._polling:
                self._liveness = replace(self._liveness, last_progress=self._clock())

    def console_busy(self, started: bool) -> None:
        with self._lock:
            self._runs += 1 if started else -1
            if started and self._runs == 1:
                self._liveness = replace(self._liveness, console_busy_since=self._clock())
            elif self._runs == 0:
                self._liveness = replace(self._liveness, console_busy_since=None)

    def poll_began(self) -> None:
        with self._lock:
            self._polling = True

    def poll_failed(self, words: str) -> None:
        with self._lock:
            self._polling = False
            self._liveness = replace(
                self._liveness, last_error=words.strip()[:300], last_attempt=self._clock()
            )

    def _set(self, *, role: Role, success: bool = False) -> None:
        now = self._clock()
        with self._lock:
            current = self._liveness
            if current.role is not role:
                current = Liveness(role=role, role_since=now)
            if success:
                current = replace(current, last_success=now, last_attempt=now, last_error="")
            self._liveness = current


def watched_poll(
    poll: Callable[[], int],
    *,
    liveness: LivenessTracker,
    record_poll: Callable[[bool], None],
    review: Callable[[], None],
) -> Callable[[], int]:
    """The poll job, its outcome told to the health verdict and the metrics, then the alerts reviewed."""

    def run() -> int:
        liveness.poll_began()
        try:
            count = poll()
        except Exception as error:
            liveness.poll_failed(f"{type(error).__name__}: {error}")
            record_poll(False)
            raise
        else:
            liveness.poll_succeeded()
            record_poll(True)
            return count
        finally:
            review()

    return run
