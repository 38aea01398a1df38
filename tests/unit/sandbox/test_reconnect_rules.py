"""The simulator's pure parts: the targeting rule and Symfony's way of reading arguments."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sandbox.reconnect.inputs import InputDefinition, InputError, InputOption, Mode, parse
from sandbox.reconnect.migration import Member, household_value, select_migrating
from sandbox.reconnect.style import php_wordwrap
from sandbox.reconnect.text import display_width, escape, format_markup

# --- targeting -----------------------------------------------------------------------------------------


def test_the_main_member_decides_before_the_others() -> None:
    group = [Member(1, 7), Member(2, 7)]

    assert household_value(group, main=1, value_of={1: "CPH", 2: "CHU 77"}) == "CPH"
    assert household_value(group, main=2, value_of={1: "CPH", 2: "CHU 77"}) == "CHU 77"


def test_without_a_main_value_the_first_other_member_by_id_decides() -> None:
    group = [Member(9, 7), Member(4, 7), Member(1, 7)]

    assert household_value(group, main=1, value_of={1: "", 4: "DAHAR", 9: "TEH"}) == "DAHAR"


def test_a_main_member_outside_the_files_considered_gives_no_value() -> None:
    assert household_value([Member(2, 7)], main=1, value_of={1: "TEH"}) is None


def test_empty_values_select_nothing() -> None:
    members = [Member(1, None), Member(2, None)]

    assert select_migrating(members, main_of={}, value_of={1: "", 2: "x"}, target="") == frozenset()


households = st.lists(
    st.tuples(
        st.integers(1, 40), st.one_of(st.none(), st.integers(1, 6)), st.sampled_from(["", "A", "B", "a"])
    ),
    unique_by=lambda row: row[0],
)


@given(households, st.sampled_from(["A", "B", "a"]))
def test_households_move_whole_and_only_on_an_exact_value(rows, target: str) -> None:
    members = [Member(person, household) for person, household, _ in rows]
    values = {person: value for person, _, value in rows}
    groups: dict[object, set[int]] = {}
    for person, household, _ in rows:
        groups.setdefault(household if household is not None else f"alone-{person}", set()).add(person)
    mains = {household: min(group) for household, group in groups.items() if isinstance(household, int)}

    chosen = select_migrating(members, main_of=mains, value_of=values, target=target)

    for group in groups.values():
        assert group <= chosen or not group & chosen  # whole households, never a part
        if group <= chosen:
            assert any(values[person] == target for person in group)  # someone holds exactly the value
        main = min(group)
        if values[main] not in ("", target):
            assert not group & chosen  # a main member with another value keeps the household


# --- Symfony's ArgvInput -------------------------------------------------------------------------------

DEFINITION = InputDefinition(
    (),
    (
        InputOption("originOrganization", "o", Mode.REQUIRED),
        InputOption("targetFieldValue", "t", Mode.REQUIRED),
        InputOption("dry-run"),
        InputOption("verbose", "v|vv|vvv"),
        InputOption("ansi", "", Mode.NEGATABLE),
    ),
)


@pytest.mark.parametrize(
    ("tokens", "expected"),
    [
        (["-o4537"], {"originOrganization": "4537"}),
        (["-o=4537"], {"originOrganization": "=4537"}),  # Symfony keeps the « = »
        (["--originOrganization=4537"], {"originOrganization": "4537"}),
        (["--originOrganization", "4537"], {"originOrganization": "4537"}),
        (["-t", ""], {"targetFieldValue": ""}),
        (["--targetFieldValue="], {"targetFieldValue": ""}),
        (["-t", "a b ; $(x) `y` ’"], {"targetFieldValue": "a b ; $(x) `y` ’"}),
        (["-vv", "--dry-run"], {"verbose": True, "dry-run": True}),
        (["--no-ansi"], {"ansi": False}),
    ],
)
def test_symfony_option_forms(tokens: list[str], expected: dict[str, object]) -> None:
    assert parse(tokens, DEFINITION).options == expected


@pytest.mark.parametrize(
    ("tokens", "message"),
    [
        (["-t", "-x"], 'The "--targetFieldValue" option requires a value.'),  # no value starts with « - »
        (["-x"], 'The "-x" option does not exist.'),
        (["--dry-run=1"], 'The "--dry-run" option does not accept a value.'),
        (["extra"], 'No arguments expected, got "extra".'),
        (["--", "-o"], 'No arguments expected, got "-o".'),
    ],
)
def test_symfony_input_errors(tokens: list[str], message: str) -> None:
    with pytest.raises(InputError) as error:
        parse(tokens, DEFINITION)

    assert str(error.value) == message


# --- text helpers --------------------------------------------------------------------------------------


def test_display_width_counts_columns_not_characters() -> None:
    assert display_width("Fraternités") == 11
    assert display_width("東京") == 4
    assert display_width("e\u0301") == 1  # a combining accent takes no column
    assert display_width("<info>x</info>") == 14  # markup is the caller's business (removeDecoration)


def test_markup_is_formatted_and_escaped_text_survives() -> None:
    assert (
        format_markup("<info>ok</info> <comment>!</>", decorated=True)
        == "\x1b[32mok\x1b[39m \x1b[33m!\x1b[39m"
    )
    assert format_markup("<info>ok</info>", decorated=False) == "ok"
    assert format_markup(escape("<info>$(x)</info> \\"), decorated=True) == "<info>$(x)</info> \\"


def test_php_wordwrap_counts_bytes_and_cuts_long_words() -> None:
    assert php_wordwrap("aaa bbb ccc", 7) == "aaa bbb\nccc"
    assert php_wordwrap("abcdefghij", 4) == "abcd\nefgh\nij"
    assert php_wordwrap("éé éé", 4) == "éé\néé"  # 4 bytes each
