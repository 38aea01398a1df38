"""The sandbox Trello; the code lives in `sandbox.trello`, this module keeps the import path short."""

from sandbox.trello import Faults, RecordedRequest, TrelloSandbox
from sandbox.trello.seed import RUNBOOK_TICKET

__all__ = ["RUNBOOK_TICKET", "Faults", "RecordedRequest", "TrelloSandbox"]
