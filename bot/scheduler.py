"""`migrabot run`: APScheduler drives the poll (and later the reminders) until SIGINT/SIGTERM."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Protocol

from apscheduler.schedulers.background import BackgroundScheduler

from bot.app.leadership import LeadershipLost

log = logging.getLogger("migrabot.scheduler")
ROLE_CHECK_SECONDS = 0.5  # how often the main thread looks whether a job found the leadership lost


class Lock(Protocol):
    """What the standby needs of the leadership (bot/app/leadership.py)."""

    def try_acquire(self) -> bool: ...

    def holder(self) -> str: ...


def guarded(name: str, job: Callable[[], object]) -> Callable[[], None]:
    """A job that fails is logged and tried again at its next run; the scheduler never dies of it."""

    def run() -> None:
        try:
            job()
        except LeadershipLost as lost:  # or StoodDown: another instance acts on the board
            log.warning("job %s stopped before a write: %s", name, lost)
        except Exception:
            log.exception("job %s failed", name)

    return run


def build_scheduler(jobs: list[tuple[str, Callable[[], object], float]]) -> BackgroundScheduler:
    """`jobs`: (name, callable, interval in seconds); each runs at once, then at its interval."""
    scheduler = BackgroundScheduler(
        timezone=UTC,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
    )
    for name, job, interval in jobs:
        scheduler.add_job(
            guarded(name, job),
            "interval",
            seconds=interval,
            id=name,
            name=name,
            next_run_time=datetime.now(UTC),
        )
    return scheduler


@contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGINT/SIGTERM while the block runs (handlers restored after)."""
    stop = threading.Event()
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, lambda *_: stop.set())
    try:
        yield stop
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def wait_until_active(
    lock: Lock,
    *,
    retry_seconds: float,
    stop: threading.Event,
    on_standby: Callable[[], None] | None = None,
) -> bool:
    """Standby until this process holds the state's lock: it talks to nobody meanwhile.

    `on_standby` is called after each unsuccessful look at the lock (the health verdict of a standby).
    Returns False when stopped (SIGTERM) before becoming active."""
    if lock.try_acquire():
        return True
    if on_standby is not None:
        on_standby()
    log.warning(
        "standby: another migrabot process (pid %s) is active on this state database; "
        "this one talks to nobody and takes over when it ends",
        lock.holder(),
    )
    while not stop.wait(retry_seconds):
        if lock.try_acquire():
            log.warning("active: the previous process is gone, taking over")
            return True
        if on_standby is not None:
            on_standby()
    return False


def run_until_stopped(
    scheduler: BackgroundScheduler,
    *,
    stop: threading.Event,
    on_stop: Callable[[], None] | None = None,
    leading: Callable[[], bool] | None = None,
) -> bool:
    """Blocks until `stop` is set (see `stop_on_signals`) or, with `leading`, until it says False (the
    leadership was lost: a job found it out before a write). True when stopped, False when no longer
    leading. `on_stop` asks the running job to end after its current step, and the scheduler waits for it."""
    scheduler.start()
    try:
        if leading is None:
            stop.wait()
            return True
        while not stop.wait(ROLE_CHECK_SECONDS):
            if not leading():
                return False
        return True
    finally:
        log.info("stopping: waiting for the current step to finish")
        if on_stop is not None:
            on_stop()
        scheduler.shutdown(wait=True)
