"""What a new operator meets first on a fresh clone: `make test` brings its own system packages (or says the
exact command), and the files `simulate` and `demo` write stay out of git."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).parents[2]
PACKAGES = "openssh-server openssh-client php-cli php-symfony-console postgresql"


def system_deps(tmp_path: Path, *, apt: bool) -> subprocess.CompletedProcess:
    """`.ci/system-deps` on a machine with none of the packages, as a user who is not root."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fakes = {"id": "echo 1000"}
    if apt:
        fakes["apt-get"] = f'echo "$@" >> {tmp_path / "apt-calls"}'
    for name, body in fakes.items():
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / name).chmod(0o755)
    return subprocess.run(
        ["/bin/bash", str(ROOT / ".ci/system-deps")],
        env={"PATH": str(bin_dir), "SYSTEM_DEPS_ROOT": str(tmp_path / "empty")},
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_make_test_runs_the_system_packages_script_first():
    env = {name: value for name, value in os.environ.items() if not name.startswith("MAKE")}
    plan = subprocess.run(
        ["make", "-n", "--no-print-directory", "test"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        env=env,  # run by `make test` itself: no inherited -w
    )
    assert plan.returncode == 0, plan.stderr
    assert plan.stdout.splitlines()[0] == "bash .ci/system-deps"


def test_without_root_it_stops_at_once_with_the_exact_command(tmp_path):
    result = system_deps(tmp_path, apt=True)
    assert result.returncode == 1
    assert f"  sudo apt-get update && sudo apt-get install -y --no-install-recommends {PACKAGES}" in (
        result.stderr.splitlines()
    )
    assert not (tmp_path / "apt-calls").exists()  # nothing was tried


def test_without_apt_it_names_what_to_install(tmp_path):
    result = system_deps(tmp_path, apt=False)
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"missing system packages for the tests: {PACKAGES} (Debian names; no apt-get"
    )


def test_files_that_simulate_and_demo_write_are_ignored_by_git():
    paths = [
        "simulation_migration_France_Fraternites.xlsx",
        "tickets/essai.xlsx",
        "demo-output/transcript.txt",
    ]
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", *paths], cwd=ROOT, capture_output=True, text=True, timeout=30
    )
    assert ignored.stdout.splitlines() == paths
