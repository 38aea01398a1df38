"""The ticket language: every form the issue lists, and every error with its line and column."""

from __future__ import annotations

import pytest

from bot.domain.model import ConflictDecision
from bot.domain.ticket import parse_ticket, parser
from bot.texts.ticket import notice_message, problem_expected, problem_message

ORIGIN = "Centre initial = France Fraternités - CHU 75 (ID 4537)"


def parsed(text: str, **kwargs):
    ticket = parse_ticket(text, **kwargs)
    assert not ticket.errors, [problem_message(e) for e in ticket.errors]
    return ticket


def summary(text: str, **kwargs) -> list[tuple]:
    """(origin, destination, field, value, deleted, accommodations) per rule."""
    return [
        (r.origin.id, r.destination.id, r.field, r.value, r.with_deleted, r.with_accommodations)
        for r in parsed(text, **kwargs).rules
    ]


F = "migration-des-donnees"


# --- origin lines ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "origin_line",
    [
        "Centre initial = France Fraternités - CHU 75 (ID 4537)",
        "Centre d'origine = France Fraternités - CHU 75 (ID 4537)",
        "Centre d’origine : France Fraternités - CHU 75 (ID 4537)",
        "CENTRE INITIAL : France Fraternités - CHU 75 (ID 4537)",
        "centre initial = France Fraternités - CHU 75 (ID: 4537)",
        "Centre initial = France Fraternités - CHU 75 (id 4537)",
        "Centre initial = France Fraternités - CHU 75 (#4537)",
        "Centre initial = France Fraternités - CHU 75 (ID 4537) :",
        "- Centre initial = France Fraternités - CHU 75 (ID 4537)",
    ],
)
def test_origin_line_variants(origin_line):
    ticket = parsed(f"{origin_line}\n- lorsque le champ = CHU 77 → vers CHU 77 (ID 5644)")
    assert ticket.rules[0].origin.id == 4537
    assert ticket.rules[0].origin.name == "France Fraternités - CHU 75"


@pytest.mark.parametrize(
    "name",
    [
        "France Fraternités - CHU 75",
        "Foyer l'Étoile — Hébergement d’urgence 2",
        "Résidence (ex-CHRS) Les Lilas",
        "(Ancien) Centre Saint-Éloi",
        "CHU 75 - site 2 - bâtiment B",
    ],
)
def test_names_keep_dashes_accents_digits_apostrophes_and_parentheses(name):
    ticket = parsed(f"Centre initial = {name} (ID 12)\n- lorsque le champ = A → vers {name} bis (ID 13)")
    assert ticket.rules[0].origin.name == name
    assert ticket.rules[0].destination.name == f"{name} bis"


# --- rules -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["lorsque", "quand", "si", "Lorsque", "SI"])
@pytest.mark.parametrize("operator", ["=", ":", "vaut"])
@pytest.mark.parametrize("arrow", ["→ vers", "→", "-> vers", "->", "=>", "➜ vers", "⇒", "vers"])
def test_rule_words_operators_and_arrows(word, operator, arrow):
    text = f"{ORIGIN}\n- {word} le champ {operator} CHU 77 {arrow} France Fraternités - CHU 77 (ID 5644)"
    assert summary(text) == [(4537, 5644, F, "CHU 77", False, False)]


def test_destination_name_may_be_absent():
    ticket = parsed(f"{ORIGIN}\n- lorsque le champ = CHU 77 → vers (ID 5644)")
    assert ticket.rules[0].destination.name is None
    assert ticket.rules[0].destination.id == 5644


@pytest.mark.parametrize("separator", [" - ", " — ", " – "])
def test_rules_on_the_origin_line(separator):
    text = (
        f"{ORIGIN}{separator}lorsque le champ = CHU 77 → vers CHU 77 (ID 5644)"
        f"{separator}si le champ = CPH → vers CPH (ID 4960)"
    )
    assert summary(text) == [(4537, 5644, F, "CHU 77", False, False), (4537, 4960, F, "CPH", False, False)]


@pytest.mark.parametrize("bullet", ["-", "*", "•", "1.", "12)", ""])
def test_rules_as_list_items(bullet):
    text = f"{ORIGIN}\n{bullet} lorsque le champ = CHU 77 → vers CHU 77 (ID 5644)\n"
    assert summary(text) == [(4537, 5644, F, "CHU 77", False, False)]


