"""`migrabot run`: APScheduler drives the poll (and later the reminders) until SIGINT/SIGTERM."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

log = logging.getLogger("migrabot.scheduler")


def guarded(name: str, job: Callable[[], object]) -> Callable[[], None]:
    """A job that fails is logged and tried again at its next run; the scheduler never dies of it."""

    def run() -> None:
        try:
            job()
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


def run_until_stopped(
    scheduler: BackgroundScheduler,
    *,
    stop: threading.Event | None = None,
    on_stop: Callable[[], None] | None = None,
) -> None:
    """Blocks until SIGINT/SIGTERM (or `stop` is set); `on_stop` asks the running job to end after its
    current step, and the scheduler waits for it."""
    stop = stop or threading.Event()
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, lambda *_: stop.set())
    scheduler.start()
    try:
        stop.wait()
    finally:
        log.info("stopping: waiting for the current step to finish")
        if on_stop is not None:
            on_stop()
        scheduler.shutdown(wait=True)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
