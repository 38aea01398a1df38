"""Centre names as people and the console write them: one rule for « is this the same name? »."""

from __future__ import annotations

import re
import unicodedata

# What people type differently for the same centre: dashes of every kind, underscores and dots used as
# separators, and spacing (« CHU75 », « CHU-75 », « CHU 75 » and « CHU_75 » are one centre).
_SEPARATORS = frozenset("-‐‑‒–—―−_.")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'"})
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})


def comparable_name(name: str) -> str:
    """A centre name with case, accents, ligatures, apostrophe styles, separators and spacing ignored.

    Two names with the same comparable form name the same centre: neither the ticket (the same id named
    twice) nor the console's `Centre Nom` warns about them.
    """
    decomposed = unicodedata.normalize("NFKD", name.casefold().translate(_LIGATURES))
    kept = (
        char
        for char in decomposed
        if not unicodedata.combining(char) and not char.isspace() and char not in _SEPARATORS
    )
    return "".join(kept).translate(_APOSTROPHES)


# What the console prints reaches Trello and Slack: a name « @board » would notify the whole board, « <!here> »
# a whole channel, U+202E would reorder what the PO reads. The console's words are made inert once, where they
# are read: mentions get a full-width sign (Trello and Slack mention nobody, NFKD still compares them equal),
# direction marks and invisible characters are shown as their code point.
_MENTION = re.compile(r"@(?=[\w!])|<(?=[!@#])")
_HIDDEN = re.compile(
    "[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u200b-\u200d\u2060\ufeff"
    "\U000e0000-\U000e007f\ufe00-\ufe0f\u3164\u115f\u1160\uffa0]"
)
_INERT = {"@": "\uff20", "<": "\uff1c"}


def inert(text: str) -> str:
    """The console's `text` with mentions neutralised and hidden characters made visible (« [U+202E] »)."""
    text = _HIDDEN.sub(lambda char: f"[U+{ord(char.group()):04X}]", text)
    return _MENTION.sub(lambda sign: _INERT[sign.group()], text)
