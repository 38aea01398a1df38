"""Console text as Symfony Console 5.4 writes it: display width, markup tags, ANSI colours, outputs.

Ports of `Helper::width`, `OutputFormatter` (tags, escaping), `Color` and `StreamOutput`, reduced to what
the simulator prints but faithful in what it keeps, so that tables and blocks line up exactly as PHP's.
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from dataclasses import dataclass
from typing import BinaryIO

VERBOSITY_QUIET = 16
VERBOSITY_NORMAL = 32
VERBOSITY_VERBOSE = 64

_ZERO_WIDTH = frozenset([0x034F, 0x2028, 0x2029, *range(0x200B, 0x2010), *range(0x202A, 0x202F)]) | frozenset(
    range(0x2060, 0x2064)
)
_ANSI = re.compile(r"\x1b\[[0-9;]*m|\x1b\]8;;.*?\x1b\\")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def char_width(char: str) -> int:
    """Columns one character takes, as Symfony String's `wcswidth` counts them."""
    code = ord(char)
    if code in _ZERO_WIDTH or unicodedata.category(char) in {"Mn", "Me"}:
        return 0
    return 2 if unicodedata.east_asian_width(char) in {"W", "F"} else 1


def display_width(text: str) -> int:
    """`Helper::width()` (`width(false)`): control characters, newlines included, ignored; accents 1, CJK 2.

    Text that is not valid UTF-8 (a character cut by PHP's byte-counting `wordwrap()`, kept as surrogate
    escapes) is measured in bytes, as `Helper::width()` falls back to `strlen()` for it.
    """
    if any("\udc80" <= char <= "\udcff" for char in text):
        return len(text.encode("utf-8", errors="surrogateescape"))
    return sum(char_width(char) for char in _CONTROL.sub("", text))  # newlines are controls: one long line


def escape(text: str) -> str:
    """`OutputFormatter::escape()`: `<` and `>` lose their meaning, a trailing backslash survives."""
    return escape_trailing_backslash(re.sub(r"([^\\]|^)([<>])", r"\1\\\2", text))


def escape_trailing_backslash(text: str) -> str:
    stripped = text.rstrip("\\")
    if stripped == text:
        return text
    return stripped.replace("\0", "") + "\0" * (len(text) - len(stripped))


# --- colours -------------------------------------------------------------------------------------------

_COLOURS = {"black": 0, "red": 1, "green": 2, "yellow": 3, "blue": 4, "magenta": 5, "cyan": 6, "white": 7}
_BRIGHT = {f"bright-{name}": code for name, code in _COLOURS.items() if name != "black"} | {"gray": 0}
_OPTIONS = {"bold": (1, 22), "underscore": (4, 24), "blink": (5, 25), "reverse": (7, 27), "conceal": (8, 28)}


@dataclass(frozen=True)
class Style:
    """One `OutputFormatterStyle`: its ANSI set and unset sequences."""

    foreground: str = ""
    background: str = ""
    options: tuple[str, ...] = ()

    def apply(self, text: str) -> str:
        sets = [code for code in (self.foreground, self.background) if code]
        unsets = [code for code, value in (("39", self.foreground), ("49", self.background)) if value]
        sets += [str(_OPTIONS[option][0]) for option in self.options]
        unsets += [str(_OPTIONS[option][1]) for option in self.options]
        start = f"\x1b[{';'.join(sets)}m" if sets else ""
        end = f"\x1b[{';'.join(unsets)}m" if unsets else ""
        return f"{start}{text}{end}"


def _colour_code(name: str, *, background: bool) -> str:
    if name == "default":
        return "49" if background else "39"
    if name in _COLOURS:
        return f"{4 if background else 3}{_COLOURS[name]}"
    if name in _BRIGHT:
        return f"{10 if background else 9}{_BRIGHT[name]}"
    raise ValueError(f'Invalid "{name}" color.')


def _style(foreground: str = "", background: str = "", *options: str) -> Style:
    return Style(
        _colour_code(foreground, background=False) if foreground else "",
        _colour_code(background, background=True) if background else "",
        options,
    )


NAMED_STYLES = {
    "error": _style("white", "red"),
    "info": _style("green"),
    "comment": _style("yellow"),
    "question": _style("black", "cyan"),
}

_TAG = re.compile(r"<(([a-z](?:[^\\<>]*+|\\.)*)|/([a-z][^<>]*+)?)>", re.IGNORECASE)
_INLINE = re.compile(r"([^=]+)=([^;]+)(;|$)")


