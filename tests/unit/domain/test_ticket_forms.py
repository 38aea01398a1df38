"""Cards as coordinators really write them (issue 13) and hostile lines (issue 11, points 3 and 4): prose that
is not a rule, instructions in prose, typos, more forms, values refused or kept exactly. Table-driven: each
row is one line of the language table of docs/guide-coordinateur.md (« Toutes les formes acceptées ») and docs/architecture.md."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.model import ConflictDecision, NoticeKind, ProblemKind
from bot.domain.ticket import parse_ticket, quoted_spans
from bot.texts.text import describe_notice, describe_problem
from bot.texts.ticket import notice_message, problem_expected, problem_message
from tests.support.text import plain

ORIGIN = "Centre initial = France Fraternités - CHU 75 (ID 4537)"
F = "migration-des-donnees"


def rules_of(text: str) -> list[tuple]:
    """(origin, destination, destination name, value, deleted, accommodations) per rule; no error allowed."""
    ticket = parse_ticket(text)
    assert not ticket.errors, [describe_problem(e) for e in ticket.errors]
    return [
        (r.origin.id, r.destination.id, r.destination.name, r.value, r.with_deleted, r.with_accommodations)
        for r in ticket.rules
    ]


def errors_of(text: str) -> list[tuple[int | None, int | None, str]]:
    return [(e.line, e.column, problem_message(e)) for e in parse_ticket(text).errors]


def warnings_of(text: str) -> list[tuple[int | None, str]]:
    return [(w.line, notice_message(w)) for w in parse_ticket(text).warnings]


# --- 1. prose is not a rule: a line is a candidate by its shape, not by its words ------------------------


@pytest.mark.parametrize(
    "prose",
    [
        "La structure ferme son site de Belleville (ID du site : voir Reconnect).",
        "Attention : ne pas toucher aux dossiers sans valeur dans le champ.",
        "Pour info, tous les dossiers ont été vérifiés par Camille.",
    ],
)
def test_sentences_of_context_do_not_make_a_card_fail(prose):
    assert rules_of(f"{prose}\n{ORIGIN}\n- si le champ = A → vers B (ID 2)") == [
        (4537, 2, "B", "A", False, False)
    ]


# --- 2. instructions in prose: understood when unambiguous, otherwise warned, never dropped silently -----


@pytest.mark.parametrize(
    ("sentence", "deleted", "accommodations"),
    [
        ("- les dossiers supprimés aussi svp", True, False),
        ("Merci de migrer aussi leurs hébergements.", False, True),
        ("Avec les supprimés et leurs hébergements, merci !", True, True),
    ],
)
def test_an_unambiguous_instruction_in_a_block_is_understood_for_that_block(
    sentence, deleted, accommodations
):
    text = f"{ORIGIN}\n- si le champ = A → vers B (ID 2)\n{sentence}\nCentre initial = Q (ID 9)\n- si le champ = A → vers B (ID 2)"
    assert [r[4:] for r in rules_of(text)] == [(deleted, accommodations), (False, False)]
    assert parse_ticket(text).warnings == ()


@pytest.mark.parametrize(
    "sentence",
    [
        "- sauf les dossiers de la famille X",
        "Attention : ne pas toucher aux dossiers sans valeur dans le champ.",
        "Excepté les hébergements du 2e étage.",
        "Le centre 5644 doit garder ses dossiers hormis ceux de 2024.",
        "Pas les dossiers supprimés.",
    ],
)
def test_an_instruction_not_understood_is_a_warning_naming_the_line(sentence):
    text = f"{ORIGIN}\n- si le champ = A → vers B (ID 2)\n{sentence}"
    assert rules_of(text) == [(4537, 2, "B", "A", False, False)]
    assert warnings_of(text) == [
        (
            3,
            f"consigne non comprise : « {sentence} » — la migration n'en tiendra pas compte ; "
            "écrivez-la comme une règle ou une option si elle doit s'appliquer",
        )
    ]


@pytest.mark.parametrize("sentence", ["Cordialement, Camille", "Merci d'avance !", "Un mot au milieu."])
def test_prose_that_does_not_speak_of_the_migration_stays_silent(sentence):
    assert parse_ticket(f"{ORIGIN}\n- si le champ = A → vers B (ID 2)\n{sentence}").warnings == ()


def test_context_before_any_block_is_not_an_instruction():
    text = f"Bonjour, les dossiers du centre déménagent.\n{ORIGIN}\n- si le champ = A → vers B (ID 2)"
    assert parse_ticket(text).warnings == ()


# --- 3. typos and near-misses get help -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "column", "written", "suggestion"),
    [
        ("Centre intial = CHU 75 (ID 4537)", 1, "Centre intial", "Centre initial"),
        ("Centre d'orgine : CHU 75 (ID 4537)", 1, "Centre d'orgine", "Centre d'origine"),
        ("Centre intial = CHU 75", 1, "Centre intial", "Centre initial"),
        ("- lorque le champ = A → vers B (ID 2)", 3, "lorque le champ", "lorsque le champ"),
        ("- si le champ = A vesr B (ID 2)", 19, "vesr", "vers"),
        ("- tous les dosiers → vers B (ID 2)", 3, "tous les dosiers", "tous les dossiers"),
        ("- si le champ = A → vers B (ID 2), avec hébergement", None, None, None),
    ],
)
def test_a_misspelt_keyword_is_refused_with_a_suggestion(line, column, written, suggestion):
    ticket = parse_ticket(
        f"{ORIGIN}\n{line}" if line.startswith("-") else f"{line}\n- si le champ = A → B (ID 2)"
    )
    if suggestion is None:  # « hébergement » singular is a form of the keyword, not a typo
        assert not ticket.errors
        return
    [error] = ticket.errors
    assert error.kind is ProblemKind.TYPO
    assert error.column == column
    assert problem_message(error) == f"« {written} » non compris : vouliez-vous dire « {suggestion} » ?"
    assert problem_expected(error).startswith(f"« {suggestion} », p. ex. « ")


def test_a_misspelt_origin_line_takes_its_rules_with_it():
    """Its rules are not reported again as « règle sans centre d'origine », nor given to the block above."""
    text = f"{ORIGIN}\n- si le champ = A → B (ID 2)\nCentre intial = Q (ID 9)\n- si le champ = C → B (ID 2)"
    assert [e.kind for e in parse_ticket(text).errors] == [ProblemKind.TYPO]
    assert [r.value for r in parse_ticket(text).rules] == ["A"]


