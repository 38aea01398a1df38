"""The bot's reading of a refused card, line by line, for a comment a coordinator can paste back: every rule it
could read in its canonical form, every line it could not read with its problems, the lines that set
something for the whole ticket as written. bot/texts/ticket.py writes it; pasted back without the lines the
bot marks, it gives exactly the rules the bot read. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from bot.domain.model import Center, Notice, NoticeKind, Problem, Rule, Ticket
from bot.domain.ticket import statement_lines


class ReadingKind(Enum):
    ORIGIN = "origin"  # a canonical origin line, before the rules read for it
    RULE = "rule"  # a rule read, in canonical form
    AS_WRITTEN = "as_written"  # a statement line kept as written (« Champ : … », a rule of a broken block)
    UNREAD = "unread"  # a line the bot could not read, with its problems


@dataclass(frozen=True)
class ReadingLine:
    kind: ReadingKind
    line: int | None = None
    text: str = ""  # AS_WRITTEN and UNREAD: the line as written
    origin: Center | None = None
    rule: Rule | None = None
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class Reading:
    lines: tuple[ReadingLine, ...]
    # Lines that set options are kept as written: each rule then says « sans hébergements » when it has none,
    # so that pasting the reading back gives every rule its own options again.
    options_as_written: bool


_OPTION_STATEMENTS = {"option_line", "accommodations_switch", "deleted_switch"}


def reading(description: str, ticket: Ticket) -> Reading:
    """The card's statement lines in order: rules as read, unread lines with their problems."""
    rules: dict[int, list[Rule]] = {}
    for rule in ticket.rules:
        rules.setdefault(rule.line, []).append(rule)
    problems: dict[int, list[Problem]] = {}
    for problem in ticket.errors:
        if problem.line is not None:
            problems.setdefault(problem.line, []).append(problem)
    dropped = {notice.line for notice in ticket.warnings if _dropped(notice)}
    result: list[ReadingLine] = []
    options = False
    origin: Center | None = None  # the origin of the last canonical line written
    for number, written, statement, named in statement_lines(description):
        if number in problems:
            result.append(ReadingLine(ReadingKind.UNREAD, number, written, problems=tuple(problems[number])))
            origin = None
        elif number in rules:
            for rule in rules[number]:
                if rule.origin != origin:
                    result.append(ReadingLine(ReadingKind.ORIGIN, number, origin=rule.origin))
                    origin = rule.origin
                result.append(ReadingLine(ReadingKind.RULE, number, rule=rule))
        elif statement == "origin_line":  # its rules follow; without any, nothing leaves from it
            if named is not None:
                result.append(ReadingLine(ReadingKind.ORIGIN, number, origin=named))
            origin = named
        elif number not in dropped:
            result.append(ReadingLine(ReadingKind.AS_WRITTEN, number, written))
            options = options or statement in _OPTION_STATEMENTS
            origin = None  # a line as written may open another block: the next rule says its origin again
    result += [
        ReadingLine(ReadingKind.UNREAD, None, "", problems=(p,)) for p in ticket.errors if p.line is None
    ]
    return Reading(tuple(result), options_as_written=options)


def _dropped(notice: Notice) -> bool:
    """A duplicate rule is read once: its second line is not written again."""
    return notice.kind is NoticeKind.DUPLICATE