def _style_from_tag(tag: str) -> Style | None:
    """`OutputFormatter::createStyleFromString()`; None when the tag is not a style (it is printed as is)."""
    if tag in NAMED_STYLES:
        return NAMED_STYLES[tag]
    matches = _INLINE.findall(tag)
    if not matches:
        return None
    foreground = background = ""
    options: list[str] = []
    for key, value, _ in matches:
        key = key.lower()
        try:
            if key == "fg":
                foreground = _colour_code(value.lower(), background=False)
            elif key == "bg":
                background = _colour_code(value.lower(), background=True)
            elif key == "options":
                options += [o for o in re.findall(r"[^,;]+", value.lower()) if o in _OPTIONS]
            elif key != "href":  # links are dropped: no terminal reads this output
                return None
        except ValueError:
            return None
    return Style(foreground, background, tuple(options))


def format_markup(message: str, *, decorated: bool, stack: list[Style] | None = None) -> str:
    """`OutputFormatter::format()`: tags become colours (or vanish), escaped `\\<` becomes `<`.

    `stack` is the formatter's style stack; an output keeps it from one write to the next, as PHP does, so
    that a style left open (a closing tag escaped by a backslash) goes on colouring what follows.
    """
    stack = [] if stack is None else stack
    output: list[str] = []
    offset = 0

    def emit(text: str) -> None:
        if text:
            output.append(stack[-1].apply(text) if decorated and stack else text)

    for match in _TAG.finditer(message):
        position = match.start()
        if position and message[position - 1] == "\\":
            continue
        emit(message[offset:position])
        offset = match.end()
        is_open = match.group(0)[1] != "/"
        tag = match.group(2) if is_open else (match.group(3) or "")
        style = _style_from_tag(tag) if tag else None
        if not is_open and not tag:
            if stack:
                stack.pop()
        elif style is None:
            emit(match.group(0))
        elif is_open:
            stack.append(style)
        elif style in stack:
            del stack[len(stack) - 1 - stack[::-1].index(style) :]
        else:
            raise ValueError(f"Incorrectly nested style tag found: {tag}")
    emit(message[offset:])
    return "".join(output).replace("\\<", "<").replace("\\>", ">").replace("\0", "\\")


def remove_decoration(message: str) -> str:
    """`Helper::removeDecoration()`: the text a reader sees, without tags or colours."""
    return _ANSI.sub("", format_markup(message, decorated=False))


# --- outputs -------------------------------------------------------------------------------------------


def has_colour_support(stream: BinaryIO) -> bool:
    """`StreamOutput::hasColorSupport()`: a terminal that is not dumb, unless NO_COLOR says otherwise."""
    if os.environ.get("NO_COLOR", ""):
        return False
    try:
        if not os.isatty(stream.fileno()):
            return False
    except (AttributeError, OSError, ValueError):
        return False
    if (
        any(name in os.environ for name in ("COLORTERM", "ANSICON"))
        or os.environ.get("TERM_PROGRAM") == "Hyper"
    ):
        return True
    term = os.environ.get("TERM", "")
    if term == "dumb":
        return False
    pattern = r"^((screen|xterm|vt100|vt220|putty|rxvt|ansi|cygwin|linux).*)|(.*-256(color)?(-bce)?)$"
    return re.match(pattern, term) is not None


class Output:
    """A `StreamOutput`: formats markup and writes UTF-8 bytes, as PHP writes its strings."""

    def __init__(self, stream: BinaryIO, *, decorated: bool, verbosity: int = VERBOSITY_NORMAL) -> None:
        self.stream = stream
        self.decorated = decorated
        self.verbosity = verbosity
        self._styles: list[Style] = []

    def write(self, message: str, *, newline: bool = False, verbosity: int = VERBOSITY_NORMAL) -> None:
        if verbosity > self.verbosity:
            return
        text = format_markup(message, decorated=self.decorated, stack=self._styles) + (
            "\n" if newline else ""
        )
        self.stream.write(text.encode("utf-8", errors="surrogateescape"))
        self.stream.flush()

    def writeln(self, message: str = "", *, verbosity: int = VERBOSITY_NORMAL) -> None:
        self.write(message, newline=True, verbosity=verbosity)


def terminal_width() -> int:
    """`Terminal::getWidth()`: `COLUMNS` (PHP's `(int)` cast), else the terminal behind stdin, else 80."""
    columns = os.environ.get("COLUMNS")
    if columns is not None:
        digits = re.match(r"\s*([+-]?\d+)", columns)
        return int(digits.group(1)) if digits else 0
    try:
        return os.get_terminal_size(sys.stdin.fileno()).columns or 80
    except (AttributeError, OSError, ValueError):
        return 80
