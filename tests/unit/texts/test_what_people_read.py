"""Issue 22, points 1 to 3: one short fingerprint shown everywhere (card, Slack, Excel), Slack's links outside
the code blocks, and the workbook named after the card's first origin centre with its document properties."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from bot.domain.decision import RequestKey
from bot.domain.synthesis import summarize
from bot.texts.blocks import CardLink, approval_request
from bot.texts.card import marker
from bot.texts.excel import WorkbookContext, build_workbook, workbook_name
from tests.support.text import plain
from tests.unit.texts.test_accommodation_impact import RUNBOOK_TICKET, runbook_console, simulated

HASH = "892d5078e54a9001"
CARD = CardLink("Migration des dossiers usagers - DAHAR", "https://trello.com/c/AbC123")
DRIVE = "https://drive.google.com/file/d/1AbC/view?usp=drivesdk"


def request(**options) -> list[dict]:
    _, blocks = approval_request(
        card=CARD,
        key=RequestKey("card1", 2, HASH),
        synthesis="Centre d'origine : …",
        po_ids=["U1"],
        **options,
    )
    return blocks


def texts_of(blocks: list[dict]) -> list[str]:
    found = []
    for block in blocks:
        for item in [block.get("text"), *block.get("elements", [])]:
            if isinstance(item, dict) and "text" in item and isinstance(item["text"], str):
                found.append(item["text"])
    return found


def test_the_drive_link_is_a_slack_link_outside_any_code_block():
    blocks = request(drive_link=DRIVE)
    linked = [text for text in texts_of(blocks) if DRIVE in text]
    assert linked == [f"📁 <{DRIVE}|Fichier Excel sur le Drive>"]
    assert not any(DRIVE in text for text in texts_of(blocks) if text.startswith("```"))
    assert [b["type"] for b in blocks][-1] == "actions"  # buttons unchanged, last
    assert [e["text"]["text"] for e in blocks[-1]["elements"]] == [
        "Valider",
        "Refuser",
        "Relancer la simulation",
    ]


def test_a_drive_refusal_is_said_outside_the_code_block():
    note = "⚠️ Dépôt sur le Drive impossible : jeton refusé par Google Drive (401 <invalid>)."
    said = [text for text in texts_of(request(drive_note=note)) if "Dépôt" in text]
    assert said == ["⚠️ Dépôt sur le Drive impossible : jeton refusé par Google Drive (401 &lt;invalid&gt;)."]


def test_the_card_link_stays_a_slack_link():
    assert any(text.startswith(f"*<{CARD.url}|{CARD.name}>*") for text in texts_of(request()))


def test_one_short_fingerprint_on_the_card_in_slack_and_in_the_workbook():
    on_card = marker(round_=2, description_hash=HASH)
    assert on_card == "migrabot · simulation n° 2 · empreinte 892d5078"
    in_slack = [plain(text) for text in texts_of(request()) if "empreinte" in text]
    assert in_slack == ["Simulation n° 2 · empreinte 892d5078 · fichier Excel dans le fil"]
    simulation = simulated(RUNBOOK_TICKET, runbook_console())
    context = WorkbookContext(
        card_name=CARD.name, card_url=CARD.url, simulation_number=2, description_hash=HASH
    )
    sheet = load_workbook(io.BytesIO(build_workbook(simulation, summarize(simulation), context=context)))[
        "Synthèse"
    ]
    cells = [plain(str(cell.value)) for row in sheet.iter_rows() for cell in row if cell.value]
    assert "Empreinte : 892d5078" in cells
    assert not any("Empreinte du plan" in cell or simulation.plan.plan_fingerprint in cell for cell in cells)


def test_the_workbook_is_named_after_the_first_origin_and_counts_the_others():
    two_origins = simulated(RUNBOOK_TICKET, runbook_console())
    assert workbook_name(summarize(two_origins), short_link="AbC123", simulation_number=2) == (
        "simulation_migration_France_Fraternites_CHU_75_+1_AbC123_simulation2.xlsx"
    )
    dahar = simulated(
        "Centre initial = France Fraternités - DAHAR (ID 5634)\n- lorsque le champ = TEH → vers France "
        "Fraternités - TEH (ID 5645)\n",
        runbook_console(),
    )
    assert workbook_name(summarize(dahar), short_link="XyZ789", simulation_number=1) == (
        "simulation_migration_France_Fraternites_DAHAR_XyZ789_simulation1.xlsx"
    )


def test_the_workbook_says_what_it_is_who_made_it_and_for_which_card():
    simulation = simulated(RUNBOOK_TICKET, runbook_console())
    context = WorkbookContext(
        card_name=CARD.name, card_url=CARD.url, simulation_number=2, description_hash=HASH
    )
    properties = load_workbook(
        io.BytesIO(build_workbook(simulation, summarize(simulation), context=context))
    ).properties
    assert properties.title == CARD.name
    assert (
        plain(properties.subject) == "Simulation de migration des dossiers usagers (--dry-run sur la preprod)"
    )
    assert properties.creator == "migrabot" and properties.lastModifiedBy == "migrabot"
    assert properties.identifier == CARD.url
    assert plain(properties.description) == f"Carte Trello : {CARD.url}"
