"""Idempotent side effects on a card (Trello) and for it (Slack), journaled under (card, round, fingerprint, step).

Each step journals its *intent* before acting and its *result* after. A step with a result is never done
again. A step with an intent but no result may have landed before a crash: it first looks for its work — a
comment of the bot's own member ending with the step's marker, an attachment of the bot's that the journal
does not know, a checklist of that name the bot added, a file of that name in the Drive folder, a Slack
message the bot posted carrying the step's metadata, a file the bot uploaded in the request's thread — and
adopts it instead of doing it twice; what a person made on Trello or Slack, however alike, is never adopted.
Without an intent, nothing can have landed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from bot.app.ports import Board, CardSnapshot, Chat, CheckItem, Clock, Comment, Drive, MessageRef, Store
from bot.domain.instances import Instance
from bot.domain.journal import Move
from bot.domain.lifecycle import Event, next_state
from bot.domain.records import CardRecord, RequestKind, RequestStatus, SlackRequest
from bot.texts import card as texts

INTENT = "#intention"


@dataclass
class Round:
    """One pass over one card's round: the card as polled, its record, and what was read from Trello."""

    card: CardSnapshot
    record: CardRecord
    comments: list[Comment] | None = None


def first_of_each(entries: Sequence[CheckItem], names: Sequence[str]) -> dict[str, str]:
    """{item id: name}: for each name, the first item (in the checklist's order) that bears it."""
    wanted, found = set(names), {}
    for entry in entries:
        if entry.name in wanted:
            found[entry.id] = entry.name
            wanted.discard(entry.name)
    return found


