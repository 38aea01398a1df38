"""A WSGI server with bounded resources, for Slack's HTTP endpoint (`/slack/events`).

The standard library's threading server gives every connection a thread for as long as it stays open: 900
idle connections held 900 threads. Here a connection waits in one selector (a file descriptor, no thread)
until its first bytes arrive, or is closed after `timeout_s`; only then does one of `workers` threads serve
it, with the same socket timeout for every read and write. Beyond `max_waiting` open connections, new ones
are closed at once. A reverse proxy in front (docs/operations.md) buffers requests and limits them too.
"""

from __future__ import annotations

import logging
import queue
import selectors
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

log = logging.getLogger("migrabot.slack")

_TICK_S = 0.5  # how often the waiting room looks for connections idle too long


class PooledWSGIServer(WSGIServer):
    def __init__(
        self,
        address: tuple[str, int],
        handler: type[WSGIRequestHandler],
        *,
        workers: int,
        timeout_s: float,
        max_waiting: int = 1024,
    ) -> None:
        super().__init__(address, handler)
        self.timeout_s = timeout_s
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="slack-http-worker")
        self._slots = threading.BoundedSemaphore(max_waiting)
        self._arrivals: queue.SimpleQueue[tuple[socket.socket, Any]] = queue.SimpleQueue()
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._closing = threading.Event()
        self._room = threading.Thread(target=self._waiting_room, name="slack-http-waiting", daemon=True)
        self._room.start()

    def process_request(self, request: Any, client_address: Any) -> None:
        """Called by serve_forever for each accepted connection: to the waiting room, or closed when full."""
        if not self._slots.acquire(blocking=False):
            log.warning("slack http: %s refused, too many open connections", client_address[0])
            self.shutdown_request(request)
            return
        request.settimeout(self.timeout_s)
        self._arrivals.put((request, client_address))
        self._wake_writer.send(b"\0")

    def _waiting_room(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self._wake_reader, selectors.EVENT_READ)
            waiting: dict[socket.socket, tuple[Any, float]] = {}
            while not self._closing.is_set():
                for key, _ in selector.select(_TICK_S):
                    if key.fileobj is self._wake_reader:
                        self._wake_reader.recv(4096)
                        self._admit(selector, waiting)
                    else:
                        request = key.fileobj
                        selector.unregister(request)
                        client_address, _ = waiting.pop(request)
                        self._pool.submit(self._serve, request, client_address)
                self._expire(selector, waiting)
            for request in waiting:
                self._close(request)

    def _admit(self, selector: selectors.BaseSelector, waiting: dict) -> None:
        while True:
            try:
                request, client_address = self._arrivals.get_nowait()
            except queue.Empty:
                return
            selector.register(request, selectors.EVENT_READ)
            waiting[request] = (client_address, time.monotonic() + self.timeout_s)

    def _expire(self, selector: selectors.BaseSelector, waiting: dict) -> None:
        now = time.monotonic()
        for request in [r for r, (_, deadline) in waiting.items() if deadline <= now]:
            selector.unregister(request)
            del waiting[request]
            self._close(request)

    def _serve(self, request: socket.socket, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:  # a client that vanished or stalled: its connection only
            log.debug("slack http: connection from %s ended early", client_address[0], exc_info=True)
        finally:
            self._close(request)

    def _close(self, request: socket.socket) -> None:
        self.shutdown_request(request)
        self._slots.release()

    def server_close(self) -> None:
        super().server_close()
        self._closing.set()
        self._wake_writer.send(b"\0")
        self._room.join(timeout=5)
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._wake_reader.close()
        self._wake_writer.close()
