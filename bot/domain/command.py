"""Symfony commands built from rules: argument vectors for the runner, printable text for people.

Two types on purpose: `FinalCommand` is only ever printed (for the card, the PO, the operator);
`DryRunCommand` is the only type the runner accepts, and it always carries `--dry-run`.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from bot.domain.model import Rule

MIGRATION_COMMAND = "app:migrate-individuals-to-other-organization"
DEFAULT_CONSOLE = "php bin/console"
DRY_RUN_FLAG = "--dry-run"
TARGET_VALUE_LONG = "--targetFieldValue"
SLUG_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"  # a custom field's slug (`-f`), from the ticket or the settings


def quote_value(value: str) -> str:
    """Double-quote a value as the runbook writes it (`-t "CHU 77"`), safe to paste into a shell.

    `"` and `\\` are backslash-escaped. `$`, backtick and `!` are written `'$'` between double-quoted parts:
    POSIX shells, interactive bash (history expansion) and Python's shlex all read that back as the
    character itself, whereas a backslash before them is read differently by shlex and by shells.
    """
    parts = ['"']
    for char in value:
        if char in '"\\':
            parts.append("\\" + char)
        elif char in "$`!":
            parts.append(f"\"'{char}'\"")
        else:
            parts.append(char)
    parts.append('"')
    return "".join(parts)


def _printable_argument(argument: str) -> str:
    """Plain words stay bare (`-o 4537`); anything else is quoted for the shell."""
    return (
        argument
        if argument and all(c.isalnum() or c in "-_:.=/@" for c in argument)
        else shlex.quote(argument)
    )


@dataclass(frozen=True)
class FinalCommand:
    """The migration as the runbook writes it, without `--dry-run`. Printed, never executed by the bot."""

    rule: Rule

    def arguments(self) -> tuple[str, ...]:
        """Arguments after the console (`php bin/console`), flags in the runbook's order."""
        rule = self.rule
        args = [MIGRATION_COMMAND, "-o", str(rule.origin.id), "-d", str(rule.destination.id)]
        if rule.no_field:
            args.append("--noField")
        elif (rule.value or "").startswith("-"):
            # Symfony reads `-t -x` as a missing value: a value that looks like an option goes inline.
            args += ["-f", rule.field or "", f"{TARGET_VALUE_LONG}={rule.value}"]
        else:
            args += ["-f", rule.field or "", "-t", rule.value or ""]
        if rule.with_deleted:
            args.append("--withDeleted")
        if rule.with_accommodations:
            args.append("--withAccommodations")
        return tuple(args)

    def printable(self, console: str = DEFAULT_CONSOLE) -> str:
        return render(console, self.arguments(), value=self.rule.value)


@dataclass(frozen=True)
class DryRunCommand:
    """A simulation: the same migration plus `--dry-run`, which no code path can remove."""

    final: FinalCommand

    @classmethod
    def of(cls, rule: Rule) -> DryRunCommand:
        return cls(FinalCommand(rule))

    def arguments(self) -> tuple[str, ...]:
        args = (*self.final.arguments(), DRY_RUN_FLAG)
        # Belt and braces: the runner refuses anything without the flag, and so does the type itself.
        assert args[-1] == DRY_RUN_FLAG
        return args

    def printable(self, console: str = DEFAULT_CONSOLE) -> str:
        return render(console, self.arguments(), value=self.final.rule.value)


def render(console: str, arguments: tuple[str, ...], *, value: str | None) -> str:
    """`php bin/console app:… -o 1 -d 2 -f slug -t "value" --flag`: the value always in double quotes."""
    parts = [console]
    value_next = False
    for argument in arguments:
        if value_next:
            parts.append(quote_value(argument))
        elif value is not None and argument == f"{TARGET_VALUE_LONG}={value}":
            parts.append(f"{TARGET_VALUE_LONG}={quote_value(value)}")
        else:
            parts.append(_printable_argument(argument))
        value_next = argument == "-t" and value is not None
    return " ".join(parts)
