"""deploy/preprod-ssh-guard: run directly (SSH_ORIGINAL_COMMAND set by hand) and through a real sshd whose
authorized_keys forces it with `command=`, in front of the bot's real SSH runner and doctor's check."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.adapters.console import SshRunner, remote_command
from bot.commands.doctor import check_console
from bot.domain.command import MIGRATION_COMMAND, DryRunCommand
from bot.domain.model import Center, Rule
from bot.settings import SLUG_PATTERN
from tests.integration.adapters.test_runner_local import ECHO_CONSOLE, HOSTILE_VALUES, received_arguments
from tests.support.simulator import console_command, reconnect_db, seeded_template  # noqa: F401
from tests.support.sshd import SshServer, serve_sshd

GUARD = Path(__file__).resolve().parents[2] / "deploy" / "preprod-ssh-guard"


def load_guard():
    loader = importlib.machinery.SourceFileLoader("preprod_ssh_guard", str(GUARD))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(module)
    return module


def rule(value: str | None, *, no_field: bool = False, **options: bool) -> Rule:
    return Rule(
        origin=Center(4537, "CHU 75"),
        destination=Center(5644, "CHU 77"),
        field=None if no_field else "migration-des-donnees",
        value=value,
        **options,
    )


def bot_commands() -> list[DryRunCommand]:
    """What the bot sends: every hostile value, each shape of rule."""
    commands = [DryRunCommand.of(rule(value)) for value in HOSTILE_VALUES]
    commands += [
        DryRunCommand.of(rule("CHU 77", with_deleted=True, with_accommodations=True)),
        DryRunCommand.of(rule("-x", with_accommodations=True)),
        DryRunCommand.of(rule(None, no_field=True, with_deleted=True)),
    ]
    return commands


class Guarded:
    """The guard run as sshd would run it, with an echo console in a workdir."""

    def __init__(self, root: Path) -> None:
        self.workdir = root / "reconnect"
        self.workdir.mkdir()
        self.echo = root / "echo.py"
        self.echo.write_text(ECHO_CONSOLE)
        self.console = shlex.join([sys.executable, "-S", str(self.echo)])
        self.log = root / "guard.log"

    def sent(self, arguments: tuple[str, ...] | list[str]) -> str:
        """The line the bot's SSH runner sends for these console arguments."""
        return remote_command(
            workdir=str(self.workdir), console_words=shlex.split(self.console), arguments=arguments
        )

    def run(self, original_command: str | bytes | None) -> subprocess.CompletedProcess[bytes]:
        env = {key: value for key, value in os.environ.items() if key != "SSH_ORIGINAL_COMMAND"}
        if original_command is not None:
            env["SSH_ORIGINAL_COMMAND"] = original_command  # type: ignore[assignment]
        options = ["--workdir", str(self.workdir), "--console", self.console, "--log-file", str(self.log)]
        return subprocess.run(
            [sys.executable, str(GUARD), *options], env=env, capture_output=True, timeout=30, check=False
        )


@pytest.fixture
def guarded(tmp_path: Path) -> Guarded:
    return Guarded(tmp_path)


# --- directly -----------------------------------------------------------------------------------------


def test_every_command_the_bot_sends_is_executed_in_the_workdir_byte_for_byte(guarded: Guarded):
    for command in bot_commands():
        result = guarded.run(guarded.sent(command.arguments()))
        assert result.returncode == 0, (command, result.stderr)
        received = json.loads(result.stdout)
        assert received_arguments(result.stdout) == [a.encode() for a in command.arguments()]
        assert received["cwd"] == str(guarded.workdir)
    assert guarded.log.read_text().count("accepted: ") == len(bot_commands())


def test_doctors_help_command_is_executed(guarded: Guarded):
    result = guarded.run(guarded.sent(("help", MIGRATION_COMMAND)))
    assert result.returncode == 0, result.stderr
    assert received_arguments(result.stdout) == [b"help", MIGRATION_COMMAND.encode()]


