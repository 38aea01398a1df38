"""Verifying an executed group against the approved simulation: pure arithmetic on dry-run figures."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bot.app.simulation import simulate
from bot.domain.model import CenterCount, DryRun, Figures
from bot.domain.plan import plan_ticket
from bot.domain.ticket import parse_ticket
from bot.domain.verification import PREPROD, PROD, ItemRef, projected_counts, read_item, verify_group
from tests.support.fakes import FakeConsole

RUNBOOK = (Path(__file__).parents[3] / "sandbox/tickets/runbook.txt").read_text(encoding="utf-8")


def simulation():
    ticket = parse_ticket(RUNBOOK, default_field="migration-des-donnees")
    plan, _ = plan_ticket(ticket, field_slug="migration-des-donnees")
    return simulate(plan, FakeConsole(), console_command="php bin/console")


def after_a_correct_run(sim, group: int) -> tuple[DryRun, ...]:
    """What the dry-runs of a group say once the person ran it: nothing left, counts as projected."""
    counts = projected_counts(sim, through_group=group)
    runs = []
    for index in sim.plan.groups[group - 1].rule_indexes:
        run = sim.runs[index]
        origin, destination = run.figures.origin, run.figures.destination
        figures = Figures(
            origin=CenterCount(origin.id, origin.name, counts[origin.id], counts[origin.id], 0),
            destination=CenterCount(
                destination.id, destination.name, counts[destination.id], counts[destination.id], 0
            ),
        )
        runs.append(replace(run, figures=figures))
    return tuple(runs)


def test_checklist_items_are_read_by_environment_group_and_kind():
    assert read_item("Preprod — groupe 2 : CPH (ID 4960), 4 commandes") == ItemRef(PREPROD, 2, is_check=False)
    assert read_item("Prod — vérifier le groupe 1") == ItemRef(PROD, 1, is_check=True)
    assert read_item("Preprod — vérifier le groupe 1 (CHU 75 (ID 4537) : 160 → 83 suivis)") == ItemRef(
        PREPROD, 1, True
    )
    assert read_item("Relire le ticket") is None


def test_projection_applies_the_groups_in_order():
    sim = simulation()
    before = projected_counts(sim, through_group=0)
    after_first = projected_counts(sim, through_group=1)
    moved_out = sum(sim.runs[i].figures.origin.moved for i in sim.plan.groups[0].rule_indexes)
    assert after_first[4537] == before[4537] - moved_out
    assert after_first[4960] == before[4960] + sim.runs[1].figures.destination.moved  # CHU 75 → CPH


def test_a_correct_run_verifies_and_an_unrun_group_shows_every_rule_and_centre():
    sim = simulation()
    ok = verify_group(sim, environment=PREPROD, group=1, runs=after_a_correct_run(sim, 1))
    assert ok.ok and not ok.still_moving and not ok.differing

    untouched = verify_group(
        sim, environment=PREPROD, group=1, runs=tuple(sim.runs[i] for i in sim.plan.groups[0].rule_indexes)
    )
    assert not untouched.ok
    assert [r.rule_index for r in untouched.still_moving] == list(sim.plan.groups[0].rule_indexes)
    assert {c.center.id for c in untouched.differing} >= {4537}


def test_prod_checks_only_that_nothing_is_left_to_move():
    sim = simulation()
    runs = after_a_correct_run(sim, 1)
    shifted = tuple(
        replace(
            run,
            figures=replace(
                run.figures, origin=replace(run.figures.origin, before=run.figures.origin.before + 5)
            ),
        )
        for run in runs
    )
    assert verify_group(sim, environment=PROD, group=1, runs=shifted).ok
    assert not verify_group(sim, environment=PREPROD, group=1, runs=shifted).ok
