"""Runs the Symfony console, on this machine or on preprod over OpenSSH, and keeps whatever it said.

The only commands that can reach a process are dry-runs (`DryRunCommand`, checked again at the single
place where processes are spawned) and the constant `help` of the migration command used by `doctor`, with
one exception: `run_approved`, the opt-in preprod apply (PREPROD_APPLY), runs one command of an
`ApprovedGroup` without `--dry-run`. Over SSH that run is signed (HMAC-SHA256 with APPLY_SIGNING_KEY) for
the preprod guard's apply mode.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import re
import secrets
import selectors
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from bot.app.ports import Console
from bot.domain.apply import ApprovedGroup
from bot.domain.command import DRY_RUN_FLAG, MIGRATION_COMMAND, DryRunCommand, FinalCommand
from bot.domain.model import ConsoleResult
from bot.settings import Settings
from bot.texts import console as texts

HELP_ARGUMENTS: tuple[str, ...] = ("help", MIGRATION_COMMAND)
APPLY_PROBE: tuple[str, ...] = (MIGRATION_COMMAND, "--help")  # signed by doctor to check the guard's key
SIGNED = "migrabot-apply"  # the word the preprod guard strips, with the signature after it
SIGNATURE_TTL_S = 300  # a signed run must reach the guard within a few minutes
END_OF_OPTIONS = "--"  # after it Symfony would take `--dry-run` as a positional argument
CONTROL_PERSIST = "60s"
CONTROL_DIR_PREFIX = "migrabot-ssh-"
KILL_GRACE_S = 5.0  # time left to collect output once the process group is killed
OUTPUT_MAX_BYTES = 1_048_576  # of each stream, per run (CONSOLE_OUTPUT_MAX_BYTES): first and last halves kept
_CHUNK = 65_536
_SOCKET_PATH_MAX = 104  # sun_path is 104 bytes on BSD/macOS, 108 on Linux: stay within both
_CONTROL_NAME_LEN = 40 + 17  # %C is a 40-hex hash; ssh appends a temporary ".XXXXXXXXXXXXXXXX" suffix
_TARGET = re.compile(r"^(?P<destination>[^\s:@-][^\s:@]*@[^\s:@-][^\s:@]*)(?::(?P<port>\d{1,5}))?$")
_SAFE_CONTROL_DIR = re.compile(r"^[A-Za-z0-9._/+-]+$")


class CommandRefused(Exception):
    """A dry-run whose arguments could let Symfony do anything else than a simulation."""


# --- the gate: what may be executed ---------------------------------------------------------------


def dry_run_arguments(command: object) -> tuple[str, ...]:
    """The console arguments of a genuine dry-run; TypeError for anything that is not one.

    Exact types are required: a subclass or a look-alike could override `arguments()` and drop the flag.
    """
    if type(command) is not DryRunCommand:
        raise TypeError(f"only a DryRunCommand can be run, not {type(command).__name__}")
    if type(command.final) is not FinalCommand:
        raise TypeError(f"a DryRunCommand must wrap a FinalCommand, not {type(command.final).__name__}")
    arguments = command.arguments()
    check_allowed(arguments)
    return arguments


def approved_arguments(group: object, position: int) -> tuple[str, ...]:
    """The arguments of one command of an approved group; TypeError for anything that is not one."""
    if type(group) is not ApprovedGroup:
        raise TypeError(f"only an ApprovedGroup can be run without --dry-run, not {type(group).__name__}")
    command = group.commands[position]
    if type(command) is not FinalCommand:
        raise TypeError(f"an ApprovedGroup holds FinalCommands, not {type(command).__name__}")
    arguments = command.arguments()
    check_allowed(arguments, approved=group)
    return arguments


def check_allowed(arguments: tuple[str, ...], *, approved: ApprovedGroup | None = None) -> None:
    """Last line of defence, at the spawn point: the help constants, a migration that ends in `--dry-run`,
    or (`approved`, from `run_approved` only) one of the approved group's own commands."""
    if type(arguments) is not tuple or not all(type(word) is str for word in arguments):
        raise TypeError("console arguments must be a tuple of str")
    if arguments in (HELP_ARGUMENTS, APPLY_PROBE):
        return
    if approved is not None:
        _check_approved(arguments, approved)
        return
    if len(arguments) < 2 or arguments[0] != MIGRATION_COMMAND or arguments[-1] != DRY_RUN_FLAG:
        raise TypeError(f"refusing to run console arguments that are not a dry-run: {arguments!r}")
    if END_OF_OPTIONS in arguments:
        raise CommandRefused(texts.END_OF_OPTIONS_REFUSED)


