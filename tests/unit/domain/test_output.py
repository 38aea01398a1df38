"""The dry-run output reader, on real captured Symfony renderings and on text derived from them."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.app import simulation
from bot.domain.console_output import (
    EXCERPT_MAX_CHARS,
    EXCERPT_MAX_LINES,
    Unreadable,
    id_mismatches,
    name_mismatches,
    read_figures,
)
from bot.domain.model import (
    AccommodationConflict,
    Accommodations,
    Center,
    CenterCount,
    ConsoleResult,
    DryRun,
    Figures,
    Rule,
)
from bot.texts import console as texts
from tests.support.console_scenarios import (
    FIXTURES,
    expected_figures,
    read_text,
    scenario_of,
    summary_fixtures,
)
from tests.support.text import plain

RUNBOOK = Figures(
    origin=CenterCount(id=4537, name="France Fraternités - CHU 75", before=160, after=119, moved=41),
    destination=CenterCount(id=5644, name="France Fraternités - CHU 77", before=0, after=41, moved=41),
)
RUNBOOK_TEXT = read_text(FIXTURES / "summary-runbook.io.plain.txt")
ACCOMMODATIONS_TEXT = read_text(FIXTURES / "summary-runbook-accommodations.io.plain.txt")
SUMMARY_FIXTURES = summary_fixtures()


def fixture(name: str) -> str:
    return read_text(FIXTURES / f"{name}.txt")


@dataclass(frozen=True)
class Worded:
    """An `Unreadable` as people read it (typography aside: `tests/unit/texts/test_console.py` has it)."""

    message: str
    excerpt: str


def unreadable(text: str) -> Worded:
    result = read_figures(text)
    assert isinstance(result, Unreadable), result
    return Worded(plain(texts.unreadable_message(result)), texts.excerpt_text(result))


def console_failure(result: ConsoleResult) -> str | None:
    message = texts.console_failure(result)
    return None if message is None else plain(message)


def name_warnings(rule: Rule, figures: Figures) -> tuple[str, ...]:
    return tuple(plain(texts.name_warning(mismatch)) for mismatch in name_mismatches(rule, figures))


def id_mismatch(rule: Rule, figures: Figures) -> str | None:
    mismatches = id_mismatches(rule, figures)
    return plain(texts.id_mismatch_error(mismatches)) if mismatches else None


def interpret(**arguments) -> DryRun:
    run = simulation.interpret(**arguments)
    return replace(
        run,
        error=None if run.error is None else plain(run.error),
        warnings=tuple(plain(warning) for warning in run.warnings),
    )


def replaced(text: str, old: str, new: str) -> str:
    """`text` with exactly one `old` replaced (same width, so that the table stays aligned)."""
    assert text.count(old) == 1, old
    return text.replace(old, new)


def rule_for(*, origin_name: str | None = "France Fraternités - CHU 75", **changes) -> Rule:
    values = {
        "origin": Center(4537, origin_name),
        "destination": Center(5644, "France Fraternités - CHU 77"),
        "field": "migration-des-donnees",
        "value": "CHU 77",
    }
    return Rule(**(values | changes))


def result_of(stdout: str = "", *, exit_code: int | None = 0, stderr: str = "", **extra) -> ConsoleResult:
    return ConsoleResult(exit_code=exit_code, stdout=stdout, stderr=stderr, duration_s=1.5, **extra)


# --- every real rendering -------------------------------------------------------------------------


def test_the_fixture_set_covers_every_style_and_scenario():
    styles = {path.name.split(".")[1] for path in SUMMARY_FIXTURES}
    assert styles == {"io", "io-noisy", "default", "box", "box-double", "compact", "borderless"}
    assert {scenario_of(path) for path in SUMMARY_FIXTURES} == set(expected_figures())
    assert any(path.name.endswith(".crlf.txt") for path in SUMMARY_FIXTURES)
    assert "\r\n" in fixture("summary-runbook.io.plain.crlf")
    assert "\x1b[" in fixture("summary-runbook.box.ansi")


@pytest.mark.parametrize("path", SUMMARY_FIXTURES, ids=lambda path: path.name)
def test_reads_every_captured_rendering_exactly(path: Path):
    assert read_figures(read_text(path)) == expected_figures()[scenario_of(path)]


def test_reads_the_runbook_example_from_symfony_style():
    assert read_figures(RUNBOOK_TEXT) == RUNBOOK


def test_reads_the_runbook_conflict_table():
    figures = read_figures(fixture("summary-runbook-accommodations.box-double.ansi"))
    assert isinstance(figures, Figures)
    assert figures.accommodations == Accommodations(
        to_migrate=3,
        conflicts=(
            AccommodationConflict(
                center_id=4537, accommodation_id=892, not_migrated=(1042, 1078), migrated=(1035,)
            ),
            AccommodationConflict(center_id=4537, accommodation_id=901, not_migrated=(1101,), migrated=()),
        ),
    )


def test_reads_cells_wrapped_over_several_lines_in_every_style():
    for style in ("io", "default", "compact"):
        figures = read_figures(fixture(f"summary-wrapped.{style}.plain"))
        assert isinstance(figures, Figures), style
        assert (
            figures.origin.name
            == "Association France Fraternités - Centre d'hébergement d'urgence CHU 75 Paris"
        )
        assert figures.accommodations is not None
        assert figures.accommodations.conflicts[0].not_migrated == (
            1042,
            1078,
            1090,
            1091,
            1092,
            1093,
            1094,
            1095,
        )


def test_singular_forms_and_a_no_break_space_before_the_colon():
    text = fixture("summary-accents-singular.io.plain")
    assert "1 migré)" in text and "1 entrant)" in text and "migrer\u00a0: 0" in text
    figures = read_figures(text)
    assert isinstance(figures, Figures)
    assert (figures.origin.moved, figures.destination.moved) == (1, 1)
    assert figures.accommodations == Accommodations(to_migrate=0)


def test_a_narrow_no_break_space_before_the_colon_is_french_typography_too():
    text = replaced(ACCOMMODATIONS_TEXT, "Hébergements à migrer: 3", "Hébergements à migrer\u202f: 3")
    figures = read_figures(text)
    assert isinstance(figures, Figures) and figures.accommodations is not None
    assert figures.accommodations.to_migrate == 3


def test_decomposed_accents_are_read_like_composed_ones():
    figures = read_figures(unicodedata.normalize("NFD", RUNBOOK_TEXT))
    assert figures == RUNBOOK


# --- cross-checks ---------------------------------------------------------------------------------


def test_origin_after_must_be_before_minus_migrated():
    result = unreadable(replaced(RUNBOOK_TEXT, "119 (- 41 migrés)", "120 (- 41 migrés)"))
    assert result.message == (
        "Chiffres incohérents pour l'origine 4537 : 160 suivis − 41 migrés = 119, "
        "mais la console annonce 120 après migration."
    )
    assert "120 (- 41 migrés)" in result.excerpt


def test_destination_after_must_be_before_plus_incoming():
    result = unreadable(replaced(RUNBOOK_TEXT, "41 (+ 41 entrants)", "40 (+ 41 entrants)"))
    assert result.message == (
        "Chiffres incohérents pour la destination 5644 : 0 suivi + 41 entrants = 41, "
        "mais la console annonce 40 après migration."
    )


def test_migrated_must_equal_incoming():
    result = unreadable(replaced(RUNBOOK_TEXT, "41 (+ 41 entrants)", "42 (+ 42 entrants)"))
    assert result.message == (
        "Chiffres incohérents : 41 dossiers quittent l'origine 4537 mais 42 arrivent à la destination 5644."
    )


def test_the_signs_must_be_the_ones_of_each_role():
    result = unreadable(replaced(RUNBOOK_TEXT, "119 (- 41 migrés)", "119 (+ 41 migrés)"))
    assert result.message == (
        "Valeur illisible dans le tableau récapitulatif, ligne Origine, colonne « Après migration » : "
        "« 119 (+ 41 migrés) »."
    )


# --- what cannot be read --------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "\n\n", "   \r\n  "])
def test_empty_output(text: str):
    result = unreadable(text)
    assert result.message == "La sortie de la console est vide : aucun tableau récapitulatif à lire."
    assert result.excerpt == "(sortie vide)"


def test_output_without_a_table_quotes_its_end():
    text = "Bienvenue\n" + "\n".join(f"ligne {n}" for n in range(100)) + "\n [OK] Rien à faire.\n"
    result = unreadable(text)
    assert result.message.startswith("Tableau récapitulatif des suivis introuvable")
    assert result.excerpt.endswith(" [OK] Rien à faire.")
    assert result.excerpt.startswith("[… ")


def test_binary_garbage_is_unreadable_not_an_exception():
    result = unreadable("\x00\x1b[31m\x1b]8;;http://x\x1b\\\udcff\ufffd" * 50 + "Rôle Centre | | |\n+--+\n")
    assert "\x1b" not in result.excerpt


def test_a_table_cut_after_its_first_row():
    cut = RUNBOOK_TEXT[: RUNBOOK_TEXT.index("  Destination")]
    result = unreadable(cut)
    assert result.message == "Ligne « Destination » absente du tableau récapitulatif (tableau tronqué ?)."
    assert "Origine" in result.excerpt


def test_a_table_cut_in_the_middle_of_a_row():
    cut = RUNBOOK_TEXT[: RUNBOOK_TEXT.index("19 (- 41 migrés)")]
    result = unreadable(cut)
    assert result.message == "Ligne « Destination » absente du tableau récapitulatif (tableau tronqué ?)."
    assert result.excerpt.endswith("160          1")


def test_a_cell_that_is_not_a_number():
    result = unreadable(replaced(RUNBOOK_TEXT, "160 ", "16O "))
    assert result.message == (
        "Valeur illisible dans le tableau récapitulatif, ligne Origine, colonne « Nb. suivis » : « 16O »."
    )


def test_a_boxed_table_cut_before_its_rows():
    text = fixture("summary-runbook.box.plain")
    cut = text[: text.index("│ Origine")]
    assert unreadable(cut).message.startswith("Ligne « Origine » absente")


def test_two_summary_tables_are_ambiguous():
    result = unreadable(RUNBOOK_TEXT + fixture("summary-cjk-zero.default.plain"))
    assert result.message == (
        "La sortie contient 2 tableaux récapitulatifs des suivis : impossible de savoir lequel lire."
    )
    assert "東京センター" in result.excerpt


def test_a_row_twice():
    origin_line = next(line for line in RUNBOOK_TEXT.splitlines() if "Origine" in line)
    text = replaced(RUNBOOK_TEXT, origin_line, origin_line + "\n" + origin_line)
    assert unreadable(text).message == "Ligne « Origine » présente 2 fois dans le tableau récapitulatif."


def test_a_foreign_line_inside_the_borders():
    text = fixture("summary-runbook.default.plain")
    destination = next(line for line in text.splitlines() if "Destination" in line)
    foreign = destination.replace("Destination", "Total      ")
    result = unreadable(replaced(text, destination, destination + "\n" + foreign))
    assert result.message.startswith("Ligne inattendue dans le tableau récapitulatif des suivis : « | Total ")


def test_a_missing_column_is_named():
    result = unreadable(replaced(RUNBOOK_TEXT, "Nb. suivis", "Nb. dossie"))
    assert result.message == (
        "En-tête du tableau récapitulatif des suivis illisible ou incomplet (colonnes non trouvées : Nb. suivis)."
    )


def test_columns_are_found_by_their_names_not_their_positions():
    text = render_document(RUNBOOK, style="default", order=(4, 2, 0, 3, 1))
    header = next(line for line in text.splitlines() if "Rôle" in line)
    assert header.startswith("| Après migration ")
    assert read_figures(text) == RUNBOOK


def test_extra_columns_are_ignored():
    text = render_document(RUNBOOK, style="box", extra_column=True)
    assert "Commentaire" in text
    assert read_figures(text) == RUNBOOK


def test_a_php_notice_inside_the_table_is_set_aside():
    text = fixture("summary-runbook.io.plain.php-noise")
    lines = text.splitlines()
    header = next(i for i, line in enumerate(lines) if "Centre Nom" in line)
    assert lines[header + 2].startswith("PHP Deprecated:")
    assert read_figures(text) == RUNBOOK


# --- accommodations -------------------------------------------------------------------------------


def test_no_accommodation_block_gives_none():
    figures = read_figures(RUNBOOK_TEXT)
    assert isinstance(figures, Figures) and figures.accommodations is None


def test_accommodations_to_migrate_without_conflicts():
    text = RUNBOOK_TEXT.replace(" [OK]", " Hébergements à migrer: 5\n\n [OK]")
    figures = read_figures(text)
    assert isinstance(figures, Figures)
    assert figures.accommodations == Accommodations(to_migrate=5, conflicts=())


def test_an_unreadable_accommodation_count():
    text = replaced(ACCOMMODATIONS_TEXT, "Hébergements à migrer: 3", "Hébergements à migrer: trois")
    assert (
        unreadable(text).message
        == "Nombre d'hébergements à migrer illisible : « Hébergements à migrer: trois »."
    )


def test_two_accommodation_counts_are_ambiguous():
    text = replaced(
        ACCOMMODATIONS_TEXT,
        " Hébergements à migrer: 3",
        " Hébergements à migrer: 3\n Hébergements à migrer: 4",
    )
    assert unreadable(text).message.startswith("Le nombre d'hébergements à migrer apparaît 2 fois")


def test_a_conflict_table_without_the_count():
    text = replaced(ACCOMMODATIONS_TEXT, " Hébergements à migrer: 3\n", "")
    assert unreadable(text).message == (
        "La console signale des hébergements problématiques, mais le nombre d'hébergements à migrer est introuvable."
    )


def test_the_problem_announced_without_its_table():
    problem = ACCOMMODATIONS_TEXT.index("Problème")
    text = ACCOMMODATIONS_TEXT[: ACCOMMODATIONS_TEXT.index(" ---", problem + 100)]
    assert "Problème" in text and "Hébergement ID" not in text
    result = unreadable(text)
    assert result.message == (
        "La console signale des hébergements avec individus non migrés rattachés, "
        "mais leur tableau est absent ou illisible."
    )
    assert "Problème" in result.excerpt


def test_an_unreadable_id_list():
    text = replaced(ACCOMMODATIONS_TEXT, "1042, 1078 ", "1042, abcd ")
    assert unreadable(text).message == (
        "Valeur illisible dans le tableau des hébergements avec individus non migrés rattachés, "
        "colonne « Individus non migrés » : « 1042, abcd »."
    )


# --- excerpts -------------------------------------------------------------------------------------


def test_excerpts_are_bounded_and_centred_on_the_problem():
    noise = "\n".join(f" // étape {n} : " + "x" * 150 for n in range(3000))
    wrong = replaced(RUNBOOK_TEXT, "119 (- 41 migrés)", "118 (- 41 migrés)")
    result = unreadable(noise + "\n" + wrong + "\n" + noise + "\n" + "y" * 10_000)
    lines = result.excerpt.splitlines()
    assert len(lines) <= EXCERPT_MAX_LINES
    assert len(result.excerpt) <= EXCERPT_MAX_CHARS
    assert any("Centre Nom" in line for line in lines)
    assert lines[0].startswith("[… ") and lines[0].endswith("lignes omises …]")
    assert lines[-1].startswith("[… ")


def test_a_huge_single_line_is_cut_visibly():
    result = unreadable("z" * 50_000)
    assert len(result.excerpt) <= EXCERPT_MAX_CHARS
    assert result.excerpt.endswith(" […]")


# --- console failures -----------------------------------------------------------------------------


@pytest.mark.parametrize("decoration", ["plain", "ansi"])
def test_an_error_block_with_a_non_zero_exit(decoration: str):
    result = result_of(fixture(f"failure-error-block.{decoration}"), exit_code=1)
    assert console_failure(result) == "La commande a échoué (code 1) : « Organisation 9999 introuvable. »"


def test_an_error_block_with_exit_zero_is_a_failure_too():
    stdout = RUNBOOK_TEXT + fixture("failure-error-block.ansi")
    assert console_failure(result_of(stdout, exit_code=0)) == (
        "La commande a signalé une erreur (code 0) : « Organisation 9999 introuvable. »"
    )


def test_a_long_error_block_is_unwrapped_from_its_padding():
    result = result_of(fixture("failure-error-block-long.ansi"), exit_code=1)
    assert console_failure(result) == (
        "La commande a échoué (code 1) : « Le champ personnalisé « migration-des-donnees » est introuvable pour "
        "l’organisation 4537 : vérifiez le slug passé à --targetFieldSlug. Aucune donnée modifiée. »"
    )


@pytest.mark.parametrize("decoration", ["plain", "ansi"])
def test_an_exception_rendered_by_the_application_on_stderr(decoration: str):
    result = result_of("", stderr=fixture(f"failure-exception.{decoration}"), exit_code=1)
    assert console_failure(result) == "La commande a échoué (code 1) : « Organisation 9999 introuvable. »"


def test_an_unknown_option_quotes_symfony_not_the_synopsis():
    result = result_of("", stderr=fixture("failure-bad-option.ansi"), exit_code=1)
    assert console_failure(result) == (
        'La commande a échoué (code 1) : « The "--withAccomodations" option does not exist. »'
    )


@pytest.mark.parametrize("decoration", ["plain", "ansi"])
def test_a_long_exception_cut_inside_a_word_is_glued_back(decoration: str):
    result = result_of("", stderr=fixture(f"failure-extra-argument.{decoration}"), exit_code=1)
    assert console_failure(result) == (
        'La commande a échoué (code 1) : « No arguments expected for "app:migrate-individuals-to-other-organization" '
        'command, got "77". »'
    )


def test_the_lines_of_a_multi_line_exception_stay_apart():
    stderr = (
        "\nIn Migrate.php line 12:\n\n  Centre 4537 : champ absent.  \n  Vérifiez le slug.            \n\n"
    )
    assert console_failure(result_of("", stderr=stderr, exit_code=1)) == (
        "La commande a échoué (code 1) : « Centre 4537 : champ absent. Vérifiez le slug. »"
    )


def test_a_php_fatal_error_is_quoted():
    stderr = (
        "PHP Fatal error:  Allowed memory size of 134217728 bytes exhausted in /srv/app/vendor/x.php on line 3\n"
        "Stack trace:\n#0 {main}\n"
    )
    assert console_failure(result_of("", stderr=stderr, exit_code=255)) == (
        "La commande a échoué (code 255) : « Allowed memory size of 134217728 bytes exhausted in "
        "/srv/app/vendor/x.php on line 3 »"
    )


def test_a_failure_without_any_output():
    assert console_failure(result_of("", exit_code=2)) == "La commande a échoué (code 2), sans message."


def test_a_timeout_quotes_the_last_words():
    result = result_of(" Chargement des individus…\n", exit_code=None, timed_out=True)
    assert console_failure(result) == (
        "La commande n'a pas répondu à temps et a été arrêtée au bout de 2 s ; "
        "dernier message : « Chargement des individus… »"
    )


def test_a_command_that_could_not_start():
    result = result_of("", exit_code=None, start_error="\x1b[31mssh: not found\x1b[0m")
    assert console_failure(result) == "La commande n'a pas pu être lancée : « ssh: not found »"


def test_a_killed_process_without_exit_code():
    assert console_failure(result_of("", exit_code=None)) == (
        "La commande s'est arrêtée sans code de sortie, sans message."
    )


def test_a_clean_run_is_no_failure():
    assert (
        console_failure(result_of(ACCOMMODATIONS_TEXT, stderr="PHP Deprecated:  x in y on line 1\n")) is None
    )


def test_quotes_never_carry_ansi_codes():
    for name in ("failure-error-block.ansi", "failure-exception.ansi", "failure-bad-option.ansi"):
        message = console_failure(result_of(fixture(name), exit_code=1))
        assert message is not None and "\x1b" not in message


# --- names and ids --------------------------------------------------------------------------------


def test_a_different_name_is_a_warning_naming_the_id_and_both_names():
    rule = rule_for(origin_name="France Fraternités - CHU 76")
    assert name_warnings(rule, RUNBOOK) == (
        "Nom différent pour le centre d'origine 4537 : « France Fraternités - CHU 76 » dans le ticket, "
        "« France Fraternités - CHU 75 » selon la console.",
    )


@pytest.mark.parametrize(
    "ticket_name",
    [
        "France Fraternités - CHU 75",
        "france fraternites - chu 75",
        "FRANCE FRATERNITÉS – CHU 75",
        "France Fraternités — CHU 75",
        "France  Fraternités-CHU75",
        "France\u00a0Fraternités - CHU 75 ",
        "France Fraterni\u0301tes - CHU 75".replace("i\u0301", "i"),
    ],
)
def test_case_accents_dashes_and_spacing_are_no_difference(ticket_name: str):
    assert name_warnings(rule_for(origin_name=ticket_name), RUNBOOK) == ()


def test_apostrophes_and_ligatures_are_no_difference():
    figures = Figures(
        origin=CenterCount(1, "Foyer d’accueil Cœur de Ville", 2, 1, 1),
        destination=CenterCount(2, "B", 0, 1, 1),
    )
    rule = rule_for(origin=Center(1, "Foyer d'accueil Coeur de ville"), destination=Center(2, None))
    assert name_warnings(rule, figures) == ()


def test_no_name_in_the_ticket_no_warning():
    assert name_warnings(rule_for(origin_name=None), RUNBOOK) == ()


def test_both_centres_are_checked():
    rule = rule_for(origin_name="CHU 75", destination=Center(5644, "CHU 77"))
    warnings = name_warnings(rule, RUNBOOK)
    assert len(warnings) == 2
    assert "centre de destination 5644" in warnings[1]


def test_different_ids_are_an_error_not_a_name_warning():
    rule = rule_for(origin=Center(4538, "Autre centre"))
    assert name_warnings(rule, RUNBOOK) == ()
    assert id_mismatch(rule, RUNBOOK) == (
        "La console a simulé une autre migration que celle demandée : origine 4538 attendue, 4537 dans le tableau."
    )
    assert id_mismatch(rule_for(), RUNBOOK) is None


# --- interpret ------------------------------------------------------------------------------------

COMMAND = "php bin/console app:migrate-individuals-to-other-organization -o 4537 -d 5644 --dry-run"


def test_interpret_a_good_run():
    result = result_of(RUNBOOK_TEXT)
    run = interpret(rule_index=2, rule=rule_for(origin_name="CHU 75"), command=COMMAND, result=result)
    assert run.ok
    assert (run.rule_index, run.command, run.result, run.figures, run.error) == (
        2,
        COMMAND,
        result,
        RUNBOOK,
        None,
    )
    assert len(run.warnings) == 1 and "« CHU 75 »" in run.warnings[0]


def test_interpret_a_console_failure_keeps_no_figures():
    run = interpret(
        rule_index=0,
        rule=rule_for(),
        command=COMMAND,
        result=result_of(RUNBOOK_TEXT + fixture("failure-error-block.plain")),
    )
    assert not run.ok and run.figures is None
    assert run.error == "La commande a signalé une erreur (code 0) : « Organisation 9999 introuvable. »"


def test_interpret_unreadable_output_carries_the_excerpt():
    text = replaced(RUNBOOK_TEXT, "119 (- 41 migrés)", "120 (- 41 migrés)")
    run = interpret(rule_index=0, rule=rule_for(), command=COMMAND, result=result_of(text))
    assert run.figures is None and run.error is not None
    message, excerpt = run.error.split("\nExtrait de la sortie de la console :\n")
    assert message.startswith("Chiffres incohérents pour l'origine 4537")
    assert "120 (- 41 migrés)" in excerpt


def test_interpret_other_ids_is_an_error():
    rule = rule_for(destination=Center(5645, "TEH"))
    run = interpret(rule_index=0, rule=rule, command=COMMAND, result=result_of(RUNBOOK_TEXT))
    assert run.figures is None
    assert run.error == (
        "La console a simulé une autre migration que celle demandée : destination 5645 attendue, 5644 dans le tableau."
    )


def test_interpret_accommodations_asked_but_not_shown_is_an_error():
    run = interpret(
        rule_index=0, rule=rule_for(with_accommodations=True), command=COMMAND, result=result_of(RUNBOOK_TEXT)
    )
    assert run.figures is None and run.error is not None
    assert run.error.startswith(
        "La simulation avec --withAccommodations n'affiche pas le nombre d'hébergements à migrer."
    )


def test_interpret_accommodations_shown_but_not_asked_is_a_warning():
    run = interpret(rule_index=0, rule=rule_for(), command=COMMAND, result=result_of(ACCOMMODATIONS_TEXT))
    assert run.ok and run.figures == RUNBOOK  # its conflicts must not ask for a decision
    assert run.warnings == (
        "La console a affiché un bloc hébergements alors que la règle ne demande pas --withAccommodations : "
        "il n'est pas pris en compte.",
    )


def test_interpret_with_accommodations_and_conflicts():
    run = interpret(
        rule_index=0,
        rule=rule_for(with_accommodations=True),
        command=COMMAND,
        result=result_of(ACCOMMODATIONS_TEXT),
    )
    assert run.ok and run.warnings == ()
    assert run.figures == expected_figures()["runbook-accommodations"]


# --- property: any figures, any names, any style read back the same -------------------------------


def _width(text: str) -> int:
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text
    )


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


_HEADERS = ("Rôle", "Centre ID", "Centre Nom", "Nb. suivis", "Après migration")
_BOX = {"top": "┌┬┐", "middle": "├┼┤", "bottom": "└┴┘"}


def _rule(style: str, widths: list[int], position: str) -> str:
    if style == "box":
        left, cross, right = _BOX[position]
        return left + cross.join("─" * (w + 2) for w in widths) + right
    horizontal, cross = {"io": ("-", " "), "borderless": ("=", " "), "default": ("-", "+")}[style]
    return cross + cross.join(horizontal * (w + 2) for w in widths) + cross


def _row(style: str, cells: list[str], widths: list[int]) -> str:
    if style == "compact":
        return "".join(_pad(cell, w) + " " for cell, w in zip(cells, widths, strict=True))
    vertical = {"io": " ", "borderless": " ", "default": "|", "box": "│"}[style]
    return (
        vertical
        + vertical.join(f" {_pad(cell, w)} " for cell, w in zip(cells, widths, strict=True))
        + vertical
    )


def render_table(
    figures: Figures, *, style: str, order=(0, 1, 2, 3, 4), ansi=False, extra_column=False
) -> str:
    """A tiny stand-in for Symfony's Table, enough to vary figures, names and styles at will."""
    origin, destination = figures.origin, figures.destination
    migrated = "migré" if origin.moved == 1 else "migrés"
    incoming = "entrant" if destination.moved == 1 else "entrants"
    rows = [
        [
            "Origine",
            str(origin.id),
            origin.name,
            str(origin.before),
            f"{origin.after} (- {origin.moved} {migrated})",
        ],
        [
            "Destination",
            str(destination.id),
            destination.name,
            str(destination.before),
            f"{destination.after} (+ {destination.moved} {incoming})",
        ],
    ]
    headers = [_HEADERS[i] for i in order]
    rows = [[row[i] for i in order] for row in rows]
    if extra_column:
        headers.append("Commentaire")
        rows = [[*row, "à vérifier"] for row in rows]
    widths = [max(_width(cell) for cell in column) for column in zip(headers, *rows, strict=True)]
    header = _row(style, headers, widths)
    if ansi:
        for label in headers:
            header = header.replace(label, f"\x1b[1;32m{label}\x1b[0m", 1)
    if style == "compact":
        return "\n".join([header, *(_row(style, row, widths) for row in rows)])
    top, middle, bottom = (_rule(style, widths, position) for position in ("top", "middle", "bottom"))
    return "\n".join([top, header, middle, *(_row(style, row, widths) for row in rows), bottom])


