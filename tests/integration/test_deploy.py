"""deploy/: the compose file, the Dockerfile and the systemd unit, checked as far as this machine allows.

- No Docker engine here (only the client), so no image is built: the compose file is read with PyYAML, the
  Dockerfile is parsed into instructions and checked against the package (its commands must exist in
  `bot.cli.build_parser()`, its base image must satisfy `requires-python`), and the build stage is replayed
  (its COPY lines honouring .dockerignore, then the same `pip wheel`) to show the context is enough.
- The systemd unit is always parsed structurally (a small parser: units repeat keys). `systemd-analyze verify`
  and `systemd-analyze security --offline` run only where the `systemd-analyze` binary exists; systemd is not
  installed for the tests.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pytest
import yaml
from pydantic import SecretStr

from bot.cli import build_parser
from bot.settings import LEGACY_STATE_DB, Settings
from tests.support.wheel_build import ROOT, build_wheel, wheel_names

DEPLOY = ROOT / "deploy"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
CONSOLE_SCRIPT = next(iter(PYPROJECT["project"]["scripts"]))
CONSOLE_TIMEOUT = Settings.model_fields["console_timeout_seconds"].default
POLL_INTERVAL = Settings.model_fields["poll_interval_seconds"].default
BOARD = "AbC123xY"


def default_state(xdg_state_home: str, monkeypatch: pytest.MonkeyPatch) -> PurePosixPath:
    """The state file the bot uses with STATE_DB empty (as `.env.example` leaves it) under this XDG_STATE_HOME."""
    monkeypatch.setenv("XDG_STATE_HOME", xdg_state_home)
    return PurePosixPath(Settings(_env_file=None, trello_board_id=BOARD).state_location)


SECRET_SETTINGS = {
    name.upper() for name, field in Settings.model_fields.items() if field.annotation is SecretStr
}


def seconds(duration: str) -> float:
    """Docker/systemd durations: `90`, `60s`, `2m`, `1m30s`, `11min`."""
    if re.fullmatch(r"\d+(\.\d+)?", duration):
        return float(duration)
    units = {"ms": 0.001, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|sec|min|s|m|h)", duration)
    assert "".join(n + u for n, u in parts) == duration, f"unreadable duration {duration!r}"
    return sum(float(number) * units[unit] for number, unit in parts)


def parsed_by_migrabot(argv: list[str]) -> argparse.Namespace:
    """`argv` as `migrabot`'s own parser reads it: an unknown subcommand or option raises UsageError."""
    assert argv[0] == CONSOLE_SCRIPT or argv[0].endswith(f"/{CONSOLE_SCRIPT}"), argv
    return build_parser().parse_args(argv[1:])


# --- docker-compose.yml ---------------------------------------------------------------------------------

