"""The local transport runs real processes: small Python scripts stand in for `php bin/console`."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

from bot.adapters.console import LocalRunner
from bot.app.simulation import run_all
from bot.domain.command import DRY_RUN_FLAG, MIGRATION_COMMAND, DryRunCommand
from bot.domain.model import Center, Rule
from tests.support.text import plain

# What people may type in a ticket's value, and what a shell would love to interpret.
HOSTILE_VALUES = (
    'CHU "77"',
    "l'Étoile",
    "$(id)",
    "`id`",
    "a; touch /tmp/migrabot-pwned",
    "a && b || c",
    "a | cat",
    "ligne 1\nligne 2",
    "fin\n",
    "back\\slash\\",
    "*",
    "-x",
    "--dry-run-not",
    "Café – 日本 🙂",
    "  espaces  autour ",
    "",
    "$HOME ${PATH} %C %h ~root",
    "tab\tcr\r",
    "'\"'\\'",
    "#pas un commentaire",
    "!! > /tmp/x < /dev/null &",
)

# Prints what it received, as raw bytes, so nothing is lost to decoding on the way back.
ECHO_CONSOLE = """\
import json, os, sys
print(json.dumps({
    "argv": [os.fsencode(arg).hex() for arg in sys.argv[1:]],
    "cwd": os.getcwd(),
    "probe": os.environ.get("MIGRABOT_PROBE"),
    "secrets": sorted(name for name in os.environ if name.startswith(("TRELLO_", "SLACK_", "APPLY_"))),
}))
"""

FAILING_CONSOLE = """\
import sys
sys.stdout.buffer.write(b"Migration simul\\xc3\\xa9e\\n\\xff\\n")
sys.stderr.write("[ERROR] Organisation 4537 introuvable\\n")
sys.exit(3)
"""

# Starts a grandchild in the same process group, records its pid, then outlives any timeout;
# it also dies on its own when its output is closed, so nothing lingers even if a kill were missed.
SLOW_CONSOLE = """\
import subprocess, sys, time
pid_file = sys.argv[1]
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
with open(pid_file, "w") as handle:
    handle.write(str(child.pid))
print("started", flush=True)
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    time.sleep(0.05)
    print(".", end="", flush=True)
"""

BARRIER_CONSOLE = """\
import os, sys, time
directory, expected, value = sys.argv[1], int(sys.argv[2]), sys.argv[-2]
open(os.path.join(directory, value.encode().hex()), "w").close()
deadline = time.monotonic() + 10
while len(os.listdir(directory)) < expected:
    if time.monotonic() > deadline:
        sys.exit("not run concurrently")
    time.sleep(0.01)
print(value)
"""


def dry_run(value: str | None, *, field: str | None = "migration-des-donnees") -> DryRunCommand:
    rule = Rule(origin=Center(4537, "CHU 75"), destination=Center(5644, "CHU 77"), field=field, value=value)
    return DryRunCommand.of(rule)


def python_console(script: Path, *extra: str) -> list[str]:
    # -S skips site-packages: faster start, and the scripts only use the standard library.
    return [sys.executable, "-S", str(script), *extra]


def received_arguments(stdout: str) -> list[bytes]:
    return [bytes.fromhex(item) for item in json.loads(stdout)["argv"]]


def encoded(arguments: tuple[str, ...]) -> list[bytes]:
    return [argument.encode("utf-8") for argument in arguments]


def is_running(pid: int) -> bool:
    """True while the process exists and is not a zombie waiting for its parent."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in {"Z", "X"}


@pytest.fixture
def scripts(tmp_path: Path) -> dict[str, Path]:
    directory = tmp_path / "scripts"
    directory.mkdir()
    sources = {
        "echo": ECHO_CONSOLE,
        "failing": FAILING_CONSOLE,
        "slow": SLOW_CONSOLE,
        "barrier": BARRIER_CONSOLE,
    }
    paths = {}
    for name, source in sources.items():
        paths[name] = directory / f"{name}.py"
        paths[name].write_text(source)
    return paths


