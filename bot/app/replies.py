"""A person's reply about a card's request — a comment on the card, a message in the Slack request's thread —
taken the one way: read by the domain's reader, turned into a decision through the workflow's one entry,
and answered with one text (or nothing). The channels only say where the reply was and post the answer.

- `Approve` / `Refuse` from a PO: a decision (a refusal without a reason gets « (sans raison donnée) »);
  the entry checks the rest (the round, a changed card, the first decision wins) and says why if it did not
  count — after a decision, who took it, where, and how to go back on it.
- `Unclear` from a PO: what the bot understood and the two ways to decide; after a decision, the same answer
  as a late decision; while the simulation runs, that it is not finished.
- A reply written while the simulation ran, read once the request is out: said so, nothing decided.
- From anybody else: a decision word gets « only the PO decides » while the PO is asked; nothing otherwise.
- `Conversation`: nothing (people talk to each other on a card).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass

from bot.app.decisions import Decisions, Outcome
from bot.app.ports import Store
from bot.domain.decision import TRELLO_CHANNEL, Decision, RequestKey
from bot.domain.lifecycle import CardState, Event
from bot.domain.replies import Approve, Conversation, Refuse, Unclear, read_reply
from bot.texts import decisions as outcomes

log = logging.getLogger("migrabot.replies")

Apply = Callable[[Decision], Outcome]


@dataclass(frozen=True)
class Heard:
    """A reply as a channel received it."""

    key: RequestKey  # the round it answers: the card's current one on Trello, the thread's on Slack
    author_id: str  # a Trello member id, or a Slack user id
    channel: str  # TRELLO_CHANNEL, or the Slack channel the thread is in
    text: str
    me: Collection[str] = ()  # how mentions name the bot on this channel
    early: bool = False  # written before the request was out (while the simulation ran)


class Replies:
    def __init__(self, *, store: Store, decisions: Decisions, apply: Apply) -> None:
        self.store = store
        self.decisions = decisions
        self.apply = apply

    def answer(self, heard: Heard) -> str | None:
        """Read the reply, decide if it decides, and return what to answer in the same place (None: nothing).
        The caller holds no lock: a decision takes the card's through `apply`."""
        reply = read_reply(heard.text, me=heard.me)
        if isinstance(reply, Conversation):
            return None
        card_id = heard.key.card_id
        if not self.decisions.is_po(heard.author_id, channel=heard.channel):
            if isinstance(reply, Approve | Refuse) and self._waiting(heard.key):
                log.warning("card %s: decision word from non-PO %s ignored", card_id, heard.author_id)
                return outcomes.NOT_PO
            return None
        if heard.early:
            log.info("card %s: a reply by %s written during the simulation", card_id, heard.author_id)
            return outcomes.WRITTEN_DURING_SIMULATION
        if isinstance(reply, Unclear):
            log.info("card %s: unclear reply by %s (%s)", card_id, heard.author_id, reply.why)
            return self._unclear(heard, reply)
        event, reason = (Event.APPROVE, "") if isinstance(reply, Approve) else (Event.REFUSE, reply.reason)
        log.info("card %s: %s by %s (%s)", card_id, event, heard.author_id, heard.channel)
        decision = Decision(
            event,
            heard.key,
            user_id=heard.author_id,
            reason=reason if event is not Event.REFUSE else reason or outcomes.NO_REASON,
            channel=heard.channel,
        )
        return self.apply(decision).message

    def _unclear(self, heard: Heard, reply: Unclear) -> str:
        key = heard.key
        if self.store.approval(key.card_id, key.round, key.description_hash) is not None:
            return self.decisions.already_decided(key, channel=heard.channel)
        record = self.store.card(key.card_id)
        current = record is not None and (record.round, record.description_hash) == (
            key.round,
            key.description_hash,
        )
        if record is not None and current and record.state is not CardState.AWAITING_APPROVAL:
            return outcomes.not_waiting(record, todo_list=self.decisions.settings.trello_list_todo)
        return outcomes.unclear(reply, in_slack=heard.channel != TRELLO_CHANNEL)

    def _waiting(self, key: RequestKey) -> bool:
        record = self.store.card(key.card_id)
        return (
            record is not None
            and record.state is CardState.AWAITING_APPROVAL
            and (record.round, record.description_hash) == (key.round, key.description_hash)
        )
