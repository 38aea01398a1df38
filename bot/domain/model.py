"""The vocabulary shared by every part of the bot: frozen values, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


@dataclass(frozen=True)
class Center:
    """A Reconnect Pro centre (organisation), as the ticket names it."""

    id: int
    name: str | None = None

    def label(self) -> str:
        """« France Fraternités - CHU 75 (ID 4537) », or « (ID 4537) » when the ticket gave no name."""
        return f"{self.name} (ID {self.id})" if self.name else f"(ID {self.id})"


@dataclass(frozen=True)
class Rule:
    """One migration rule of a ticket: one Symfony command."""

    origin: Center
    destination: Center
    field: str | None  # None for « tous les dossiers » (--noField)
    value: str | None
    with_deleted: bool = False
    with_accommodations: bool = False
    line: int = 0  # 1-based line of the rule in the card's description

    @property
    def no_field(self) -> bool:
        return self.field is None

    def semantic_key(self) -> tuple:
        """What makes two rules the same migration, wherever they were written."""
        return (
            self.origin.id,
            self.destination.id,
            self.field,
            self.value,
            self.with_deleted,
            self.with_accommodations,
        )


class ProblemKind(Enum):
    """What is wrong in a ticket. bot/texts/ticket.py says each one in French."""

    NO_RULES = "no_rules"
    RULE_WITHOUT_ORIGIN = "rule_without_origin"
    MISSING_ID = "missing_id"
    NON_NUMERIC_ID = "non_numeric_id"  # params: written
    NON_ASCII_DIGITS = "non_ascii_digits"  # params: written
    INVALID_ID = "invalid_id"  # params: written
    TWO_ID_GROUPS = "two_id_groups"  # params: written
    AMBIGUOUS_NAME = "ambiguous_name"  # params: name
    EMPTY_VALUE = "empty_value"
    CONTROL_CHARACTER = "control_character"
    DOUBLED_OPERATOR = "doubled_operator"  # params: value
    OPTIONS_IN_VALUE = "options_in_value"  # params: value
    SECOND_CONDITION = "second_condition"  # params: value
    INVALID_FIELD = "invalid_field"  # params: slug
    TWO_FIELDS = "two_fields"  # params: first, first_line, second
    SAME_CENTRE = "same_centre"  # params: origin
    TWO_DESTINATIONS = (
        "two_destinations"  # params: origin, value (None: all files), destination, earlier_line
    )
    OTHER_OPTIONS = "other_options"  # params: earlier_line
    ALL_FILES_MIXED = "all_files_mixed"  # params: origin, other_line
    DIRECTION_MARK = "direction_mark"  # params: marks (code points, « U+202E »)
    INVISIBLE_CHARACTER = "invisible_character"  # params: marks (code points, « U+E0041 »)
    TYPO = "typo"  # params: written, suggestion
    NUMBER_WITHOUT_ID = "number_without_id"  # params: number
    ORIGIN_IN_PROSE = "origin_in_prose"  # params: name, number
    TOO_MANY_RULES = "too_many_rules"  # params: count, limit (MAX_RULES_PER_CARD)
    PLACEHOLDER = "placeholder"  # params: written (« ??? », « TBD »…; "" for an empty cell), cell (header)
    MARKED_LINE = "marked_line"  # the bot's « ⛔ À CORRIGER » mark, pasted back with its reading
    # Syntax errors; params: expected (a terminal of the grammar or None), example (a form), found
    MISSING_ARROW = "missing_arrow"
    INCOMPLETE_LINE = "incomplete_line"
    UNEXPECTED = "unexpected"


@dataclass(frozen=True)
class Problem:
    """An error in a ticket, as a value: the kind, where it is, the line as written and the facts the French
    text needs (bot/texts/ticket.py renders it with the expected form)."""

    kind: ProblemKind
    line: int | None = None
    column: int | None = None
    source: str | None = None  # the line as the user wrote it
    params: dict = field(default_factory=dict, hash=False)


class NoticeKind(Enum):
    """Why a usable ticket deserves a look. bot/texts/ticket.py says each one in French."""

    NO_BREAK_SPACE = "no_break_space"  # params: value
    INVISIBLE_REMOVED = "invisible_removed"  # params: value
    NAME_DIFFERS = "name_differs"  # params: id, name, known
    ORIGIN_WITHOUT_RULES = "origin_without_rules"  # params: origin (a Center)
    DUPLICATE = "duplicate"  # params: earlier_line
    MOVES_TWICE = "moves_twice"  # params: value, origin, destination, other_line, other_destination
    NOT_UNDERSTOOD = "not_understood"  # params: text: an instruction in prose the commands do not follow
    ONE_VALUE_PER_RULE = "one_value_per_rule"  # params: value
    LINES_JOINED = "lines_joined"  # params: lines (their numbers), text (the rule as read, on one line)


# Warnings about what the author asked and the commands will not do: shown first, before the figures.
UNFOLLOWED_INSTRUCTIONS = frozenset({NoticeKind.NOT_UNDERSTOOD})


@dataclass(frozen=True)
class Notice:
    """A warning, as a value: the ticket is usable, but somebody should look."""

    kind: NoticeKind
    line: int | None = None
    params: dict = field(default_factory=dict, hash=False)


class ConflictDecision(Enum):
    """What to do with accommodations shared by migrated and non-migrated people (runbook « Cas problématique »)."""

    MIGRATE_ANYWAY = "migrate_anyway"  # keep --withAccommodations
    WITHOUT_ACCOMMODATIONS = "without_accommodations"  # drop --withAccommodations for the rules concerned


@dataclass(frozen=True)
class Ticket:
    """What a card's description says, once parsed."""

    rules: tuple[Rule, ...] = ()
    errors: tuple[Problem, ...] = ()
    warnings: tuple[Notice, ...] = ()
    conflict_decision: ConflictDecision | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class Group:
    """The rules of one origin centre, in ticket order; run as one unit."""

    origin: Center
    rule_indexes: tuple[int, ...]
    crosses: tuple[int, ...] = ()  # origin ids of the groups this one exchanges files with