def test_short_words_are_not_taken_for_keywords():
    [error] = parse_ticket(f"{ORIGIN}\n- si le champ = Foyer des Lilas (ID 2)").errors
    assert problem_message(error) == "flèche manquante après la valeur"


def test_an_origin_written_as_a_sentence_is_told_the_right_form():
    [error] = parse_ticket("Pour le centre d'origine X (ID 6130) :\n- si le champ = A → vers B (ID 2)").errors
    assert (error.line, error.column, problem_message(error)) == (
        1,
        9,
        "centre d'origine écrit comme une phrase",
    )
    assert problem_expected(error) == "« Centre d'origine : X (ID 6130) »"


def test_a_number_that_cannot_be_an_id_is_told_to_be_written_with_id():
    [error] = parse_ticket(
        "Centre initial = Site Nord (6201) et voilà\n- si le champ = A → vers B (ID 2)"
    ).errors
    assert problem_message(error) == "« (6201) » : le numéro du centre doit être écrit « (ID 6201) »"
    assert problem_expected(error) == "« (ID 6201) », p. ex. « → vers CHU 77 (ID 5644) »"


# --- 4. more forms, understood ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            f"{ORIGIN}\n- si le champ = A → vers Site Nord (6201)",
            [(4537, 6201, "Site Nord", "A", False, False)],
        ),
        (
            f"{ORIGIN}\n- si le champ = A → vers Site Nord - ID 6201",
            [(4537, 6201, "Site Nord", "A", False, False)],
        ),
        (
            f"{ORIGIN}\n- si le champ = A → vers Site Nord ID6201",
            [(4537, 6201, "Site Nord", "A", False, False)],
        ),
        (
            f"{ORIGIN}\n- si le champ = A → vers Site Nord ID 6201",
            [(4537, 6201, "Site Nord", "A", False, False)],
        ),
        (
            f"{ORIGIN}\n- si le champ = A → vers Site Nord (6201), avec hébergements",
            [(4537, 6201, "Site Nord", "A", False, True)],
        ),
        (
            "Centre initial = CHU 75 (4537)\n- si le champ = A → vers B (ID 2)",
            [(4537, 2, "B", "A", False, False)],
        ),
        (
            "Centre initial = CHU 75 - ID 4537 - si le champ = A → vers B (ID 2)",
            [(4537, 2, "B", "A", False, False)],
        ),
        # A number in a name stays in the name when an id follows.
        (
            f"{ORIGIN}\n- si le champ = A → vers Site (2) Nord (ID 5)",
            [(4537, 5, "Site (2) Nord", "A", False, False)],
        ),
        (
            f"{ORIGIN}\n- si le champ = A → vers Site Nord (6201) (ID 5)",
            [(4537, 5, "Site Nord (6201)", "A", False, False)],
        ),
        # « sans hébergements » on a rule wins over the ticket's and the block's « avec hébergements ».
        (
            f"Avec hébergements\n{ORIGIN}\n- si le champ = A → vers B (ID 2), sans hébergements\n- si le champ = C → vers B (ID 2)",
            [(4537, 2, "B", "A", False, False), (4537, 2, "B", "C", False, True)],
        ),
        (
            f"{ORIGIN}, avec hébergements\n- si le champ = A → vers B (ID 2) (sans les hébergements)",
            [(4537, 2, "B", "A", False, False)],
        ),
        (
            f"{ORIGIN}\n- si le champ = A → vers B (ID 2), avec les hébergements",
            [(4537, 2, "B", "A", False, True)],
        ),
        (
            f"{ORIGIN}\n- si le champ = A → vers B (ID 2) ; si le champ = C → vers D (ID 3)",
            [(4537, 2, "B", "A", False, False), (4537, 3, "D", "C", False, False)],
        ),
        (
            "## Centre initial = CHU 75 (ID 4537)\n- [ ] si le champ = A → vers B (ID 2)\n- [x] si le champ = C → vers B (ID 2)",
            [(4537, 2, "B", "A", False, False), (4537, 2, "B", "C", False, False)],
        ),
        (f"{ORIGIN}\n- si le champ = A → vers B (ID 2), merci", [(4537, 2, "B", "A", False, False)]),
        (f"{ORIGIN}\n- si le champ = A → vers B (ID 2) svp", [(4537, 2, "B", "A", False, False)]),
        (
            f"{ORIGIN}\n- si le champ = A → vers B (ID 2). Merci beaucoup !",
            [(4537, 2, "B", "A", False, False)],
        ),
        (f"{ORIGIN}\n- si le champ = A → vers B (ID 2) s'il vous plaît", [(4537, 2, "B", "A", False, False)]),
        (
            f"{ORIGIN}\n- tous les dossiers, y compris supprimés → vers B (ID 2)",
            [(4537, 2, "B", None, True, False)],
        ),
        (
            f"{ORIGIN}\n- tous les dossiers y compris les supprimés → B (ID 2)",
            [(4537, 2, "B", None, True, False)],
        ),
    ],
)
def test_more_forms_are_understood(text, expected):
    assert rules_of(text) == expected


