"""Nothing but a dry-run can reach a process: the runners are pointed at a recorder that leaves a trace
whenever it is executed, and every forbidden command must leave none."""

from __future__ import annotations

import dataclasses
import json
import shlex
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.adapters.console import (
    HELP_ARGUMENTS,
    LocalRunner,
    SshRunner,
    build_runner,
    parse_target,
    remote_command,
)
from bot.app.ports import Console
from bot.domain.command import DRY_RUN_FLAG, MIGRATION_COMMAND, DryRunCommand, FinalCommand
from bot.domain.model import Center, Rule
from bot.settings import Settings

RULE = Rule(
    origin=Center(4537, "CHU 75"), destination=Center(5644, "CHU 77"), field="migration", value="CHU 77"
)
GENUINE = DryRunCommand.of(RULE)


class FlagDroppingDryRun(DryRunCommand):
    """A subclass that 'forgets' the flag."""

    def arguments(self) -> tuple[str, ...]:
        return self.final.arguments()


class LookAlike:
    """Quacks like a DryRunCommand, without being one."""

    final = FinalCommand(RULE)

    def arguments(self) -> tuple[str, ...]:
        return self.final.arguments()

    def printable(self, console: str = "php bin/console") -> str:
        return " ".join(self.arguments())


@dataclasses.dataclass(frozen=True)
class OtherCommand:
    """Stands where a FinalCommand should be inside a DryRunCommand."""

    def arguments(self) -> tuple[str, ...]:
        return ("doctrine:schema:drop", "--force")


FORBIDDEN = {
    "final command": FinalCommand(RULE),
    "argument list": list(GENUINE.arguments()),
    "argument tuple": GENUINE.arguments(),
    "string": " ".join(GENUINE.arguments()),
    "subclass dropping the flag": FlagDroppingDryRun(FinalCommand(RULE)),
    "look-alike": LookAlike(),
    "dry-run wrapping another command": DryRunCommand(OtherCommand()),  # type: ignore[arg-type]
    "nothing": None,
}


