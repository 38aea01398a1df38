"""`migrabot run`: the service. Exit 0 once stopped cleanly, 2 when it cannot start (configuration)."""

from __future__ import annotations

import argparse
import logging
from typing import Any, TextIO

from bot.commands.common import EXIT_OK, EXIT_USAGE
from bot.settings import Settings
from bot.texts import cli as texts

log = logging.getLogger("migrabot")
STANDBY_RETRY_SECONDS = 5.0


def main(arguments: argparse.Namespace, settings: Settings, *, stdout: TextIO, stderr: TextIO) -> int:
    from bot.adapters.lock import ActiveLock
    from bot.bootstrap import Monitoring
    from bot.logs import setup_logging
    from bot.scheduler import stop_on_signals, wait_until_active

    setup_logging(level=settings.log_level, fmt=settings.log_format, secrets=secrets_of(settings))
    lock = ActiveLock(settings.state_db)
    monitoring = Monitoring(settings)  # a standby answers /healthz too: probes see both replicas
    monitoring.start()
    try:
        with stop_on_signals() as stop:
            # Checked often enough that a standby takes over well within two poll intervals.
            retry = min(settings.poll_interval_seconds / 4, STANDBY_RETRY_SECONDS)
            checked = monitoring.liveness.standby_checked
            if not wait_until_active(lock, retry_seconds=retry, stop=stop, on_standby=checked):
                return EXIT_OK
            monitoring.liveness.became_leader()
            try:
                return _serve(arguments, settings, stderr, stop=stop, monitoring=monitoring)
            finally:
                lock.release()
    finally:
        monitoring.stop()


def _serve(
    arguments: argparse.Namespace, settings: Settings, stderr: TextIO, *, stop: Any, monitoring: Any
) -> int:
    from bot.adapters.trello import TrelloError
    from bot.bootstrap import SetupError, build_service
    from bot.scheduler import build_scheduler, run_until_stopped

    try:
        service = build_service(settings, monitoring=monitoring)
    except (SetupError, TrelloError) as error:
        print(texts.error_line(str(error)), file=stderr)
        return EXIT_USAGE
    try:
        if service.slack is not None:
            service.slack.start()
        log.info(
            "migrabot started: board %s, poll every %ss, Slack %s",
            settings.trello_board_id,
            settings.poll_interval_seconds,
            settings.slack_mode if service.slack else "disabled",
        )
        if arguments.once:
            service.poll()
            return EXIT_OK
        run_until_stopped(build_scheduler(service.jobs()), stop=stop, on_stop=service.workflow.request_stop)
        return EXIT_OK
    finally:
        service.close()
        log.info("migrabot stopped")


def secrets_of(settings: Settings) -> list[str]:
    return [
        settings.trello_token.get_secret_value(),
        settings.trello_api_key,
        settings.slack_bot_token.get_secret_value(),
        settings.slack_app_token.get_secret_value(),
        settings.slack_signing_secret.get_secret_value(),
    ]