def test_sans_hebergements_still_decides_a_conflict():
    text = f"{ORIGIN}\n- si le champ = A → vers B (ID 2)\nConflit hébergements : sans hébergements"
    assert parse_ticket(text).conflict_decision is ConflictDecision.WITHOUT_ACCOMMODATIONS


def test_words_after_a_destination_other_than_politeness_are_an_error():
    assert errors_of(f"{ORIGIN}\n- si le champ = A → vers B (ID 2) puis voilà") == [
        (2, 35, "« puis voilà » inattendu ici")
    ]


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("(ID ４５３７)", "identifiant du centre écrit avec d'autres chiffres que 0 à 9 : « ４５３７ »"),
        ("(ID ٤٥٣٧)", "identifiant du centre écrit avec d'autres chiffres que 0 à 9 : « ٤٥٣٧ »"),
        ("(ID ۴۵۳۷)", "identifiant du centre écrit avec d'autres chiffres que 0 à 9 : « ۴۵۳۷ »"),
        ("(ID 45३७)", "identifiant du centre écrit avec d'autres chiffres que 0 à 9 : « 45३७ »"),
    ],
)
def test_digits_other_than_ascii_are_a_clear_error(written, message):
    assert errors_of(f"{ORIGIN}\n- si le champ = A → vers B {written}") == [(2, 28, message)]


