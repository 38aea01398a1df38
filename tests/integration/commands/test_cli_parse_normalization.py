"""Issue 19 through `migrabot parse - --json`: each habit of the cards coordinators paste (Trello's escapes,
list markers and emoji bullets, arrows, identifier forms, wrapped lines, e-mail residue, tables) gives the
commands of the canonical card, byte for byte; each placeholder is refused with a French message naming the
line. Every case here was refused or misread before the normalization layer (bot/domain/ticket_normalize.py)."""

from __future__ import annotations

import io
import json
import sys

import pytest

from bot.cli import main
from tests.support.text import plain

CANONICAL = (
    "Centre initial = France Fraternités - CHU 75 (ID 4537)\n"
    "- lorsque le champ = SITE_NORD → vers France Fraternités - CHU 77 (ID 5644)\n"
)
COMMAND = (
    "php bin/console app:migrate-individuals-to-other-organization -o 4537 -d 5644 "
    '-f migration-des-donnees -t "SITE_NORD"'
)
ORIGIN = "Centre initial = France Fraternités - CHU 75 (ID 4537)"
RULE = "- lorsque le champ = SITE_NORD → vers France Fraternités - CHU 77 (ID 5644)"


def parse_json(text: str, monkeypatch: pytest.MonkeyPatch) -> dict:
    """`migrabot parse - --json` with `text` on its standard input."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8")), encoding="utf-8"))
    out, err = io.StringIO(), io.StringIO()
    main(["parse", "-", "--json"], stdout=out, stderr=err)
    return json.loads(out.getvalue())


def commands(text: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    document = parse_json(text, monkeypatch)
    assert document["ok"], [error["message"] for error in document["errors"]]
    return [rule["command"] for rule in document["rules"]]


def test_the_canonical_card_gives_the_command(monkeypatch):
    assert commands(CANONICAL, monkeypatch) == [COMMAND]


# --- 1. Trello's Markdown escapes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "card",
    [
        pytest.param(
            f"{ORIGIN}\n- lorsque le champ = SITE\\_NORD → vers France Fraternités - CHU 77 (ID 5644)",
            id="\\_",
        ),
        pytest.param(
            f"{ORIGIN}\n1\\. lorsque le champ = SITE_NORD → vers France Fraternités - CHU 77 (ID 5644)",
            id="1\\.",
        ),
        pytest.param(f"\\# {ORIGIN}\n{RULE}", id="\\#"),
        pytest.param(f"\\> {ORIGIN}\n\\> {RULE}", id="\\>"),
        pytest.param(f"{ORIGIN}\n- lorsque le champ = SITE\\*NORD → vers CHU 77 (ID 5644)", id="\\*"),
        pytest.param(f"{ORIGIN}\n- lorsque le champ = SITE\\-NORD → vers CHU 77 (ID 5644)", id="\\-"),
    ],
)
def test_trello_escapes_are_undone(card, monkeypatch):
    value = "SITE*NORD" if "\\*" in card else "SITE-NORD" if "\\-" in card else "SITE_NORD"
    assert commands(card, monkeypatch) == [COMMAND.replace("SITE_NORD", value)]


def test_an_escape_inside_quotes_is_kept_as_written(monkeypatch):
    card = f"{ORIGIN}\n- lorsque le champ = « SITE\\_NORD » → vers CHU 77 (ID 5644)"
    assert commands(card, monkeypatch) == [COMMAND.replace("SITE_NORD", "SITE\\\\_NORD")]


# --- 2. list markers and emoji bullets ----------------------------------------------------------------


@pytest.mark.parametrize(
    "marker",
    ["▪", "a.", "a)", "i.", "ii)", "(1)", "◦ 1.", "- a)", "👉", "▶️", "🔹", "✅", "➡️", "1️⃣", "👉🏽"],
)
def test_any_list_marker_or_emoji_bullet_before_a_rule(marker, monkeypatch):
    card = f"{ORIGIN}\n{marker} lorsque le champ = SITE_NORD → vers France Fraternités - CHU 77 (ID 5644)"
    assert commands(card, monkeypatch) == [COMMAND]


@pytest.mark.parametrize("emoji", ["🏠", "📍", "🏢"])
def test_an_emoji_before_a_label(emoji, monkeypatch):
    assert commands(f"{emoji} {ORIGIN}\n{RULE}", monkeypatch) == [COMMAND]


def test_an_emoji_bullet_keeps_an_option_to_its_block(monkeypatch):
    card = f"{ORIGIN}\n{RULE}\n👉 avec hébergements\nCentre initial = Q (ID 9)\n- si le champ = A → B (ID 2)"
    assert commands(card, monkeypatch) == [
        f"{COMMAND} --withAccommodations",
        'php bin/console app:migrate-individuals-to-other-organization -o 9 -d 2 -f migration-des-donnees -t "A"',
    ]


# --- 3. arrows for « vers » ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "arrow", ["➡️ vers", "➡️", "➡ vers", "⟶", "⟶ vers", "-->", "—>", "==>", "> vers", ">", "▶️"]
)
def test_every_arrow_people_type(arrow, monkeypatch):
    card = f"{ORIGIN}\n- lorsque le champ = SITE_NORD {arrow} France Fraternités - CHU 77 (ID 5644)"
    assert commands(card, monkeypatch) == [COMMAND]


def test_an_emoji_arrow_never_ends_up_in_the_value(monkeypatch):
    """The misread of the issue: `-t "CHU 77 ➡️"`."""
    card = f"{ORIGIN}\n- lorsque le champ = CHU 77 ➡️ vers France Fraternités - CHU 77 (ID 5644)"
    assert commands(card, monkeypatch) == [COMMAND.replace("SITE_NORD", "CHU 77")]


# --- 4. identifiers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "(ID n° 5644)",
        "n° 5644",
        "N°5644",
        "no 5644",
        "#5644",
        "identifiant 5644",
        "(n° 5644)",
        "(identifiant 5644)",
        "(N° 5644)",
        "- n° 5644",
    ],
)
def test_every_identifier_form(written, monkeypatch):
    card = f"{ORIGIN}\n- lorsque le champ = SITE_NORD → vers France Fraternités - CHU 77 {written}"
    assert commands(card, monkeypatch) == [COMMAND]


@pytest.mark.parametrize("written", ["(ID 5644)", "ID 5644", "- ID 5644", "id : 5644", "(5644)", "(#5644)"])
def test_the_identifier_forms_read_before_still_are(written, monkeypatch):
    card = f"{ORIGIN}\n- lorsque le champ = SITE_NORD → vers France Fraternités - CHU 77 {written}"
    assert commands(card, monkeypatch) == [COMMAND]


def test_an_identifier_form_on_the_origin_line(monkeypatch):
    card = f"Centre initial = France Fraternités - CHU 75 N° 4537\n{RULE}"
    assert commands(card, monkeypatch) == [COMMAND]


# --- 5. wrapped lines -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "card",
    [
        f"{ORIGIN}\n- lorsque le champ = SITE_NORD → vers France Fraternités -\nCHU 77 (ID 5644)",
        f"{ORIGIN}\n- lorsque le champ = SITE_NORD → vers France\n   Fraternités - CHU 77 (ID 5644)",
        f"{ORIGIN}\n- lorsque le champ = SITE_NORD →\nvers France Fraternités\n- CHU 77 (ID 5644)".replace(
            "\n- C", "\n  C"
        ),
        f"Centre initial = France Fraternités -\nCHU 75 (ID 4537)\n{RULE}",
    ],
    ids=["after a dash", "inside a name", "three lines", "origin"],
)
def test_a_wrapped_rule_is_joined_and_the_reading_says_so(card, monkeypatch):
    document = parse_json(card, monkeypatch)
    assert [rule["command"] for rule in document["rules"]] == [COMMAND]
    joined = [plain(warning["message"]) for warning in document["warnings"]]
    assert len(joined) == 1 and joined[0].startswith("lignes ") and "lues comme une seule règle" in joined[0]


def test_a_bulleted_line_is_never_a_continuation(monkeypatch):
    card = f"{ORIGIN}\n- lorsque le champ = SITE_NORD → vers France Fraternités\n- CHU 77 (ID 5644)"
    assert parse_json(card, monkeypatch)["ok"] is False


# --- 6. e-mail residue ----------------------------------------------------------------------------------


def test_headers_of_a_forwarded_mail_are_not_rules(monkeypatch):
    card = (
        "---------- Forwarded message ---------\n"
        "De : Camille Martin <camille@ff.example>\n"
        "Envoyé : lundi 3 juin 2025 10:12\n"
        "À : équipe tech\n"
        "Objet : RE: migration CHU 75 → CHU 77 (ID 5644)\n\n"
        f"{CANONICAL}"
    )
    assert commands(card, monkeypatch) == [COMMAND]


def test_a_quoted_reply_with_its_headers(monkeypatch):
    card = (
        "Le lun. 3 juin 2025 à 10:12, Camille <camille@ff.example> a écrit :\n"
        "> From: Camille\n> Subject: migration → CHU 77\n>\n"
        f"> {ORIGIN}\n> {RULE}"
    )
    assert commands(card, monkeypatch) == [COMMAND]


def test_a_signature_under_a_sign_off_is_not_an_instruction(monkeypatch):
    card = f"{CANONICAL}\nCordialement,\nCamille Martin\nCoordinatrice des centres d'hébergement France Fraternités\n"
    document = parse_json(card, monkeypatch)
    assert [rule["command"] for rule in document["rules"]] == [COMMAND]
    assert document["warnings"] == []


def test_greetings_with_emoji_are_not_instructions(monkeypatch):
    card = f"{ORIGIN}\n{RULE}\nBonjour 👋 les dossiers et centres sont bien là ?\n"
    document = parse_json(card, monkeypatch)
    assert [rule["command"] for rule in document["rules"]] == [COMMAND]
    assert document["warnings"] == []


@pytest.mark.parametrize(
    "line", ["PS : les dossiers supprimés aussi svp", "Camille Martin | Pôle hébergement"]
)
def test_a_sentence_under_a_sign_off_is_reported_never_followed(line, monkeypatch):
    document = parse_json(f"{CANONICAL}\nMerci !\n{line}\n", monkeypatch)
    assert [rule["command"] for rule in document["rules"]] == [COMMAND]
    assert [plain(warning["message"]) for warning in document["warnings"]] == [
        f"consigne non comprise : « {line} » — la migration n'en tiendra pas compte ; "
        "écrivez-la comme une règle ou une option si elle doit s'appliquer"
    ]


# --- 7. tables --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "table",
    [
        "Vers\tValeur\tID\nFrance Fraternités - CHU 77\tSITE_NORD\t5644",
        "Valeur\tCentre\tIdentifiant\nSITE_NORD\tFrance Fraternités - CHU 77\t5644\n",
        "| Destination | ID | Valeur |\n|---|---|---|\n| France Fraternités - CHU 77 | 5644 | SITE_NORD |",
        "| Condition | Vers |\n|---|---|\n| SITE_NORD | France Fraternités - CHU 77 (ID 5644) |",
    ],
    ids=["tab-separated", "tab-separated, centre", "id column", "origin above"],
)
def test_a_table_under_its_origin_in_any_column_order(table, monkeypatch):
    assert commands(f"{ORIGIN}\n\n{table}", monkeypatch) == [COMMAND]


def test_a_spreadsheet_paste_with_origin_and_option_columns(monkeypatch):
    card = (
        "Centre d'origine\tID origine\tValeur\tDestination\tID\tHébergements\tOptions\n"
        "France Fraternités - CHU 75\t4537\tSITE_NORD\tFrance Fraternités - CHU 77\t5644\toui\ty compris supprimés\n"
        "France Fraternités - CHU 75\t4537\tSITE_SUD\tFrance Fraternités - CPH\t4960\tnon\t\n"
    )
    assert commands(card, monkeypatch) == [
        f"{COMMAND} --withDeleted --withAccommodations",
        COMMAND.replace("5644", "4960").replace("SITE_NORD", "SITE_SUD"),
    ]


# --- placeholders: refused, with a French message naming the line -------------------------------------


@pytest.mark.parametrize(
    ("rule", "written"),
    [
        ("- lorsque le champ = ??? → vers CHU 77 (ID 5644)", "???"),
        ("- lorsque le champ = XXX → vers CHU 77 (ID 5644)", "XXX"),
        ("- lorsque le champ = XXXX → vers CHU 77 (ID 5644)", "XXXX"),
        ("- lorsque le champ = TBD → vers CHU 77 (ID 5644)", "TBD"),
        ("- lorsque le champ = à confirmer → vers CHU 77 (ID 5644)", "à confirmer"),
        ("- lorsque le champ = à définir → vers CHU 77 (ID 5644)", "à définir"),
        ("- lorsque le champ = ? → vers CHU 77 (ID 5644)", "?"),
        ("- lorsque le champ = « ??? » → vers CHU 77 (ID 5644)", "???"),
        ("- lorsque le champ = SITE_NORD → vers CHU 77 (ID XXXX)", "XXXX"),
        ("- lorsque le champ = SITE_NORD → vers CHU 77 (ID ???)", "???"),
        (
            "- lorsque le champ = SITE_NORD → vers CHU 77 (ID 5644), avec hébergements à confirmer",
            "à confirmer",
        ),
    ],
)
def test_a_placeholder_is_refused_naming_the_line(rule, written, monkeypatch):
    document = parse_json(f"Bonjour,\n{ORIGIN}\n{rule}\n", monkeypatch)
    assert document["ok"] is False and document["rules"] == []
    [error] = document["errors"]
    assert error["line"] == 3
    assert plain(error["message"]).startswith(
        f"Ligne 3, colonne {rule.index(written) + 1} : « {written} » n'est pas une valeur : "
        "la règle attend d'être complétée"
    )


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("Valeur\tDestination\tID\n\tCHU 77\t5644", "Ligne 3, colonne 1 : cellule « Valeur » vide"),
        ("Valeur\tDestination\tID\nSITE_NORD\tCHU 77\t", "Ligne 3, colonne 17 : cellule « ID » vide"),
        (
            "| Valeur | Vers | ID |\n|---|---|---|\n| SITE_NORD | CHU 77 |  |",
            "Ligne 4, colonne 23 : cellule « ID » vide",
        ),
    ],
)
def test_an_empty_cell_is_refused_naming_the_line(table, message, monkeypatch):
    document = parse_json(f"{ORIGIN}\n{table}\n", monkeypatch)
    assert document["ok"] is False
    assert [plain(error["message"]).split(" : la règle")[0] for error in document["errors"]] == [message]


# --- found by the metamorphic tests -------------------------------------------------------------------


def test_italics_written_with_underscores_are_markdown(monkeypatch):
    card = f"{ORIGIN}\n- _lorsque le champ_ = SITE_NORD → vers France Fraternités - CHU 77 (ID 5644)"
    assert commands(card, monkeypatch) == [COMMAND]


def test_a_rule_with_vers_and_an_identifier_form_is_never_dropped_as_prose(monkeypatch):
    """Read as prose before: the rule vanished without a word."""
    card = f"{ORIGIN}\n- _si le champ_ = SITE_NORD vers France Fraternités - CHU 77 (N° 5644)"
    assert commands(card, monkeypatch) == [COMMAND]
