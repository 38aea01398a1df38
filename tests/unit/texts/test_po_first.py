"""Issue 22, point 1: the synthesis a PO acts on in ten seconds — a first comment with the verdict, the
runbook's format A, the warnings and the call to action; a second one, « Détails techniques », with the
dry-run commands and the console outputs, each headed by its command number. Exact texts."""

from __future__ import annotations

import re

from bot.domain.synthesis import summarize
from bot.texts.card import (
    DETAILS_TITLE,
    details_sections,
    marker,
    outputs_plan,
    split_comment,
    synthesis_comment,
    with_marker,
)
from tests.support.text import plain
from tests.unit.texts.test_accommodation_impact import RUNBOOK_TICKET, runbook_console, simulated

DRIVE = "📁 Fichier Excel sur le Drive : https://drive.google.com/file/d/1AbC/view"
HASH = "892d5078e54a9001"


def runbook_comment(**options) -> str:
    simulation = simulated(RUNBOOK_TICKET, runbook_console())
    text = synthesis_comment(simulation, summarize(simulation), warnings=(), **options)
    return with_marker(text, marker(round_=1, description_hash=HASH))


RUNBOOK_FIRST_COMMENT = """\
✅ **Prêt pour validation** : 8 commandes simulées sur la preprod, rien n'a été modifié.

Centre d'origine : France Fraternités - CHU 75 (ID 4537) - 160 suivis au total
→ vers CHU 77 (ID 5644) : 41 migrés | reste 119
→ vers CPH (ID 4960) : 10 migrés | reste 150
→ vers DAHAR (ID 5634) : 19 migrés | reste 141
→ vers TEH (ID 5645) : 7 migrés | reste 153

Centre d'origine : France Fraternités - CPH (ID 4960) - 180 suivis au total
→ vers CHU 75 (ID 4537) : 21 migrés | reste 159
→ vers CHU 77 (ID 5644) : 37 migrés | reste 143
→ vers DAHAR (ID 5634) : 35 migrés | reste 145
→ vers TEH (ID 5645) : 17 migrés | reste 163

Hébergements : aucune règle ne les migre ; les dossiers migrés seront décrochés de 5 hébergements, qui \
resteront dans leur centre d'origine, dont l'hébergement 892, partagé avec des personnes qui ne migrent pas \
(détail par règle dans les détails techniques).
À décider : valider le ticket tel quel (les dossiers migrés seront décrochés de ces hébergements), ou le \
refuser pour ajouter « avec hébergements » aux règles concernées.

Ordre d'exécution :
- Croisement entre CHU 75 (ID 4537) et CPH (ID 4960) : terminer et vérifier le groupe 1 avant de lancer le \
groupe 2, même en prod.

📁 Fichier Excel sur le Drive : https://drive.google.com/file/d/1AbC/view

👉 @camille, la simulation est prête : répondez sur cette carte « validé » (ou « ok », « go ») pour valider, \
ou « refusé : » suivi de la raison pour refuser.

migrabot · simulation n° 1 · empreinte 892d5078"""


def test_the_first_comment_is_the_verdict_the_figures_the_warnings_and_the_call_to_action():
    comment = runbook_comment(po_usernames=["camille"], drive_note=DRIVE)
    assert plain(comment) == RUNBOOK_FIRST_COMMENT
    assert len(comment.splitlines()) <= 25


def test_no_jargon_and_no_markdown_noise_in_what_the_po_reads_first():
    comment = plain(runbook_comment(po_usernames=["camille"], drive_note=DRIVE))
    for jargon in (
        "--dry-run",
        "--withAccommodations",
        "Empreinte",
        "php bin/console",
        "synthese",
        "_migrabot",
    ):
        assert jargon not in comment, jargon
    assert comment.splitlines()[-1] == "migrabot · simulation n° 1 · empreinte 892d5078"  # one short line


def test_without_pos_on_trello_the_call_to_action_points_to_slack():
    comment = plain(runbook_comment())
    assert comment.splitlines()[-3] == (
        "👉 Décision du PO attendue sur Slack : boutons « Valider » ou « Refuser » de la demande, ou réponse dans "
        "son fil."
    )


def details(limit: int = 16_000) -> list[str]:
    simulation = simulated(RUNBOOK_TICKET, runbook_console())
    plan = outputs_plan(
        simulation.runs,
        checks=simulation.accommodation_checks,
        lead=details_sections(simulation, summarize(simulation)),
        title=DETAILS_TITLE,
        limit=limit,
        max_comments=20,
    )
    assert plan.attachment is None
    return [plain(comment) for comment in plan.comments]


def test_the_details_hold_the_commands_the_accommodations_by_rule_the_projection_and_each_output():
    [comment] = details(limit=40_000)
    assert comment.startswith(
        "🔧 **Détails techniques** (1/1)\n\n**Commandes simulées** (en --dry-run) :\n```\n# 1\n"
    )
    assert "php bin/console app:migrate-individuals-to-other-organization -o 4537 -d 5644" in comment
    assert "- CHU 75 (ID 4537) → CPH (ID 4960) : aucun des dossiers migrés n'a d'hébergement." in comment
    assert "Projection une fois tous les groupes passés :" in comment
    headings = re.findall(
        r"^\*\*(Commande \d+|Vérification des hébergements, commande \d+)\*\* :$", comment, re.M
    )
    assert headings == [f"Commande {n}" for n in range(1, 9)] + [
        f"Vérification des hébergements, commande {n}" for n in range(1, 9)
    ]


LEAD_HEADINGS = ("Hébergements : aucune règle ne les migre.", "Projection une fois tous les groupes passés :")


def code_blocks(text: str) -> list[list[str]]:
    """The code blocks of a Markdown text, as their inner lines; an unclosed block fails."""
    blocks: list[list[str]] = []
    fence = None
    for line in text.splitlines():
        if fence is None and re.fullmatch(r"`{3,}", line):
            fence = line
            blocks.append([])
        elif fence is not None and line == fence:
            fence = None
        elif fence is not None:
            blocks[-1].append(line)
    assert fence is None, "a code block left open"
    return blocks


def test_split_details_never_end_on_an_empty_code_block_and_every_output_has_its_heading():
    comments = details(limit=3_000)
    assert len(comments) > 2
    for comment in comments:
        body = comment.split("\n\n", 1)[1]
        assert all(code_blocks(body)), "an empty code block"
        first = body.splitlines()[0]
        assert first.startswith("**") or first in LEAD_HEADINGS, f"a part starts without a heading: {first!r}"


def test_an_output_too_long_for_one_comment_repeats_its_heading():
    lines = ["**Commande 3** :", "```", *(f"ligne {n}" for n in range(400)), "```"]
    parts = split_comment("\n".join(lines), limit=1_000)
    assert len(parts) > 2
    assert plain(parts[1]).startswith("**Commande 3** (suite) :\n```\n")
    for part in parts:
        assert all(code_blocks(part)), "an empty code block"