COMPOSE_TEXT = (DEPLOY / "docker-compose.yml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_TEXT)


@pytest.fixture(scope="module")
def service(compose: dict) -> dict:
    assert list(compose["services"]) == ["migrabot"]
    return compose["services"]["migrabot"]


def from_deploy(path: str) -> Path:
    """Compose resolves relative paths from the compose file's folder."""
    return (DEPLOY / path).resolve()


def short_mounts(service: dict) -> dict[str, tuple[str, str]]:
    """target → (source, mode) of the short-syntax volume entries."""
    mounts = {}
    for entry in service["volumes"]:
        source, target, *mode = entry.split(":")
        mounts[target] = (source, mode[0] if mode else "rw")
    return mounts


def test_compose_builds_the_dockerfile_from_the_repository_root(service: dict):
    build = service["build"]
    assert from_deploy(build["context"]) == ROOT
    assert (ROOT / build["dockerfile"]).resolve() == DEPLOY / "Dockerfile"


def test_compose_reads_the_env_file_and_keeps_state_in_a_named_volume(compose: dict, service: dict):
    assert from_deploy(service["env_file"]) == ROOT / ".env"
    source, mode = short_mounts(service)["/app/data"]
    assert source in compose["volumes"] and mode == "rw"  # a named volume, declared at the top level
    assert PurePosixPath(dockerfile_env()["XDG_STATE_HOME"]) == PurePosixPath("/app/data")


def test_the_image_listens_for_slack_on_its_interfaces_and_the_host_publishes_on_loopback(service: dict):
    # Inside a container 127.0.0.1 cannot be reached from the proxy: the image binds every interface,
    # and the only documented publication is on the host's loopback.
    assert Settings.model_fields["slack_http_host"].default == "127.0.0.1"
    assert dockerfile_env()["SLACK_HTTP_HOST"] == "0.0.0.0"
    assert "ports" not in service


def documented_ssh_options() -> list[str]:
    (line,) = [line for line in COMPOSE_TEXT.splitlines() if "CONSOLE_SSH_OPTIONS=" in line]
    return shlex.split(line.split("CONSOLE_SSH_OPTIONS=", 1)[1])


def test_compose_mounts_the_ssh_key_and_known_hosts_read_only_where_the_documented_options_point(
    service: dict,
):
    options = documented_ssh_options()
    key = options[options.index("-i") + 1]
    known_hosts = next(o.split("=", 1)[1] for o in options if o.startswith("UserKnownHostsFile="))
    assert "StrictHostKeyChecking=yes" in options
    mounts = short_mounts(service)
    for target in (key, known_hosts):
        source, mode = mounts[target]
        assert mode == "ro", target
        assert dockerignored(str(from_deploy(source).relative_to(ROOT))), f"{source} could enter the image"


def test_compose_restarts_and_confines_the_container(service: dict):
    assert service["restart"] == "unless-stopped"
    assert service["read_only"] is True
    assert any(entry.split(":")[0] == "/tmp" for entry in service["tmpfs"])  # ssh ControlMaster sockets
    assert service["security_opt"] == ["no-new-privileges:true"]
    assert service["cap_drop"] == ["ALL"]
    assert {"max-size", "max-file"} <= set(service["logging"]["options"])
    assert seconds(service["stop_grace_period"]) > CONSOLE_TIMEOUT  # the current dry-run may finish


def test_compose_publishes_no_port_but_shows_the_slack_http_one(service: dict):
    assert "ports" not in service
    port = Settings.model_fields["slack_http_port"].default
    assert re.search(rf"^\s*#\s+- \"127\.0\.0\.1:{port}:{port}\"$", COMPOSE_TEXT, re.MULTILINE)


# --- Dockerfile -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str


def parse_dockerfile(text: str) -> list[Instruction]:
    """Instructions with continuation lines joined; comments and blank lines dropped."""
    instructions: list[Instruction] = []
    pending: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending.append(line[:-1].strip())
            continue
        keyword, _, arguments = " ".join([*pending, line]).partition(" ")
        instructions.append(Instruction(keyword.upper(), arguments.strip()))
        pending = []
    assert not pending, "the Dockerfile ends inside a continued line"
    return instructions


def dockerfile_stages() -> list[list[Instruction]]:
    stages: list[list[Instruction]] = []
    for instruction in parse_dockerfile((DEPLOY / "Dockerfile").read_text(encoding="utf-8")):
        if instruction.keyword == "FROM":
            stages.append([])
        assert stages, "the Dockerfile must start with FROM"
        stages[-1].append(instruction)
    return stages


def arguments_of(stage: list[Instruction], keyword: str) -> list[str]:
    return [i.arguments for i in stage if i.keyword == keyword]


def position(stage: list[Instruction], keyword: str) -> int:
    return next(n for n, i in enumerate(stage) if i.keyword == keyword)


def dockerfile_env() -> dict[str, str]:
    variables = {}
    for arguments in arguments_of(dockerfile_stages()[-1], "ENV"):
        for pair in shlex.split(arguments):
            name, _, value = pair.partition("=")
            variables[name] = value
    return variables


def exec_form(arguments: str) -> list[str]:
    argv = json.loads(arguments)  # the exec form: no shell, signals reach the bot
    assert isinstance(argv, list) and all(isinstance(word, str) for word in argv)
    return argv


def healthcheck() -> tuple[dict[str, str], list[str]]:
    (arguments,) = arguments_of(dockerfile_stages()[-1], "HEALTHCHECK")
    match = re.fullmatch(r"((?:--[a-z-]+=\S+\s+)*)CMD\s+(.+)", arguments)
    assert match, arguments
    options = dict(option.removeprefix("--").split("=", 1) for option in match.group(1).split())
    return options, exec_form(match.group(2))


def stage_name(stage: list[Instruction]) -> str | None:
    words = stage[0].arguments.split()
    return words[2] if len(words) == 3 and words[1].upper() == "AS" else None


def test_dockerfile_stages_use_a_slim_python_allowed_by_requires_python():
    minimum = tuple(
        int(n) for n in re.fullmatch(r">=(\d+)\.(\d+)", PYPROJECT["project"]["requires-python"]).groups()
    )
    stages = dockerfile_stages()
    assert len(stages) >= 2, "multi-stage: the build tools stay out of the runtime image"
    for stage in stages:
        image = stage[0].arguments.split()[0]
        match = re.fullmatch(r"python:(\d+)\.(\d+)-slim(-[a-z]+)?", image)
        assert match, f"{image}: a slim Python image pinned to its minor version"
        assert (int(match.group(1)), int(match.group(2))) >= minimum


def test_build_stage_makes_the_wheel_and_the_runtime_installs_it_with_its_dependencies():
    build, runtime = dockerfile_stages()[0], dockerfile_stages()[-1]
    assert shlex.split(arguments_of(build, "RUN")[-1]) == ["pip", "wheel", ".", "--no-deps", "-w", "/dist"]
    (copy,) = [a for a in arguments_of(runtime, "COPY") if a.startswith("--from=")]
    origin, source, target = copy.split()
    assert origin == f"--from={stage_name(build)}" and source.rstrip("/") == "/dist"
    installs = [shlex.split(a) for a in arguments_of(runtime, "RUN") if "pip install" in a]
    (install,) = installs
    wheel = next(word for word in install if word.endswith(".whl"))
    assert PurePosixPath(wheel).match(f"{target.rstrip('/')}/migrabot-*.whl")
    assert "--no-deps" not in install


def test_runtime_installs_openssh_client_without_recommends_and_cleans_apt_lists():
    (apt,) = [a for a in arguments_of(dockerfile_stages()[-1], "RUN") if "apt-get install" in a]
    words = shlex.split(apt)
    assert "openssh-client" in words and "--no-install-recommends" in words
    assert "rm -rf /var/lib/apt/lists/*" in apt


def test_runtime_runs_as_a_fixed_non_root_user_set_before_cmd_and_healthcheck():
    runtime = dockerfile_stages()[-1]
    (user,) = arguments_of(runtime, "USER")
    assert user == "migrabot"
    assert position(runtime, "USER") < position(runtime, "HEALTHCHECK") < position(runtime, "CMD")
    assert all(i.keyword != "RUN" for i in runtime[position(runtime, "USER") :]), (
        "nothing runs as root after USER"
    )
    accounts = " ".join(a for a in arguments_of(runtime, "RUN") if "useradd" in a)
    assert "groupadd --system --gid 10001 migrabot" in accounts
    assert re.search(r"useradd --system --uid 10001 --gid migrabot .* migrabot$", accounts)


def test_cmd_and_healthcheck_run_existing_migrabot_subcommands():
    (cmd,) = arguments_of(dockerfile_stages()[-1], "CMD")
    assert exec_form(cmd) == [CONSOLE_SCRIPT, "run"]
    assert parsed_by_migrabot(exec_form(cmd)).command == "run"
    _, probe = healthcheck()
    assert probe == [CONSOLE_SCRIPT, "status", "--health"]
    arguments = parsed_by_migrabot(probe)
    assert arguments.command == "status" and arguments.health is True


def test_healthcheck_timing_fits_the_poll_interval():
    options, _ = healthcheck()
    interval, timeout = seconds(options["interval"]), seconds(options["timeout"])
    assert POLL_INTERVAL <= interval <= 5 * POLL_INTERVAL
    assert 0 < timeout < interval
    assert seconds(options["start-period"]) >= POLL_INTERVAL  # the first heartbeat needs one poll
    assert 1 <= int(options["retries"]) <= 5


def test_state_db_lives_in_the_data_volume_owned_by_the_bot_user(monkeypatch: pytest.MonkeyPatch):
    runtime = dockerfile_stages()[-1]
    (volume,) = arguments_of(runtime, "VOLUME")
    (data,) = exec_form(volume)
    # No STATE_DB in the image: the env file's empty one and the image agree on the per-board default.
    assert "STATE_DB" not in dockerfile_env()
    state_db = default_state(dockerfile_env()["XDG_STATE_HOME"], monkeypatch)
    assert state_db == PurePosixPath(data) / "migrabot" / BOARD / "migrabot.sqlite3"
    # A state of an older image (`data/migrabot.sqlite3` from WORKDIR) is in the volume too: the bot finds it
    # there and says how to move it instead of starting on an empty state.
    (workdir,) = arguments_of(runtime, "WORKDIR")
    assert (PurePosixPath(workdir) / LEGACY_STATE_DB).is_relative_to(data)
    creates = [i for i in runtime[: position(runtime, "VOLUME")] if i.keyword == "RUN"]
    assert any("-o migrabot -g migrabot" in i.arguments and i.arguments.endswith(data) for i in creates), (
        "the data folder must exist, owned by the bot, before VOLUME"
    )


def test_runtime_environment_has_python_flags_and_no_secret():
    env = dockerfile_env()
    assert env["PYTHONDONTWRITEBYTECODE"] == "1" and env["PYTHONUNBUFFERED"] == "1"
    declared = set(env)
    for stage in dockerfile_stages():
        declared |= {a.split("=")[0].split()[0] for a in arguments_of(stage, "ARG")}
        for copy in arguments_of(stage, "COPY"):
            assert not any(word.startswith(".env") for word in shlex.split(copy)), copy
    assert not declared & SECRET_SETTINGS
    assert {"TRELLO_TOKEN", "SLACK_BOT_TOKEN"} <= SECRET_SETTINGS


# --- .dockerignore and the build context ----------------------------------------------------------------


def dockerignore_rules() -> list[tuple[bool, str]]:
    rules = []
    for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            negated = line.startswith("!")
            rules.append((negated, line.removeprefix("!").strip("/")))
    return rules


def dockerignored(relative: str) -> bool:
    """Docker's rule: the last matching pattern wins; a matched folder excludes everything under it."""
    parts = relative.split("/")
    prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    ignored = False
    for negated, pattern in dockerignore_rules():
        candidates = [pattern, pattern.removeprefix("**/")]
        if any(fnmatch.fnmatchcase(prefix, c) for prefix in prefixes for c in candidates):
            ignored = not negated
    return ignored


@pytest.mark.parametrize(
    "path",
    [
        ".git/HEAD",
        ".venv/bin/python",
        ".env",
        "data/migrabot.sqlite3",
        "demo-output/transcript.txt",
        "deploy/ssh/migrabot_ed25519",
        "bot/__pycache__/cli.cpython-311.pyc",
        "build/lib/bot/cli.py",
    ],
)
def test_dockerignore_keeps_local_state_and_secrets_out_of_the_context(path: str):
    assert dockerignored(path)


@pytest.mark.parametrize(
    "path",
    ["pyproject.toml", "README.md", "grammar/ticket.lark", "bot/cli.py", "bot/grammar", ".env.example"],
)
def test_dockerignore_keeps_what_the_image_needs(path: str):
    assert not dockerignored(path)


def replay_copies(stage: list[Instruction], root: Path) -> Path:
    """Lay out the stage's COPY sources (from the context) under `root` as Docker would; → the workdir."""
    workdir = PurePosixPath("/")
    for instruction in stage:
        if instruction.keyword == "WORKDIR":
            workdir = workdir / instruction.arguments
        if instruction.keyword != "COPY":
            continue
        *sources, destination = shlex.split(instruction.arguments)
        assert not any(s.startswith("--") for s in sources), "only context copies in the build stage"
        target = root / (workdir / destination).relative_to("/")
        for source in sources:
            assert not dockerignored(source.rstrip("/")), f"{source} is excluded from the context"
            if (ROOT / source).is_dir():
                copy_folder_from_context(ROOT / source, target)
            else:
                assert destination.endswith("/"), "copy files into a folder (`dest/`)"
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / source, target / Path(source).name)
    return root / workdir.relative_to("/")


