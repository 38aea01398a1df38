"""Memory of one simulation whose console prints 30 MB (issue 25, point 5). Run with `make bench`.

A child process (like `migrabot run`) runs the real local console adapter against a script that floods
stdout, then reads the figures, keeps the simulation as the state would and lays out the outputs. Its peak
resident memory (VmHWM) is read before and after. With the cap raised to 64 MB (the former behaviour: the whole
output read and kept), the same run is measured for comparison.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

CHILD = """
import json, sys
from pathlib import Path
from bot.adapters.console import LocalRunner
from bot.app.simulation import simulate
from bot.domain.codec import simulation_to_dict
from bot.domain.plan import plan_ticket
from bot.domain.ticket import parse_ticket
from bot.texts.card import outputs_plan
from tests.support.fakes import dry_run_output

def peak():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])

script, max_bytes = sys.argv[1], int(sys.argv[2])
ticket = parse_ticket("Centre initial = CHU 75 (ID 4537)\\n- lorsque le champ = A → vers CHU 77 (ID 5644)")
plan, _ = plan_ticket(ticket, field_slug="f")
table = dry_run_output(origin=4537, destination=5644, migrated=41)
runner = LocalRunner(console_argv=[sys.executable, "-S", script, table], workdir=None, timeout_s=120,
                     output_max_bytes=max_bytes)
before = peak()
simulation = simulate(plan, runner, console_command="php bin/console")
state = json.dumps(simulation_to_dict(simulation), ensure_ascii=False)
outputs = outputs_plan(simulation.runs)
attached = len(outputs.attachment or b"")
print(json.dumps({"before_kib": before, "after_kib": peak(), "state_bytes": len(state.encode()),
                  "attachment_bytes": attached, "ok": simulation.ok}))
"""

FLOOD = """
import sys
out = sys.stdout.buffer
line = b"PHP Deprecated:  " + b"x" * 1000 + b"\\n"
for _ in range(30 * 1024):
    out.write(line)
out.write(sys.argv[1].encode())
"""


def measure(tmp_path: Path, max_bytes: int) -> dict:
    script = tmp_path / "flood.py"
    script.write_text(FLOOD)
    root = Path(__file__).parents[2]
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(script), str(max_bytes)],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=300,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.benchmark(group="console-output")
def test_memory_under_a_30_mb_console_output(benchmark, tmp_path):
    capped = benchmark.pedantic(measure, args=(tmp_path, 1_048_576), rounds=1, iterations=1)
    whole = measure(tmp_path, 64 * 1024 * 1024)
    for name, figures in (("capped (default)", capped), ("read whole (64 MB cap)", whole)):
        growth = (figures["after_kib"] - figures["before_kib"]) / 1024
        print(
            f"\n30 MB console output, {name}: peak RSS {figures['before_kib'] / 1024:.0f} → "
            f"{figures['after_kib'] / 1024:.0f} MiB (+{growth:.1f} MiB), state {figures['state_bytes'] / 1e6:.2f} MB, "
            f"attachment {figures['attachment_bytes'] / 1e6:.2f} MB, figures read: {figures['ok']}"
        )
    benchmark.extra_info["peak_rss_growth_mib"] = (capped["after_kib"] - capped["before_kib"]) / 1024
    assert capped["ok"]
    assert (capped["after_kib"] - capped["before_kib"]) / 1024 < 40
    assert capped["state_bytes"] < 300_000
