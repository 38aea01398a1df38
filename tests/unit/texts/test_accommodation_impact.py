"""What the PO reads about the accommodations of people a ticket moves without « avec hébergements »
(runbook « Comportement sans --withAccommodations »): on the card, in Slack and in the Excel file."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from bot.app.simulation import simulate
from bot.domain.command import DryRunCommand
from bot.domain.model import ConsoleResult, Simulation
from bot.domain.plan import plan_ticket
from bot.domain.synthesis import detached_total, detachments, summarize
from bot.domain.ticket import parse_ticket
from bot.texts.blocks import CardLink, RequestKey, approval_request
from bot.texts.card import details_sections, outputs_plan, started_comment
from bot.texts.excel import build_workbook
from bot.texts.text import render_accommodations as typeset_accommodations
from bot.texts.text import render_synthesis
from tests.support.fakes import FakeConsole
from tests.support.text import plain
from tests.unit.app.test_accommodation_check import MIXED_TICKET, RUNBOOK_TICKET, CheckFailingConsole

NONE = (0, [])


def render_accommodations(simulation: Simulation) -> str:
    """The words (typography's no-break spaces as plain spaces): what is compared here."""
    return plain(typeset_accommodations(simulation))


def simulated(text: str, console: FakeConsole, *, impact: bool = True) -> Simulation:
    ticket = parse_ticket(text, default_field="migration-des-donnees")
    plan = plan_ticket(ticket, field_slug="migration-des-donnees")[0]
    return simulate(plan, console, console_command="php bin/console", accommodation_impact=impact)


def runbook_console() -> FakeConsole:
    """The sandbox's accommodations: 3 for CHU 75 → CHU 77 (892 shared), 1 for → DAHAR, 1 for CPH → CHU 75."""
    console = FakeConsole()
    for pair in [(4537, 4960), (4537, 5645), (4960, 5644), (4960, 5634), (4960, 5645)]:
        console.conflicts[pair] = NONE
    console.conflicts[(4537, 5644)] = (3, [(4537, 892, "1042, 1078", "1035")])
    console.conflicts[(4537, 5634)] = (1, [])
    console.conflicts[(4960, 4537)] = (1, [])
    return console


RUNBOOK_ACCOMMODATIONS = """\
Hébergements : aucune règle ne les migre.
- CHU 75 (ID 4537) → CHU 77 (ID 5644) : les dossiers migrés seront décrochés de 3 hébergements, qui resteront \
au centre CHU 75 (ID 4537), dont l'hébergement 892, partagé avec des personnes qui ne migrent pas.
- CHU 75 (ID 4537) → CPH (ID 4960) : aucun des dossiers migrés n'a d'hébergement.
- CHU 75 (ID 4537) → DAHAR (ID 5634) : les dossiers migrés seront décrochés d'un hébergement, qui restera au \
centre CHU 75 (ID 4537).
- CHU 75 (ID 4537) → TEH (ID 5645) : aucun des dossiers migrés n'a d'hébergement.
- CPH (ID 4960) → CHU 75 (ID 4537) : les dossiers migrés seront décrochés d'un hébergement, qui restera au \
centre CPH (ID 4960).
- CPH (ID 4960) → CHU 77 (ID 5644) : aucun des dossiers migrés n'a d'hébergement.
- CPH (ID 4960) → DAHAR (ID 5634) : aucun des dossiers migrés n'a d'hébergement.
- CPH (ID 4960) → TEH (ID 5645) : aucun des dossiers migrés n'a d'hébergement.
Au total : 5 hébergements resteront dans leur centre d'origine, décrochés des dossiers migrés, dont 1 \
partagé avec des personnes qui ne migrent pas.
À décider : valider le ticket tel quel (les dossiers migrés seront décrochés de ces hébergements), ou le \
refuser pour ajouter « avec hébergements » aux règles concernées."""


def test_per_rule_and_in_total_with_the_shared_one_named_and_the_decision():
    assert render_accommodations(simulated(RUNBOOK_TICKET, runbook_console())) == RUNBOOK_ACCOMMODATIONS


def test_non_concernes_only_when_none_of_the_moving_people_has_an_accommodation():
    console = FakeConsole()
    console.conflicts[(4537, 5634)] = NONE
    ticket = "Centre initial = France Fraternités - CHU 75 (ID 4537) - lorsque le champ = DAHAR → vers DAHAR (ID 5634)"

    assert render_accommodations(simulated(ticket, console)) == (
        "Hébergements : non concernés (aucune règle « avec hébergements », "
        "et aucun des dossiers migrés n'a d'hébergement)."
    )


def test_turned_off_it_says_what_happens_without_claiming_non_concernes():
    text = render_accommodations(simulated(RUNBOOK_TICKET, FakeConsole(), impact=False))

    assert text == (
        "Hébergements : aucune règle ne les migre. Les dossiers migrés qui ont un hébergement en seront décrochés, "
        "l'hébergement restant dans le centre d'origine (impact non mesuré : vérification des hébergements "
        "désactivée)."
    )


def test_a_failed_check_says_the_impact_could_not_be_measured_in_the_consoles_words():
    refused = ConsoleResult(
        exit_code=1, stdout="", stderr="\n [ERROR] Base de données verrouillée.\n", duration_s=0.1
    )
    console = CheckFailingConsole((4537, 5634), refused)

    text = render_accommodations(simulated(MIXED_TICKET, console))

    assert text.splitlines()[1:] == [
        "Règles sans « avec hébergements » :",
        "- CHU 75 (ID 4537) → DAHAR (ID 5634) : impact sur les hébergements non mesuré (la vérification a échoué) "
        "— La commande a échoué (code 1) : « Base de données verrouillée. »",
    ]


def test_rules_with_the_option_keep_their_line_and_the_others_follow():
    console = FakeConsole()
    console.conflicts[(4537, 5644)] = (2, [])
    console.conflicts[(4537, 5634)] = (1, [(4537, 894, "1061", "1060")])

    text = render_accommodations(simulated(MIXED_TICKET, console))

    assert text == (
        "Hébergements : 2 hébergements migrés — aucun conflit détecté.\n"
        "Règles sans « avec hébergements » :\n"
        "- CHU 75 (ID 4537) → DAHAR (ID 5634) : les dossiers migrés seront décrochés d'un hébergement, qui restera "
        "au centre CHU 75 (ID 4537) : l'hébergement 894, partagé avec des personnes qui ne migrent pas.\n"
        "À décider : valider le ticket tel quel (les dossiers migrés seront décrochés de ces hébergements), ou le "
        "refuser pour ajouter « avec hébergements » aux règles concernées."
    )


def test_an_accommodation_shared_by_the_people_of_two_rules_is_counted_once():
    console = FakeConsole()
    console.conflicts[(4537, 5644)] = (2, [(4537, 892, "1042", "1035")])
    console.conflicts[(4537, 5634)] = (1, [(4537, 892, "1035", "1042")])
    ticket = (
        "Centre initial = France Fraternités - CHU 75 (ID 4537)\n"
        "- lorsque le champ = CHU 77 → vers CHU 77 (ID 5644)\n"
        "- lorsque le champ = DAHAR → vers DAHAR (ID 5634)\n"
    )

    simulation = simulated(ticket, console)

    assert detached_total(detachments(simulation)) == 2
    assert (
        "Au total : 2 hébergements resteront dans leur centre d'origine, décrochés des dossiers migrés, dont 1 "
        "partagé avec des personnes qui ne migrent pas."
    ) in render_accommodations(simulation).splitlines()


def test_the_card_counts_and_lists_the_check_apart_from_the_ticket_commands():
    simulation = simulated(MIXED_TICKET, FakeConsole())

    details = plain("\n".join(details_sections(simulation, summarize(simulation))[1]))

    assert plain(started_comment(2, check_count=1)) == (
        "⏳ Simulation en cours (2 commandes en --dry-run sur la preprod, "
        "et jusqu'à 1 pour la vérification des hébergements)…"
    )
    assert details == (
        "**Vérification des hébergements** (mêmes commandes avec --withAccommodations, en --dry-run seulement ; "
        "les commandes finales n'en auront pas)\n```\n"
        "php bin/console app:migrate-individuals-to-other-organization -o 4537 -d 5634 -f migration-des-donnees "
        '-t "DAHAR" --withAccommodations --dry-run\n```'
    )


def test_console_outputs_label_the_check():
    simulation = simulated(MIXED_TICKET, FakeConsole())

    [comment] = outputs_plan(simulation.runs, checks=simulation.accommodation_checks).comments
    titles = [plain(line) for line in comment.splitlines() if line.startswith("**")]

    assert titles == [
        "**Commande 1** :",
        "**Commande 2** :",
        "**Vérification des hébergements, commande 2** :",
    ]
    attached = outputs_plan(simulation.runs, checks=simulation.accommodation_checks, limit=400).attachment
    assert "=== Vérification des hébergements, commande 2 : php bin/console" in plain(attached.decode())


def test_slack_request_and_excel_carry_the_same_sentences():
    simulation = simulated(RUNBOOK_TICKET, runbook_console())
    synthesis = summarize(simulation)

    _, blocks = approval_request(
        card=CardLink("Migration", "https://trello.com/c/x"),
        key=RequestKey("card", 1, "0123456789abcdef"),
        synthesis=render_synthesis(simulation, synthesis),
        po_ids=["UPO"],
    )
    slack = plain("\n".join(b["text"]["text"] for b in blocks if b["type"] == "section"))
    sheet = load_workbook(io.BytesIO(build_workbook(simulation, synthesis)))["Synthèse"]
    excel = [plain(row[0]) for row in sheet.iter_rows(values_only=True) if row and isinstance(row[0], str)]

    for line in RUNBOOK_ACCOMMODATIONS.splitlines():
        assert line in slack
        assert line in excel


def test_the_total_agrees_in_number():
    console = FakeConsole()
    console.conflicts[(4537, 5644)] = (1, [(4537, 892, "1042", "1035")])
    console.conflicts[(4537, 5634)] = (1, [(4537, 892, "1035", "1042")])
    ticket = (
        "Centre initial = France Fraternités - CHU 75 (ID 4537)\n"
        "- lorsque le champ = CHU 77 → vers CHU 77 (ID 5644)\n"
        "- lorsque le champ = DAHAR → vers DAHAR (ID 5634)\n"
    )

    assert (
        "Au total : 1 hébergement restera dans son centre d'origine, décroché des dossiers migrés, dont 1 "
        "partagé avec des personnes qui ne migrent pas."
    ) in render_accommodations(simulated(ticket, console)).splitlines()


def test_checks_the_breaker_stopped_say_not_run_and_the_failed_ones_quote_the_console():
    unreachable = ConsoleResult(
        exit_code=None, stdout="", stderr="", duration_s=0.0, start_error="ssh: coupé"
    )

    class ConsoleLostAfterTheRules(FakeConsole):
        def run(self, command: DryRunCommand) -> ConsoleResult:
            answer = super().run(command)
            return unreachable if "--withAccommodations" in command.arguments() else answer

    lines = render_accommodations(simulated(RUNBOOK_TICKET, ConsoleLostAfterTheRules())).splitlines()

    assert lines[1] == (
        "- CHU 75 (ID 4537) → CHU 77 (ID 5644) : impact sur les hébergements non mesuré (la vérification a "
        "échoué) — La commande n'a pas pu être lancée : « ssh: coupé »"
    )
    assert lines[4] == (
        "- CHU 75 (ID 4537) → TEH (ID 5645) : impact sur les hébergements non mesuré (vérification non lancée)."
    )
    assert not any(line.startswith("Hébergements : non concernés") for line in lines)
