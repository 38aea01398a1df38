"""What a route handler receives and returns, the router, and readers for Trello-style parameters.

Trello takes a call's parameters from the query string or from the body (JSON or form) alike; handlers read
them from one merged mapping. Errors are plain-text bodies, as Trello sends them (`invalid id`, ...).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sandbox.trello.multipart import Part
from sandbox.trello.render import InvalidFields
from sandbox.trello.store import InvalidId, NotFound, Store

TEXT_LIMIT = 16384  # Trello's cap on names, descriptions and comments
NOT_FOUND_TEXT = "The requested resource was not found."
T = TypeVar("T")


class ApiError(Exception):
    def __init__(self, status: int, text: str) -> None:
        super().__init__(f"{status} {text}")
        self.status = status
        self.text = text


def invalid_value(name: str) -> ApiError:
    return ApiError(400, f"invalid value for {name}")


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any  # JSON-able, or str for a plain-text body
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Call:
    store: Store
    path_params: Mapping[str, str]
    params: Mapping[str, Any]
    files: Mapping[str, Part] = field(default_factory=dict)
    # Answers a GET route from inside the sandbox (what /batch needs), without recording or faults.
    get_route: Callable[[str], Reply] | None = None

    def path(self, name: str) -> str:
        return self.path_params[name]

    def text(self, name: str, *, default: str | None = None, max_length: int = TEXT_LIMIT) -> str | None:
        value = self.params.get(name)
        if value is None:
            return default
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise invalid_value(name)
        text = str(value)
        if len(text) > max_length:
            raise invalid_value(name)
        return text

    def required_text(self, name: str, *, max_length: int = TEXT_LIMIT) -> str:
        text = self.text(name, max_length=max_length)
        if text is None or text == "":
            raise invalid_value(name)
        return text

    def entity(self, name: str, lookup: Callable[[str], T]) -> T:
        """The record a required id parameter (`idList`, `idBoard`, `idCard`) names; Trello answers
        `invalid value for idList` whether the id is malformed or unknown."""
        try:
            return lookup(self.required_text(name))
        except (InvalidId, NotFound):
            raise invalid_value(name) from None

    def flag(self, name: str, *, default: bool = False) -> bool:
        value = self.params.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "false"):
            return str(value).lower() == "true"
        raise invalid_value(name)

    def id_list(self, name: str) -> list[str] | None:
        """`a,b` or a JSON array."""
        value = self.params.get(name)
        if value is None:
            return None
        items = value if isinstance(value, list) else str(value).split(",")
        return [str(item).strip() for item in items if str(item).strip()]


Handler = Callable[[Call], Any]


@dataclass(frozen=True)
class Route:
    method: str
    template: str  # exactly as the OpenAPI writes the path
    handler: Handler
    pattern: re.Pattern[str]
    specificity: tuple[int, ...]


def route(method: str, template: str, handler: Handler) -> Route:
    segments = template.strip("/").split("/")
    regex = "/" + "/".join(
        f"(?P<{segment[1:-1]}>[^/]+)" if segment.startswith("{") else re.escape(segment)
        for segment in segments
    )
    specificity = tuple(1 if segment.startswith("{") else 0 for segment in segments)
    return Route(method, template, handler, re.compile(regex), specificity)


class Router:
    def __init__(self, routes: tuple[Route, ...]) -> None:
        self.routes = tuple(sorted(routes, key=lambda r: r.specificity))

    def find(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The most literal route for this method and path (`/boards/{id}/labels` before `/boards/{id}/{field}`)."""
        path = path.rstrip("/") or "/"
        for candidate in self.routes:
            if candidate.method == method:
                match = candidate.pattern.fullmatch(path)
                if match:
                    return candidate, match.groupdict()
        return None


def run(handler: Handler, call: Call) -> Reply:
    """A handler's result as a reply; lookup and validation failures become Trello's answers."""
    try:
        with call.store.lock:
            result = handler(call)
    except ApiError as error:
        return Reply(error.status, error.text)
    except InvalidId:
        return Reply(400, "invalid id")
    except NotFound:
        return Reply(404, NOT_FOUND_TEXT)
    except InvalidFields:
        return Reply(400, "invalid value for fields")
    return result if isinstance(result, Reply) else Reply(200, result)
