"""The PO's workbook for a round: built once, filed in the team's Drive folder when there is one (runbook
step 3, option B), then attached to the card and sent with the PO's request by the workflow.

Drive is optional and never blocks a round: when it refuses, the card still gets its attachment and the PO
their request, the synthesis says « Dépôt sur le Drive impossible : … » with Drive's reason, and the upload is tried again
on the next poll (`retry`), which comments the link once it lands.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import tzinfo
from typing import TypeVar

from bot.app.ports import Drive, DriveFile, DriveUnavailable
from bot.app.steps import INTENT, CardSteps, Round
from bot.domain.journal import Step
from bot.domain.model import Notice, Simulation
from bot.domain.synthesis import Synthesis
from bot.texts import card as texts
from bot.texts.excel import PARIS, WorkbookContext, build_workbook, workbook_name
from bot.texts.text import describe_notice

log = logging.getLogger("migrabot.publication")

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_T = TypeVar("_T")


@dataclass(frozen=True)
class Workbook:
    filename: str
    data: bytes
    link: str = ""  # the file's address on the Drive, once there
    failure: str = ""  # why it is not there; both empty without Drive

    def with_note(self, text: str) -> str:
        """`text` followed by the Drive line (Trello Markdown), for the synthesis comment."""
        note = self.note()
        return f"{text.rstrip()}\n\n{note}" if note else text

    @property
    def note(self) -> str:
        """« 📁 Fichier Excel sur le Drive : <link> » (Trello) or why it is not there; empty without Drive."""
        if self.link:
            return texts.drive_link_line(self.link, filename=self.filename)
        return texts.drive_failed_line(self.failure) if self.failure else ""


class _OncePerPoll:
    """The Drive port, given up for the rest of the poll after its first failure: a hanging Drive costs its
    timeout once per poll, not once per card. The upload's intent is journaled first, so the card retries."""

    def __init__(self, drive: Drive) -> None:
        self.drive = drive
        self.down: str | None = None

    def find(self, name: str) -> DriveFile | None:
        return self._call(lambda: self.drive.find(name))

    def upload(self, *, name: str, data: bytes, mime_type: str) -> DriveFile:
        return self._call(lambda: self.drive.upload(name=name, data=data, mime_type=mime_type))

    def _call(self, call: Callable[[], _T]) -> _T:
        if self.down is not None:
            raise DriveUnavailable(self.down)
        try:
            return call()
        except DriveUnavailable as error:
            self.down = str(error)
            raise


class Workbooks:
    def __init__(self, *, steps: CardSteps, drive: Drive | None = None, zone: tzinfo = PARIS) -> None:
        self.steps = steps
        self.zone = zone  # the `TZ` setting: the workbook's times agree with the comments'
        self.drive = _OncePerPoll(drive) if drive is not None else None

    def new_poll(self) -> None:
        """Drive is tried again at each poll."""
        if self.drive is not None:
            self.drive.down = None

    def publish(
        self, run: Round, simulation: Simulation, synthesis: Synthesis, warnings: Sequence[Notice | str]
    ) -> Workbook:
        workbook = self.build(run, simulation, synthesis, warnings)
        if self.drive is None:
            return workbook
        try:
            link = self._upload(run, workbook)
        except DriveUnavailable as error:
            log.warning("card %s: drive upload failed: %s", run.card.short_link or run.card.id, error)
            return replace(workbook, failure=str(error))
        return replace(workbook, link=link)

    def build(
        self, run: Round, simulation: Simulation, synthesis: Synthesis, warnings: Sequence[Notice | str]
    ) -> Workbook:
        context = WorkbookContext(
            card_name=run.card.name,
            card_url=run.card.url,
            short_link=run.card.short_link,
            simulation_number=run.record.round,
            made_at=run.record.round_started_at or None,
            zone=self.zone,
            warnings=tuple(describe_notice(warning) for warning in warnings),
            description_hash=run.record.description_hash,
        )
        filename = workbook_name(
            synthesis, short_link=run.card.short_link or run.card.id, simulation_number=run.record.round
        )
        return Workbook(filename, build_workbook(simulation, synthesis, context=context))

    def retry_due(self, run: Round) -> bool:
        """This round's upload began and never landed (Drive refused it, or the bot stopped mid-way)."""
        return (
            self.drive is not None
            and self.steps.done(run, Step.DRIVE_EXCEL) is None
            and self.steps.done(run, Step.DRIVE_EXCEL + INTENT) is not None
        )

    def retry(self, run: Round, workbook: Workbook) -> None:
        """Next poll's attempt: the link goes on the card in its own comment once the file is there."""
        try:
            link = self._upload(run, workbook)
        except DriveUnavailable as error:
            log.warning("card %s: drive upload failed again: %s", run.card.short_link or run.card.id, error)
            return
        self.steps.comment(
            run, Step.DRIVE_LINK, texts.drive_retried_comment(link, filename=workbook.filename)
        )

    def _upload(self, run: Round, workbook: Workbook) -> str:
        assert self.drive is not None
        return self.steps.drive_upload(
            run,
            Step.DRIVE_EXCEL,
            self.drive,
            filename=workbook.filename,
            data=workbook.data,
            mime_type=XLSX_MIME,
        )