class CardSteps:
    def __init__(
        self,
        *,
        board: Board,
        store: Store,
        clock: Clock,
        chat: Chat | None = None,
        instance: Instance | None = None,
    ) -> None:
        self.board = board
        self.store = store
        self.clock = clock
        self.chat = chat
        self.instance = instance  # named in each comment's mark (bot.app.instances)

    def done(self, run: Round, step: str) -> str | None:
        return self.store.journaled(run.card.id, run.record.round, run.record.description_hash, step)

    def journal(self, run: Round, step: str, result: str) -> None:
        self.store.journal(
            run.card.id, run.record.round, run.record.description_hash, step, result, now=self.clock()
        )

    def _begin(self, run: Round, step: str) -> bool:
        """Journal the intent; True when an earlier attempt had already begun (its work may exist)."""
        if self.done(run, step + INTENT) is not None:
            return True
        self.journal(run, step + INTENT, "")
        return False

    # --- Trello ----------------------------------------------------------------------------------

    def comment(self, run: Round, step: str, text: str) -> None:
        parts = texts.split_comment(text)
        for number, part in enumerate(parts, start=1):
            part_step = step if len(parts) == 1 else f"{step}-{number}"
            if self.done(run, part_step) is not None:
                continue
            stamp = texts.marker(
                round_=run.record.round, description_hash=run.record.description_hash, instance=self.instance
            )
            found = self._find_comment(run, part) if self._begin(run, part_step) else None
            comment_id = found or self.board.comment(run.card.id, texts.with_marker(part, stamp))
            self.journal(run, part_step, comment_id)

    def _find_comment(self, run: Round, part: str) -> str | None:
        """Only the bot's own comments count (anyone can write the round's line), and only one the journal
        does not know yet (two comments of a round may start alike). A comment posted before the marks named
        their instance ends with the round's line alone."""
        line = texts.marker(round_=run.record.round, description_hash=run.record.description_hash)
        mine = self.instance.id if self.instance else ""
        if run.comments is None:
            run.comments = self.board.comments(run.card.id)
        me = self.board.member_id()
        known = set(self.store.journal_results(run.card.id, "", round_=run.record.round))
        return next(
            (
                c.id
                for c in run.comments
                if c.author_id == me
                and c.id not in known
                and texts.is_marked_copy(c.text, marker_text=line, of=part, instance_id=mine)
            ),
            None,
        )

    def edit_comment(self, run: Round, step: str, *, of_step: str, edit: Callable[[str], str]) -> None:
        """Rewrite the bot's comment made by `of_step` in this round (its first part when split); `edit` must
        leave an already edited text as it is, so that a resumed step changes nothing twice."""
        if self.done(run, step) is not None:
            return
        comment_id = self.done(run, of_step) or self.done(run, f"{of_step}-1") or ""
        me = self.board.member_id()
        current = next(
            (c.text for c in self.board.comments(run.card.id) if c.id == comment_id and c.author_id == me),
            None,
        )
        if current is not None and edit(current) != current:
            self.board.edit_comment(comment_id, edit(current))
        self.journal(run, step, comment_id)

    def attach(self, run: Round, step: str, *, filename: str, data: bytes, mime_type: str) -> None:
        step = f"piece-{step}"
        if self.done(run, step) is not None:
            return
        found = None
        if self._begin(run, step):
            ours = set(self.store.journal_results(run.card.id, "piece-"))
            me = self.board.member_id()
            found = next(
                (
                    a.id
                    for a in self.board.attachments(run.card.id)
                    if a.name == filename and a.author_id == me and a.id not in ours
                ),
                None,
            )
        attachment_id = found or self.board.attach(
            run.card.id, filename=filename, data=data, mime_type=mime_type
        )
        self.journal(run, step, attachment_id)

    def move(self, run: Round, step: Move, list_id: str) -> None:
        if self.done(run, step) is not None:
            return
        self.journal(run, step + INTENT, list_id)
        if run.card.list_id != list_id:
            self.board.move(run.card.id, list_id)
        self.journal(run, step, list_id)
        self.store.update_card(run.card.id, list_id=list_id, now=self.clock())

    def moved_here_by_us(self, run: Round) -> bool:
        """Whether the card's list is where this round meant to move it (our move landed, its journal
        entry did not) rather than where a person put it."""
        return any(self.done(run, move + INTENT) == run.card.list_id for move in Move)

    def checklist(self, run: Round, step: str, *, name: str, items: Sequence[str], items_step: str) -> None:
        """Resumed, it completes the checklist it began (items are added by name, never twice). Then the ids
        of the items it wrote are journaled under `items_step` ({id: name}): the bot reads its checklist by
        these ids, never by a name anybody can write."""
        if self.done(run, step) is None:
            existing = self.board.checklists(run.card.id) if self._begin(run, step) else []
            me = self.board.member_id() if existing else ""
            # Only the bot's own: a person's look-alike (with items ticked in advance) is never adopted.
            found = next((c for c in existing if c.name == name and c.author_id == me), None)
            if found is None:
                checklist_id = self.board.add_checklist(run.card.id, name, items)
            else:
                missing = [item for item in items if item not in found.items]
                self.board.add_checklist_items(found.id, missing)
                checklist_id = found.id
            self.journal(run, step, checklist_id)
        if self.done(run, items_step) is None:
            checklist_id = self.done(run, step) or ""
            made = next(c for c in self.board.execution(run.card.id).checklists if c.id == checklist_id)
            self.journal(run, items_step, json.dumps(first_of_each(made.entries, items), ensure_ascii=False))

    def tick(self, run: Round, step: str, item_id: str) -> None:
        """Tick a checklist item (ticking twice is harmless: the journal only saves a request)."""
        if self.done(run, step) is None:
            self.board.tick(run.card.id, item_id)
            self.journal(run, step, item_id)

    # --- Drive ------------------------------------------------------------------------------------

    def drive_upload(
        self, run: Round, step: str, drive: Drive, *, filename: str, data: bytes, mime_type: str
    ) -> str:
        """The file's link in the team's folder. A step that began before (a crash, a refusal) first looks
        the file up by name in the folder: a file that reached Drive is adopted, not uploaded twice."""
        done = self.done(run, step)
        if done is not None:
            return done
        found = drive.find(filename) if self._begin(run, step) else None
        uploaded = found or drive.upload(name=filename, data=data, mime_type=mime_type)
        self.journal(run, step, uploaded.link)
        return uploaded.link

    def transition(self, run: Round, event: Event, *, error: str | None = None) -> None:
        """The card's state changes by the lifecycle's table, never otherwise."""
        state = next_state(run.record.state, event)
        self.store.update_card(run.card.id, state=state, last_error=error, now=self.clock())
        run.record = replace(run.record, state=state)

    # --- Slack -----------------------------------------------------------------------------------

    def slack_post(
        self, run: Round, step: str, *, kind: RequestKind, channels: list[str], text: str, blocks: list[dict]
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
                    "fingerprint": run.record.description_hash,
                    "kind": kind,
                },
            }
            found = self.chat.find_posted(channel, metadata) if self._begin(run, channel_step) else None
            ref = found or self.chat.post(channel, text=text, blocks=blocks, metadata=metadata)
            self.store.add_slack_request(
                SlackRequest(
                    card_id=run.card.id,
                    round=run.record.round,
                    description_hash=run.record.description_hash,
                    kind=kind,
                    channel=ref.channel,
                    ts=ref.ts,
                    status=RequestStatus.PENDING,
                    created_at=self.clock(),
                    reminded_at=None,
                    text=text,
                    blocks=json.dumps(blocks, ensure_ascii=False),
                )
            )
            self.journal(run, channel_step, json.dumps({"channel": ref.channel, "ts": ref.ts}))
            refs.append(ref)
        return refs

    def slack_reply(self, run: Round, step: str, ref: MessageRef, text: str) -> None:
        """A line in a request's thread. A reply cannot be found again after a crash: its intent is journaled
        first, so a crash at that instant loses the line rather than posting it twice."""
        assert self.chat is not None
        if self.done(run, step + INTENT) is not None:
            return
        self.journal(run, step + INTENT, "")
        self.chat.reply(ref, text)
        self.journal(run, step, ref.ts)

    def slack_upload(
        self, run: Round, step: str, ref: MessageRef, *, filename: str, data: bytes, title: str
    ) -> None:
        assert self.chat is not None
        if self.done(run, step) is not None:
            return
        if not (self._begin(run, step) and self.chat.has_file(ref, filename)):
            self.chat.upload(ref, filename=filename, data=data, title=title)
        self.journal(run, step, ref.ts)
