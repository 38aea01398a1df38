"""PREPROD_APPLY by construction: one function of the console adapter runs without `--dry-run`
(`run_approved`), reachable only with an `ApprovedGroup`, which only the execution service (`bot.app.launch`)
builds; every dry-run path still cannot drop `--dry-run`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.adapters.console import LocalRunner, approved_arguments, check_allowed, dry_run_arguments
from bot.domain.apply import ApprovedGroup
from bot.domain.command import DryRunCommand, FinalCommand
from bot.domain.model import Center, Rule

BOT = Path(__file__).parents[2] / "bot"


def calls(name: str) -> dict[tuple[str, str], int]:
    """(module, enclosing function) of bot/ calling `name` (a function, a method or a class), how many times."""
    found: dict[tuple[str, str], int] = {}
    for path in sorted(BOT.rglob("*.py")):
        for function in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(function, ast.FunctionDef):
                continue
            for node in ast.walk(function):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if called == name:
                    where = (str(path.relative_to(BOT.parent)), function.name)
                    found[where] = found.get(where, 0) + 1
    return found


def approvals_handed_on() -> set[tuple[str, str, str]]:
    """(module, enclosing function, callee) of every call passing `approved=` to the runner's spawn path."""
    found = set()
    for path in sorted(BOT.rglob("*.py")):
        for function in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(function, ast.FunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Call) and any(k.arg == "approved" for k in node.keywords):
                    callee = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
                    if callee in {"_execute", "check_allowed"}:
                        found.add((str(path.relative_to(BOT.parent)), function.name, callee))
    return found


def test_only_the_execution_service_runs_a_group_for_real():
    assert calls("run_approved") == {
        ("bot/app/launch.py", "_run_commands"): 1,
        # The monitoring wrapper passes the same group through to the adapter (it cannot build one).
        ("bot/app/monitoring.py", "run_approved"): 1,
    }


def test_only_the_execution_service_builds_an_approved_group():
    assert calls("ApprovedGroup") == {("bot/app/launch.py", "_approved_group"): 1}


def test_only_run_approved_hands_an_approval_to_the_spawn_point():
    # run_approved → _execute(approved=…) → check_allowed(approved=…); approved_arguments checks it too
    assert approvals_handed_on() == {
        ("bot/adapters/console.py", "approved_arguments", "check_allowed"),
        ("bot/adapters/console.py", "run_approved", "_execute"),
        ("bot/adapters/console.py", "_execute", "check_allowed"),  # both runners' spawn points
    }


def rule() -> Rule:
    return Rule(origin=Center(4537, "CHU 75"), destination=Center(5644, "CHU 77"), field="f", value="CHU 77")


def group(*commands: object) -> ApprovedGroup:
    return ApprovedGroup(
        card_id="c",
        round=1,
        description_hash="d",
        plan_fingerprint="p",
        group=1,
        commands=commands,  # type: ignore[arg-type]
        approved_by="U1",
    )


def test_the_dry_run_paths_still_refuse_anything_without_dry_run():
    final = FinalCommand(rule())
    with pytest.raises(TypeError):
        check_allowed(final.arguments())  # without an approved group: refused at the spawn point
    with pytest.raises(TypeError):
        dry_run_arguments(group(final))  # an approved group is not a dry-run
    runner = LocalRunner(console_argv=["false"], workdir=None, timeout_s=5)
    with pytest.raises(TypeError):
        runner.run(final)  # type: ignore[arg-type]
    assert DryRunCommand.of(rule()).arguments()[-1] == "--dry-run"


def test_a_look_alike_or_foreign_arguments_never_run_for_real():
    final = FinalCommand(rule())

    class LookAlike(ApprovedGroup):
        pass

    with pytest.raises(TypeError):
        approved_arguments(LookAlike(**group(final).__dict__), 0)
    with pytest.raises(TypeError):
        approved_arguments(group(DryRunCommand(final)), 0)  # a dry-run dressed as a final command
    other = FinalCommand(Rule(origin=Center(1, "A"), destination=Center(2, "B"), field="f", value="x"))
    with pytest.raises(TypeError):
        check_allowed(other.arguments(), approved=group(final))  # not one of the group's commands


def test_a_real_run_and_an_untick_are_writes_a_standby_process_never_makes():
    from bot.app.leadership import BOARD_WRITES, CONSOLE_WRITES, Guarded

    class Standby(Exception):
        pass

    def not_leader() -> None:
        raise Standby

    reached = []

    class Recording:
        def run_approved(self, *_: object) -> None:
            reached.append("run_approved")

        def untick(self, *_: object) -> None:
            reached.append("untick")

    with pytest.raises(Standby):
        Guarded(Recording(), ensure=not_leader, writes=CONSOLE_WRITES).run_approved(group(), 0)
    with pytest.raises(Standby):
        Guarded(Recording(), ensure=not_leader, writes=BOARD_WRITES).untick("card", "item")
    assert reached == []
