"""French typography and agreement: the one place that shapes how every text reads.

`french(template, **values)` is how texts are written: the template is prose and gets French typography (a
no-break space before « : ; ! ? » and inside « »), the values (a centre's name, a command, a value from a card,
a path) are inserted afterwards, byte for byte. Code spans and code blocks of the template are left alone too:
people copy what is inside them. The same rule serves Trello, Slack, Excel and the terminal.
"""

from __future__ import annotations

import re
import string

NBSP = "\u00a0"  # U+00A0 NO-BREAK SPACE: every font has it, Trello, Slack and Excel keep it
_BEFORE_PUNCTUATION = re.compile(r" +([:;!?])")
_AFTER_OPENING_QUOTE = re.compile(r"« +")
_BEFORE_CLOSING_QUOTE = re.compile(r" +»")
_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)  # Markdown/Slack code blocks, then inline code
_SLOT = 0xE000  # private-use characters stand for the values while the template is shaped
_SLOTS = re.compile("[\ue000-\uf8ff]")
_FORMATTER = string.Formatter()


def typeset(prose: str) -> str:
    """French typography for prose written by us; code spans and blocks are kept as they are."""
    shaped: list[str] = []
    position = 0
    for code in _CODE.finditer(prose):
        shaped += [_shape(prose[position : code.start()]), code.group()]
        position = code.end()
    shaped.append(_shape(prose[position:]))
    return "".join(shaped)


def _shape(prose: str) -> str:
    prose = _BEFORE_PUNCTUATION.sub(NBSP + r"\1", prose)
    prose = _AFTER_OPENING_QUOTE.sub("«" + NBSP, prose)
    return _BEFORE_CLOSING_QUOTE.sub(NBSP + "»", prose)


def french(template: str, /, **values: object) -> str:
    """`template` (str.format syntax) typeset, then `values` inserted untouched.

    >>> french("Centre « {name} » : {count} ; ok", name="Foyer : Nord", count=3) == (
    ...     "Centre «\u00a0Foyer : Nord\u00a0»\u00a0: 3\u00a0; ok")
    True
    """
    filled: list[str] = []
    parts: list[str] = []
    for literal, field, spec, conversion in _FORMATTER.parse(template):
        parts.append(literal)
        if field is None:
            continue
        value, _ = _FORMATTER.get_field(field, (), values)
        value = _FORMATTER.convert_field(value, conversion)
        filled.append(_FORMATTER.format_field(value, spec or ""))
        parts.append(chr(_SLOT + len(filled) - 1))
    return _SLOTS.sub(lambda slot: filled[ord(slot.group()) - _SLOT], typeset("".join(parts)))


def plural(count: int, singular: str, many: str) -> str:
    """« 1 carte », « 3 cartes »: French agreement, where 0 and 1 take the singular."""
    return f"{count} {singular if abs(count) < 2 else many}"


def decimal(number: float, *, digits: int = 1) -> str:
    """« 0,5 », « 20 »: French decimal comma, no trailing zeros."""
    text = f"{number:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")