def _check_approved(arguments: tuple[str, ...], approved: ApprovedGroup) -> None:
    if type(approved) is not ApprovedGroup:
        raise TypeError("a real run needs an ApprovedGroup")
    if arguments not in {command.arguments() for command in approved.commands}:
        raise TypeError(f"refusing to run arguments the approved group does not hold: {arguments!r}")
    if arguments[0] != MIGRATION_COMMAND or DRY_RUN_FLAG in arguments:
        raise TypeError(f"refusing to run arguments that are not the approved migration: {arguments!r}")
    if END_OF_OPTIONS in arguments:
        raise CommandRefused(texts.END_OF_OPTIONS_REFUSED)


def apply_signature(
    key: bytes, *, arguments: Sequence[str], card: str, fingerprint: str, expiry: int, nonce: str
) -> str:
    """`v1:<card>:<fingerprint>:<expiry>:<nonce>:<hmac>`, as `deploy/preprod-ssh-guard` checks it: HMAC-SHA256
    over the exact console arguments, the card, the plan fingerprint, the expiry and a single-use nonce."""
    fields = [f"{SIGNED}/v1", card, fingerprint, str(expiry), nonce, list(arguments)]
    message = json.dumps(fields, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    digest = hmac.new(key, message, hashlib.sha256).hexdigest()
    return f"v1:{card}:{fingerprint}:{expiry}:{nonce}:{digest}"


# --- spawning ----------------------------------------------------------------------------------------


# The bot's own credentials are none of the console's business (a Symfony error handler could report them).
SECRET_PREFIXES = ("TRELLO_", "SLACK_", "DRIVE_", "GOOGLE_APPLICATION_CREDENTIALS", "APPLY_SIGNING_KEY")


def _without_secrets(environment: Mapping[str, str]) -> dict[str, str]:
    return {name: value for name, value in environment.items() if not name.startswith(SECRET_PREFIXES)}


def _spawn(
    argv: Sequence[str],
    *,
    cwd: str | None,
    env: Mapping[str, str] | None,
    timeout_s: float,
    max_bytes: int = OUTPUT_MAX_BYTES,
) -> ConsoleResult:
    """Run argv without a shell in its own process group; never raises for a process that fails."""
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env) if env is not None else _without_secrets(os.environ),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # so a timeout can kill the console and everything it started
        )
    except OSError as error:
        return ConsoleResult(
            exit_code=None,
            stdout="",
            stderr="",
            duration_s=time.monotonic() - started,
            start_error=describe_start_error(argv[0], error),
        )
    try:
        stdout, stderr, timed_out = _collect(process, timeout_s=timeout_s, max_bytes=max_bytes)
    except BaseException:
        _kill_and_collect(process)  # e.g. KeyboardInterrupt: leave nothing running behind us
        raise
    return ConsoleResult(
        exit_code=None if timed_out else process.returncode,
        stdout=stdout.text(),
        stderr=stderr.text(),
        duration_s=time.monotonic() - started,
        timed_out=timed_out,
    )


class _Ends:
    """The first and last bytes of a stream, within `max_bytes`: the middle is counted, never kept, so a 30 MB
    output costs what its two ends cost (the error is at the start, the summary table at the end)."""

    def __init__(self, max_bytes: int) -> None:
        self.head_room = max_bytes // 2
        self.tail_room = max_bytes - self.head_room
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self.head_room - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        self.tail += chunk
        if len(self.tail) > 2 * self.tail_room:  # trimmed now and then: linear in what is read
            del self.tail[: len(self.tail) - self.tail_room]

    def text(self) -> str:
        tail = self.tail[-self.tail_room :] if self.tail_room else b""
        if self.total <= len(self.head) + len(tail):
            return _text(bytes(self.head + tail))
        head = self.head[: self.head.rfind(b"\n") + 1]  # whole lines only on each side of the cut
        tail = tail[tail.find(b"\n") + 1 :]
        cut = self.total - len(head) - len(tail)
        return _text(bytes(head)) + texts.output_cut(cut) + "\n" + _text(bytes(tail))