def copy_folder_from_context(source: Path, target: Path) -> None:
    """The folder's content goes into `target`, less what .dockerignore excludes; symlinks stay symlinks."""
    for folder, subfolders, files in os.walk(source):
        here = Path(folder)
        subfolders[:] = [d for d in subfolders if not dockerignored(str((here / d).relative_to(ROOT)))]
        for name in [*files, *(d for d in subfolders if (here / d).is_symlink())]:
            path = here / name
            if dockerignored(str(path.relative_to(ROOT))):
                continue
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            if path.is_symlink():
                destination.symlink_to(os.readlink(path))
            else:
                shutil.copy2(path, destination)


def test_build_stage_context_is_enough_to_build_a_wheel_with_the_grammar(tmp_path: Path):
    source = replay_copies(dockerfile_stages()[0], tmp_path / "image")
    assert (source / "bot/grammar").is_symlink()
    assert (source / PYPROJECT["project"]["readme"]).is_file()  # setuptools only warns when it is missing
    wheel = build_wheel(source, tmp_path / "dist")
    names = wheel_names(wheel)
    assert {"bot/grammar/ticket.lark", "bot/cli.py"} <= names
    assert not any(name.startswith("sandbox/") for name in names)


# --- systemd unit ---------------------------------------------------------------------------------------

