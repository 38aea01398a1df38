"""The SSH transport against a real sshd on 127.0.0.1: the remote host is this machine, so the remote
console is one of the same small Python scripts the local tests use."""

from __future__ import annotations

import json
import os
import pwd
import shlex
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.adapters.console import SshRunner
from bot.app.simulation import run_all
from bot.domain.command import DRY_RUN_FLAG, MIGRATION_COMMAND
from tests.integration.adapters.test_runner_local import (
    ECHO_CONSOLE,
    FAILING_CONSOLE,
    HOSTILE_VALUES,
    dry_run,
    encoded,
    is_running,
    received_arguments,
)
from tests.support.sshd import SshServer, sshd_server  # noqa: F401
from tests.support.text import plain

# Records its pid, then keeps writing: once its session is gone, its next write fails and it ends,
# which is all a remote process can be told without a terminal.
WRITING_CONSOLE = """\
import os, sys, time
with open(sys.argv[1], "w") as handle:
    handle.write(str(os.getpid()))
print("started", flush=True)
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    time.sleep(0.05)
    print(".", end="", flush=True)
"""


@pytest.fixture
def remote_scripts(tmp_path: Path) -> dict[str, Path]:
    directory = tmp_path / "remote scripts"  # a space on purpose: the console path is quoted too
    directory.mkdir()
    paths = {}
    for name, source in {
        "echo": ECHO_CONSOLE,
        "failing": FAILING_CONSOLE,
        "writing": WRITING_CONSOLE,
    }.items():
        paths[name] = directory / f"{name}.py"
        paths[name].write_text(source)
    return paths


@pytest.fixture
def connect(sshd_server: SshServer) -> Iterator:  # noqa: F811
    """Builds SSH runners to the test server and closes them all afterwards."""
    runners: list[SshRunner] = []

    def make(script: Path, *extra: str, workdir: str = "", timeout_s: float = 10, **kwargs) -> SshRunner:
        console = shlex.join([sys.executable, "-S", str(script), *extra])
        runner = SshRunner(
            target=sshd_server.target,
            ssh_options=sshd_server.ssh_options,
            workdir=workdir,
            console_command=console,
            timeout_s=timeout_s,
            **kwargs,
        )
        runners.append(runner)
        return runner

    yield make
    for runner in runners:
        runner.close()


def sockets_in(directory: Path) -> list[Path]:
    return [path for path in directory.iterdir() if stat.S_ISSOCK(path.lstat().st_mode)]


def test_hostile_values_arrive_byte_for_byte_over_one_connection(
    sshd_server: SshServer,  # noqa: F811
    connect,
    remote_scripts: dict[str, Path],
) -> None:
    runner = connect(remote_scripts["echo"])
    # Two hostile values per command (as field and as value) keep the round trips few.
    pairs = zip(HOSTILE_VALUES[0::2], (*HOSTILE_VALUES[1::2], "CHU 77"), strict=True)
    commands = [dry_run(value, field=field) for field, value in pairs]
    logins_before = sshd_server.accepted_logins()

    results = run_all(runner, commands, concurrency=3)

    for command, result in zip(commands, results, strict=True):
        assert result.exit_code == 0, result.stderr
        assert received_arguments(result.stdout) == encoded(command.arguments())
    # One handshake for the whole ticket, even when runs start together.
    assert sshd_server.accepted_logins() - logins_before == 1


def test_migration_help_shares_the_connection_of_the_dry_runs(
    sshd_server: SshServer,  # noqa: F811
    connect,
    remote_scripts: dict[str, Path],
) -> None:
    runner = connect(remote_scripts["echo"])
    logins_before = sshd_server.accepted_logins()

    help_result = runner.migration_help()
    results = [runner.run(dry_run(value)) for value in ("CHU 77", "CPH", "DAHAR")]

    assert received_arguments(help_result.stdout) == [b"help", MIGRATION_COMMAND.encode()]
    assert [received_arguments(result.stdout)[-1] for result in results] == [DRY_RUN_FLAG.encode()] * 3
    assert sshd_server.accepted_logins() - logins_before == 1


def test_runs_in_the_remote_workdir_even_with_spaces_and_quotes(
    tmp_path: Path, connect, remote_scripts: dict[str, Path]
) -> None:
    workdir = tmp_path / "appli l'été $(id) ; x"
    workdir.mkdir()
    runner = connect(remote_scripts["echo"], workdir=str(workdir))

    result = runner.run(dry_run("CHU 77"))

    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["cwd"] == str(workdir)


def test_without_workdir_the_console_runs_in_the_remote_home(
    connect, remote_scripts: dict[str, Path]
) -> None:
    runner = connect(remote_scripts["echo"], workdir="")

    result = runner.run(dry_run("CHU 77"))

    assert json.loads(result.stdout)["cwd"] == pwd.getpwuid(os.getuid()).pw_dir