def test_values_that_are_not_utf8_pass_byte_for_byte(guarded: Guarded):
    line = guarded.sent(DryRunCommand.of(rule("X")).arguments()).encode().replace(b"-t X", b"-t '\xff\xfe'")
    result = guarded.run(line)
    assert result.returncode == 0, result.stderr
    assert received_arguments(result.stdout)[-2] == b"\xff\xfe"


MIGRATE = "app:migrate-individuals-to-other-organization -o 4537 -d 5644 -f migration-des-donnees -t 'CHU 77'"
REFUSED = {
    "no --dry-run": f"{MIGRATE}",
    "--dry-run=0": f"{MIGRATE} --dry-run=0",
    "--dry-run not last": "app:migrate-individuals-to-other-organization --dry-run -o 1 -d 2 --noField",
    "--dry-run twice": f"{MIGRATE} --dry-run --dry-run",
    "-- before --dry-run": f"{MIGRATE} -- --dry-run",
    "another console command": "cache:clear --dry-run",
    "another command's help": "help cache:clear",
    "an extra option": f"{MIGRATE} --env=prod --dry-run",
    "a value that passes for an option": "app:migrate-individuals-to-other-organization -o 1 -d 2 -f f -t -x --dry-run",
    "an id that is not a number": "app:migrate-individuals-to-other-organization -o 1x -d 2 --noField --dry-run",
    "a field that is not a slug": "app:migrate-individuals-to-other-organization -o 1 -d 2 -f 'a b' -t v --dry-run",
    "flags out of order": f"{MIGRATE} --withAccommodations --withDeleted --dry-run",
    "a second command": f"{MIGRATE} --dry-run && rm -rf /",
    "a semicolon": f"{MIGRATE} --dry-run; rm -rf /",
    "a pipe": f"{MIGRATE} --dry-run | sh",
    "a redirection": f"{MIGRATE} --dry-run > /tmp/x",
    "a command substitution": "app:migrate-individuals-to-other-organization -o $(id) -d 2 --noField --dry-run",
    "backticks": "app:migrate-individuals-to-other-organization -o `id` -d 2 --noField --dry-run",
    "an expansion in double quotes": f"{MIGRATE.replace('CHU 77', 'x')} --dry-run".replace("'x'", '"$HOME"'),
    "a glob": f"{MIGRATE.replace(chr(39) + 'CHU 77' + chr(39), 'CHU*')} --dry-run",
    "a newline": f"{MIGRATE} --dry-run\nrm -rf /",
    "a background job": f"{MIGRATE} --dry-run &",
    "an unterminated quote": f"{MIGRATE} --dry-run '",
    # `$` matches before a final newline: every pattern is matched whole (issue 25, point 10).
    "an id ending in a newline": "app:migrate-individuals-to-other-organization -o '4537\n' -d 2 --noField --dry-run",
    "a slug ending in a newline": "app:migrate-individuals-to-other-organization -o 1 -d 2 -f 'a\n' -t v --dry-run",
}


@pytest.mark.parametrize("tail", list(REFUSED.values()), ids=list(REFUSED))
def test_anything_else_is_refused_with_one_line_and_a_log_line(guarded: Guarded, tail: str):
    result = guarded.run(f"cd {shlex.quote(str(guarded.workdir))} && {guarded.console} {tail}")
    assert result.returncode != 0
    assert result.stdout == b""  # the console never ran
    stderr = result.stderr.decode()
    assert stderr.startswith("preprod-ssh-guard: refused: ") and stderr.count("\n") == 1
    assert guarded.log.read_text().startswith("refused (")


def test_another_directory_another_console_or_no_cd_is_refused(guarded: Guarded):
    arguments = DryRunCommand.of(rule("CHU 77")).arguments()
    wrong = [
        remote_command(workdir="/tmp", console_words=shlex.split(guarded.console), arguments=arguments),
        remote_command(
            workdir=str(guarded.workdir), console_words=["php", "bin/console"], arguments=arguments
        ),
        remote_command(workdir="", console_words=shlex.split(guarded.console), arguments=arguments),
        guarded.sent(arguments).replace(" && ", " '&&' "),
        guarded.sent(arguments).replace(" && ", " ; "),
    ]
    for line in wrong:
        result = guarded.run(line)
        assert result.returncode != 0 and result.stdout == b"", line


