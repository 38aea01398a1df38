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
    from bot.adapters.sql import shown
    from bot.bootstrap import Monitoring, build_leadership
    from bot.logs import setup_logging
    from bot.scheduler import stop_on_signals, wait_until_active

    setup_logging(level=settings.log_level, fmt=settings.log_format, secrets=secrets_of(settings))
    # Which state, said before the lock: two starts on one board name the same file, and one of them waits.
    log.info("state: %s", shown(settings.state_location))
    leadership = build_leadership(settings)
    monitoring = Monitoring(settings)  # a standby answers /healthz too: probes see both replicas
    monitoring.start()
    try:
        with stop_on_signals() as stop:
            # Checked often enough that a standby takes over well within two poll intervals.
            retry = min(settings.poll_interval_seconds / 4, STANDBY_RETRY_SECONDS)
            checked = monitoring.liveness.standby_checked
            try:
                while wait_until_active(leadership, retry_seconds=retry, stop=stop, on_standby=checked):
                    monitoring.liveness.became_leader()
                    code = _serve(
                        arguments, settings, stderr, stop=stop, leadership=leadership, monitoring=monitoring
                    )
                    if code is not None:
                        return code
                    log.warning("standby again: this process lost the leadership and waits to get it back")
                return EXIT_OK
            finally:
                leadership.release()
    finally:
        monitoring.stop()


def _serve(
    arguments: argparse.Namespace,
    settings: Settings,
    stderr: TextIO,
    *,
    stop: Any,
    leadership: Any,
    monitoring: Any,
) -> int | None:
    """The service while this process leads; None when it lost the leadership (back to standby)."""
    from bot.adapters.sql import shown
    from bot.adapters.trello import TrelloError
    from bot.app.leadership import LeadershipLost
    from bot.bootstrap import SetupError, build_service
    from bot.scheduler import build_scheduler, run_until_stopped

    try:
        service = build_service(settings, leadership=leadership, monitoring=monitoring)
    except (SetupError, TrelloError) as error:  # the doctor says which setting to fix, and how
        refused = isinstance(error, TrelloError) and error.status in (401, 403)
        print(texts.error_line(str(error)) + texts.start_failed_hint(trello_refused=refused), file=stderr)
        return EXIT_USAGE
    try:
        service.start_slack()
        log.info(
            "migrabot started: board %s, state %s, poll every %ss, Slack %s",
            settings.trello_board_id,
            shown(settings.state_location),
            settings.poll_interval_seconds,
            settings.slack_mode if service.slack else "disabled",
        )
        if arguments.once:
            service.poll()
            return EXIT_OK
        scheduler = build_scheduler(service.jobs())
        leading = lambda: leadership.role().leader  # noqa: E731
        stopped = run_until_stopped(
            scheduler, stop=stop, on_stop=service.workflow.request_stop, leading=leading
        )
        return EXIT_OK if stopped else None
    except LeadershipLost:
        return None
    finally:
        service.close()
        log.info("migrabot stopped")


def secrets_of(settings: Settings) -> list[str]:
    """What the log filter blanks out: the tokens, and the password of a PostgreSQL `STATE_DB`."""
    from urllib.parse import urlsplit

    password = urlsplit(settings.state_db).password if settings.state_in_postgres else None
    return [
        settings.trello_token.get_secret_value(),
        settings.trello_api_key,
        settings.slack_bot_token.get_secret_value(),
        settings.slack_app_token.get_secret_value(),
        settings.slack_signing_secret.get_secret_value(),
        settings.apply_signing_key.get_secret_value(),
        password or "",
    ]