def test_hostile_values_arrive_byte_for_byte(scripts: dict[str, Path]) -> None:
    runner = LocalRunner(console_argv=python_console(scripts["echo"]), workdir=None, timeout_s=10)
    commands = [dry_run(value) for value in HOSTILE_VALUES]

    results = run_all(runner, commands)

    for command, result in zip(commands, results, strict=True):
        assert result.exit_code == 0, result.stderr
        assert received_arguments(result.stdout) == encoded(command.arguments())
        assert received_arguments(result.stdout)[-1] == DRY_RUN_FLAG.encode()


def test_console_command_words_come_first(tmp_path: Path, scripts: dict[str, Path]) -> None:
    runner = LocalRunner(
        console_argv=python_console(scripts["echo"], "bin/console"), workdir=None, timeout_s=10
    )

    result = runner.run(dry_run(None, field=None))

    assert received_arguments(result.stdout) == [
        b"bin/console",
        MIGRATION_COMMAND.encode(),
        *encoded(("-o", "4537", "-d", "5644", "--noField", "--dry-run")),
    ]


def test_runs_in_the_workdir_even_with_spaces_and_quotes(tmp_path: Path, scripts: dict[str, Path]) -> None:
    workdir = tmp_path / "appli l'été $(id)"
    workdir.mkdir()
    runner = LocalRunner(console_argv=python_console(scripts["echo"]), workdir=workdir, timeout_s=10)

    result = runner.run(dry_run("CHU 77"))

    assert json.loads(result.stdout)["cwd"] == str(workdir)


