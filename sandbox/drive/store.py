"""Files, folders and who may write where: the part of Google Drive the bot relies on, in memory.

A file is visible to an account when it owns it or when one of its ancestors is shared with it (Drive's
inherited permissions); it may add children to a folder when its role there is `writer` or above. Items of
a shared drive are seen only by requests that say `supportsAllDrives=true` (and listed only with
`includeItemsFromAllDrives=true`), as Drive v3 documents.
"""

from __future__ import annotations

import itertools
import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

FOLDER_MIME = "application/vnd.google-apps.folder"
WRITING_ROLES = frozenset({"writer", "fileOrganizer", "organizer", "owner"})


@dataclass
class DriveItem:
    id: str
    name: str
    mime_type: str
    parents: list[str]
    owner: str
    content: bytes = b""
    drive_id: str | None = None  # a shared drive's id
    trashed: bool = False
    created_time: str = ""
    shared_with: dict[str, str] = field(default_factory=dict)  # e-mail → role


class QueryError(ValueError):
    """A `q` the stand-in does not understand (Drive answers 400 « Invalid Value »)."""


class Store:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.items: dict[str, DriveItem] = {}
        self._counter = itertools.count(1)

    def new_id(self) -> str:
        return f"1{secrets.token_hex(4)}{next(self._counter):04d}sandbox"

    def add(
        self,
        *,
        name: str,
        mime_type: str,
        parents: list[str],
        owner: str,
        content: bytes = b"",
        drive_id: str | None = None,
    ) -> DriveItem:
        if drive_id is None and parents and parents[0] in self.items:
            drive_id = self.items[parents[0]].drive_id
        item = DriveItem(
            id=self.new_id(),
            name=name,
            mime_type=mime_type,
            parents=parents,
            owner=owner,
            content=content,
            drive_id=drive_id,
            created_time=datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        )
        self.items[item.id] = item
        return item

    def role(self, item: DriveItem, account: str) -> str | None:
        """The account's role on the item, inherited from its folders."""
        seen: set[str] = set()
        current: DriveItem | None = item
        while current is not None and current.id not in seen:
            seen.add(current.id)
            if current.owner == account:
                return "owner"
            if account in current.shared_with:
                return current.shared_with[account]
            current = self.items.get(current.parents[0]) if current.parents else None
        return None

    def visible(self, item: DriveItem, account: str, *, all_drives: bool) -> bool:
        if item.drive_id is not None and not all_drives:
            return False
        return self.role(item, account) is not None

    def can_add_children(self, item: DriveItem, account: str) -> bool:
        return item.mime_type == FOLDER_MIME and self.role(item, account) in WRITING_ROLES

    def search(self, query: str, account: str, *, all_drives: bool) -> list[DriveItem]:
        test = parse_query(query)
        return [
            item
            for item in self.items.values()
            if self.visible(item, account, all_drives=all_drives) and test(item)
        ]


# --- the `q` parameter: the subset of Drive's search grammar the bot writes ------------------------

_STRING = r"'((?:[^'\\]|\\.)*)'"
_TERMS = [
    (re.compile(rf"^name\s*=\s*{_STRING}$"), lambda value: lambda item: item.name == value),
    (re.compile(rf"^name\s+contains\s+{_STRING}$"), lambda value: lambda item: value in item.name),
    (re.compile(rf"^mimeType\s*=\s*{_STRING}$"), lambda value: lambda item: item.mime_type == value),
    (re.compile(rf"^{_STRING}\s+in\s+parents$"), lambda value: lambda item: value in item.parents),
    (
        re.compile(r"^trashed\s*=\s*(true|false)$"),
        lambda value: lambda item: item.trashed == (value == "true"),
    ),
]


def parse_query(query: str):
    """`name = 'a\\'b' and 'folder' in parents and trashed = false` → a predicate on items."""
    tests = [_term(part.strip()) for part in _split_and(query)] if query.strip() else []
    return lambda item: all(test(item) for test in tests)


def _split_and(query: str) -> list[str]:
    """Split on ` and ` outside quoted strings."""
    parts, current, quoted, escaped = [], "", False, False
    index = 0
    while index < len(query):
        char = query[index]
        if quoted:
            current += char
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == "'":
                quoted = False
        elif char == "'":
            quoted, current = True, current + char
        elif query[index : index + 5].lower() == " and ":
            parts.append(current)
            current, index = "", index + 5
            continue
        else:
            current += char
        index += 1
    if quoted:
        raise QueryError("unterminated string")
    return [*parts, current]


def _term(text: str):
    for pattern, build in _TERMS:
        match = pattern.match(text)
        if match:
            value = match.group(1)
            return build(re.sub(r"\\(.)", r"\1", value) if value not in {"true", "false"} else value)
    raise QueryError(text)
