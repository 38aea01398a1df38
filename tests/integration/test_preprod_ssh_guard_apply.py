"""deploy/preprod-ssh-guard's apply mode (PREPROD_APPLY): a real run passes only signed by the bot's key over its
exact arguments, card and plan fingerprint, before its expiry, once. Run directly, and behind a real sshd whose
authorized_keys forces the guard with `command=`, in front of the bot's own SSH runner."""

from __future__ import annotations

import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.adapters.console import SIGNED, SshRunner, apply_signature
from bot.commands.doctor import check_apply_guard, check_apply_settings
from bot.domain.apply import ApprovedGroup
from bot.domain.command import MIGRATION_COMMAND, DryRunCommand, FinalCommand
from bot.settings import load_settings
from tests.integration.adapters.test_runner_local import received_arguments
from tests.integration.test_preprod_ssh_guard import GUARD, Guarded, rule
from tests.support.sshd import SshServer, serve_sshd

KEY = "k" * 16 + "0123456789abcdef0123456789abcdef"
CARD, FINGERPRINT = "5f0c1e2d3a4b5c6d7e8f9a0b", "0123456789abcdef"


class ApplyGuarded(Guarded):
    """The guard with `--apply-key-file` and `--nonce-log`."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.key_file = root / "apply.key"
        self.key_file.write_text(KEY + "\n")
        self.nonces = root / "nonces"

    def options(self) -> list[str]:
        return [
            "--workdir",
            str(self.workdir),
            "--console",
            self.console,
            "--log-file",
            str(self.log),
            "--apply-key-file",
            str(self.key_file),
            "--nonce-log",
            str(self.nonces),
        ]

    def run(self, original_command: str | bytes | None) -> subprocess.CompletedProcess[bytes]:
        env = {"SSH_ORIGINAL_COMMAND": original_command, "PATH": "/usr/bin:/bin"}
        return subprocess.run(
            [sys.executable, str(GUARD), *self.options()],
            env=env,
            capture_output=True,
            timeout=30,
            check=False,
        )

    def signed(
        self,
        arguments: tuple[str, ...],
        *,
        signed_arguments: tuple[str, ...] | None = None,
        key: str = KEY,
        expiry: int | None = None,
        nonce: str = "6e6f6e6365",
    ) -> str:
        signature = apply_signature(
            key.encode(),
            arguments=signed_arguments or arguments,
            card=CARD,
            fingerprint=FINGERPRINT,
            expiry=int(time.time()) + 120 if expiry is None else expiry,
            nonce=nonce,
        )
        return f"{SIGNED} {signature} && {self.sent(arguments)}"


@pytest.fixture
def guarded(tmp_path: Path) -> ApplyGuarded:
    return ApplyGuarded(tmp_path)


FINAL = FinalCommand(rule("CHU 77")).arguments()
OTHER = FinalCommand(rule("CPH")).arguments()  # another value: one argument changed


def refused(result: subprocess.CompletedProcess[bytes], why: str) -> bool:
    return result.returncode == 1 and result.stdout == b"" and why in result.stderr.decode()


def test_a_signed_run_passes_without_its_signature(guarded: ApplyGuarded):
    result = guarded.run(guarded.signed(FINAL))
    assert result.returncode == 0, result.stderr
    # Neither --dry-run nor the signature reach the console.
    assert received_arguments(result.stdout) == [word.encode() for word in FINAL]
    assert f"accepted signed run (card {CARD}, plan {FINGERPRINT})" in guarded.log.read_text()


def test_unsigned_altered_expired_replayed_or_foreign_runs_are_refused(guarded: ApplyGuarded):
    assert refused(guarded.run(guarded.sent(FINAL)), "--dry-run must come once, last")
    assert refused(guarded.run(guarded.signed(OTHER, signed_arguments=FINAL)), "bad signature")
    assert refused(guarded.run(guarded.signed(FINAL, key="x" * 48)), "bad signature")
    assert refused(guarded.run(guarded.signed(FINAL, expiry=int(time.time()) - 1)), "signature expired")
    assert refused(guarded.run(guarded.signed(FINAL, expiry=int(time.time()) + 3600)), "valid for too long")
    replayed = guarded.signed(FINAL, nonce="a1")
    assert guarded.run(replayed).returncode == 0
    assert refused(guarded.run(replayed), "already used (replay)")
    with_dry_run = (*FINAL, "--dry-run")
    assert refused(guarded.run(guarded.signed(with_dry_run)), "without --dry-run")
    assert refused(guarded.run(guarded.signed(("cache:clear",))), "only app:migrate")
    tampered = guarded.signed(FINAL, nonce="b2").replace(" && cd ", " && cd /tmp && cd ", 1)
    assert refused(guarded.run(tampered), "not `cd")


def test_dry_runs_and_help_pass_as_before_in_apply_mode(guarded: ApplyGuarded):
    for arguments in (DryRunCommand.of(rule("CHU 77")).arguments(), ("help", MIGRATION_COMMAND)):
        result = guarded.run(guarded.sent(arguments))
        assert result.returncode == 0, result.stderr
        assert received_arguments(result.stdout) == [word.encode() for word in arguments]


def test_without_apply_mode_a_signed_run_is_refused(tmp_path: Path):
    plain = Guarded(tmp_path)  # the guard as before: no key file
    line = ApplyGuarded.signed(plain, FINAL)  # type: ignore[arg-type]
    result = plain.run(line)
    assert result.returncode == 1 and result.stdout == b""
    assert b"apply mode" in result.stderr


# --- behind a real sshd, in front of the bot's SSH runner ----------------------------------------------


@pytest.fixture
def apply_sshd(tmp_path: Path, guarded: ApplyGuarded) -> Iterator[tuple[SshServer, ApplyGuarded]]:
    forced = shlex.join([sys.executable, str(GUARD), *guarded.options()])
    directory = tmp_path / "sshd"
    directory.mkdir()
    with serve_sshd(directory, key_options=f'command="{forced}",restrict') as server:
        yield server, guarded


def runner(server: SshServer, guarded: ApplyGuarded, *, key: str = KEY, clock=time.time) -> SshRunner:
    return SshRunner(
        target=server.target,
        ssh_options=server.ssh_options,
        workdir=str(guarded.workdir),
        console_command=guarded.console,
        timeout_s=30,
        signing_key=key,
        clock=clock,
    )


def approved_group() -> ApprovedGroup:
    commands = (FinalCommand(rule("CHU 77")), FinalCommand(rule("-x", with_accommodations=True)))
    return ApprovedGroup(
        card_id=CARD,
        round=1,
        description_hash="d" * 16,
        plan_fingerprint=FINGERPRINT,
        group=1,
        commands=commands,
        approved_by="U0CAMILLE",
    )


def test_the_bots_signed_runs_pass_the_guard_over_ssh(apply_sshd):
    server, guarded = apply_sshd
    bot = runner(server, guarded)
    group = approved_group()
    try:
        for position, command in enumerate(group.commands):
            result = bot.run_approved(group, position)
            assert result.exit_code == 0, result.stderr
            assert received_arguments(result.stdout) == [word.encode() for word in command.arguments()]
        dry_run = bot.run(DryRunCommand.of(rule("CHU 77")))  # dry-runs as before
        assert received_arguments(dry_run.stdout)[-1] == b"--dry-run"
        probe = bot.apply_probe()  # doctor's signed --help
        assert received_arguments(probe.stdout) == [MIGRATION_COMMAND.encode(), b"--help"]
    finally:
        bot.close()


def test_over_ssh_another_key_an_expired_signature_and_a_replay_are_refused(apply_sshd):
    server, guarded = apply_sshd
    group = approved_group()
    for bot, why in (
        (runner(server, guarded, key="y" * 48), b"bad signature"),
        (runner(server, guarded, clock=lambda: time.time() - 3600), b"signature expired"),
    ):
        try:
            result = bot.run_approved(group, 0)
        finally:
            bot.close()
        assert result.exit_code == 1 and result.stdout == "", result
        assert why.decode() in result.stderr
    ssh = ["ssh", "-n", "-T", "-o", "BatchMode=yes", "-p", str(server.port), *shlex.split(server.ssh_options)]
    destination = f"{server.user}@{server.host}"
    line = guarded.signed(FINAL, nonce="c3")
    first = subprocess.run([*ssh, destination, line], capture_output=True, timeout=30, check=False)
    again = subprocess.run([*ssh, destination, line], capture_output=True, timeout=30, check=False)
    assert first.returncode == 0, first.stderr
    assert again.returncode != 0 and again.stdout == b"" and b"already used (replay)" in again.stderr
    altered = guarded.signed(OTHER, signed_arguments=FINAL, nonce="d4")
    result = subprocess.run([*ssh, destination, altered], capture_output=True, timeout=30, check=False)
    assert result.returncode != 0 and result.stdout == b"" and b"bad signature" in result.stderr


def test_doctor_reads_the_guards_answer_to_a_signed_help(apply_sshd):
    server, guarded = apply_sshd
    for key, ok in ((KEY, True), ("z" * 48, False)):
        bot = runner(server, guarded, key=key)
        try:
            check = check_apply_guard(bot, ssh_target=server.target)
        finally:
            bot.close()
        assert check.ok is ok, check
    assert "refuse un lancement signé (preprod-ssh-guard: refused: bad signature" in check.detail
    assert "--apply-key-file" in check.fix


def test_doctor_checks_the_apply_settings():
    assert check_apply_settings(load_settings()) is None  # off: nothing to say
    missing = check_apply_settings(load_settings(preprod_apply=True, console_ssh="bot@preprod"))
    assert missing is not None and missing.ok is False
    assert "APPLY_MEMBERS manquant" in missing.detail and "APPLY_SIGNING_KEY manquant" in missing.detail
    ready = check_apply_settings(
        load_settings(
            preprod_apply=True, apply_members="sambernard", console_ssh="bot@preprod", apply_signing_key=KEY
        )
    )
    assert ready is not None and ready.ok is True
    assert "1 personne autorisée à lancer les groupes" in ready.detail
