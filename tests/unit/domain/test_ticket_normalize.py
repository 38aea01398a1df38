"""Each normalization step on its own (bot/domain/ticket_normalize.py): what it undoes, what it leaves, and two
properties every step keeps on any text: quoted values are untouched and columns lead back to the line."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import ticket_normalize as normalize
from bot.domain.ticket import parser
from bot.domain.ticket_lines import Line, clean_line, split_lines


def line(text: str, number: int = 1) -> Line:
    return clean_line(number, text)


def texts(lines: list[Line]) -> list[str]:
    return [item.text for item in lines]


def reads(text: str) -> bool:
    try:
        parser().parse(text)
    except Exception:
        return False
    return True


# --- trello_escapes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("si le champ = SITE\\_NORD → B (ID 2)", "si le champ = SITE_NORD → B (ID 2)"),
        ("1\\. si le champ = A → B (ID 2)", "1. si le champ = A → B (ID 2)"),
        ("\\# Centre initial = A (ID 1)", "# Centre initial = A (ID 1)"),
        ("si le champ = A\\*B\\* → B (ID 2)", "si le champ = A*B* → B (ID 2)"),
        ("si le champ = A\\\\B → B (ID 2)", "si le champ = A\\B → B (ID 2)"),
        ("si le champ = « A\\_B » → B (ID 2)", "si le champ = « A\\_B » → B (ID 2)"),
        ("| A\\|B | C |", "| A\\|B | C |"),
        ("C:\\dossiers", "C:\\dossiers"),
    ],
)
def test_trello_escapes(written, read):
    assert normalize.trello_escapes(line(written)).text == read


# --- list_markers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "marker",
    [
        "-",
        "*",
        "•",
        "▪",
        "–",
        "1.",
        "1)",
        "a.",
        "a)",
        "i.",
        "iv)",
        "(2)",
        "  - 1.",
        "> -",
        "👉",
        "▶️",
        "🔹 ",
        "1️⃣",
    ],
)
def test_list_markers_become_one_dash(marker):
    assert (
        normalize.list_markers(line(f"{marker} si le champ = A → B (ID 2)")).text
        == "- si le champ = A → B (ID 2)"
    )


@pytest.mark.parametrize(
    "text",
    [
        "si le champ = A → B (ID 2)",
        "→ vers B (ID 2)",
        "-> vers B (ID 2)",
        "°C",
        "© 2025 Reconnect",
        "#4537 est le centre",
    ],
)
def test_what_is_not_a_marker_stays(text):
    assert normalize.list_markers(line(text)).text == text


def test_a_line_of_emoji_alone_is_blank():
    assert normalize.list_markers(line("✨🎉")).text == ""


def test_columns_lead_back_to_the_user_line():
    cleaned = normalize.list_markers(line("👉 si le champ = A → B (ID 2)"))
    assert cleaned.text == "- si le champ = A → B (ID 2)"
    assert cleaned.source_column(3) == 3  # « s » of « si », after the emoji (1 character) and a space


# --- email_residue --------------------------------------------------------------------------------------


def test_email_residue_blanks_headers_greetings_and_signatures_only():
    card = [
        "De : Camille <c@example.org>",
        "Objet : migration → CHU 77",
        "Bonjour 👋,",
        "Centre initial = A (ID 1)",
        "- si le champ = A → B (ID 2)",
        "Cordialement,",
        "Camille",
        "Coordinatrice des centres",
        "",
        "Texte après la signature",
    ]
    assert texts(normalize.email_residue(split_lines("\n".join(card)))) == [
        "",
        "",
        "",
        "Centre initial = A (ID 1)",
        "- si le champ = A → B (ID 2)",
        "",
        "",
        "",
        "",
        "Texte après la signature",
    ]


def test_a_rule_or_an_instruction_under_a_sign_off_stays():
    card = "Merci !\n- si le champ = A → B (ID 2)\nles dossiers supprimés aussi"
    assert texts(normalize.email_residue(split_lines(card))) == ["", *card.split("\n")[1:]]


# --- arrows ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("arrow", ["➡️", "➡", "⟶", "-->", "—>", "==>", "=>", "->", ">", "⇨", "➔", "▶️"])
def test_arrows_become_one_arrow(arrow):
    assert (
        normalize.arrows(line(f"si le champ = A {arrow} vers B (ID 2)")).text
        == "si le champ = A → vers B (ID 2)"
    )


@pytest.mark.parametrize(
    "text",
    [
        "Rappel ➡️ merci de vérifier avant vendredi",
        "si le champ = « A ➡️ B » → vers B (ID 2)",
        "Le seuil est > 3 dossiers",
    ],
)
def test_arrows_in_context_or_quotes_stay(text):
    assert normalize.arrows(line(text)).text == text


# --- identifiers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "(ID n° 2)",
        "(n° 2)",
        "(N°2)",
        "(no 2)",
        "(identifiant 2)",
        "n° 2",
        "N°2",
        "no 2",
        "#2",
        "identifiant 2",
        "ID 2",
        "id : 2",
        "(2)",
        "- ID 2",
    ],
)
def test_identifiers(written):
    assert normalize.identifiers(line(f"si le champ = A → B {written}")).text == "si le champ = A → B (ID 2)"


@pytest.mark.parametrize(
    "text",
    [
        "si le champ = A → Site no 2 (ID 5)",
        "La salle n° 2 est fermée.",
        "si le champ = « n° 2 » → B (ID 5)",
    ],
)
def test_numbers_that_are_not_identifiers_stay(text):
    assert normalize.identifiers(line(text)).text == text


# --- wrapped_lines --------------------------------------------------------------------------------------


def test_a_wrapped_rule_is_joined_with_its_line_numbers():
    card = "Centre initial = A (ID 1)\n- si le champ = A → vers France\nFraternités (ID 2)\nsuite"
    lines = normalize.wrapped_lines(split_lines(card), reads=reads)
    assert texts(lines) == [
        "Centre initial = A (ID 1)",
        "- si le champ = A → vers France Fraternités (ID 2)",
        "",
        "suite",
    ]
    assert lines[1].joined == (2, 3)
    assert lines[1].source == "- si le champ = A → vers France Fraternités (ID 2)"
    assert (
        lines[1].source_column(lines[1].text.index("Fraternités") + 1)
        == len("- si le champ = A → vers France") + 2
    )


@pytest.mark.parametrize(
    "card",
    [
        "- si le champ = A → vers France\n- Fraternités (ID 2)",
        "- si le champ = A → vers France\n\nFraternités (ID 2)",
        "- si le champ = A → vers France\n- si le champ = B → C (ID 3)",
        "- si le champ = A → vers France\nrien\nni\nici (ID 2)",
    ],
)
def test_lines_that_cannot_end_a_rule_are_not_joined(card):
    assert texts(normalize.wrapped_lines(split_lines(card), reads=reads)) == card.split("\n")


# --- placeholders ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("si le champ = ??? → B (ID 2)", (14, "???")),
        ("si le champ = A → B (ID XXXX)", (24, "XXXX")),
        ("si le champ = tbd → B (ID 2)", (14, "tbd")),
        ("si le champ = A → B (ID 2), à confirmer", (28, "à confirmer")),
        ("si le champ = « ? » → B (ID 2)", (16, "?")),
        ("si le champ = A ? → B (ID 2)", (16, "?")),
    ],
)
def test_placeholders_are_found(text, found):
    assert normalize.placeholder(text) == found


@pytest.mark.parametrize(
    "text",
    [
        "si le champ = « Qui ? Quoi ? » → B (ID 2)",
        "si le champ = XX → B (ID 2)",
        "si le champ = Max → B (ID 2)",
        "si le champ = « Date à confirmer le 3 » → B (ID 2)",
    ],
)
def test_what_is_not_a_placeholder(text):
    assert normalize.placeholder(text) is None


# --- every step: quotes untouched, columns valid, on any text -------------------------------------------

_PIECES = st.sampled_from(
    [
        "si le champ = ",
        "Centre initial = ",
        "→",
        "➡️",
        " > ",
        "-->",
        "\\_",
        "\\",
        "(ID 2)",
        "n° 3",
        "#4",
        "« ",
        " »",
        '"',
        "'",
        "👉 ",
        "1. ",
        "a) ",
        "- ",
        "???",
        "\t",
        "|",
        " ",
        "A",
        "é",
        "vers ",
        "ID 5",
        "(",
        ")",
    ]
)
_LINE_STEPS = [normalize.trello_escapes, normalize.list_markers, normalize.arrows, normalize.identifiers]


@settings(max_examples=300, deadline=None)
@given(
    pieces=st.lists(_PIECES, max_size=14),
    value=st.text(alphabet=st.characters(blacklist_characters="«»\n\r"), max_size=12),
)
def test_every_step_keeps_quoted_values_and_columns(pieces, value):
    text = "".join(pieces) + f"« {value} »" + "".join(reversed(pieces))
    original = line(text)
    quoted = f"« {value} »"
    for step in _LINE_STEPS:
        cleaned = step(original)
        assert len(cleaned.columns) == len(cleaned.text)
        assert all(1 <= column <= len(cleaned.source) + 1 for column in cleaned.columns)
        if quoted in original.text and original.text.count("«") == 1 and "\\" not in value:
            assert quoted in cleaned.text or step is normalize.list_markers


def test_a_rule_after_a_sign_off_ends_the_signature():
    card = "Merci !\nCentre initial = A (ID 1)\nles dossiers supprimés aussi"
    lines = normalize.email_residue(split_lines(card))
    assert texts(lines) == ["", "Centre initial = A (ID 1)", "les dossiers supprimés aussi"]
    assert not lines[2].signed


def test_a_greater_than_in_a_line_with_an_arrow_stays():
    text = "si le champ = A > B → vers C (ID 2)"
    assert normalize.arrows(line(text)).text == text