# --- 5. refused or kept exactly, not guessed -------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "column", "message"),
    [
        (
            "- si le champ = A1 lorsque le champ = A2 → vers B (ID 2)",
            17,
            "deux conditions dans une seule valeur : « A1 lorsque le champ = A2 »",
        ),
        (
            "- si le champ = A1 si champ = A2 → vers B (ID 2)",
            17,
            "deux conditions dans une seule valeur : « A1 si champ = A2 »",
        ),
        ('- si le champ = "   " → vers B (ID 2)', 17, "valeur vide"),
        ("- si le champ = «\u00a0\u00a0» → vers B (ID 2)", 17, "valeur vide"),
        ("- si le champ = A → vers B (ID 0)", 28, "identifiant du centre invalide : « 0 »"),
        ("- si le champ = A → vers B (ID 2147483648)", 28, "identifiant du centre invalide : « 2147483648 »"),
        (
            "- si le champ = A → vers B (ID 2) (ID 3)",
            35,
            "deux identifiants pour un seul centre : « (ID 3) »",
        ),
        ("- si le champ = A → vers B (ID 2)(#3)", 34, "deux identifiants pour un seul centre : « (#3) »"),
    ],
)
def test_values_and_ids_that_cannot_be_kept_are_refused(rule, column, message):
    assert errors_of(f"{ORIGIN}\n{rule}") == [(2, column, message)]


def test_the_largest_id_is_accepted():
    assert rules_of(f"{ORIGIN}\n- si le champ = A → vers B (ID 2147483647)")[0][1] == 2147483647


def test_the_same_rule_twice_with_different_options_is_refused():
    text = (
        f"{ORIGIN}\n- si le champ = A → vers B (ID 2)\n- si le champ = A → vers B (ID 2), avec hébergements"
    )
    assert errors_of(text) == [(3, 3, "règle déjà donnée ligne 2 avec d'autres options")]


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("Foyer ` Nord", "Foyer ` Nord"),
        ("A `x` B", "A `x` B"),
        ("l'`Escale`", "l'`Escale`"),
        ("`CHU 77`", "CHU 77"),  # backticks around a whole value are Markdown
        ("``CHU 77``", "CHU 77"),
    ],
)
def test_backticks_are_markdown_only_around_a_whole_value(written, value):
    ticket = parse_ticket(f"{ORIGIN}\n- si le champ = {written} → vers B (ID 2)")
    assert [r.value for r in ticket.rules] == [value]


def test_a_line_wrapped_in_backticks_is_read():
    assert rules_of(f"`{ORIGIN}`\n`- si le champ = A → vers B (ID 2)`") == [(4537, 2, "B", "A", False, False)]


@pytest.mark.parametrize(
    ("value", "warned"), [("A1 ou A2", True), ("A1 et A2", True), ("« A1 ou A2 »", False), ("Ouest", False)]
)
def test_two_values_joined_by_ou_or_et_are_kept_literally_and_warned(value, warned):
    ticket = parse_ticket(f"{ORIGIN}\n- si le champ = {value} → vers B (ID 2)")
    kept = value.strip("« »")
    assert [r.value for r in ticket.rules] == [kept]
    expected = [(2, f"une seule valeur par règle : « {kept} » sera cherchée telle quelle")] if warned else []
    assert [(w.line, notice_message(w)) for w in ticket.warnings] == expected


# --- issue 11, point 3: invisible direction marks ------------------------------------------------------

DIRECTION_MARKS = [
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u200e",
    "\u200f",
    "\u061c",
]


@pytest.mark.parametrize("mark", DIRECTION_MARKS)
def test_a_direction_mark_in_a_rule_is_refused_naming_the_line(mark):
    text = f"{ORIGIN}\n- si le champ = A{mark} → vers B (ID 2)\n- si le champ = C → vers B (ID 2)"
    ticket = parse_ticket(text)
    [error] = ticket.errors
    assert (error.line, error.column) == (2, 18)
    assert plain(describe_problem(error)).startswith(
        f"Ligne 2, colonne 18 : marque de direction invisible dans la ligne (U+{ord(mark):04X}) : "
        "elle peut changer l'ordre dans lequel le texte s'affiche — « "
    )
    assert problem_expected(error) == (
        "la ligne sans marque de direction (U+200E, U+200F, U+061C, U+202A à U+202E, U+2066 à U+2069) : "
        "retapez-la ou collez-la en texte brut"
    )


@pytest.mark.parametrize(
    "line",
    [
        "Centre initial = Foyer \u202eNord (ID 9)",
        "\u202eCentre initial = Foyer Nord (ID 9)",
        "Centre\u200f initial = Foyer Nord (ID 9)",
        "- \u2067si le champ = A → vers B (ID 2)\u2069",
        "Champ : \u200esite-rattachement",
    ],
)
def test_direction_marks_are_refused_wherever_the_bot_reads(line):
    ticket = parse_ticket(
        f"{ORIGIN}\n- si le champ = Z → vers B (ID 2)\n{line}\n- si le champ = A → vers B (ID 2)"
    )
    assert [(e.line, e.kind) for e in ticket.errors] == [(3, ProblemKind.DIRECTION_MARK)]


