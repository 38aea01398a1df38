"""The sandbox Trello; the code lives in `bot.sandbox.trello`, this module keeps the import path short."""

from bot.sandbox.trello import Faults, RecordedRequest, TrelloSandbox
from bot.sandbox.trello.seed import RUNBOOK_TICKET

__all__ = ["RUNBOOK_TICKET", "Faults", "RecordedRequest", "TrelloSandbox"]