def _collect(
    process: subprocess.Popen[bytes], *, timeout_s: float, max_bytes: int
) -> tuple[_Ends, _Ends, bool]:
    """Both pipes read as they come (within `max_bytes` each) until the process ends or `timeout_s`: then its
    group is killed and what arrives within KILL_GRACE_S is kept."""
    assert process.stdout is not None and process.stderr is not None
    ends = {process.stdout: _Ends(max_bytes), process.stderr: _Ends(max_bytes)}
    deadline = time.monotonic() + timeout_s
    timed_out = False
    with selectors.DefaultSelector() as selector:
        for pipe in ends:
            selector.register(pipe, selectors.EVENT_READ)
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if timed_out:
                    break  # a descendant left the group and holds the pipes: keep what arrived
                timed_out = True
                _kill_group(process)
                deadline = time.monotonic() + KILL_GRACE_S
                continue
            for key, _ in selector.select(remaining):
                chunk = os.read(key.fd, _CHUNK)
                if chunk:
                    ends[key.fileobj].add(chunk)
                else:
                    selector.unregister(key.fileobj)
    for pipe in ends:
        pipe.close()
    timed_out = _reap(process, remaining=deadline - time.monotonic(), timed_out=timed_out)
    return ends[process.stdout], ends[process.stderr], timed_out


def _reap(process: subprocess.Popen[bytes], *, remaining: float, timed_out: bool) -> bool:
    """Wait for the process (its pipes are closed); True when it had to be killed."""
    try:
        process.wait(timeout=max(remaining, 0.0) if not timed_out else KILL_GRACE_S)
        return timed_out
    except subprocess.TimeoutExpired:
        _kill_group(process)
        process.kill()
        process.wait()
        return True


def _kill_and_collect(process: subprocess.Popen[bytes]) -> tuple[bytes | None, bytes | None]:
    # The leader is not reaped yet, so its pid still names our process group and nobody else's.
    _kill_group(process)
    try:
        return process.communicate(timeout=KILL_GRACE_S)
    except subprocess.TimeoutExpired as still_open:
        # A descendant left the group and holds the pipes: keep what arrived and stop waiting.
        process.kill()
        process.wait()
        return still_open.output, still_open.stderr


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    if process.returncode is not None:
        return  # reaped: its pid may already belong to someone else
    with contextlib.suppress(ProcessLookupError, PermissionError):  # already gone
        os.killpg(process.pid, signal.SIGKILL)


def _text(data: bytes | None) -> str:
    return (data or b"").decode("utf-8", errors="replace")


def describe_start_error(executable: str, error: OSError) -> str:
    if isinstance(error, FileNotFoundError):
        reason = texts.PROGRAM_NOT_FOUND
    elif isinstance(error, PermissionError):
        reason = texts.PERMISSION_DENIED
    else:
        reason = error.strerror or str(error)
    return texts.cannot_start(executable, reason)


def _refused(reason: str) -> ConsoleResult:
    return ConsoleResult(exit_code=None, stdout="", stderr="", duration_s=0.0, start_error=reason)


# --- local -------------------------------------------------------------------------------------------


class _Runner(Console):
    """The `Console` port. What both transports share: only a dry-run (or the constant help) reaches `_execute`."""

    def run(self, command: DryRunCommand) -> ConsoleResult:
        try:
            arguments = dry_run_arguments(command)
        except CommandRefused as refusal:
            return _refused(str(refusal))
        return self._execute(arguments)

    def migration_help(self) -> ConsoleResult:
        return self._execute(HELP_ARGUMENTS)

    def run_approved(self, group: ApprovedGroup, position: int) -> ConsoleResult:
        """THE one path that runs a migration without `--dry-run` (PREPROD_APPLY): the `position`-th command
        of a group the execution service built from the journaled approval. Nothing else calls it (an AST
        test checks), and the arguments are checked again against the group at the spawn point."""
        try:
            arguments = approved_arguments(group, position)
        except CommandRefused as refusal:
            return _refused(str(refusal))
        return self._execute(arguments, approved=group)

    def _execute(self, arguments: tuple[str, ...], *, approved: ApprovedGroup | None = None) -> ConsoleResult:
        raise NotImplementedError