def test_blocks_follow_origins_and_rules_keep_ticket_order():
    text = "\n".join(
        [
            "Centre initial = A (ID 1)",
            "- si le champ = x → vers B (ID 2)",
            "Un mot au milieu.",
            "- si le champ = y → vers C (ID 3)",
            "Centre initial = B (ID 2)",
            "- si le champ = z → vers A (ID 1)",
            "Centre initial = A (ID 1)",
            "- si le champ = w → vers D (ID 4)",
        ]
    )
    assert [(o, d, v) for o, d, _, v, _, _ in summary(text)] == [
        (1, 2, "x"),
        (1, 3, "y"),
        (2, 1, "z"),
        (1, 4, "w"),
    ]
    assert [r.line for r in parse_ticket(text).rules] == [2, 4, 6, 8]


# --- values ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("CHU 77", "CHU 77"),
        ("   CHU 77   ", "CHU 77"),
        ("« CHU 77 »", "CHU 77"),
        ("«\u00a0CHU 77\u00a0»", "CHU 77"),
        ('"CHU 77"', "CHU 77"),
        ("'CHU 77'", "CHU 77"),
        ("“CHU 77”", "CHU 77"),
        ("l’Escale", "l’Escale"),
        ("l'Escale (bis) - Paris", "l'Escale (bis) - Paris"),
        ('« Le "Phare" »', 'Le "Phare"'),
        ("« A -> B »", "A -> B"),
        ("Envers", "Envers"),
        ("$(rm -rf /) `id` ; \\", "$(rm -rf /) `id` ; \\"),
    ],
)
def test_values_are_kept_exactly(written, value):
    # Backticks are Markdown noise outside quotes, so the hostile case is quoted to keep them.
    if "`" in written:
        written = f"« {written} »"
    ticket = parsed(f"{ORIGIN}\n- lorsque le champ = {written} → vers CHU 77 (ID 5644)")
    assert ticket.rules[0].value == value


def test_no_break_space_inside_a_value_becomes_a_space_with_a_warning():
    ticket = parsed(f"{ORIGIN}\n- lorsque le champ = CHU\u00a077 → vers CHU 77 (ID 5644)")
    assert ticket.rules[0].value == "CHU 77"
    assert [(w.line, notice_message(w)) for w in ticket.warnings] == [
        (2, "espace insécable remplacée par une espace ordinaire dans la valeur « CHU 77 »")
    ]


# --- field slug ------------------------------------------------------------------------------------


def test_default_field_comes_from_the_setting():
    text = f"{ORIGIN}\n- lorsque le champ = A → vers B (ID 2)"
    assert summary(text, default_field="site-rattachement")[0][2] == "site-rattachement"


@pytest.mark.parametrize(
    "condition",
    [
        "lorsque le champ « site-rattachement » = A",
        "lorsque le champ site-rattachement = A",
        'quand le champ "site-rattachement" vaut A',
    ],
)
def test_a_rule_may_name_its_field(condition):
    assert summary(f"{ORIGIN}\n- {condition} → vers B (ID 2)")[0][2:4] == ("site-rattachement", "A")


def test_a_champ_line_sets_the_field_for_the_whole_ticket_but_not_over_a_named_field():
    text = "\n".join(
        [
            ORIGIN,
            "- lorsque le champ = A → vers B (ID 2)",
            "- lorsque le champ autre-champ = C → vers B (ID 2)",
            "Champ : site-rattachement",
        ]
    )
    assert [r[2] for r in summary(text)] == ["site-rattachement", "autre-champ"]


# --- all records and options -----------------------------------------------------------------------


def test_all_records():
    ticket = parsed(f"{ORIGIN}\n- tous les dossiers → vers CHU 77 (ID 5644)")
    rule = ticket.rules[0]
    assert (rule.field, rule.value, rule.no_field) == (None, None, True)


