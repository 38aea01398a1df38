"""Idempotent side effects on a card (Trello) and for it (Slack), journaled under (card, round, fingerprint, step).

A step found in the journal is never done again. When a round is resumed (after a crash, or an error on the
previous poll), a step first looks for what may have landed before the crash: its marker among the card's
comments, an attachment of ours that the journal does not know, a Slack message carrying its metadata.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from bot.ports import Board, CardSnapshot, Chat, Clock, Comment, MessageRef
from bot.report import card as texts
from bot.store import CardRecord, SlackRequest, Store


@dataclass
class Round:
    """One pass over one card's round: the card as polled, its record, and what was read from Trello."""

    card: CardSnapshot
    record: CardRecord
    resuming: bool
    comments: list[Comment] | None = None
    posted: list[str] = field(default_factory=list)


class CardSteps:
    def __init__(self, *, board: Board, store: Store, clock: Clock, chat: Chat | None = None) -> None:
        self.board = board
        self.store = store
        self.clock = clock
        self.chat = chat

    def done(self, run: Round, step: str) -> str | None:
        return self.store.journaled(run.card.id, run.record.round, run.record.fingerprint, step)

    def journal(self, run: Round, step: str, result: str) -> None:
        self.store.journal(
            run.card.id, run.record.round, run.record.fingerprint, step, result, now=self.clock()
        )

    def comment(self, run: Round, step: str, text: str) -> None:
        parts = texts.split_comment(text)
        for number, part in enumerate(parts, start=1):
            part_step = step if len(parts) == 1 else f"{step}-{number}"
            if self.done(run, part_step) is not None:
                continue
            stamp = texts.marker(round_=run.record.round, fingerprint=run.record.fingerprint, step=part_step)
            found = self._find_comment(run, stamp)
            comment_id = found or self.board.comment(run.card.id, texts.with_marker(part, stamp))
            self.journal(run, part_step, comment_id)
            run.posted.append(part_step)

    def _find_comment(self, run: Round, stamp: str) -> str | None:
        if not run.resuming:
            return None
        if run.comments is None:
            run.comments = self.board.comments(run.card.id)
        return next((c.id for c in run.comments if texts.has_marker(c.text, stamp)), None)

    def attach(self, run: Round, step: str, *, filename: str, data: bytes, mime_type: str) -> None:
        step = f"piece-{step}"
        if self.done(run, step) is not None:
            return
        found = None
        if run.resuming:
            ours = set(self.store.journal_results(run.card.id, "piece-"))
            found = next(
                (
                    a.id
                    for a in self.board.attachments(run.card.id)
                    if a.name == filename and a.id not in ours
                ),
                None,
            )
        attachment_id = found or self.board.attach(
            run.card.id, filename=filename, data=data, mime_type=mime_type
        )
        self.journal(run, step, attachment_id)

    def move(self, run: Round, step: str, list_id: str) -> None:
        if self.done(run, step) is not None:
            return
        if run.card.list_id != list_id:
            self.board.move(run.card.id, list_id)
        self.journal(run, step, list_id)
        self.store.update_card(run.card.id, list_id=list_id, now=self.clock())

    def checklist(self, run: Round, step: str, *, name: str, items: list[str]) -> None:
        if self.done(run, step) is not None:
            return
        self.journal(run, step, self.board.add_checklist(run.card.id, name, items))

    def set_state(self, run: Round, state: str, *, error: str | None = None) -> None:
        self.store.update_card(run.card.id, state=state, last_error=error, now=self.clock())

    # --- Slack -----------------------------------------------------------------------------------

    def slack_post(
        self, run: Round, step: str, *, kind: str, channels: list[str], text: str, blocks: list[dict]
    ) -> list[MessageRef]:
        """One message per channel, each journaled; a resumed step adopts a message already posted."""
        assert self.chat is not None
        refs = []
        for channel in channels:
            channel_step = f"{step}-{channel}"
            done = self.done(run, channel_step)
            if done is not None:
                refs.append(MessageRef(**json.loads(done)))
                continue
            metadata = {
                "event_type": "migrabot_request",
                "event_payload": {
                    "card": run.card.id,
                    "round": run.record.round,
                    "fingerprint": run.record.fingerprint,
                    "kind": kind,
                },
            }
            found = self.chat.find_posted(channel, metadata) if run.resuming else None
            ref = found or self.chat.post(channel, text=text, blocks=blocks, metadata=metadata)
            self.store.add_slack_request(
                SlackRequest(
                    card_id=run.card.id,
                    round=run.record.round,
                    fingerprint=run.record.fingerprint,
                    kind=kind,
                    channel=ref.channel,
                    ts=ref.ts,
                    status="pending",
                    created_at=self.clock(),
                    reminded_at=None,
                    text=text,
                    blocks=json.dumps(blocks, ensure_ascii=False),
                )
            )
            self.journal(run, channel_step, json.dumps({"channel": ref.channel, "ts": ref.ts}))
            refs.append(ref)
        return refs

    def slack_upload(
        self, run: Round, step: str, ref: MessageRef, *, filename: str, data: bytes, title: str
    ) -> None:
        assert self.chat is not None
        if self.done(run, step) is not None:
            return
        if not (run.resuming and self.chat.has_file(ref, filename)):
            self.chat.upload(ref, filename=filename, data=data, title=title)
        self.journal(run, step, ref.ts)
