"""Build migrabot's wheel the way the Dockerfile does (`pip wheel . --no-deps -w DIR`), outside the work tree.

Building in place would leave `build/` and a rewritten `*.egg-info` in the repository (and a stale `build/lib`
could leak old files into the wheel), so callers build from a copy of the sources.
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).parents[2]
MIN_SETUPTOOLS_FOR_BUILD = 68  # pyproject.toml [build-system] requires setuptools>=68 and wheel


def venv_can_build_offline() -> bool:
    """True when this venv has the build backend pyproject.toml asks for (then no index is needed)."""
    try:
        setuptools_major = int(re.match(r"\d+", metadata.version("setuptools")).group())
        metadata.version("wheel")
    except (metadata.PackageNotFoundError, AttributeError):
        return False
    return setuptools_major >= MIN_SETUPTOOLS_FOR_BUILD


def build_wheel(source: Path, dist: Path, *, timeout: float = 120) -> Path:
    """`pip wheel SOURCE --no-deps -w DIST` → the wheel's path.

    Uses this venv's setuptools (`--no-build-isolation`) when it is recent enough; otherwise pip fetches the
    build backend from the configured index, like `docker build` does.
    """
    isolation = ["--no-build-isolation"] if venv_can_build_offline() else []
    command = [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "-w", str(dist), *isolation]
    result = subprocess.run(command, cwd=source, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise AssertionError(f"pip wheel failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    (wheel,) = dist.glob("migrabot-*.whl")
    return wheel


def wheel_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())