@pytest.mark.parametrize(
    ("suffix", "deleted", "accommodations"),
    [
        (", avec hébergements", False, True),
        (", avec les hébergements", False, True),
        (" (avec hébergements)", False, True),
        (", y compris supprimés", True, False),
        (", y compris les dossiers supprimés", True, False),
        (" (avec hébergements, y compris supprimés)", True, True),
        (" (avec hébergements et y compris les supprimés)", True, True),
        (", avec hébergements, y compris supprimés", True, True),
        (", avec hebergements", False, True),
    ],
)
def test_options_at_the_end_of_a_rule_apply_to_that_rule(suffix, deleted, accommodations):
    text = f"{ORIGIN}\n- si le champ = A → vers B (ID 2){suffix}\n- si le champ = C → vers B (ID 2)"
    assert summary(text) == [(4537, 2, F, "A", deleted, accommodations), (4537, 2, F, "C", False, False)]


def test_options_on_an_origin_line_apply_to_its_block():
    text = "\n".join(
        [
            f"{ORIGIN}, avec hébergements",
            "- si le champ = A → vers B (ID 2)",
            "Centre initial = Autre (ID 9) (y compris supprimés)",
            "- si le champ = C → vers B (ID 2)",
        ]
    )
    assert [r[4:] for r in summary(text)] == [(False, True), (True, False)]


@pytest.mark.parametrize(
    ("line", "deleted", "accommodations"),
    [
        ("Avec hébergements", False, True),
        ("Avec hébergements.", False, True),
        ("Hébergements : oui", False, True),
        ("Hébergements : non", False, False),
        ("Supprimés : oui", True, False),
        ("Y compris les dossiers supprimés", True, False),
    ],
)
def test_options_alone_on_a_line_apply_to_the_whole_ticket(line, deleted, accommodations):
    text = f"{line}\n{ORIGIN}\n- si le champ = A → vers B (ID 2)\nCentre initial = C (ID 3)\n- si le champ = A → vers B (ID 2)"
    assert {r[4:] for r in summary(text)} == {(deleted, accommodations)}


@pytest.mark.parametrize(
    ("line", "decision"),
    [
        ("Conflit hébergements : migrer quand même", ConflictDecision.MIGRATE_ANYWAY),
        ("Conflit d'hébergements : sans hébergements", ConflictDecision.WITHOUT_ACCOMMODATIONS),
    ],
)
def test_accommodation_conflict_decision_line(line, decision):
    assert parsed(f"{ORIGIN}\n- si le champ = A → vers B (ID 2)\n{line}").conflict_decision == decision


# --- noise and free text ---------------------------------------------------------------------------


def test_markdown_and_typography_are_noise():
    text = (
        "## Migration\r\n"
        "> **Centre initial** = __France Fraternités - CHU 75__ (ID 4537)   \r\n"
        "> - lorsque le champ = `CHU 77` → vers **France Fraternités - CHU 77** (ID\u00a05644)  \r\n"
        "Centre\u00a0initial\u00a0: CPH (ID 4960)\r\n"
        "* lorsque le champ\u00a0: CHU 75 → vers CHU 75 (ID 4537)\r\n"
    )
    ticket = parsed(text)
    assert [(r.origin.name, r.destination.name, r.value) for r in ticket.rules] == [
        ("France Fraternités - CHU 75", "France Fraternités - CHU 77", "CHU 77"),
        ("CPH", "CHU 75", "CHU 75"),
    ]


def test_decomposed_accents_are_normalised():
    text = "Centre initial = Re\u0301sidence (ID 1)\n- lorsque le champ = A → vers B (ID 2), avec he\u0301bergements"
    ticket = parsed(text)
    assert ticket.rules[0].origin.name == "Résidence"
    assert ticket.rules[0].with_accommodations


def test_free_text_is_ignored_even_with_si_or_quand():
    text = "\n".join(
        [
            "Bonjour,",
            "Si vous avez des questions, quand vous voulez.",
            "Merci de faire la migration lorsque possible.",
            ORIGIN,
            "- si le champ = A → vers B (ID 2)",
            "Cordialement, Camille",
        ]
    )
    ticket = parsed(text)
    assert len(ticket.rules) == 1
    assert ticket.warnings == ()


# --- errors ----------------------------------------------------------------------------------------