@pytest.fixture
def recorder(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """An executable that writes its argv to a trace file: the trace proves it ran."""
    trace = tmp_path / "trace.json"
    script = tmp_path / "recorder"
    script.write_text(
        f"#!{sys.executable} -S\n"
        "import json, sys\n"
        f"open({str(trace)!r}, 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n"
    )
    script.chmod(0o755)
    yield script, trace


def local_runner(script: Path) -> LocalRunner:
    return LocalRunner(console_argv=[str(script)], workdir=None, timeout_s=10)


def ssh_runner(script: Path) -> SshRunner:
    # The recorder stands in for the `ssh` client itself: if it runs, something got through.
    return SshRunner(
        target="deploy@preprod.example:2222",
        ssh_options="-i /keys/migrabot -o UserKnownHostsFile=/keys/known_hosts",
        workdir="/srv/reconnect app",
        console_command="php bin/console",
        timeout_s=10,
        ssh_binary=str(script),
    )


RUNNERS: dict[str, Callable[[Path], Console]] = {"local": local_runner, "ssh": ssh_runner}


def recorded(trace: Path) -> list[list[str]]:
    if not trace.exists():
        return []
    return [json.loads(line) for line in trace.read_text().splitlines()]


@pytest.mark.parametrize("make_runner", RUNNERS.values(), ids=RUNNERS.keys())
@pytest.mark.parametrize("command", FORBIDDEN.values(), ids=FORBIDDEN.keys())
def test_nothing_but_a_dry_run_reaches_a_process(
    command: object, make_runner: Callable[[Path], Console], recorder: tuple[Path, Path]
) -> None:
    script, trace = recorder
    runner = make_runner(script)
    try:
        with pytest.raises(TypeError):
            runner.run(command)  # type: ignore[arg-type]
    finally:
        runner.close()
    assert recorded(trace) == []


@pytest.mark.parametrize("make_runner", RUNNERS.values(), ids=RUNNERS.keys())
def test_a_genuine_dry_run_does_reach_the_recorder(
    make_runner: Callable[[Path], Console], recorder: tuple[Path, Path]
) -> None:
    """The control: the recorder does notice when it runs."""
    script, trace = recorder
    runner = make_runner(script)

    result = runner.run(GENUINE)
    runner.close()

    assert result.exit_code == 0, result.stderr
    [argv] = recorded(trace)
    assert argv[-1].endswith(DRY_RUN_FLAG)


def test_even_the_internal_spawn_point_refuses_arguments_without_the_flag(
    recorder: tuple[Path, Path],
) -> None:
    script, trace = recorder
    for runner in (local_runner(script), ssh_runner(script)):
        for arguments in (
            FinalCommand(RULE).arguments(),
            ("cache:clear", DRY_RUN_FLAG),
            [*GENUINE.arguments()],
        ):
            with pytest.raises(TypeError):
                runner._execute(arguments)  # type: ignore[arg-type]
        runner.close()
    assert recorded(trace) == []


@pytest.mark.parametrize("make_runner", RUNNERS.values(), ids=RUNNERS.keys())
def test_an_end_of_options_marker_in_a_value_cannot_disable_the_dry_run(
    make_runner: Callable[[Path], Console], recorder: tuple[Path, Path]
) -> None:
    """After a bare `--`, Symfony would read `--dry-run` as a plain argument: a value `--` travels inline."""
    script, trace = recorder
    runner = make_runner(script)

    result = runner.run(DryRunCommand.of(dataclasses.replace(RULE, value="--")))
    runner.close()

    assert result.start_error is None
    [arguments] = recorded(trace)
    console_words = shlex.split(arguments[-1]) if "BatchMode=yes" in arguments else arguments
    assert "--" not in console_words
    assert console_words[-2:] == ["--targetFieldValue=--", "--dry-run"]


def test_migration_help_runs_only_the_constant_help(recorder: tuple[Path, Path]) -> None:
    script, trace = recorder

    local_runner(script).migration_help()

    assert recorded(trace) == [list(HELP_ARGUMENTS)]
    assert HELP_ARGUMENTS == ("help", MIGRATION_COMMAND)


def test_the_ssh_client_gets_batch_mode_a_shared_master_and_a_quoted_remote_command(
    recorder: tuple[Path, Path],
) -> None:
    script, trace = recorder
    runner = ssh_runner(script)
    command = DryRunCommand.of(dataclasses.replace(RULE, value="$(reboot); 'x' \"y\"\n"))

    runner.run(command)
    control_path = f"ControlPath={runner.control_dir}/%C"
    runner.close()

    [argv] = recorded(trace)
    assert argv == [
        *("-n", "-T", "-o", "BatchMode=yes", "-p", "2222"),
        *("-o", "ControlMaster=auto", "-o", control_path, "-o", "ControlPersist=60s"),
        *("-i", "/keys/migrabot", "-o", "UserKnownHostsFile=/keys/known_hosts"),
        *("--", "deploy@preprod.example", argv[-1]),
    ]
    # The remote shell splits the command back into exactly the words we meant.
    assert shlex.split(argv[-1]) == [
        "cd",
        "/srv/reconnect app",
        "&&",
        "php",
        "bin/console",
        *command.arguments(),
    ]


def test_the_remote_command_quotes_every_word_and_skips_an_empty_workdir() -> None:
    assert remote_command(workdir="", console_words=["php", "bin/console"], arguments=["a b", "$x"]) == (
        "php bin/console 'a b' '$x'"
    )
    assert remote_command(workdir="/srv/l'app", console_words=["php"], arguments=["-t", ""]) == (
        "cd '/srv/l'\"'\"'app' && php -t ''"
    )


@pytest.mark.parametrize(
    "target", ["-oProxyCommand=touch@x", "preprod", "user@host:22:1", "user@-host", "user@host; id", ""]
)
def test_a_target_ssh_could_read_as_an_option_is_refused(target: str) -> None:
    with pytest.raises(ValueError):
        parse_target(target)


def test_targets_with_and_without_port() -> None:
    assert parse_target("deploy@preprod.example") == ("deploy@preprod.example", None)
    assert parse_target("deploy@10.0.0.5:2222") == ("deploy@10.0.0.5", "2222")


def test_build_runner_picks_ssh_when_a_target_is_set(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, console_ssh="deploy@preprod.example:2222", console_workdir="/srv/app")
    runner = build_runner(settings)
    try:
        assert isinstance(runner, SshRunner)
    finally:
        runner.close()


def test_build_runner_is_local_otherwise() -> None:
    runner = build_runner(Settings(_env_file=None, console_ssh="", console_command="php bin/console"))

    assert isinstance(runner, LocalRunner)
