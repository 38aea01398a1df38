"""The reader against the real Symfony Console, rendering live (php-cli + php-symfony-console).

PHP is a declared system dependency of the test suite (`.ci/system-deps`): without it this test fails,
it does not skip, so that a CI image lacking it cannot pass silently.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from bot.domain.console_output import read_figures
from bot.domain.model import ConsoleResult
from bot.texts.console import console_failure
from tests.support.console_scenarios import (
    FIXTURES,
    RENDER_SCRIPT,
    expected_figures,
    read_text,
    scenario_of,
    summary_fixtures,
)
from tests.support.text import plain


def render_live(directory: Path) -> list[Path]:
    php = shutil.which("php")
    if php is None:
        pytest.fail(
            "php is not installed: run .ci/system-deps (it installs php-cli and php-symfony-console) "
            "to check the output reader against the real Symfony Console."
        )
    completed = subprocess.run(
        [php, str(RENDER_SCRIPT), str(directory)], capture_output=True, text=True, timeout=60, check=False
    )
    assert completed.returncode == 0, f"render.php failed (see .ci/system-deps):\n{completed.stderr}"
    return sorted(directory.glob("*.txt"))


def test_the_reader_reads_every_live_symfony_rendering(tmp_path: Path):
    rendered = render_live(tmp_path)
    committed = sorted(FIXTURES.glob("*.txt"))
    assert [path.name for path in rendered] == [path.name for path in committed], (
        "the committed fixtures are stale: regenerate them with `php tests/fixtures/console/render.php`"
    )
    expected = expected_figures()
    summaries = summary_fixtures(tmp_path)
    assert len(summaries) >= 5 * 7 * 2
    for path in summaries:
        assert read_figures(read_text(path)) == expected[scenario_of(path)], path.name


def test_live_symfony_failures_are_quoted(tmp_path: Path):
    render_live(tmp_path)
    for name in ("failure-error-block", "failure-exception"):
        for decoration in ("plain", "ansi"):
            text = read_text(tmp_path / f"{name}.{decoration}.txt")
            result = ConsoleResult(exit_code=1, stdout="", stderr=text, duration_s=0.1)
            assert (
                plain(console_failure(result) or "")
                == "La commande a échoué (code 1) : « Organisation 9999 introuvable. »"
            )
