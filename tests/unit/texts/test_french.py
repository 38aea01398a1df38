"""French typography: prose gets its no-break spaces, values and code keep their bytes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.texts.french import NBSP, decimal, french, plural, typeset


def test_prose_gets_a_no_break_space_before_double_punctuation_and_inside_guillemets() -> None:
    assert typeset("Réglages : ok ; prêt ! Vraiment ? « Oui »") == (
        f"Réglages{NBSP}: ok{NBSP}; prêt{NBSP}! Vraiment{NBSP}? «{NBSP}Oui{NBSP}»"
    )


def test_no_space_is_invented_where_there_was_none() -> None:
    assert typeset("https://trello.com/b/x 10:30 a;b") == "https://trello.com/b/x 10:30 a;b"


def test_code_spans_and_blocks_are_left_alone() -> None:
    assert typeset("lancez `migrabot doctor --fix ; echo « ok »` : fait") == (
        f"lancez `migrabot doctor --fix ; echo « ok »`{NBSP}: fait"
    )
    assert typeset('Commande 1 :\n```\nphp bin/console x -t "A : B"\n```\nfin !') == (
        f'Commande 1{NBSP}:\n```\nphp bin/console x -t "A : B"\n```\nfin{NBSP}!'
    )


def test_values_are_inserted_untouched() -> None:
    text = french(
        "Centre « {name} » : {count} ; valeur « {value} »", name="Foyer : Nord", count=3, value="A ; B !"
    )
    assert text == f"Centre «{NBSP}Foyer : Nord{NBSP}»{NBSP}: 3{NBSP}; valeur «{NBSP}A ; B !{NBSP}»"


def test_a_value_inside_a_code_span_of_the_template_is_untouched_and_the_span_too() -> None:
    assert french("Commande {number} : `{command} « x »`", number=1, command='php -t "a : b"') == (
        f'Commande 1{NBSP}: `php -t "a : b" « x »`'
    )


def test_format_specs_and_literal_braces_work_as_in_str_format() -> None:
    assert french("{seconds:.0f} s {{x}} :", seconds=2.4) == f"2 s {{x}}{NBSP}:"


@given(st.text())
def test_any_value_keeps_its_bytes(value: str) -> None:
    assert french("« {value} » : fin", value=value) == f"«{NBSP}{value}{NBSP}»{NBSP}: fin"


def test_typography_is_idempotent() -> None:
    once = typeset("a : b « c »")
    assert typeset(once) == once


def test_plurals_and_decimals() -> None:
    assert [plural(n, "carte", "cartes") for n in (0, 1, 2, 3)] == [
        "0 carte",
        "1 carte",
        "2 cartes",
        "3 cartes",
    ]
    assert decimal(0.5) == "0,5"
    assert decimal(12.25, digits=2) == "12,25"
    assert decimal(20.0) == "20"
