"""Commands render exactly as the runbook writes them, and a copy-paste passes the value exactly."""

from __future__ import annotations

import shlex

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.command import DryRunCommand, FinalCommand, quote_value
from bot.domain.model import Center, Rule

CHU75, CHU77 = Center(4537, "France Fraternités - CHU 75"), Center(5644, "France Fraternités - CHU 77")


def rule(**changes) -> Rule:
    values = {"origin": CHU75, "destination": CHU77, "field": "migration-des-donnees", "value": "CHU 77"}
    values.update(changes)
    return Rule(**values)


def test_the_runbook_command_exactly():
    assert FinalCommand(rule()).printable() == (
        "php bin/console app:migrate-individuals-to-other-organization "
        '-o 4537 -d 5644 -f migration-des-donnees -t "CHU 77"'
    )


def test_the_runbook_command_with_accommodations_exactly():
    assert FinalCommand(rule(with_accommodations=True)).printable() == (
        "php bin/console app:migrate-individuals-to-other-organization "
        '-o 4537 -d 5644 -f migration-des-donnees -t "CHU 77" --withAccommodations'
    )


@pytest.mark.parametrize(
    ("changes", "suffix"),
    [
        ({"field": None, "value": None}, "-o 4537 -d 5644 --noField"),
        (
            {"field": None, "value": None, "with_deleted": True, "with_accommodations": True},
            "-o 4537 -d 5644 --noField --withDeleted --withAccommodations",
        ),
        ({"with_deleted": True}, '-o 4537 -d 5644 -f migration-des-donnees -t "CHU 77" --withDeleted'),
        (
            {"with_deleted": True, "with_accommodations": True},
            '-o 4537 -d 5644 -f migration-des-donnees -t "CHU 77" --withDeleted --withAccommodations',
        ),
    ],
)
def test_flags_come_in_the_runbook_order(changes, suffix):
    assert FinalCommand(rule(**changes)).printable().endswith(suffix)


def test_the_dry_run_variant_adds_the_flag_last():
    command = DryRunCommand.of(rule(with_deleted=True))
    assert command.printable().endswith('-t "CHU 77" --withDeleted --dry-run')
    assert command.arguments()[-1] == "--dry-run"
    assert "--dry-run" not in FinalCommand(rule()).arguments()


def test_the_console_prefix_is_a_setting():
    assert FinalCommand(rule()).printable("bin/console").startswith("bin/console app:migrate")


@pytest.mark.parametrize(
    "value", ['say "hi"', "$HOME", "`id`", "back\\slash", "l’Escale", "a'b", "$(rm -rf /)", "!x"]
)
def test_special_characters_are_escaped(value):
    assert shlex.split(quote_value(value)) == [value]


def value_in(words) -> str:
    """The value as the console will receive it, whichever form carries it."""
    if "-t" in words:
        return words[words.index("-t") + 1]
    [inline] = [w for w in words if w.startswith("--targetFieldValue=")]
    return inline.split("=", 1)[1]


@given(st.text())
def test_a_copy_paste_into_a_shell_gives_back_the_value(value):
    command = FinalCommand(rule(value=value)).printable()
    words = shlex.split(command)
    assert value_in(words) == value
    assert words[-1].endswith(value)  # nothing leaked into other words


@given(st.text(min_size=1))
def test_the_argument_vector_carries_the_value_untouched(value):
    arguments = DryRunCommand.of(rule(value=value)).arguments()
    assert value_in(arguments) == value
    assert arguments[-1] == "--dry-run"


def test_a_value_that_looks_like_an_option_is_passed_inline():
    assert (
        FinalCommand(rule(value="-x"))
        .printable()
        .endswith('-f migration-des-donnees --targetFieldValue="-x"')
    )
    assert DryRunCommand.of(rule(value="--")).arguments()[-2:] == ("--targetFieldValue=--", "--dry-run")


HOSTILE = [
    '"',
    "'",
    "$(id)",
    "`id`",
    "a;b",
    "x\ny",
    "\\",
    "$HOME",
    "!!",
    "l’Escale « 2 »",
    " lead",
    "*",
    "-t",
]


@pytest.mark.parametrize("shell", ["sh", "bash"])
def test_a_real_shell_reads_the_value_back_byte_for_byte(shell):
    import subprocess

    for value in HOSTILE:
        output = subprocess.run(
            [shell, "-c", f"printf '%s' {quote_value(value)}"], capture_output=True, text=True
        )
        assert output.stdout == value, (shell, value)
