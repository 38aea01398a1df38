"""SymfonyStyle (`$io->title()`, `note()`, `table()`, `error()`…) as Symfony Console 5.4 renders it.

Blank lines follow SymfonyStyle's own bookkeeping (a block is preceded by exactly one blank line; tables
bypass that bookkeeping, as in PHP); blocks wrap with PHP's byte-counting `wordwrap()`; tables use the
`symfony-style-guide` style with widths measured in display columns.
"""

from __future__ import annotations

from collections.abc import Sequence

from sandbox.reconnect.text import (
    Output,
    display_width,
    escape,
    escape_trailing_backslash,
    remove_decoration,
)

MAX_LINE_LENGTH = 120


def php_wordwrap(text: str, width: int) -> str:
    """PHP's `wordwrap($text, $width, "\\n", true)`: counts bytes, cuts words longer than a line."""
    data = text.encode("utf-8", errors="surrogateescape")
    if not data:
        return text
    if width == 0:
        raise ValueError("Can't force cut when width is zero")
    out = bytearray()
    last_start = last_space = 0
    current = 0
    while current < len(data):
        byte = data[current]
        if byte == 0x0A and current + 1 < len(data):
            out += data[last_start : current + 1]
            last_start = last_space = current + 1
        elif byte == 0x20:
            if current - last_start >= width:
                out += data[last_start:current] + b"\n"
                last_start = current + 1
            last_space = current
        elif current - last_start >= width and last_start >= last_space:
            out += data[last_start:current] + b"\n"
            last_start = last_space = current
        elif current - last_start >= width and last_start < last_space:
            out += data[last_start:last_space] + b"\n"
            last_start = last_space = last_space + 1
        current += 1
    if last_start != current:
        out += data[last_start:current]
    return out.decode("utf-8", errors="surrogateescape")  # a cut inside a character stays as PHP leaves it