Unit = dict[str, list[tuple[str, str]]]


def parse_unit(text: str) -> Unit:
    """Sections → every (key, value) in order: unlike INI files, units repeat keys (e.g. SystemCallFilter=)."""
    unit: Unit = {}
    section = None
    pending = ""
    for raw in text.splitlines():
        line = pending + raw.strip()
        pending = ""
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            unit.setdefault(section, [])
            continue
        assert section is not None and "=" in line, line
        key, _, value = line.partition("=")
        unit[section].append((key.strip(), value.strip()))
    return unit


UNIT_TEXT = (DEPLOY / "migrabot.service").read_text(encoding="utf-8")
UNIT = parse_unit(UNIT_TEXT)


def unit_values(key: str, section: str = "Service") -> list[str]:
    return [value for name, value in UNIT.get(section, []) if name == key]


def unit_value(key: str, section: str = "Service") -> str:
    values = unit_values(key, section)
    assert len(values) == 1, f"{key}: {values}"
    return values[0]


def unit_environment() -> dict[str, str]:
    pairs = [pair for value in unit_values("Environment") for pair in shlex.split(value)]
    return dict(pair.split("=", 1) for pair in pairs)


def test_unit_runs_migrabot_run_as_a_dedicated_user():
    assert unit_value("Type") == "notify" and unit_value("NotifyAccess") == "main"
    assert unit_value("User") == "migrabot"
    argv = shlex.split(unit_value("ExecStart"))
    assert argv[0] == f"/opt/migrabot/venv/bin/{CONSOLE_SCRIPT}"
    assert parsed_by_migrabot(argv).command == "run" and argv[1:] == ["run"]
    assert unit_value("EnvironmentFile") == "/etc/migrabot/migrabot.env"
    assert unit_value("Restart") == "on-failure" and seconds(unit_value("RestartSec")) == 10
    assert unit_value("WantedBy", "Install") == "multi-user.target"