def render_document(figures: Figures, *, style: str, crlf=False, **table_options) -> str:
    text = "\n".join(
        [
            "",
            "Migration des individus vers une autre organisation",
            "===================================================",
            "",
            " ! [NOTE] Mode simulation (--dry-run) : aucune donnée ne sera modifiée.",
            "",
            render_table(figures, style=style, **table_options),
            "",
            " [OK] Simulation terminée : aucune donnée modifiée.",
            "",
        ]
    )
    return text.replace("\n", "\r\n") if crlf else text


_NAME_CHARACTERS = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 éèàçÉÎœ’'-()|+=.東京センター서울"
)
names = (
    st.text(alphabet=_NAME_CHARACTERS, min_size=1, max_size=40)
    .map(lambda s: " ".join(s.split()))
    .filter(bool)
)
counts = st.integers(min_value=0, max_value=2_000_000)


@st.composite
def figures_strategy(draw) -> Figures:
    before = draw(counts)
    moved = draw(st.integers(min_value=0, max_value=before))
    destination_before = draw(counts)
    return Figures(
        origin=CenterCount(draw(counts), draw(names), before, before - moved, moved),
        destination=CenterCount(
            draw(counts), draw(names), destination_before, destination_before + moved, moved
        ),
    )


@settings(max_examples=150, deadline=None, database=None)
@given(
    figures=figures_strategy(),
    style=st.sampled_from(["io", "default", "box", "borderless", "compact"]),
    order=st.permutations(range(5)),
    ansi=st.booleans(),
    crlf=st.booleans(),
)
def test_any_rendered_table_reads_back_the_same_figures(figures, style, order, ansi, crlf):
    text = render_document(figures, style=style, order=tuple(order), ansi=ansi, crlf=crlf)
    assert read_figures(text) == figures
