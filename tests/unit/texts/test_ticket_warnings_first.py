"""Instructions of the ticket the commands will not follow stand at the top of the synthesis (card comment)
and of the PO's request (Slack), before the figures: nobody approves without having read them."""

from __future__ import annotations

from bot.app.simulation import simulate
from bot.domain.plan import plan_ticket
from bot.domain.synthesis import summarize
from bot.domain.ticket import parse_ticket
from bot.texts.blocks import CardLink, RequestKey, approval_request
from bot.texts.card import synthesis_comment
from bot.texts.text import render_synthesis
from tests.support.fakes import FakeConsole
from tests.support.text import plain

TICKET = "\n".join(
    [
        "Centre initial = France Fraternités - CHU 75 (ID 4537)",
        "- lorsque le champ = CHU 77 → vers France Fraternités - CHU 77 (ID 5644)",
        "- sauf les dossiers de la famille X",
        "- lorsque le champ = CHU 77 → vers France Fraternités - CHU 77 (ID 5644)",
    ]
)
UNFOLLOWED = (
    "⚠️ Consignes non suivies :\n"
    "- Ligne 3 : consigne non comprise : « - sauf les dossiers de la famille X » — la migration n'en tiendra pas "
    "compte ; écrivez-la comme une règle ou une option si elle doit s'appliquer"
)


def simulated():
    plan, ticket = plan_ticket(parse_ticket(TICKET), field_slug="migration-des-donnees")
    simulation = simulate(plan, FakeConsole(), console_command="php bin/console")
    return simulation, summarize(simulation), ticket.warnings


def test_unfollowed_instructions_open_the_synthesis_other_warnings_close_it():
    simulation, synthesis, warnings = simulated()
    text = plain(render_synthesis(simulation, synthesis, ticket_warnings=warnings))
    assert text.startswith(
        UNFOLLOWED + "\n\nCentre d'origine : France Fraternités - CHU 75 (ID 4537) - 160 suivis"
    )
    assert text.rstrip().endswith(
        "Avertissements :\n- Ligne 4 : règle en double de la ligne 2 : gardée une seule fois"
    )


def test_they_come_right_after_the_title_of_the_card_comment():
    simulation, synthesis, warnings = simulated()
    comment = plain(synthesis_comment(simulation, synthesis, warnings=warnings))
    assert comment.startswith(
        "✅ **Prêt pour validation** : 1 commande simulée sur la preprod, rien n'a été modifié.\n\n"
        + UNFOLLOWED
        + "\n\n"
    )


def test_they_come_first_in_the_pos_request():
    simulation, synthesis, warnings = simulated()
    text = render_synthesis(simulation, synthesis, ticket_warnings=warnings)
    _, blocks = approval_request(
        card=CardLink("Migration", "https://trello.com/c/abc"),
        key=RequestKey("6b058dd0ba7415e6b655fe65", 1, "0123456789abcdef"),
        synthesis=text,
        po_ids=["UPO"],
    )
    sections = [plain(block["text"]["text"]) for block in blocks if block["type"] == "section"]
    assert "Consignes non suivies" not in sections[0]  # the greeting
    assert "⚠️ Consignes non suivies :" in sections[1].split("Centre d'origine")[0]
