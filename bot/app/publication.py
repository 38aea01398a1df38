"""The PO's workbook for a round: built once, filed in the team's Drive folder when there is one (runbook
step 3, option B), then attached to the card and sent with the PO's request by the workflow.

Drive is optional and never blocks a round: when it refuses, the card still gets its attachment and the PO
their request, the synthesis says « Dépôt sur le Drive impossible : … » with Drive's reason, and the upload is tried again
on the next poll (`retry`), which comments the link once it lands.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from bot.app.ports import Drive, DriveUnavailable
from bot.app.steps import INTENT, CardSteps, Round
from bot.domain.journal import Step
from bot.domain.model import Notice, Simulation
from bot.domain.synthesis import Synthesis
from bot.texts import card as texts
from bot.texts.excel import WorkbookContext, build_workbook, workbook_name
from bot.texts.text import describe_notice

log = logging.getLogger("migrabot.publication")

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Workbook:
    filename: str
    data: bytes
    note: str = ""  # « 📁 Fichier Excel sur le Drive : … » or why it is not there; empty without Drive
    link: str = ""  # the file on Drive, once there


class Workbooks:
    def __init__(self, *, steps: CardSteps, drive: Drive | None = None) -> None:
        self.steps = steps
        self.drive = drive

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
            return Workbook(workbook.filename, workbook.data, texts.drive_failed_line(str(error)))
        return Workbook(workbook.filename, workbook.data, texts.drive_link_line(link), link)

    def build(
        self, run: Round, simulation: Simulation, synthesis: Synthesis, warnings: Sequence[Notice | str]
    ) -> Workbook:
        context = WorkbookContext(
            card_name=run.card.name,
            card_url=run.card.url,
            short_link=run.card.short_link,
            simulation_number=run.record.round,
            made_at=run.record.round_started_at or None,
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
        self.steps.comment(run, Step.DRIVE_LINK, texts.drive_retried_comment(link))

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