def test_an_interactive_login_is_refused(guarded: Guarded):
    result = guarded.run(None)
    assert result.returncode != 0
    assert b"interactive" in result.stderr
    assert "(interactive login)" in guarded.log.read_text()


def test_the_guard_knows_the_bots_slug_pattern():
    assert load_guard().SLUG.pattern == SLUG_PATTERN


# --- through a real sshd with command= -----------------------------------------------------------------


@pytest.fixture
def guarded_sshd(tmp_path: Path, guarded: Guarded) -> Iterator[tuple[SshServer, Guarded]]:
    options = [
        "--workdir",
        str(guarded.workdir),
        "--console",
        guarded.console,
        "--log-file",
        str(guarded.log),
    ]
    forced = shlex.join([sys.executable, str(GUARD), *options])
    assert '"' not in forced
    directory = tmp_path / "sshd"
    directory.mkdir()
    with serve_sshd(directory, key_options=f'command="{forced}",restrict') as server:
        yield server, guarded


def ssh_runner(server: SshServer, *, workdir: Path, console: str) -> SshRunner:
    return SshRunner(
        target=server.target,
        ssh_options=server.ssh_options,
        workdir=str(workdir),
        console_command=console,
        timeout_s=30,
    )


def test_the_bots_ssh_runner_passes_through_the_guard(guarded_sshd: tuple[SshServer, Guarded]):
    server, guarded = guarded_sshd
    runner = ssh_runner(server, workdir=guarded.workdir, console=guarded.console)
    try:
        for command in bot_commands():
            result = runner.run(command)
            assert result.exit_code == 0, (command, result.stderr)
            assert received_arguments(result.stdout) == [a.encode() for a in command.arguments()]
        help_result = runner.migration_help()
        assert received_arguments(help_result.stdout) == [b"help", MIGRATION_COMMAND.encode()]
    finally:
        runner.close()


def test_doctors_console_check_passes_through_the_guard(tmp_path: Path, reconnect_db: Path):  # noqa: F811
    workdir = tmp_path / "app"
    workdir.mkdir()
    console = console_command(reconnect_db)
    forced = shlex.join([sys.executable, str(GUARD), "--workdir", str(workdir), "--console", console])
    directory = tmp_path / "sshd"
    directory.mkdir()
    with serve_sshd(directory, key_options=f'command="{forced}",restrict') as server:
        runner = ssh_runner(server, workdir=workdir, console=console)
        try:
            check = check_console(runner, ssh_target=server.target, workdir=str(workdir), timeout_s=30)
            dry_run = runner.run(DryRunCommand.of(rule("CHU 77")))
        finally:
            runner.close()
    assert check.ok, check
    assert dry_run.exit_code == 0, dry_run.stderr


def test_a_stolen_key_cannot_run_anything_else_over_ssh(guarded_sshd: tuple[SshServer, Guarded]):
    server, guarded = guarded_sshd
    ssh = ["ssh", "-n", "-T", "-o", "BatchMode=yes", "-p", str(server.port), *shlex.split(server.ssh_options)]
    destination = f"{server.user}@{server.host}"
    final = guarded.sent(DryRunCommand.of(rule("CHU 77")).final.arguments())  # the migration itself
    for command in (final, "id", f"cd {guarded.workdir} && sh", ""):
        result = subprocess.run(
            [*ssh, destination, *([command] if command else [])], capture_output=True, timeout=30, check=False
        )
        assert result.returncode != 0, command
        assert result.stdout == b""
        assert b"preprod-ssh-guard: refused: " in result.stderr
    assert guarded.log.read_text().count("refused (") == 4
