"""The ticket's errors and warnings are values; their French wording lives in bot/texts/ticket.py, tested as
exact text, every kind included."""

from __future__ import annotations

import pytest

from bot.domain import ticket as domain_ticket
from bot.domain.model import Center, Notice, NoticeKind, Problem, ProblemKind
from bot.texts.text import describe_notice, describe_problem
from bot.texts.ticket import EXAMPLES, EXPECTED_TERMINAL, notice_message, problem_expected, problem_message
from tests.support.text import plain

PROBLEMS = [
    (Problem(ProblemKind.NO_RULES), "aucune règle de migration trouvée dans le ticket"),
    (Problem(ProblemKind.RULE_WITHOUT_ORIGIN), "règle sans centre d'origine"),
    (Problem(ProblemKind.MISSING_ID), "identifiant du centre manquant"),
    (
        Problem(ProblemKind.NON_NUMERIC_ID, params={"written": "x2"}),
        "identifiant du centre non numérique : « x2 »",
    ),
    (
        Problem(ProblemKind.NON_ASCII_DIGITS, params={"written": "٤٥"}),
        "identifiant du centre écrit avec d'autres chiffres que 0 à 9 : « ٤٥ »",
    ),
    (Problem(ProblemKind.INVALID_ID, params={"written": "0"}), "identifiant du centre invalide : « 0 »"),
    (
        Problem(ProblemKind.TWO_ID_GROUPS, params={"written": "(ID 3)"}),
        "deux identifiants pour un seul centre : « (ID 3) »",
    ),
    (
        Problem(ProblemKind.AMBIGUOUS_NAME, params={"name": "A vers B"}),
        "valeur ou nom ambigu : « A vers B » contient une flèche ou « vers »",
    ),
    (Problem(ProblemKind.EMPTY_VALUE), "valeur vide"),
    (Problem(ProblemKind.CONTROL_CHARACTER), "caractère de contrôle dans la valeur"),
    (
        Problem(ProblemKind.DOUBLED_OPERATOR, params={"value": ": A"}),
        "opérateur en double devant la valeur : « : A »",
    ),
    (
        Problem(ProblemKind.OPTIONS_IN_VALUE, params={"value": "A, avec hébergements"}),
        "options collées à la valeur : « A, avec hébergements »",
    ),
    (
        Problem(ProblemKind.SECOND_CONDITION, params={"value": "A1 lorsque le champ = A2"}),
        "deux conditions dans une seule valeur : « A1 lorsque le champ = A2 »",
    ),
    (
        Problem(ProblemKind.INVALID_FIELD, params={"slug": "Pas Un Slug"}),
        "nom de champ invalide : « Pas Un Slug »",
    ),
    (
        Problem(ProblemKind.TWO_FIELDS, params={"first": "a", "first_line": 2, "second": "b"}),
        "deux champs différents pour tout le ticket : « a » (ligne 2) et « b »",
    ),
    (
        Problem(ProblemKind.SAME_CENTRE, params={"origin": 4537}),
        "le centre d'origine et le centre de destination sont le même (ID 4537)",
    ),
    (
        Problem(
            ProblemKind.TWO_DESTINATIONS,
            params={"origin": 4537, "value": "A", "destination": 2, "earlier_line": 2},
        ),
        "les dossiers « A » du centre 4537 sont déjà envoyés vers le centre 2 (ligne 2) : "
        "un dossier ne peut aller qu'à un endroit",
    ),
    (
        Problem(
            ProblemKind.TWO_DESTINATIONS,
            params={"origin": 4537, "value": None, "destination": 2, "earlier_line": 2},
        ),
        "tous les dossiers du centre 4537 sont déjà envoyés vers le centre 2 (ligne 2) : "
        "un dossier ne peut aller qu'à un endroit",
    ),
    (
        Problem(ProblemKind.OTHER_OPTIONS, params={"earlier_line": 2}),
        "règle déjà donnée ligne 2 avec d'autres options",
    ),
    (
        Problem(ProblemKind.ALL_FILES_MIXED, params={"origin": 4537, "other_line": 2}),
        "« tous les dossiers » du centre 4537 ne peut pas être combiné avec d'autres règles du même centre (ligne 2)",
    ),
    (
        Problem(ProblemKind.DIRECTION_MARK, params={"marks": ["U+200F", "U+202E"]}),
        "marque de direction invisible dans la ligne (U+200F, U+202E) : "
        "elle peut changer l'ordre dans lequel le texte s'affiche",
    ),
    (
        Problem(ProblemKind.INVISIBLE_CHARACTER, params={"marks": ["U+3164", "U+E0041"]}),
        "caractère invisible dans la ligne (U+3164, U+E0041) : "
        "il peut cacher du texte ou faire se ressembler deux valeurs différentes",
    ),
    (
        Problem(ProblemKind.TYPO, params={"written": "Centre intial", "suggestion": "Centre initial"}),
        "« Centre intial » non compris : vouliez-vous dire « Centre initial » ?",
    ),
    (
        Problem(ProblemKind.NUMBER_WITHOUT_ID, params={"number": "6201"}),
        "« (6201) » : le numéro du centre doit être écrit « (ID 6201) »",
    ),
    (
        Problem(ProblemKind.ORIGIN_IN_PROSE, params={"name": "X", "number": "6130"}),
        "centre d'origine écrit comme une phrase",
    ),
    (
        Problem(ProblemKind.TOO_MANY_RULES, params={"count": 866, "limit": 50}),
        "trop de règles : 866 sur cette carte, au plus 50 par carte (réglage MAX_RULES_PER_CARD) ; "
        "découpez la migration en plusieurs cartes",
    ),
    (
        Problem(ProblemKind.PLACEHOLDER, params={"written": "???", "cell": None}),
        "« ??? » n'est pas une valeur : la règle attend d'être complétée",
    ),
    (
        Problem(ProblemKind.PLACEHOLDER, params={"written": "", "cell": "Valeur"}),
        "cellule « Valeur » vide : la règle n'est pas complète",
    ),
    (Problem(ProblemKind.MARKED_LINE), "ligne encore marquée « ⛔ À CORRIGER » par le bot"),
    (Problem(ProblemKind.MISSING_ARROW), "flèche manquante après la valeur"),
    (Problem(ProblemKind.INCOMPLETE_LINE), "ligne incomplète"),
    (
        Problem(ProblemKind.UNEXPECTED, params={"found": "puis autre chose"}),
        "« puis autre chose » inattendu ici",
    ),
]


