"""A small `multipart/form-data` reader (RFC 7578) that keeps file bytes exactly as sent."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message


class MultipartError(ValueError):
    """The body does not follow its own boundary."""


@dataclass(frozen=True)
class Part:
    name: str
    data: bytes
    filename: str | None = None
    content_type: str | None = None

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", errors="replace")


def boundary_of(content_type: str) -> str | None:
    header = Message()
    header["content-type"] = content_type
    boundary = header.get_param("boundary")
    return boundary if isinstance(boundary, str) else None


def parse_multipart(body: bytes, content_type: str) -> list[Part]:
    boundary = boundary_of(content_type)
    if not boundary:
        raise MultipartError("no boundary")
    # Each delimiter is CRLF "--" boundary; prefixing a CRLF lets the first one match too.
    sections = (b"\r\n" + body).split(b"\r\n--" + boundary.encode("latin-1"))
    if len(sections) < 2:
        raise MultipartError("boundary not found")
    parts = []
    for section in sections[1:]:
        if section.startswith(b"--"):
            return parts
        _, _, section = section.partition(b"\r\n")  # the rest of the delimiter line
        head, separator, data = section.partition(b"\r\n\r\n")
        if not separator:
            raise MultipartError("part without headers")
        parts.append(_part(head.decode("utf-8", errors="replace"), data))
    raise MultipartError("no closing delimiter")


def _part(head: str, data: bytes) -> Part:
    headers = Message()
    for line in head.split("\r\n"):
        name, separator, value = line.partition(":")
        if separator:
            headers[name.strip()] = value.strip()
    name = headers.get_param("name", header="content-disposition")
    if not isinstance(name, str):
        raise MultipartError("part without a name")
    filename = headers.get_filename()
    return Part(
        name=_unescape(name),
        data=data,
        filename=_unescape(filename) if filename is not None else None,
        content_type=headers.get("content-type"),
    )


def _unescape(value: str) -> str:
    """Browsers and httpx percent-escape quotes and line breaks inside quoted names (HTML form rules)."""
    return value.replace("%22", '"').replace("%0D", "\r").replace("%0A", "\n")
