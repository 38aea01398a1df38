"""Runs the Symfony console, on this machine or on preprod over OpenSSH, and keeps whatever it said.

The only commands that can reach a process are dry-runs (`DryRunCommand`, checked again at the single
place where processes are spawned) and the constant `help` of the migration command used by `doctor`.
"""

from __future__ import annotations

import contextlib
import os
import re
import selectors
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from bot.app.ports import Console
from bot.domain.command import DRY_RUN_FLAG, MIGRATION_COMMAND, DryRunCommand, FinalCommand
from bot.domain.model import ConsoleResult
from bot.settings import Settings
from bot.texts import console as texts

HELP_ARGUMENTS: tuple[str, ...] = ("help", MIGRATION_COMMAND)
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


def check_allowed(arguments: tuple[str, ...]) -> None:
    """Last line of defence, at the spawn point: the help constant, or a migration that ends in `--dry-run`."""
    if type(arguments) is not tuple or not all(type(word) is str for word in arguments):
        raise TypeError("console arguments must be a tuple of str")
    if arguments == HELP_ARGUMENTS:
        return
    if len(arguments) < 2 or arguments[0] != MIGRATION_COMMAND or arguments[-1] != DRY_RUN_FLAG:
        raise TypeError(f"refusing to run console arguments that are not a dry-run: {arguments!r}")
    if END_OF_OPTIONS in arguments:
        raise CommandRefused(texts.END_OF_OPTIONS_REFUSED)


# --- spawning ----------------------------------------------------------------------------------------


# The bot's own credentials are none of the console's business (a Symfony error handler could report them).
SECRET_PREFIXES = ("TRELLO_", "SLACK_", "DRIVE_", "GOOGLE_APPLICATION_CREDENTIALS")


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

    def _execute(self, arguments: tuple[str, ...]) -> ConsoleResult:
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

    def _execute(self, arguments: tuple[str, ...]) -> ConsoleResult:
        check_allowed(arguments)
        if self._workdir is not None and not os.path.isdir(self._workdir):
            return _refused(texts.missing_workdir(self._workdir))
        argv = (*self._console_argv, *arguments)
        return _spawn(
            argv, cwd=self._workdir, env=self._env, timeout_s=self._timeout_s, max_bytes=self._max_bytes
        )


# --- ssh ---------------------------------------------------------------------------------------------


def parse_target(target: str) -> tuple[str, str | None]:
    """`user@host[:port]` → (`user@host`, port or None); refuses anything ssh could read as an option."""
    match = _TARGET.match(target)
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

    def _execute(self, arguments: tuple[str, ...]) -> ConsoleResult:
        check_allowed(arguments)
        command = remote_command(
            workdir=self._workdir, console_words=self._console_words, arguments=arguments
        )
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
    if not _SAFE_CONTROL_DIR.match(text):
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