@dataclass(frozen=True)
class Plan:
    """The commands to run and their order."""

    rules: tuple[Rule, ...]
    groups: tuple[Group, ...]
    plan_fingerprint: str  # what the commands do (not how the ticket words it)
    field_slug: str


# --- what the console says -------------------------------------------------------------------------


@dataclass(frozen=True)
class CenterCount:
    """One row of the dry-run summary table."""

    id: int
    name: str
    before: int
    after: int
    moved: int  # « - 41 migrés » for the origin, « + 41 entrants » for the destination


@dataclass(frozen=True)
class AccommodationConflict:
    """An accommodation shared by people who move and people who stay."""

    center_id: int
    accommodation_id: int
    not_migrated: tuple[int, ...]
    migrated: tuple[int, ...]


@dataclass(frozen=True)
class Accommodations:
    to_migrate: int
    conflicts: tuple[AccommodationConflict, ...] = ()


@dataclass(frozen=True)
class Figures:
    """What one dry-run reports."""

    origin: CenterCount
    destination: CenterCount
    accommodations: Accommodations | None = None


@dataclass(frozen=True)
class ConsoleResult:
    """What a console process did: kept whole, whatever happened."""

    exit_code: int | None  # None when it was killed (timeout) or could not start
    stdout: str
    stderr: str
    duration_s: float
    timed_out: bool = False
    start_error: str | None = None  # e.g. « ssh: not found »


@dataclass(frozen=True)
class DryRun:
    """One rule's dry-run: the command, the raw result, and either figures or an error."""

    rule_index: int
    command: str  # printable dry-run command
    result: ConsoleResult
    figures: Figures | None = None
    error: str | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)
    not_run: bool = False  # never started: the round stopped after repeated transport failures

    @property
    def ok(self) -> bool:
        return self.error is None and self.figures is not None


class VariantKind(Enum):
    """How a near-miss value differs from the card's (bot/texts/zero_match.py says each one in French)."""

    TRIMMED = "trimmed"  # spaces around removed
    SPACES_COLLAPSED = "spaces_collapsed"  # inner runs of spaces made one
    SPACE_ADDED = "space_added"  # between a letter and a digit: CHU77 → CHU 77
    SPACE_REMOVED = "space_removed"  # CHU 77 → CHU77
    UPPER = "upper"
    TITLE = "title"
    ACCENTS_ADDED = "accents_added"  # as a word of the card writes it: Echat → Échat
    ACCENTS_REMOVED = "accents_removed"
    PLAIN_TYPOGRAPHY = "plain_typography"  # ’ → ', – → -, no-break → plain space
    TYPOGRAPHIC = "typographic"  # ' → ’, « - » → « – »
    NO_BREAK_SPACES = "no_break_spaces"  # plain → no-break spaces (values pasted from a word processor)


@dataclass(frozen=True)
class NearMiss:
    """A variant of a zero-match rule's value, dry-run with the rule's own command otherwise unchanged.
    Only ever shown to people: the commands keep the card's value."""

    rule_index: int
    value: str
    kind: VariantKind
    found: int | None  # files the variant finds; None: its dry-run failed or was not run
    run: DryRun | None = None  # its command and output, for the console outputs (None when stored before)


@dataclass(frozen=True)
class Simulation:
    """Every dry-run of a plan, in rule order, and what they mean together."""

    plan: Plan
    runs: tuple[DryRun, ...]
    decision: ConflictDecision | None = None  # how shared accommodations are handled, once decided
    # Conflicts found before « sans hébergements » removed --withAccommodations: still shown to the PO.
    decided_conflicts: tuple[tuple[int, AccommodationConflict], ...] = ()
    # The accommodation check: each rule without --withAccommodations dry-run again with it, to learn which
    # accommodations its people will be detached from. None: not made (turned off, or the dry-runs failed).
    # Its failures never make the simulation fail: the synthesis says the impact could not be measured.
    accommodation_checks: tuple[DryRun, ...] | None = None
    # Variants of the values of rules that found no file, each dry-run once (bot.app.near_miss).
    near_misses: tuple[NearMiss, ...] = ()

    @property
    def failed_runs(self) -> tuple[DryRun, ...]:
        return tuple(run for run in self.runs if not run.ok)

    @property
    def ok(self) -> bool:
        return not self.failed_runs and len(self.runs) == len(self.plan.rules)

    @property
    def conflicts(self) -> tuple[tuple[int, AccommodationConflict], ...]:
        """(rule index, conflict) for every shared accommodation the dry-runs found."""
        return tuple(
            (run.rule_index, conflict)
            for run in self.runs
            if run.figures and run.figures.accommodations
            for conflict in run.figures.accommodations.conflicts
        )

    @property
    def accommodations_to_migrate(self) -> int:
        return sum(
            run.figures.accommodations.to_migrate
            for run in self.runs
            if run.figures and run.figures.accommodations
        )

    @property
    def awaits_decision(self) -> bool:
        return bool(self.conflicts) and self.decision is None