def test_unit_lets_the_current_dry_run_finish_on_stop():
    assert unit_value("KillSignal") == "SIGTERM"
    assert seconds(unit_value("TimeoutStopSec")) > CONSOLE_TIMEOUT


HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "read-only",
    "PrivateTmp": "yes",
    "ReadWritePaths": "/var/lib/migrabot",
    "StateDirectory": "migrabot",
    "ProtectKernelTunables": "yes",
    "ProtectKernelModules": "yes",
    "ProtectControlGroups": "yes",
    "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
    "LockPersonality": "yes",
    "MemoryDenyWriteExecute": "yes",
    "SystemCallArchitectures": "native",
    "CapabilityBoundingSet": "",
    "UMask": "0077",
}


@pytest.mark.parametrize(("key", "expected"), HARDENING.items())
def test_unit_is_hardened(key: str, expected: str):
    assert unit_value(key) == expected


def test_unit_keeps_the_state_database_in_its_state_directory(monkeypatch: pytest.MonkeyPatch):
    assert "STATE_DB" not in unit_environment()  # the env file's empty STATE_DB: the per-board default
    state_db = default_state(unit_environment()["XDG_STATE_HOME"], monkeypatch)
    state_directory = PurePosixPath("/var/lib") / unit_value("StateDirectory")
    assert state_db == state_directory / BOARD / "migrabot.sqlite3"
    # An older unit's state (`data/migrabot.sqlite3` from there) is found and its move asked for.
    assert PurePosixPath(unit_value("WorkingDirectory")) == state_directory


SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
needs_systemd_analyze = pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed")


def runnable_unit_copy(directory: Path, *, extra: str = "") -> Path:
    """The unit with an ExecStart that exists here (this venv's script) and a user that exists (root)."""
    script = Path(sys.executable).with_name(CONSOLE_SCRIPT)
    assert script.is_file()
    text = re.sub(r"^ExecStart=\S+", f"ExecStart={script}", UNIT_TEXT, flags=re.MULTILINE)
    text = re.sub(r"^(User|Group)=.*$", r"\1=root", text, flags=re.MULTILINE)
    path = directory / "migrabot.service"
    path.write_text(text.replace("[Install]", extra + "[Install]"), encoding="utf-8")
    return path


def verify(unit: Path) -> tuple[int, list[str]]:
    result = subprocess.run(
        [SYSTEMD_ANALYZE, "verify", str(unit)], capture_output=True, text=True, cwd=unit.parent, timeout=60
    )
    complaints = [line for line in (result.stdout + result.stderr).splitlines() if unit.name in line]
    return result.returncode, complaints


@needs_systemd_analyze
def test_systemd_analyze_verify_finds_nothing_to_report(tmp_path: Path):
    assert verify(runnable_unit_copy(tmp_path)) == (0, [])


@needs_systemd_analyze
def test_systemd_analyze_verify_would_report_a_mistake(tmp_path: Path):
    _, complaints = verify(runnable_unit_copy(tmp_path, extra="ProtectSystm=strict\n"))
    assert any("ProtectSystm" in line for line in complaints)


@needs_systemd_analyze
def test_systemd_analyze_security_rates_the_unit_ok(tmp_path: Path):
    unit = tmp_path / "migrabot.service"
    unit.write_text(UNIT_TEXT, encoding="utf-8")
    result = subprocess.run(
        [SYSTEMD_ANALYZE, "security", "--offline=yes", "--no-pager", str(unit)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    match = re.search(r"Overall exposure level for migrabot\.service: (\d+\.\d+)", result.stdout)
    assert match, result.stdout + result.stderr
    assert float(match.group(1)) <= 2.0


def test_unit_feeds_a_watchdog_long_enough_for_the_bot_to_ping_it():
    assert seconds(unit_value("WatchdogSec")) >= 60  # pinged every half of it while the poll loop turns


# --- Kubernetes --------------------------------------------------------------------------------------------


def kubernetes_deployment() -> dict:
    (document,) = yaml.safe_load_all((DEPLOY / "kubernetes.yaml").read_text(encoding="utf-8"))
    assert document["kind"] == "Deployment"
    return document


def test_kubernetes_runs_two_replicas_with_the_state_in_postgresql_from_a_secret():
    deployment = kubernetes_deployment()
    assert deployment["spec"]["replicas"] == 2
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert parsed_by_migrabot(container["args"]).command == "run"
    env = {item["name"]: item for item in container["env"]}
    assert env["STATE_DB"]["valueFrom"]["secretKeyRef"]["name"] == "migrabot"
    assert {name.lower() for name in env} <= set(Settings.model_fields)
    assert container["envFrom"] == [{"secretRef": {"name": "migrabot"}}]


def test_kubernetes_probes_ask_the_bots_own_endpoint_on_its_metrics_port():
    (container,) = kubernetes_deployment()["spec"]["template"]["spec"]["containers"]
    env = {item["name"]: item.get("value") for item in container["env"]}
    (port,) = container["ports"]
    assert port["containerPort"] == int(env["METRICS_PORT"]) and env["METRICS_HOST"] == "0.0.0.0"
    assert container["readinessProbe"]["httpGet"] == {"path": "/healthz", "port": port["name"]}
    assert container["livenessProbe"]["httpGet"] == {"path": "/livez", "port": port["name"]}
    spec = kubernetes_deployment()["spec"]["template"]["spec"]
    assert spec["terminationGracePeriodSeconds"] > CONSOLE_TIMEOUT
    assert spec["securityContext"]["runAsUser"] == 10001
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