def errors_of(text: str) -> list[tuple[int | None, int | None, str]]:
    ticket = parse_ticket(text)
    assert not ticket.rules or ticket.errors
    return [(e.line, e.column, problem_message(e)) for e in ticket.errors]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bonjour, rien à migrer.", [(None, None, "aucune règle de migration trouvée dans le ticket")]),
        ("- si le champ = A → vers B (ID 2)", [(1, 3, "règle sans centre d'origine")]),
        (
            "Centre initial = CHU 75\n- si le champ = A → vers B (ID 2)",
            [(1, 18, "identifiant du centre manquant")],
        ),
        (f"{ORIGIN}\n- si le champ = A → vers B", [(2, 26, "identifiant du centre manquant")]),
        (
            f"{ORIGIN}\n- si le champ = A → vers B (ID x2)",
            [(2, 28, "identifiant du centre non numérique : « x2 »")],
        ),
        (f"{ORIGIN}\n- si le champ = A → vers B (ID )", [(2, 28, "identifiant du centre manquant")]),
        (f"{ORIGIN}\n- si le champ = → vers B (ID 2)", [(2, 17, "valeur vide")]),
        (f"{ORIGIN}\n- si le champ = « » → vers B (ID 2)", [(2, 17, "valeur vide")]),
        (f"{ORIGIN}\n- si le champ = A (ID 2)", [(2, 17, "flèche manquante après la valeur")]),
        (
            f"{ORIGIN}\n- si le champ = A → vers B (ID 4537)",
            [(2, 3, "le centre d'origine et le centre de destination sont le même (ID 4537)")],
        ),
        (
            f"{ORIGIN}\n- si le champ = A → vers B (ID 2)\n- si le champ = A → vers C (ID 3)",
            [
                (
                    3,
                    3,
                    "les dossiers « A » du centre 4537 sont déjà envoyés vers le centre 2 (ligne 2) : un dossier ne peut aller qu'à un endroit",
                )
            ],
        ),
        (
            f"{ORIGIN}\n- si le champ = A → vers B (ID 2)\n- tous les dossiers → vers C (ID 3)",
            [
                (
                    3,
                    3,
                    "« tous les dossiers » du centre 4537 ne peut pas être combiné avec d'autres règles du même centre (ligne 2)",
                )
            ],
        ),
        (f"{ORIGIN}\n- si le champ = A → vers B (ID 2) (avec hébergements", [(2, 53, "ligne incomplète")]),
        (
            f"{ORIGIN}\n- si le champ « Site Rattachement » = A → vers B (ID 2)",
            [(2, 15, "nom de champ invalide : « Site Rattachement »")],
        ),
        (
            f"{ORIGIN}\nsi le champ = A → vers B (ID 2) puis autre chose",
            [(2, 33, "« puis autre chose » inattendu ici")],
        ),
        (
            f"{ORIGIN}\nChamp : a\nChamp : b\n- si le champ = A → vers B (ID 2)",
            [(3, 9, "deux champs différents pour tout le ticket : « a » (ligne 2) et « b »")],
        ),
    ],
)
def test_errors_have_line_and_column(text, expected):
    assert errors_of(text) == expected


def test_every_error_carries_the_line_text_and_the_expected_form():
    ticket = parse_ticket(f"{ORIGIN}\n- si le champ = A → vers B")
    [error] = ticket.errors
    assert error.source == "- si le champ = A → vers B"
    assert "(ID 5644)" in problem_expected(error)


def test_columns_point_into_the_line_as_written_despite_markdown():
    written = "> **- si le champ** = A → vers B (ID x)"
    ticket = parse_ticket(f"{ORIGIN}\n{written}")
    assert [(e.line, e.column) for e in ticket.errors] == [(2, written.index("(ID x") + 1)]


def test_a_broken_candidate_is_an_error_not_free_text():
    ticket = parse_ticket(f"{ORIGIN}\n- si le champ = A → vers B (ID 2)\nEnsuite → voir avec Camille")
    assert [(e.line, e.column) for e in ticket.errors] == [(3, 1)]


def test_exact_duplicates_are_kept_once_with_a_warning():
    ticket = parse_ticket(f"{ORIGIN}\n- si le champ = A → vers B (ID 2)\n- quand le champ : « A » -> B (#2)")
    assert len(ticket.rules) == 1
    assert [(w.line, notice_message(w)) for w in ticket.warnings] == [
        (3, "règle en double de la ligne 2 : gardée une seule fois")
    ]