class SymfonyStyle:
    """The subset of `Symfony\\Component\\Console\\Style\\SymfonyStyle` a migration command uses."""

    def __init__(self, output: Output, *, terminal_width: int) -> None:
        self.output = output
        width = terminal_width or MAX_LINE_LENGTH
        self.line_length = min(width, MAX_LINE_LENGTH)
        self._history = ""  # SymfonyStyle's TrimmedBufferOutput: the last two characters written

    # --- what commands call

    def title(self, message: str) -> None:
        self._prepend_block()
        underline = "=" * display_width(remove_decoration(message))
        self.writeln(f"<comment>{escape_trailing_backslash(message)}</>")
        self.writeln(f"<comment>{underline}</>")
        self.new_line()

    def section(self, message: str) -> None:
        self._prepend_block()
        underline = "-" * display_width(remove_decoration(message))
        self.writeln(f"<comment>{escape_trailing_backslash(message)}</>")
        self.writeln(f"<comment>{underline}</>")
        self.new_line()

    def text(self, message: str | Sequence[str]) -> None:
        self._prepend_text()
        for line in [message] if isinstance(message, str) else message:
            self.writeln(f" {line}")

    def note(self, message: str | Sequence[str]) -> None:
        self.block(message, kind="NOTE", style="fg=yellow", prefix=" ! ")

    def success(self, message: str | Sequence[str]) -> None:
        self.block(message, kind="OK", style="fg=black;bg=green", padding=True)

    def warning(self, message: str | Sequence[str]) -> None:
        self.block(message, kind="WARNING", style="fg=black;bg=yellow", padding=True)

    def error(self, message: str | Sequence[str]) -> None:
        self.block(message, kind="ERROR", style="fg=white;bg=red", padding=True)

    def caution(self, message: str | Sequence[str]) -> None:
        self.block(message, kind="CAUTION", style="fg=white;bg=red", prefix=" ! ", padding=True)

    def comment(self, message: str | Sequence[str]) -> None:
        self.block(message, prefix="<fg=default;bg=default> // </>", escape_text=False)

    def table(self, headers: Sequence[object], rows: Sequence[Sequence[object]]) -> None:
        for line in render_table(headers, rows):
            self.output.writeln(
                line
            )  # straight to the output, like Table: SymfonyStyle's history is not told
        self.new_line()

    def block(
        self,
        message: str | Sequence[str],
        *,
        kind: str | None = None,
        style: str | None = None,
        prefix: str = " ",
        padding: bool = False,
        escape_text: bool = True,
    ) -> None:
        messages = [message] if isinstance(message, str) else list(message)
        self._prepend_block()
        for line in self._create_block(
            messages, kind, style, prefix, padding=padding, escape_text=escape_text
        ):
            self.writeln(line)
        self.new_line()

    # --- plumbing

    def writeln(self, message: str) -> None:
        self.output.writeln(message)
        self._remember(remove_decoration(message) + "\n")

    def new_line(self, count: int = 1) -> None:
        self.output.write("\n" * count)
        self._remember("\n" * count)

    def _remember(self, text: str) -> None:
        if self.output.verbosity >= 32:  # the buffer shares the output's verbosity: quiet remembers nothing
            self._history = (self._history + text)[-2:]

    def _fetch_history(self) -> str:
        history, self._history = self._history, ""
        return history

    def _prepend_block(self) -> None:
        last = self._fetch_history()[-2:]
        if not last:
            self.new_line()  # nothing written yet: a block starts after one blank line
            return
        self.new_line(2 - last.count("\n"))

    def _prepend_text(self) -> None:
        if not self._fetch_history().endswith("\n"):
            self.new_line()

    def _create_block(
        self,
        messages: list[str],
        kind: str | None,
        style: str | None,
        prefix: str,
        *,
        padding: bool,
        escape_text: bool,
    ) -> list[str]:
        prefix_length = display_width(remove_decoration(prefix))
        type_label = f"[{kind}] " if kind is not None else ""
        indent = len(type_label)
        lines: list[str] = []
        for position, message in enumerate(messages):
            if escape_text:
                message = escape(message)
            decoration = display_width(message) - display_width(remove_decoration(message))
            wrap_at = min(self.line_length - prefix_length - indent + decoration, self.line_length)
            lines += php_wordwrap(message, wrap_at).split("\n")
            if len(messages) > 1 and position < len(messages) - 1:
                lines.append("")
        first = 0
        if padding and self.output.decorated:
            first = 1
            lines = ["", *lines, ""]
        rendered = []
        for index, line in enumerate(lines):
            if kind is not None:
                line = (type_label if index == first else " " * indent) + line
            line = prefix + line
            line += " " * max(self.line_length - display_width(remove_decoration(line)), 0)
            rendered.append(f"<{style}>{line}</>" if style else line)
        return rendered


def render_table(headers: Sequence[object], rows: Sequence[Sequence[object]]) -> list[str]:
    """`$io->table()`: the `symfony-style-guide` table, headers in `<info>`, columns as wide as their cells."""
    header_cells = [_cell(value) for value in headers]
    body = [[_cell(value) for value in row] for row in rows]
    count = max([len(header_cells), *(len(row) for row in body)])
    if count == 0:
        return []  # Symfony draws nothing for a table without columns
    widths = [
        max(
            display_width(remove_decoration(row[column])) if column < len(row) else 0
            for row in [header_cells, *body]
        )
        + 2
        for column in range(count)
    ]
    separator = " " + "".join("-" * width + " " for width in widths)

    def line(cells: list[str], cell_format: str) -> str:
        parts = [" "]
        for column, width in enumerate(widths):
            cell = cells[column] if column < len(cells) else ""
            padding = width - display_width(remove_decoration(f" {cell} "))
            parts.append(cell_format % (f" {cell} " + " " * max(padding, 0)) + " ")
        return "".join(parts)

    lines = [separator]
    if header_cells:
        lines.append(line(header_cells, "<info>%s</info>"))
    if header_cells and body:
        lines.append(separator)
    lines += [line(row, "%s") for row in body]
    lines.append(separator)
    return lines


def _cell(value: object) -> str:
    return "" if value is None else str(value)
