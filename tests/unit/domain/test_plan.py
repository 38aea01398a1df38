"""Groups, crossings and fingerprints."""

from __future__ import annotations

from pathlib import Path

from bot.domain.plan import build_plan
from bot.domain.ticket import parse_ticket
from bot.texts.text import crossing_notes, render_commands, shared_prefix
from bot.texts.ticket import notice_message
from tests.support.text import plain

RUNBOOK_TICKET = (Path(__file__).parents[3] / "sandbox/tickets/runbook.txt").read_text(encoding="utf-8")


def plan_of(text: str, field_slug: str = "migration-des-donnees"):
    ticket = parse_ticket(text, default_field=field_slug)
    assert ticket.ok, ticket.errors
    return build_plan(ticket.rules, field_slug=field_slug)


def test_the_runbook_ticket_has_two_crossing_groups_in_ticket_order():
    plan = plan_of(RUNBOOK_TICKET)
    assert [(g.origin.id, g.rule_indexes, g.crosses) for g in plan.groups] == [
        (4537, (0, 1, 2, 3), (4960,)),
        (4960, (4, 5, 6, 7), (4537,)),
    ]
    assert [(r.origin.id, r.destination.id, r.value) for r in plan.rules] == [
        (4537, 5644, "CHU 77"),
        (4537, 4960, "CPH"),
        (4537, 5634, "DAHAR"),
        (4537, 5645, "TEH"),
        (4960, 4537, "CHU 75"),
        (4960, 5644, "CHU 77"),
        (4960, 5634, "DAHAR"),
        (4960, 5645, "TEH"),
    ]
    assert any(group.crosses for group in plan.groups)


def test_a_block_split_in_two_joins_its_origin_group():
    plan = plan_of(
        "Centre initial = A (ID 1)\n- si le champ = x → B (ID 2)\nCentre initial = C (ID 3)\n"
        "- si le champ = y → B (ID 2)\nCentre initial = A (ID 1)\n- si le champ = z → D (ID 4)"
    )
    assert [(g.origin.id, g.rule_indexes, g.crosses) for g in plan.groups] == [(1, (0, 2), ()), (3, (1,), ())]
    assert [index for group in plan.groups for index in group.rule_indexes] == [0, 2, 1]
    assert not any(group.crosses for group in plan.groups)


def test_the_fingerprint_is_stable_and_follows_what_the_commands_do():
    base = plan_of(RUNBOOK_TICKET).plan_fingerprint
    assert base == plan_of(RUNBOOK_TICKET).plan_fingerprint
    assert len(base) == 16
    reworded = RUNBOOK_TICKET.replace("lorsque le champ =", "quand le champ vaut").replace("Bonjour", "Salut")
    assert plan_of(reworded).plan_fingerprint == base
    assert plan_of(RUNBOOK_TICKET.replace("CHU 77 →", "CHU 78 →", 1)).plan_fingerprint != base
    assert plan_of(RUNBOOK_TICKET, field_slug="autre").plan_fingerprint != base
    assert plan_of(RUNBOOK_TICKET + "\nAvec hébergements").plan_fingerprint != base


def test_shared_prefix_is_dropped_only_when_every_name_has_it():
    assert (
        shared_prefix(["France Fraternités - CHU 75", "France Fraternités - CPH"]) == "France Fraternités - "
    )
    assert shared_prefix(["France Fraternités - CHU 75", "Autre - CPH"]) == ""
    assert shared_prefix(["A - B - C", "A - B - D"]) == "A - B - "
    assert shared_prefix(["France Fraternités - CHU 75", "France Fraternités - "]) == ""


def test_crossing_note():
    assert [plain(note) for note in crossing_notes(plan_of(RUNBOOK_TICKET))] == [
        "Croisement entre CHU 75 (ID 4537) et CPH (ID 4960) : terminer et vérifier le groupe 1 "
        "avant de lancer le groupe 2, même en prod."
    ]


def test_step_four_text_exactly():
    text = render_commands(
        plan_of(
            "Centre initial = France Fraternités - CHU 75 (ID 4537) - lorsque le champ = "
            "CHU 77 → vers France Fraternités - CHU 77 (ID 5644), avec hébergements"
        )
    )
    assert plain(text) == (
        "Centre initial = France Fraternités - CHU 75 (ID 4537)\n"
        "\n"
        "Commande 1 :\n"
        "\n"
        "```\n"
        "php bin/console app:migrate-individuals-to-other-organization -o 4537 -d 5644 -f migration-des-donnees "
        '-t "CHU 77" --withAccommodations\n'
        "```\n"
    )


def test_files_that_would_move_twice_are_flagged():
    from bot.domain.plan import plan_ticket

    text = (
        "Centre initial = A (ID 1)\n- si le champ = X → B (ID 2)\n"
        "Centre initial = B (ID 2)\n- si le champ = X → C (ID 3)\n- si le champ = Y → A (ID 1)"
    )
    _, ticket = plan_ticket(parse_ticket(text), field_slug="migration-des-donnees")
    assert [(w.line, notice_message(w)) for w in ticket.warnings] == [
        (
            2,
            "les dossiers « X » envoyés du centre 1 vers le centre 2 seraient repris par la règle de la ligne 4 "
            "vers le centre 3 : ils bougeraient deux fois",
        )
    ]
