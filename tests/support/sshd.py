"""A real OpenSSH server on 127.0.0.1 for the SSH transport's tests.

Import the fixture explicitly: `from tests.support.sshd import sshd_server  # noqa: F401`.
Everything (host key, client key, known_hosts, config, log, pid file) lives in a temporary directory.
"""

from __future__ import annotations

import os
import pwd
import shlex
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

SSHD = "/usr/sbin/sshd"
PRIVILEGE_SEPARATION_DIR = Path("/run/sshd")  # Debian's sshd refuses to start without it when root
START_TIMEOUT_S = 10.0
INSTALL_HINT = "run `bash .ci/system-deps` (Debian packages openssh-server and openssh-client)"


@dataclass(frozen=True)
class SshServer:
    host: str
    port: int
    user: str
    client_key: Path
    known_hosts: Path
    log_path: Path

    @property
    def target(self) -> str:
        """`user@host:port`, as CONSOLE_SSH takes it."""
        return f"{self.user}@{self.host}:{self.port}"

    @property
    def ssh_options(self) -> str:
        """CONSOLE_SSH_OPTIONS that trust only this server and use only the generated key."""
        return shlex.join(
            [
                "-F",
                "/dev/null",
                "-i",
                str(self.client_key),
                "-o",
                "IdentitiesOnly=yes",
                "-o",
                f"UserKnownHostsFile={self.known_hosts}",
                "-o",
                "GlobalKnownHostsFile=/dev/null",
                "-o",
                "StrictHostKeyChecking=yes",
                "-o",
                "LogLevel=ERROR",
            ]
        )

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def accepted_logins(self) -> int:
        """How many SSH connections were authenticated so far (one per handshake)."""
        return self.log().count("Accepted publickey")


@pytest.fixture(scope="session")
def sshd_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    with serve_sshd(tmp_path_factory.mktemp("sshd")) as server:
        yield server


@contextmanager
def serve_sshd(directory: Path, *, key_options: str = "") -> Iterator[SshServer]:
    """A real sshd in `directory`; `key_options` prefix the client key in authorized_keys (`command="…"`)."""
    _require_openssh()
    _ensure_privilege_separation_dir()
    host_key = _keygen(directory / "host_ed25519")
    client_key = _keygen(directory / "client_ed25519")
    prefix = f"{key_options} " if key_options else ""
    (directory / "authorized_keys").write_text(prefix + client_key.with_suffix(".pub").read_text())
    port = _free_port()
    config = _write_config(directory, host_key=host_key, port=port)
    known_hosts = directory / "known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{port} {host_key.with_suffix('.pub').read_text()}")
    log_path = directory / "sshd.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    try:
        _wait_until_listening(process, port=port, log_path=log_path)
        yield SshServer(
            host="127.0.0.1",
            port=port,
            user=pwd.getpwuid(os.getuid()).pw_name,
            client_key=client_key,
            known_hosts=known_hosts,
            log_path=log_path,
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _require_openssh() -> None:
    missing = [name for name in (SSHD,) if not os.access(name, os.X_OK)]
    missing += [name for name in ("ssh", "ssh-keygen") if shutil.which(name) is None]
    if missing:
        pytest.fail(
            f"OpenSSH is needed for the SSH transport tests; missing {', '.join(missing)}: {INSTALL_HINT}"
        )


def _ensure_privilege_separation_dir() -> None:
    # Only a root sshd chroots its unprivileged child there; as another user it is not needed.
    if os.geteuid() != 0 or PRIVILEGE_SEPARATION_DIR.is_dir():
        return
    PRIVILEGE_SEPARATION_DIR.mkdir(mode=0o755, parents=True, exist_ok=True)


def _keygen(path: Path) -> Path:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", path.name, "-f", str(path)],
        check=True,
        stdin=subprocess.DEVNULL,
        capture_output=True,
    )
    return path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _write_config(directory: Path, *, host_key: Path, port: int) -> Path:
    lines = [
        "ListenAddress 127.0.0.1",
        f"Port {port}",
        f"HostKey {host_key}",
        f"PidFile {directory / 'sshd.pid'}",
        f"AuthorizedKeysFile {directory / 'authorized_keys'}",
        "AuthenticationMethods publickey",
        "PubkeyAuthentication yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "StrictModes no",
        "UsePAM no",
        f"PermitRootLogin {'yes' if os.geteuid() == 0 else 'no'}",
        "PrintMotd no",
        "LogLevel INFO",
        "MaxSessions 20",
    ]
    config = directory / "sshd_config"
    config.write_text("\n".join(lines) + "\n")
    return config


def _wait_until_listening(process: subprocess.Popen[bytes], *, port: int, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"sshd exited with {process.returncode}:\n{log_path.read_text(errors='replace')}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    pytest.fail(f"sshd did not listen on 127.0.0.1:{port} in {START_TIMEOUT_S} s:\n{log_path.read_text()}")