class LocalRunner(_Runner):
    """The console on this machine: `console_argv + arguments`, no shell, in `workdir`."""

    def __init__(
        self,
        *,
        console_argv: Sequence[str],
        workdir: str | Path | None,
        timeout_s: float,
        env: Mapping[str, str] | None = None,
        output_max_bytes: int = OUTPUT_MAX_BYTES,
    ) -> None:
        if not console_argv:
            raise ValueError("console_argv cannot be empty")
        self._console_argv = tuple(console_argv)
        self._workdir = str(workdir) if workdir else None
        self._timeout_s = timeout_s
        self._max_bytes = output_max_bytes
        self._env = env  # None: the bot's own environment

    def close(self) -> None:
        """Nothing stays open between local runs."""

    def _execute(self, arguments: tuple[str, ...], *, approved: ApprovedGroup | None = None) -> ConsoleResult:
        check_allowed(arguments, approved=approved)
        if self._workdir is not None and not os.path.isdir(self._workdir):
            return _refused(texts.missing_workdir(self._workdir))
        argv = (*self._console_argv, *arguments)
        return _spawn(
            argv, cwd=self._workdir, env=self._env, timeout_s=self._timeout_s, max_bytes=self._max_bytes
        )


# --- ssh ---------------------------------------------------------------------------------------------


def parse_target(target: str) -> tuple[str, str | None]:
    """`user@host[:port]` → (`user@host`, port or None); refuses anything ssh could read as an option."""
    match = _TARGET.fullmatch(target)
    if not match:
        raise ValueError(f"SSH target must look like user@host or user@host:port, not {target!r}")
    return match["destination"], match["port"]


def remote_command(*, workdir: str, console_words: Sequence[str], arguments: Sequence[str]) -> str:
    """`cd <workdir> && <console> <args>` for the remote POSIX shell, every word quoted."""
    invocation = " ".join(shlex.quote(word) for word in (*console_words, *arguments))
    if not workdir:
        return invocation
    return f"cd {shlex.quote(workdir)} && {invocation}"


class SshRunner(_Runner):
    """The console on preprod through OpenSSH; one ticket's runs share one master connection."""

    def __init__(
        self,
        *,
        target: str,
        ssh_options: str,
        workdir: str,
        console_command: str,
        timeout_s: float,
        control_dir: Path | None = None,
        ssh_binary: str = "ssh",
        signing_key: str = "",
        clock: Callable[[], float] = time.time,
        output_max_bytes: int = OUTPUT_MAX_BYTES,
    ) -> None:
        self._destination, self._port = parse_target(target)
        self._ssh_options = tuple(shlex.split(ssh_options))
        self._workdir = workdir
        self._console_words = tuple(shlex.split(console_command))
        if not self._console_words:
            raise ValueError("console_command cannot be empty")
        self._timeout_s = timeout_s
        self._max_bytes = output_max_bytes
        self._ssh_binary = ssh_binary
        # APPLY_SIGNING_KEY: the preprod guard's apply mode accepts a real run signed with it.
        self._signing_key = signing_key.strip().encode()
        self._clock = clock
        self._first_connection = threading.Lock()
        self._owns_control_dir = control_dir is None
        # Our own directory is made only when a run needs it: a runner that never runs leaves nothing.
        self._control_dir = control_dir
        _check_control_dir(control_dir or Path(tempfile.gettempdir()) / f"{CONTROL_DIR_PREFIX}xxxxxxxx")

    @property
    def control_dir(self) -> Path | None:
        """Where the master connection's socket lives (None until a run makes the runner's own one)."""
        return self._control_dir

    def close(self) -> None:
        """End the master connection (if any) and forget its socket; safe to call twice."""
        with self._first_connection:
            if self._control_dir is None:
                return
            if self._has_master():
                exit_master = (
                    self._ssh_binary,
                    *self._connection_options(),
                    "-O",
                    "exit",
                    "--",
                    self._destination,
                )
                _spawn(exit_master, cwd=None, env=None, timeout_s=10)
                self._wait_for_master_exit()
            if self._owns_control_dir:
                shutil.rmtree(self._control_dir, ignore_errors=True)
                self._control_dir = None

    def apply_probe(self) -> ConsoleResult:
        """`app:migrate-… --help`, signed like a real run: the guard answers only if its key is ours (doctor)."""
        return self._execute(APPLY_PROBE, signed_for=("doctor", "-"))

    def _execute(
        self,
        arguments: tuple[str, ...],
        *,
        approved: ApprovedGroup | None = None,
        signed_for: tuple[str, str] | None = None,
    ) -> ConsoleResult:
        check_allowed(arguments, approved=approved)
        command = remote_command(
            workdir=self._workdir, console_words=self._console_words, arguments=arguments
        )
        if approved is not None:
            signed_for = (approved.card_id, approved.plan_fingerprint)
        if signed_for is not None:
            command = f"{self._signed_prefix(arguments, *signed_for)} && {command}"
        with self._first_connection:
            self._prepare_control_dir()
            argv = (
                self._ssh_binary,
                "-n",
                "-T",
                *self._connection_options(),
                "--",
                self._destination,
                command,
            )
            if not self._has_master():
                # Runs started together wait for this one's master instead of each opening a connection.
                return _spawn(argv, cwd=None, env=None, timeout_s=self._timeout_s, max_bytes=self._max_bytes)
        return _spawn(argv, cwd=None, env=None, timeout_s=self._timeout_s, max_bytes=self._max_bytes)

    def _signed_prefix(self, arguments: tuple[str, ...], card: str, fingerprint: str) -> str:
        signature = apply_signature(
            self._signing_key,
            arguments=arguments,
            card=card,
            fingerprint=fingerprint,
            expiry=int(self._clock()) + SIGNATURE_TTL_S,
            nonce=secrets.token_hex(16),
        )
        return f"{SIGNED} {signature}"

    def _prepare_control_dir(self) -> None:
        if self._control_dir is None:
            self._control_dir = Path(tempfile.mkdtemp(prefix=CONTROL_DIR_PREFIX))
        else:
            self._control_dir.mkdir(mode=0o700, parents=True, exist_ok=True)

    def _has_master(self) -> bool:
        directory = self._control_dir
        return directory is not None and directory.is_dir() and any(directory.iterdir())

    def _wait_for_master_exit(self, *, timeout_s: float = 5.0) -> None:
        """`ssh -O exit` returns when asked; the master removes its socket a moment later (busy machines)."""
        deadline = time.monotonic() + timeout_s
        while self._has_master() and time.monotonic() < deadline:
            time.sleep(0.02)

    def _connection_options(self) -> tuple[str, ...]:
        # ssh keeps the first value it sees for an option: ours come first so BatchMode cannot be undone.
        port = ("-p", self._port) if self._port else ()
        control = (
            "-o",
            "ControlMaster=auto",
            "-o",
            f"ControlPath={self._control_dir}/%C",
            "-o",
            f"ControlPersist={CONTROL_PERSIST}",
        )
        return ("-o", "BatchMode=yes", *port, *control, *self._ssh_options)


