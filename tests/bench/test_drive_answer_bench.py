"""Memory of the Drive adapter when Drive answers an upload with 50 MB (issue 25, point 4). Run with `make bench`.

The Drive stand-in (this process) answers the upload with a 50 MB `webViewLink`; the real adapter runs in a
child process, whose peak resident memory (VmHWM) is read before and after. For comparison, the same answer
with the size limit lifted (the former behaviour: the whole answer read and decoded).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.drive import DriveSandbox
from sandbox.drive.api import Reply

LINK_BYTES = 50 * 1024 * 1024
CHILD = """
import json, sys, time
from pathlib import Path
import bot.adapters.drive as drive
from bot.app.ports import DriveUnavailable

def peak():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])

base_url, folder, key, limit = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
drive.MAX_ANSWER_BYTES = limit
adapter = drive.GoogleDrive(folder_id=folder, credentials_path=key, base_url=base_url, timeout_s=60)
adapter.token()
before = peak()
started = time.monotonic()
try:
    adapter.upload(name="x.xlsx", data=b"PK", mime_type="application/octet-stream")
    said = "accepted"
except DriveUnavailable as error:
    said = str(error)
print(json.dumps({"before_kib": before, "after_kib": peak(), "said": said, "s": time.monotonic() - started}))
"""


def measure(tmp_path: Path, limit: int) -> dict:
    with DriveSandbox() as sandbox:
        key = sandbox.service_account_key(tmp_path / "key.json")
        folder = sandbox.add_folder("Migration des dossiers usagers", shared_drive=True)
        link = "https://drive.example/" + "a" * LINK_BYTES
        sandbox.faults.odd.append(Reply.json(200, {"id": "abc", "webViewLink": link}))
        done = subprocess.run(
            [sys.executable, "-c", CHILD, sandbox.base_url, folder, str(key), str(limit)],
            capture_output=True,
            text=True,
            cwd=Path(__file__).parents[2],
            timeout=300,
            check=True,
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.benchmark(group="drive-answer")
def test_memory_under_a_50_mb_drive_answer(benchmark, tmp_path):
    capped = benchmark.pedantic(measure, args=(tmp_path, 256 * 1024), rounds=1, iterations=1)
    whole = measure(tmp_path, 1 << 30)
    for name, figures in (("limited (256 KiB)", capped), ("read whole", whole)):
        growth = (figures["after_kib"] - figures["before_kib"]) / 1024
        print(
            f"\n50 MB Drive answer, {name}: peak RSS {figures['before_kib'] / 1024:.0f} → "
            f"{figures['after_kib'] / 1024:.0f} MiB (+{growth:.1f} MiB) in {figures['s']:.2f} s; {figures['said']}"
        )
    benchmark.extra_info["peak_rss_growth_mib"] = (capped["after_kib"] - capped["before_kib"]) / 1024
    assert "trop longue" in capped["said"]
    assert (capped["after_kib"] - capped["before_kib"]) / 1024 < 10