def test_a_missing_remote_workdir_fails_without_running_the_console(
    tmp_path: Path, connect, remote_scripts: dict[str, Path]
) -> None:
    runner = connect(remote_scripts["echo"], workdir=str(tmp_path / "absent"))

    result = runner.run(dry_run("CHU 77"))

    assert result.exit_code not in (0, None)
    assert result.stdout == ""
    assert "absent" in result.stderr


def test_a_failing_remote_console_keeps_exit_code_and_both_streams(
    connect, remote_scripts: dict[str, Path]
) -> None:
    runner = connect(remote_scripts["failing"])

    result = runner.run(dry_run("CHU 77"))

    assert result.exit_code == 3
    assert result.stdout == "Migration simulée\n\ufffd\n"
    assert result.stderr == "[ERROR] Organisation 4537 introuvable\n"
    assert not result.timed_out


def test_a_remote_timeout_is_reported_with_what_was_printed(
    tmp_path: Path, connect, remote_scripts: dict[str, Path]
) -> None:
    pid_file = tmp_path / "remote-console.pid"
    # 3 s: long enough for the SSH handshake and the remote Python to start on a loaded machine (with 1 s, a
    # busy CI could time out before the first line), far below the console's 30 s of writing.
    runner = connect(remote_scripts["writing"], str(pid_file), timeout_s=3.0)

    started = time.monotonic()
    result = runner.run(dry_run("CHU 77"))

    assert result.timed_out
    assert result.exit_code is None
    assert result.stdout.startswith("started\n.")
    assert time.monotonic() - started < 10.0  # killed at its timeout, not when the console ends (30 s)
    remote_console = int(pid_file.read_text())
    deadline = time.monotonic() + 3
    while is_running(remote_console) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not is_running(remote_console)  # its session was closed with the killed client


def test_close_ends_the_master_and_removes_its_socket(
    sshd_server: SshServer,  # noqa: F811
    connect,
    remote_scripts: dict[str, Path],
) -> None:
    with tempfile.TemporaryDirectory(prefix="mb-ctl-") as control_dir:
        runner = connect(remote_scripts["echo"], control_dir=Path(control_dir))
        runner.run(dry_run("CHU 77"))
        [socket_path] = sockets_in(Path(control_dir))
        assert master_is_alive(sshd_server, socket_path)

        runner.close()

        assert sockets_in(Path(control_dir)) == []
        assert not master_is_alive(sshd_server, socket_path)
        assert Path(control_dir).is_dir()  # a directory it was given is not its to delete
        runner.close()  # twice is harmless


def test_close_removes_the_control_directory_it_created(connect, remote_scripts: dict[str, Path]) -> None:
    runner = connect(remote_scripts["echo"])
    assert runner.control_dir is None  # nothing is made before a run needs it
    runner.run(dry_run("CHU 77"))
    control_dir = runner.control_dir
    assert len(sockets_in(control_dir)) == 1

    runner.close()

    assert not control_dir.exists()
    assert runner.control_dir is None


def test_an_unreachable_host_is_a_result(sshd_server: SshServer, remote_scripts: dict[str, Path]) -> None:  # noqa: F811
    runner = SshRunner(
        target=f"{sshd_server.user}@127.0.0.1:{closed_port()}",
        ssh_options=sshd_server.ssh_options,
        workdir="",
        console_command="php bin/console",
        timeout_s=10,
    )
    try:
        result = runner.run(dry_run("CHU 77"))
    finally:
        runner.close()

    assert result.exit_code == 255  # ssh's own failure code
    assert "Connection refused" in result.stderr


def test_a_missing_ssh_client_is_a_result(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-ssh")
    runner = SshRunner(
        target="deploy@preprod.example:2222",
        ssh_options="",
        workdir="/srv/reconnect",
        console_command="php bin/console",
        timeout_s=10,
        ssh_binary=missing,
    )
    try:
        result = runner.run(dry_run("CHU 77"))
    finally:
        runner.close()

    assert result.exit_code is None
    assert plain(result.start_error or "") == f"Impossible de lancer « {missing} » : programme introuvable."


def master_is_alive(server: SshServer, socket_path: Path) -> bool:
    """`ssh -O check` asks the master behind the socket whether it is still running."""
    options = ["-F", "/dev/null", "-o", f"ControlPath={socket_path}", "-p", str(server.port)]
    check = subprocess.run(
        ["ssh", *options, "-O", "check", "--", f"{server.user}@{server.host}"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=10,
    )
    return check.returncode == 0


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nobody listens once the probe is closed
