"""What the services tell the outside while they work (`emit`): logged, and handed to a listener (the demo's
narration, tests) when one is plugged in by the composition root."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.app.ports import CardSnapshot
from bot.domain.journal import Emitted

log = logging.getLogger("migrabot.workflow")

Listener = Callable[[str, CardSnapshot, dict], None]
Emit = Callable[[Emitted, CardSnapshot, dict], None]


class Emitter:
    def __init__(self, listener: Listener | None = None) -> None:
        self._listener = listener

    def __call__(self, event: Emitted, card: CardSnapshot, details: dict) -> None:
        log.info(
            "card %s: %s",
            card.short_link or card.id,
            event.value,
            extra={"event": event.value, "card": card.short_link},
        )
        if self._listener is not None:
            self._listener(event, card, details)
