"""Issue 25, point 5: a console that prints 30 MB. What is read per run is capped (first and last parts kept,
the cut said), and so are what the state keeps and the attached file."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from bot.adapters.console import OUTPUT_MAX_BYTES, LocalRunner
from bot.domain.command import DryRunCommand
from bot.domain.console_output import read_figures
from bot.domain.model import Center, Rule
from tests.support.fakes import dry_run_output
from tests.support.text import plain

MEGABYTES = 30
# Symfony's start, 30 MB of notices, then the real summary table: the figures must still be read.
FLOODING_CONSOLE = f"""\
import sys
out = sys.stdout.buffer
out.write(b"DEBUT DE LA SORTIE\\n")
line = b"PHP Deprecated:  " + b"x" * 1000 + b"\\n"
for _ in range({MEGABYTES} * 1024):
    out.write(line)
out.write(sys.argv[1].encode())
sys.stderr.buffer.write(b"e" * (3 * 1024 * 1024))
"""


def command() -> DryRunCommand:
    rule = Rule(origin=Center(4537, "CHU 75"), destination=Center(5644, "CHU 77"), field="f", value="A")
    return DryRunCommand.of(rule)


def test_a_30_mb_output_is_read_within_the_cap_keeping_both_ends(tmp_path: Path) -> None:
    script = tmp_path / "flood.py"
    script.write_text(FLOODING_CONSOLE)
    table = dry_run_output(origin=4537, destination=5644, migrated=41)
    runner = LocalRunner(console_argv=[sys.executable, "-S", str(script), table], workdir=None, timeout_s=60)

    result = runner.run(command())

    assert result.exit_code == 0 and not result.timed_out
    assert len(result.stdout.encode()) <= OUTPUT_MAX_BYTES + 200
    assert len(result.stderr.encode()) <= OUTPUT_MAX_BYTES + 200
    assert result.stdout.startswith("DEBUT DE LA SORTIE\n")
    assert "octets omis au milieu …]\n" in plain(result.stdout)
    [cut_line] = [line for line in result.stdout.splitlines() if "octets omis" in line]
    omitted = int(re.search(r"(\d[\d\u202f]*) octets", cut_line).group(1).replace("\u202f", ""))
    total = len("DEBUT DE LA SORTIE\n") + MEGABYTES * 1024 * 1018 + len(table.encode())
    kept = len(result.stdout.encode()) - len(cut_line.encode()) - 1
    assert omitted == total - kept  # the cut says exactly how much is missing
    figures = read_figures(result.stdout)
    assert figures.origin.moved == 41  # the summary table at the end is still read


def test_a_small_output_is_read_whole(tmp_path: Path) -> None:
    script = tmp_path / "small.py"
    script.write_text("import sys\nsys.stdout.write('a' * 5000 + '\\n')\n")
    runner = LocalRunner(
        console_argv=[sys.executable, "-S", str(script)], workdir=None, timeout_s=10, output_max_bytes=65_536
    )
    result = runner.run(command())
    assert result.stdout == "a" * 5000 + "\n"