def test_several_errors_are_all_reported_in_line_order():
    text = f"- si le champ = A → vers B (ID 2)\n{ORIGIN}\n- si le champ = → vers B (ID 2)\n- si le champ = A → vers B"
    assert [e.line for e in parse_ticket(text).errors] == [1, 3, 4]


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "\x00\x01",
        "→" * 1000,
        "(ID " * 300,
        "Centre initial = " + "x" * 5000,
        "\ufeff" + ORIGIN,
        "«" * 50 + " → (ID 1)",
    ],
)
def test_user_input_never_raises(garbage):
    ticket = parse_ticket(garbage)
    assert ticket.errors


def test_the_grammar_is_lalr_without_conflicts_or_collisions():
    from lark import Lark

    strict = Lark.open_from_package("bot", "ticket.lark", ("grammar",), parser="lalr", strict=True)
    assert strict.parser is not None
    assert parser() is parser()  # compiled once per process


# --- what a fuzzing and a review found -------------------------------------------------------------


@pytest.mark.parametrize(
    "garbage",
    [
        "Centre initial = X (ID ²)",
        "Centre initial = X (ID ①)\n- si le champ = A → B (ID 2)",
        "Centre initial = (" + ")" * 3000 + " " * 3000 + "x",
        "- si le champ = A" + " " * 20000 + "x",
        "Centre initial = X (ID 1)\n- si le champ = A → (" + ")" * 3000 + " " * 3000 + "x",
        "Centre initial = X (ID 1)\n- si le champ = A\x00B → B (ID 2)",
    ],
)
def test_hostile_lines_are_errors_not_crashes(garbage):
    assert parse_ticket(garbage).errors


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("(ID ٤٥)", "identifiant du centre écrit avec d'autres chiffres que 0 à 9 : « ٤٥ »"),
        ("(ID ４５３７)", "identifiant du centre écrit avec d'autres chiffres que 0 à 9 : « ４５３７ »"),
        ("(ID 2147483648)", "identifiant du centre invalide : « 2147483648 »"),
        ("(ID 0)", "identifiant du centre invalide : « 0 »"),
        ("(ID 4537, CHU)", "identifiant du centre non numérique : « 4537, CHU »"),
        ("(ID 1234567890123456789)", "identifiant du centre invalide : « 1234567890123456789 »"),
    ],
)
def test_only_plain_digits_make_an_id(written, message):
    assert [
        problem_message(e)
        for e in parse_ticket(f"Centre initial = X {written}\n- si le champ = A → B (ID 2)").errors
    ] == [message]


def test_an_id_may_carry_french_thousands_separators():
    assert (
        parsed("Centre initial = X (ID 4 537)\n- si le champ = A → B (ID 5\u202f644)").rules[0].destination.id
        == 5644
    )


@pytest.mark.parametrize(
    "rule",
    ["- si le champ = Le Clos vers la mer → vers Foyer (ID 12)", "- si le champ = A -> B → Foyer (ID 12)"],
)
def test_a_value_that_holds_vers_or_an_arrow_unquoted_is_ambiguous_not_silently_cut(rule):
    [error] = parse_ticket(f"{ORIGIN}\n{rule}").errors
    assert problem_message(error).startswith("valeur ou nom ambigu : ")
    assert "entre guillemets" in problem_expected(error)


def test_vers_inside_a_word_is_part_of_the_value():
    text = f"{ORIGIN}\n- si le champ = Saint-Pierre-vers-Mer → Foyer (ID 12)"
    assert parsed(text).rules[0].value == "Saint-Pierre-vers-Mer"


def test_quoted_values_holding_vers_or_arrows_are_exact():
    text = f"{ORIGIN}\n- si le champ = « Le Clos vers la mer → ouest » → vers Foyer (ID 12)"
    assert parsed(text).rules[0].value == "Le Clos vers la mer → ouest"


@pytest.mark.parametrize(
    ("written", "value"),
    [("'A**B'", "A**B"), ("'__init__'", "__init__"), ("„Le Phare“", "Le Phare"), ("‘Le Phare’", "Le Phare")],
)
def test_every_quote_style_protects_its_value(written, value):
    assert parsed(f"{ORIGIN}\n- si le champ = {written} → vers Foyer (ID 12)").rules[0].value == value


