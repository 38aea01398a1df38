"""Who is asked on Slack, and how a request is closed in place once decided, stale or expired."""

from __future__ import annotations

import json
import logging

from bot.app.ports import Chat, MessageRef, Store
from bot.app.steps import CardSteps, Round
from bot.domain.decision import RequestKey
from bot.domain.journal import Step, keyed
from bot.domain.records import CardRecord, RequestKind, RequestStatus, SlackRequest
from bot.settings import Settings
from bot.texts.blocks import closed_blocks, mentions

log = logging.getLogger("migrabot.slack")


class Requests:
    def __init__(self, *, chat: Chat, store: Store, settings: Settings) -> None:
        self.chat = chat
        self.store = store
        self.settings = settings

    @property
    def po_ids(self) -> frozenset[str]:
        return self.settings.po_user_ids

    def approval_channels(self) -> list[str]:
        """The approval channel, or a direct message to each PO."""
        if self.settings.slack_channel_id:
            return [self.settings.slack_channel_id]
        return [self.chat.direct_channel(user) for user in sorted(self.po_ids)]

    def conflict_channels(self) -> list[str]:
        """The team's channel, or the POs when there is none."""
        if self.settings.slack_team_channel_id:
            return [self.settings.slack_team_channel_id]
        return self.approval_channels()

    def may_decide_conflict(self, user_id: str, channel: str) -> bool:
        """The team decides conflicts in its channel; without a team channel, the POs do."""
        if user_id in self.po_ids:
            return True
        return bool(self.settings.slack_team_channel_id) and channel == self.settings.slack_team_channel_id

    def pending(self, of: CardRecord | RequestKey, *, kind: RequestKind | None = None) -> list[SlackRequest]:
        """The round's requests still open (`of`: the card's record, or the key a request carried)."""
        return [
            request
            for request in self.store.slack_requests(card_id=of.card_id, status=RequestStatus.PENDING)
            if request.round == of.round
            and request.description_hash == of.description_hash
            and (kind is None or request.kind == kind)
        ]

    def close(self, requests: list[SlackRequest], *, outcome: str, status: RequestStatus) -> None:
        """Buttons removed, the outcome shown, in every conversation the request went to."""
        for request in requests:
            blocks = closed_blocks(json.loads(request.blocks), outcome)
            try:
                self.chat.update(MessageRef(request.channel, request.ts), text=request.text, blocks=blocks)
            except Exception:  # Slack down must not block Trello's side; the status still changes
                log.exception("could not update Slack request %s/%s", request.channel, request.ts)
            self.store.set_slack_request(request, status=status)

    def tell(self, steps: CardSteps, run: Round, key: str, text: str) -> None:
        """A line in the thread of the round's approval request(s), whatever became of them (the execution
        that follows an approval is told there); journaled under `key`: never twice."""
        for request in self.store.slack_requests(card_id=run.card.id, kind=RequestKind.APPROVAL):
            if (request.round, request.description_hash) == (run.record.round, run.record.description_hash):
                ref = MessageRef(request.channel, request.ts)
                steps.slack_reply(run, keyed(Step.SLACK_LINE, key, request.channel), ref, text)

    def reminded(self, request: SlackRequest) -> str:
        """Who a reminder mentions: the POs in a shared channel; nobody in a direct message or the team's."""
        if request.kind is RequestKind.APPROVAL and request.channel == self.settings.slack_channel_id:
            return mentions(sorted(self.po_ids))
        return ""