@pytest.mark.parametrize(("problem", "text"), PROBLEMS)
def test_every_error_kind_reads_exactly(problem, text):
    assert problem_message(problem) == text


def test_every_error_kind_has_a_text():
    assert {problem.kind for problem, _ in PROBLEMS} == set(ProblemKind)


NOTICES = [
    (
        Notice(NoticeKind.NO_BREAK_SPACE, params={"value": "CHU 77"}),
        "espace insécable remplacée par une espace ordinaire dans la valeur « CHU 77 »",
    ),
    (
        Notice(NoticeKind.INVISIBLE_REMOVED, params={"value": "A"}),
        "caractère invisible retiré de la valeur « A » (espace sans largeur, trait d'union conditionnel)",
    ),
    (
        Notice(NoticeKind.NAME_DIFFERS, params={"id": 1, "name": "A", "known": "B"}),
        "le centre 1 est nommé « A » ici et « B » plus haut",
    ),
    (
        Notice(NoticeKind.ORIGIN_WITHOUT_RULES, params={"origin": Center(3, "Q")}),
        "le centre initial Q (ID 3) n'a aucune règle : rien ne partira de ce bloc",
    ),
    (
        Notice(NoticeKind.DUPLICATE, params={"earlier_line": 2}),
        "règle en double de la ligne 2 : gardée une seule fois",
    ),
    (
        Notice(
            NoticeKind.MOVES_TWICE,
            params={"value": "A", "origin": 1, "destination": 2, "other_line": 5, "other_destination": 3},
        ),
        "les dossiers « A » envoyés du centre 1 vers le centre 2 seraient repris par la règle de la ligne 5 "
        "vers le centre 3 : ils bougeraient deux fois",
    ),
    (
        Notice(NoticeKind.NOT_UNDERSTOOD, params={"text": "- sauf les dossiers de la famille X"}),
        "consigne non comprise : « - sauf les dossiers de la famille X » — la migration n'en tiendra pas compte ; "
        "écrivez-la comme une règle ou une option si elle doit s'appliquer",
    ),
    (
        Notice(
            NoticeKind.LINES_JOINED, params={"lines": (4, 5), "text": "- si le champ = A → vers B (ID 2)"}
        ),
        "lignes 4 et 5 lues comme une seule règle coupée par le retour à la ligne : "
        "« - si le champ = A → vers B (ID 2) »",
    ),
    (
        Notice(NoticeKind.LINES_JOINED, params={"lines": (4, 5, 6), "text": "x"}),
        "lignes 4, 5 et 6 lues comme une seule règle coupée par le retour à la ligne : « x »",
    ),
    (
        Notice(NoticeKind.ONE_VALUE_PER_RULE, params={"value": "A1 ou A2"}),
        "une seule valeur par règle : « A1 ou A2 » sera cherchée telle quelle",
    ),
]


