"""A Trello REST API stand-in over real HTTP on loopback (see `server.TrelloSandbox`)."""

from sandbox.trello.gateway import Faults, RecordedRequest
from sandbox.trello.server import TrelloSandbox

__all__ = ["Faults", "RecordedRequest", "TrelloSandbox"]
