"""Reading the bot's French texts in tests that predate its typography."""

from __future__ import annotations

from bot.texts.french import NBSP


def plain(text: str) -> str:
    """The text with its typographic no-break spaces back to plain spaces (the words are what is compared)."""
    return text.replace(NBSP, " ")