def _check_control_dir(control_dir: Path) -> None:
    # ssh reads -o values as config lines (spaces split, % expands) and sockets have a short path limit.
    text = str(control_dir)
    if not _SAFE_CONTROL_DIR.fullmatch(text):
        raise ValueError(f"control_dir must be a plain path without spaces or %: {text!r}")
    if len(text) + 1 + _CONTROL_NAME_LEN > _SOCKET_PATH_MAX:
        raise ValueError(f"control_dir is too long for a Unix socket path: {text!r}")


# --- wiring ------------------------------------------------------------------------------------------


def build_runner(settings: Settings) -> Console:
    """SSH when `CONSOLE_SSH` is set, else the local console."""
    if settings.console_ssh:
        return SshRunner(
            target=settings.console_ssh,
            ssh_options=settings.console_ssh_options,
            workdir=settings.console_workdir,
            console_command=settings.console_command,
            timeout_s=settings.console_timeout_seconds,
            signing_key=settings.apply_signing_key.get_secret_value(),
            output_max_bytes=settings.console_output_max_bytes,
        )
    return LocalRunner(
        console_argv=settings.console_argv,
        workdir=settings.console_workdir or None,
        timeout_s=settings.console_timeout_seconds,
        output_max_bytes=settings.console_output_max_bytes,
    )


def build_prod_runner(settings: Settings) -> Console | None:
    """Prod only over SSH, and only when `CONSOLE_PROD_SSH` is set: by default the bot cannot reach prod."""
    if not settings.console_prod_ssh:
        return None
    return SshRunner(
        target=settings.console_prod_ssh,
        ssh_options=settings.console_prod_ssh_options,
        workdir=settings.console_prod_workdir,
        console_command=settings.console_prod_command,
        timeout_s=settings.console_timeout_seconds,
        output_max_bytes=settings.console_output_max_bytes,
    )
