"""systemd's notify protocol (`Type=notify`, `WatchdogSec=`): READY=1 once started, WATCHDOG=1 while the
process is responsive — the same answer as `/livez` (`bot.domain.health.responsive`): systemd restarts a
stuck bot, not one waiting for Trello to come back. Outside systemd (no `NOTIFY_SOCKET`) it does nothing.

The protocol is one datagram on a Unix socket (sd_notify(3)); no library is needed for it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Mapping

log = logging.getLogger("migrabot.systemd")


class Watchdog:
    def __init__(self, *, responsive: Callable[[], bool], environ: Mapping[str, str] = os.environ) -> None:
        address = environ.get("NOTIFY_SOCKET", "")
        self._address = "\0" + address[1:] if address.startswith("@") else address
        self._every_s = int(environ.get("WATCHDOG_USEC", "0") or 0) / 1_000_000 / 2
        self._responsive = responsive
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def notify(self, message: str) -> bool:
        if not self._address:
            return False
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            try:
                sock.sendto(message.encode(), self._address)
            except OSError as error:
                log.warning("systemd notification %r not sent: %s", message, error)
                return False
        return True

    def start(self) -> None:
        """READY=1, then a WATCHDOG=1 every half `WatchdogSec` while responsive: systemd restarts a stuck bot."""
        self.notify("READY=1")
        if self._address and self._every_s > 0:
            self._thread = threading.Thread(target=self._pet, name="systemd-watchdog", daemon=True)
            self._thread.start()

    def _pet(self) -> None:
        while not self._stop.wait(self._every_s):
            if self._responsive():
                self.notify("WATCHDOG=1")
            else:
                log.error(
                    "no poll has ended for too long: the systemd watchdog is not fed (a restart is due)"
                )

    def stop(self) -> None:
        self._stop.set()
        self.notify("STOPPING=1")
        if self._thread is not None:
            self._thread.join(timeout=5)
