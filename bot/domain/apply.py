"""The opt-in preprod apply (PREPROD_APPLY): what the bot may run on preprod without `--dry-run`. Pure.

`ApprovedGroup` is the only value the console adapter runs for real (`Console.run_approved`). Only the
execution service (`bot.app.launch`) builds one, from the round's journaled approval, its final-commands
comment and its plan fingerprint; an AST test keeps every other module from building one or calling the
function that runs it.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.command import FinalCommand


@dataclass(frozen=True)
class ApprovedGroup:
    """One group of an approved plan: its final commands, in the plan's order."""

    card_id: str
    round: int
    description_hash: str  # what the card said when the PO approved it
    plan_fingerprint: str  # what the commands do: signed with each run, checked by the preprod guard
    group: int  # 1-based
    commands: tuple[FinalCommand, ...]
    approved_by: str

    def arguments(self, position: int) -> tuple[str, ...]:
        """The console arguments of the group's `position`-th command (0-based), without `--dry-run`."""
        return self.commands[position].arguments()