@pytest.mark.parametrize(("notice", "text"), NOTICES)
def test_every_warning_kind_reads_exactly(notice, text):
    assert notice_message(notice) == text


def test_every_warning_kind_has_a_text():
    assert {notice.kind for notice, _ in NOTICES} == set(NoticeKind)


def test_a_syntax_error_says_what_was_expected_with_the_example_of_its_form():
    problem = Problem(
        ProblemKind.MISSING_ARROW,
        line=2,
        column=17,
        source="- si le champ = A (ID 2)",
        params={"expected": "RAW_VALUE", "example": "rule"},
    )
    assert plain(describe_problem(problem)) == (
        "Ligne 2, colonne 17 : flèche manquante après la valeur — « - si le champ = A (ID 2) » — attendu : "
        "la valeur du champ, puis une flèche « → vers » et le centre de destination. "
        "Exemple : « - lorsque le champ = CHU 77 → vers France Fraternités - CHU 77 (ID 5644) »"
    )


@pytest.mark.parametrize(
    ("problem", "expected"),
    [
        (
            Problem(ProblemKind.TYPO, params={"written": "vesr", "suggestion": "vers", "example": "rule"}),
            "« vers », p. ex. « - lorsque le champ = CHU 77 → vers France Fraternités - CHU 77 (ID 5644) »",
        ),
        (
            Problem(ProblemKind.ORIGIN_IN_PROSE, params={"name": "X", "number": "6130", "example": "rule"}),
            "« Centre d'origine : X (ID 6130) »",
        ),
        (
            Problem(ProblemKind.NUMBER_WITHOUT_ID, params={"number": "6201", "example": "rule"}),
            "« (ID 6201) », p. ex. « → vers CHU 77 (ID 5644) »",
        ),
        (
            Problem(ProblemKind.INVALID_ID, params={"written": "0"}),
            "un identifiant entre 1 et 2147483647, p. ex. « (ID 4537) »",
        ),
    ],
)
def test_hints_point_to_the_right_fix(problem, expected):
    assert problem_expected(problem) == expected


def test_every_terminal_the_parser_may_name_and_every_form_has_a_text():
    assert set(domain_ticket._PREFERENCE) <= set(EXPECTED_TERMINAL)
    forms = {
        domain_ticket._example_for(text)
        for text in ["Centre initial", "tous les dossiers", "Champ :", "Conflit", "Hébergements", "x"]
    }
    assert forms | set(domain_ticket._KEYWORD_EXAMPLES.values()) <= set(EXAMPLES)


def test_a_lock_warning_already_written_is_kept_as_it_is():
    assert describe_notice("le centre 4537 est aussi touché par une autre carte") == (
        "le centre 4537 est aussi touché par une autre carte"
    )
    assert plain(describe_notice(Notice(NoticeKind.DUPLICATE, line=3, params={"earlier_line": 2}))) == (
        "Ligne 3 : règle en double de la ligne 2 : gardée une seule fois"
    )
