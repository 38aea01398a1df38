"""Centre names as people and the console write them: one rule for « is this the same name? »."""

from __future__ import annotations

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
