"""Memory of the Slack HTTP endpoint when anybody sends it 64 MB without a signature. Run with `make bench`.

The endpoint runs in a child process (the one `migrabot run` would be); its peak resident memory (VmHWM)
is read before and after the body. Before the size gate, bolt read the body and decoded it: about +128 MB.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
from pathlib import Path

import pytest

BODY_BYTES = 64 * 1024 * 1024
SERVE = """
import sys, time
from slack_bolt import App
from slack_sdk import WebClient
from bot.adapters.slack import SlackEndpoint
from bot.settings import Settings
settings = Settings(_env_file=None, slack_mode="http", slack_signing_secret="s", slack_http_port=0)
app = App(client=WebClient(token="xoxb-x"), signing_secret="s", token_verification_enabled=False)
endpoint = SlackEndpoint(app, settings)
endpoint.start()
print(endpoint.port, flush=True)
sys.stdin.read()
"""


def peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def send_unsigned(port: int, size: int) -> bytes:
    head = (
        f"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(head)
        chunk = b"x" * (1024 * 1024)
        with contextlib.suppress(OSError):  # refused from the headers: the server closes early
            for _ in range(size // len(chunk)):
                conn.sendall(chunk)
        return conn.recv(200)


@pytest.mark.benchmark(group="slack-http")
def test_memory_under_a_64_mb_unsigned_body(benchmark):
    child = subprocess.Popen(
        [sys.executable, "-c", SERVE], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        port = int(child.stdout.readline())
        before = peak_rss_kib(child.pid)
        answer = benchmark.pedantic(send_unsigned, args=(port, BODY_BYTES), rounds=1, iterations=1)
        after = peak_rss_kib(child.pid)
    finally:
        child.stdin.close()
        child.wait(timeout=10)
    growth_mib = (after - before) / 1024
    benchmark.extra_info["peak_rss_growth_mib"] = growth_mib
    print(
        f"\n64 MB unsigned body: answer {answer.split(b' ', 2)[1].decode()}, peak RSS +{growth_mib:.1f} MiB"
    )
    assert b" 413 " in answer
    assert growth_mib < 8