def test_a_direction_mark_in_free_text_is_not_read_so_not_refused():
    assert rules_of(f"Signé : \u200fكميل\n{ORIGIN}\n- si le champ = A → vers B (ID 2)") == [
        (4537, 2, "B", "A", False, False)
    ]


# --- issue 11, point 4: quoted spans in linear time, the same spans as before ---------------------------

_OLD_QUOTED_SPAN = re.compile(r"«[^»]*»|\"[^\"]*\"|“[^”]*”|„[^“”]*[“”]|'[^']*'|‘[^’]*’")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="«»\"“”„'‘’ a*`", max_size=60))
def test_quoted_spans_are_those_the_former_expression_found(text):
    assert quoted_spans(text) == [match.span() for match in _OLD_QUOTED_SPAN.finditer(text)]


# --- no traceback on any input ---------------------------------------------------------------------------

_PIECES = [
    *"«»\"“”„'‘’`*_~#>-—–→(){}[]|:=;,.!?\n \u00a0\u202f\u200b\u00ad٤４",
    *DIRECTION_MARKS,
    *[
        "ID ",
        "(ID ",
        "vers ",
        "lorsque le champ ",
        "Centre initial = ",
        "sans hébergements",
        "merci",
        "(12)",
        "| Origine | Valeur | Destination |\n",
        "|---|---|---|\n",
        " | ",
    ],
]
_HOSTILE = st.lists(st.one_of(st.sampled_from(_PIECES), st.characters()), max_size=60).map("".join)


@settings(max_examples=400, deadline=None)
@given(_HOSTILE)
def test_any_input_gives_rules_or_french_errors_never_a_traceback(text):
    ticket = parse_ticket(text)
    for problem in ticket.errors:
        assert describe_problem(problem)
    for notice in ticket.warnings:
        assert describe_notice(notice)
    assert ticket.errors or ticket.rules
    assert all(w.kind in NoticeKind for w in ticket.warnings)


# --- Markdown tables (Trello users paste them) ----------------------------------------------------------

TABLE = """Bonjour,

| Centre d'origine | Valeur du champ | Centre de destination |
|---|:---:|---|
| France Fraternités - CHU 75 (ID 4537) | CHU 77 | France Fraternités - CHU 77 (ID 5644) |
| France Fraternités - CHU 75 (4537) | **A » B** | France Fraternités - CPH (4960) |
| France Fraternités - CPH (ID 4960) | tous les dossiers | TEH (ID 5645) |

Merci"""


def test_a_table_naming_origin_value_and_destination_is_a_list_of_rules():
    ticket = parse_ticket(TABLE)
    assert [
        (r.origin.id, r.origin.name, r.destination.id, r.destination.name, r.value, r.line)
        for r in ticket.rules
    ] == [
        (4537, "France Fraternités - CHU 75", 5644, "France Fraternités - CHU 77", "CHU 77", 5),
        (4537, "France Fraternités - CHU 75", 4960, "France Fraternités - CPH", "A » B", 6),
        (4960, "France Fraternités - CPH", 5645, "TEH", None, 7),
    ]
    assert not ticket.errors and not ticket.warnings


def test_columns_may_come_in_any_order_and_errors_point_into_the_cell():
    text = "| Destination | Origine | Valeur |\n|--|--|--|\n| B (ID 2) | A (ID 1) | x |\n| B (ID z) | A (ID 1) | y |"
    ticket = parse_ticket(text)
    assert [(r.origin.id, r.destination.id, r.value) for r in ticket.rules] == [(1, 2, "x")]
    assert errors_of(text) == [(4, 5, "identifiant du centre non numérique : « z »")]


def test_an_empty_value_cell_is_an_error_in_that_cell():
    text = "| Origine | Valeur | Destination |\n|---|---|---|\n| A (ID 1) |   | B (ID 2) |"
    assert errors_of(text) == [(3, 13, "cellule « Valeur » vide : la règle n'est pas complète")]


def test_a_table_about_something_else_is_free_text():
    assert parse_ticket(
        f"| Nom | Âge |\n|---|---|\n| Camille | 32 |\n{ORIGIN}\n- si le champ = A → B (ID 2)"
    ).ok
