"""What a decision is about: the card's description and the settings that shape its commands."""

from __future__ import annotations

import hashlib

from bot.settings import Settings


def description_hash(description: str, settings: Settings) -> str:
    material = "\x1f".join([description, settings.migration_field_slug, settings.display_console_command])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:16]