def test_lines_plainly_meant_as_rules_are_errors_not_prose():
    assert parse_ticket(f"{ORIGIN}\n- si le champ = Z → vers Foyer (ID 12)\nlorsque champ = A → B").errors


def test_a_final_number_in_parentheses_is_the_destination_id():
    text = f"{ORIGIN}\n- si le champ = Z → vers Foyer (ID 12)\n- lorsque champ = CHU 77 vers CHU 78 (5644)"
    assert summary(text)[1] == (4537, 5644, F, "CHU 77", False, False)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("- si le champ vaut: A → B (ID 2)", "opérateur en double devant la valeur : « : A »"),
        ("- si le champ = = A → B (ID 2)", "opérateur en double devant la valeur : « = A »"),
        (
            "- si le champ = A, avec hébergements → B (ID 2)",
            "options collées à la valeur : « A, avec hébergements »",
        ),
    ],
)
def test_typos_around_the_value_are_errors_not_part_of_it(rule, message):
    assert [problem_message(e) for e in parse_ticket(f"{ORIGIN}\n{rule}").errors] == [message]


def test_a_bulleted_option_inside_a_block_belongs_to_that_block():
    text = "\n".join(
        [
            "Centre initial = P (ID 1)",
            "- si le champ = A → B (ID 2)",
            "- avec hébergements",
            "Centre initial = Q (ID 3)",
            "- si le champ = A → B (ID 2)",
        ]
    )
    assert [r.with_accommodations for r in parsed(text).rules] == [True, False]


def test_unicode_line_and_space_separators_bom_and_invisible_characters():
    text = "\ufeff" + ORIGIN + "\u2028- si le champ\u2003= A\u200b → B (ID 2)"
    ticket = parsed(text)
    assert ticket.rules[0].value == "A"
    assert [notice_message(w) for w in ticket.warnings] == [
        "caractère invisible retiré de la valeur « A » (espace sans largeur, trait d'union conditionnel)"
    ]


def test_more_markdown_is_noise():
    text = "\n".join(
        [
            "*Centre initial* = ~~Ancien~~ France Fraternités - CHU 75 (ID 4537)",
            "– si le champ = A → B (ID 2)",
            "\\- si le champ = C → B (ID 2)",
            "- [ ] si le champ = D → B (ID 2)",
        ]
    )
    assert [r.value for r in parsed(text).rules] == ["A", "C", "D"]


def test_an_origin_without_rules_is_a_warning():
    ticket = parsed(f"{ORIGIN}\n- si le champ = A → B (ID 2)\nCentre initial = Q (ID 3)\n")
    assert [(w.line, notice_message(w)) for w in ticket.warnings] == [
        (3, "le centre initial Q (ID 3) n'a aucune règle : rien ne partira de ce bloc")
    ]


def test_a_rule_with_an_invalid_field_is_not_kept():
    ticket = parse_ticket(
        f"{ORIGIN}\n- si le champ « Pas Un Slug » = A → B (ID 2)\n- si le champ = C → B (ID 2)"
    )
    assert [r.value for r in ticket.rules] == ["C"]


def test_two_destinations_for_all_files_reads_right():
    ticket = parse_ticket(f"{ORIGIN}\n- tous les dossiers → B (ID 2)\n- tous les dossiers → C (ID 3)")
    assert problem_message(ticket.errors[0]) == (
        "tous les dossiers du centre 4537 sont déjà envoyés vers le centre 2 (ligne 2) : "
        "un dossier ne peut aller qu'à un endroit"
    )


def test_an_error_after_a_destination_does_not_suggest_an_equal_sign():
    [error] = parse_ticket(f"{ORIGIN}\n- si le champ = A → B (ID 2) avec hébergements").errors
    assert problem_expected(error).startswith("la fin de la ligne, une option")


def test_a_field_line_error_is_about_the_field():
    [error] = parse_ticket(f"{ORIGIN}\n- si le champ = A → B (ID 2)\nChamp : À vérifier").errors
    assert problem_message(error) == "« À vérifier » inattendu ici"
    assert problem_expected(error).startswith("le nom du champ")