@pytest.mark.parametrize("workdir", [None, ""])
def test_no_workdir_means_the_current_directory(
    workdir: str | None, tmp_path: Path, scripts: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    runner = LocalRunner(console_argv=python_console(scripts["echo"]), workdir=workdir, timeout_s=10)

    result = runner.run(dry_run("CHU 77"))

    assert json.loads(result.stdout)["cwd"] == str(tmp_path)


def test_the_bots_environment_is_passed_through(
    scripts: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIGRABOT_PROBE", "valeur héritée")
    runner = LocalRunner(console_argv=python_console(scripts["echo"]), workdir=None, timeout_s=10)

    result = runner.run(dry_run("CHU 77"))

    assert json.loads(result.stdout)["probe"] == "valeur héritée"


def test_the_bots_credentials_never_reach_the_console(
    scripts: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRELLO_TOKEN", "secret-token")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-secret")
    monkeypatch.setenv(
        "APPLY_SIGNING_KEY", "k" * 48
    )  # PREPROD_APPLY's key signs runs: the console never sees it
    runner = LocalRunner(console_argv=python_console(scripts["echo"]), workdir=None, timeout_s=10)

    result = runner.run(dry_run("CHU 77"))

    assert json.loads(result.stdout)["secrets"] == []


def test_an_explicit_environment_replaces_it(
    scripts: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIGRABOT_PROBE", "valeur héritée")
    runner = LocalRunner(
        console_argv=python_console(scripts["echo"]),
        workdir=None,
        timeout_s=10,
        env={"MIGRABOT_PROBE": "valeur donnée"},
    )

    result = runner.run(dry_run("CHU 77"))

    assert json.loads(result.stdout)["probe"] == "valeur donnée"


def test_a_failing_console_keeps_exit_code_and_both_streams(scripts: dict[str, Path]) -> None:
    runner = LocalRunner(console_argv=python_console(scripts["failing"]), workdir=None, timeout_s=10)

    result = runner.run(dry_run("CHU 77"))

    assert result.exit_code == 3
    assert result.stdout == "Migration simulée\n\ufffd\n"  # invalid UTF-8 is replaced, not fatal
    assert result.stderr == "[ERROR] Organisation 4537 introuvable\n"
    assert not result.timed_out
    assert result.start_error is None
    assert result.duration_s > 0


def test_a_timeout_kills_the_whole_process_group(tmp_path: Path, scripts: dict[str, Path]) -> None:
    pid_file = tmp_path / "grandchild.pid"
    runner = LocalRunner(
        console_argv=python_console(scripts["slow"], str(pid_file)), workdir=None, timeout_s=0.5
    )

    started = time.monotonic()
    result = runner.run(dry_run("CHU 77"))
    elapsed = time.monotonic() - started

    assert result.timed_out
    assert result.exit_code is None
    assert result.stdout.startswith("started\n.")  # what was printed before the kill is kept
    assert 0.5 <= elapsed < 2.5
    grandchild = int(pid_file.read_text())
    deadline = time.monotonic() + 2
    while is_running(grandchild) and time.monotonic() < deadline:
        time.sleep(0.01)  # SIGKILL is delivered asynchronously
    assert not is_running(grandchild)


def test_a_missing_executable_is_a_result_not_an_exception(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-php")
    runner = LocalRunner(console_argv=[missing, "bin/console"], workdir=None, timeout_s=10)

    result = runner.run(dry_run("CHU 77"))

    assert result.exit_code is None
    assert plain(result.start_error or "") == f"Impossible de lancer « {missing} » : programme introuvable."
    assert (result.stdout, result.stderr, result.timed_out) == ("", "", False)


def test_a_missing_workdir_is_a_result_not_an_exception(tmp_path: Path, scripts: dict[str, Path]) -> None:
    workdir = tmp_path / "absent"
    runner = LocalRunner(console_argv=python_console(scripts["echo"]), workdir=workdir, timeout_s=10)

    result = runner.run(dry_run("CHU 77"))

    assert result.exit_code is None
    assert plain(result.start_error or "") == f"Le dossier de travail « {workdir} » n'existe pas."


def test_migration_help_asks_the_console_for_the_commands_help(scripts: dict[str, Path]) -> None:
    runner = LocalRunner(console_argv=python_console(scripts["echo"]), workdir=None, timeout_s=10)

    result = runner.migration_help()

    assert received_arguments(result.stdout) == [b"help", MIGRATION_COMMAND.encode()]


def test_run_all_is_sequential_by_default_and_announces_each_run(
    tmp_path: Path, scripts: dict[str, Path]
) -> None:
    runner = LocalRunner(console_argv=python_console(scripts["echo"]), workdir=None, timeout_s=10)
    commands = [dry_run(f"valeur {index}") for index in range(3)]
    events: list[tuple[str, int]] = []

    class RecordingRunner:
        def run(self, command: DryRunCommand) -> object:
            events.append(("run", commands.index(command)))
            return runner.run(command)

    def on_start(index: int, command: DryRunCommand) -> None:
        assert command is commands[index]
        events.append(("start", index))

    results = run_all(RecordingRunner(), commands, on_start=on_start)  # type: ignore[arg-type]

    assert events == [("start", 0), ("run", 0), ("start", 1), ("run", 1), ("start", 2), ("run", 2)]
    assert [received_arguments(result.stdout)[-2] for result in results] == [
        b"valeur 0",
        b"valeur 1",
        b"valeur 2",
    ]


def test_run_all_with_concurrency_runs_at_once_and_keeps_input_order(
    tmp_path: Path, scripts: dict[str, Path]
) -> None:
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    values = [f"valeur {index}" for index in range(4)]
    # Each process waits until all four have started: this only passes if they really run together.
    console = python_console(scripts["barrier"], str(barrier), str(len(values)))
    runner = LocalRunner(console_argv=console, workdir=None, timeout_s=15)
    started: list[int] = []

    results = run_all(
        runner,
        [dry_run(value) for value in values],
        concurrency=4,
        on_start=lambda index, _command: started.append(index),
    )

    assert [result.exit_code for result in results] == [0, 0, 0, 0], [result.stderr for result in results]
    assert [result.stdout for result in results] == [f"{value}\n" for value in values]
    assert sorted(started) == [0, 1, 2, 3]


def test_run_all_refuses_a_concurrency_below_one(scripts: dict[str, Path]) -> None:
    runner = LocalRunner(console_argv=python_console(scripts["echo"]), workdir=None, timeout_s=10)

    with pytest.raises(ValueError):
        run_all(runner, [dry_run("CHU 77")], concurrency=0)
