"""The wheel operators install (Docker image, systemd venv) carries the grammar and works on its own.

The wheel is built from a copy of the work tree (see tests/support/wheel_build.py), then installed without
its dependencies into a fresh venv whose only way to the third-party libraries is a `.pth` line to this venv's
site-packages: the `bot` package, its grammar and its sample tickets can only come from the wheel.
"""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.support.text import plain
from tests.support.wheel_build import ROOT, build_wheel, wheel_names

NOT_SOURCES = shutil.ignore_patterns(
    ".git",
    ".venv",
    "__pycache__",
    "*.pyc",
    "build",
    "dist",
    "*.egg-info",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    ".benchmarks",
    "data",
    "demo-output",
    ".env",
    "*.cache",
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source") / "migrabot"
    shutil.copytree(ROOT, source, symlinks=True, ignore=NOT_SOURCES)
    return build_wheel(source, tmp_path_factory.mktemp("dist"))


def test_wheel_carries_the_grammar_through_the_symlink_and_not_the_sandbox(wheel: Path):
    assert (ROOT / "bot/grammar").is_symlink()
    names = wheel_names(wheel)
    assert "bot/grammar/ticket.lark" in names
    assert not any(name.startswith("sandbox/") or "/sandbox/" in name for name in names)
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read("bot/grammar/ticket.lark") == (ROOT / "grammar/ticket.lark").read_bytes()


def test_wheel_declares_the_migrabot_console_script(wheel: Path):
    with zipfile.ZipFile(wheel) as archive:
        (entry_points_name,) = [n for n in archive.namelist() if n.endswith(".dist-info/entry_points.txt")]
        entry_points = configparser.ConfigParser()
        entry_points.read_string(archive.read(entry_points_name).decode())
    assert dict(entry_points["console_scripts"]) == {"migrabot": "bot.cli:main"}


def test_wheel_ships_only_the_bot_package(wheel: Path):
    top_level = {name.split("/", 1)[0] for name in wheel_names(wheel)}
    assert {name for name in top_level if not name.endswith(".dist-info")} == {"bot"}
    assert not any(name.startswith("tests/") for name in wheel_names(wheel))


@pytest.fixture(scope="module")
def installed_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("venv") / "fresh"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    python = venv / "bin/python"
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index"]
    subprocess.run([*install, str(wheel)], check=True, capture_output=True, timeout=120)
    # Third-party dependencies come from this venv; `bot` must not (it is installed here in editable mode,
    # through a .pth file that a plain path entry does not process).
    site_packages = Path(_site_packages(python))
    (site_packages / "zz_project_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


def _site_packages(python: Path) -> str:
    script = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    return subprocess.run(
        [str(python), "-I", "-c", script], check=True, capture_output=True, text=True, timeout=30
    ).stdout.strip()


def _clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    return env | {"HOME": str(tmp_path)}


LOAD_FROM_WHEEL = """
import bot, bot.domain.ticket
from importlib import resources
print(bot.__file__)
print(bot.domain.ticket.parser().parser is not None)
"""


def test_installed_wheel_loads_its_own_grammar(installed_venv: Path, tmp_path: Path):
    result = subprocess.run(
        [str(installed_venv / "bin/python"), "-I", "-c", LOAD_FROM_WHEEL],
        cwd=tmp_path,
        env=_clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    bot_file, parser_built = result.stdout.splitlines()
    assert Path(bot_file).is_relative_to(installed_venv)
    assert parser_built == "True"


def test_installed_console_script_parses_the_packaged_runbook_ticket(installed_venv: Path, tmp_path: Path):
    runbook = ROOT / "sandbox/tickets/runbook.txt"
    result = subprocess.run(
        [str(installed_venv / "bin/migrabot"), "parse", str(runbook)],
        cwd=tmp_path,
        env=_clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "php bin/console app:migrate-individuals-to-other-organization -o 4537 -d 5644" in result.stdout


def test_the_demo_from_the_wheel_says_in_french_that_the_sandbox_is_not_installed(
    installed_venv: Path, tmp_path: Path
):
    result = subprocess.run(
        [str(installed_venv / "bin/migrabot"), "demo"],
        cwd=tmp_path,
        env=_clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert plain(result.stderr) == (
        "migrabot : la démo a besoin du bac à sable (le dossier sandbox/ du dépôt), qui n'est pas installé "
        "avec le paquet : lancez « make demo » depuis une copie du dépôt\n"
    )
