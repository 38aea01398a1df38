"""The Symfony `Application` around the commands: lookup, `help`, `list`, global options, error rendering.

It behaves as a FrameworkBundle console (`php bin/console`) of Symfony 5.4 run without a terminal: global
options `-e/--env` and `--no-debug` exist, framework errors are English and go to stderr as Symfony's red
block followed by the command's synopsis, exit code 1. The simulator never asks a question (Symfony's
« Do you want to run … instead? » needs an interactive terminal): a mistyped name lists the alternatives.
Not emulated: the `completion` command, `--format` other than `txt`, verbose exception traces.
"""

from __future__ import annotations

import json
import re
import sys
import traceback
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import BinaryIO

from sandbox.reconnect.inputs import (
    InputArgument,
    InputDefinition,
    InputError,
    InputOption,
    Mode,
    ParsedInput,
    first_argument,
    has_parameter_option,
    parse,
)
from sandbox.reconnect.style import SymfonyStyle
from sandbox.reconnect.text import (
    VERBOSITY_QUIET,
    VERBOSITY_VERBOSE,
    Output,
    display_width,
    escape,
    escape_trailing_backslash,
    has_colour_support,
    terminal_width,
)

SCRIPT = "bin/console"  # `$_SERVER['PHP_SELF']` in help texts: the console is started as `php bin/console`


class CommandNotFound(InputError):
    """`CommandNotFoundException` / `NamespaceNotFoundException`."""

    def __init__(self, message: str, *, alternatives: Sequence[str] = (), namespace: bool = False) -> None:
        super().__init__(message)
        self.alternatives = tuple(alternatives)
        self.namespace = namespace


@dataclass(frozen=True)
class Terminal:
    """Where the application reads and writes, and how."""

    output: Output
    error_output: Output
    width: int
    stdin: BinaryIO
    interactive: bool


@dataclass(frozen=True)
class Context:
    """What a running command gets: its input, its outputs, the terminal width."""

    input: ParsedInput
    output: Output
    error_output: Output
    width: int
    application: Application


class Command:
    """A console command: a name, a definition, and `execute()` returning the exit code."""

    name: str = ""
    description: str = ""
    help: str = ""
    definition: InputDefinition = InputDefinition()
    ignore_validation_errors: bool = False

    def execute(self, context: Context) -> int:
        raise NotImplementedError

    def synopsis(self, *, short: bool = False) -> str:
        return f"{self.name} {self.definition.synopsis(short=short)}".strip()

    def processed_help(self) -> str:
        text = self.help or self.description
        return text.replace("%command.name%", self.name).replace(
            "%command.full_name%", f"{SCRIPT} {self.name}"
        )


class Application:
    """`Symfony\\Bundle\\FrameworkBundle\\Console\\Application`, reduced to what the simulator needs."""

    def __init__(self, commands: Sequence[Command], *, name: str, version: str, environment: str) -> None:
        self.name = name
        self.version = version
        self.environment = environment
        self.commands: dict[str, Command] = {c.name: c for c in (HelpCommand(), ListCommand(), *commands)}
        self.definition = InputDefinition(
            (InputArgument("command", required=True, description="The command to execute"),),
            (
                InputOption(
                    "help",
                    "h",
                    description="Display help for the given command. When no command is given display help "
                    "for the <info>list</info> command",
                ),
                InputOption("quiet", "q", description="Do not output any message"),
                InputOption(
                    "verbose",
                    "v|vv|vvv",
                    description="Increase the verbosity of messages: 1 for normal output, 2 for more verbose "
                    "output and 3 for debug",
                ),
                InputOption("version", "V", description="Display this application version"),
                InputOption("ansi", "", Mode.NEGATABLE, "Force (or disable --no-ansi) ANSI output"),
                InputOption("no-interaction", "n", description="Do not ask any interactive question"),
                InputOption("env", "e", Mode.REQUIRED, "The Environment name.", environment),
                InputOption("no-debug", "", description="Switch off debug mode."),
            ),
        )

    def long_version(self) -> str:
        return f"{self.name} <info>{self.version}</info> (env: <comment>{self.environment}</>, debug: <comment>false</>)"

    # --- running

    def run(self, tokens: list[str], *, stdin: BinaryIO, stdout: BinaryIO, stderr: BinaryIO) -> int:
        """`Application::run()`: returns the exit code; every failure is rendered, none escapes."""
        output = Output(stdout, decorated=has_colour_support(stdout))
        error_output = Output(stderr, decorated=has_colour_support(stderr))
        self._configure_io(tokens, output, error_output)
        # Symfony 5.4 stays interactive without a terminal; only -n and -q stop it from asking.
        interactive = not has_parameter_option(tokens, ("--no-interaction", "-n", "--quiet", "-q"))
        terminal = Terminal(output, error_output, terminal_width(), stdin, interactive)
        running: list[Command] = []
        width = terminal.width
        try:
            return self._do_run(tokens, terminal, running)
        except InputError as error:
            self.render_error(str(error), error_output, width=width, running=running[-1] if running else None)
        except Exception as error:  # a bug of the simulator: shown as Symfony shows a PHP exception
            self._render_crash(error, error_output, width=width, running=running[-1] if running else None)
        return 1

    def _configure_io(self, tokens: list[str], output: Output, error_output: Output) -> None:
        for stream in (output, error_output):
            if has_parameter_option(tokens, ("--ansi",)):
                stream.decorated = True
            elif has_parameter_option(tokens, ("--no-ansi",)):
                stream.decorated = False
            if has_parameter_option(tokens, ("--quiet", "-q")):
                stream.verbosity = VERBOSITY_QUIET
            elif has_parameter_option(tokens, ("-v", "--verbose")):
                stream.verbosity = VERBOSITY_VERBOSE

    def _do_run(self, tokens: list[str], terminal: Terminal, running: list[Command]) -> int:
        if has_parameter_option(tokens, ("--version", "-V")):
            terminal.output.writeln(self.long_version())
            return 0
        bound = ParsedInput(self.definition)
        with suppress(InputError):  # a first reading, only to tell options from the command name
            parse(tokens, self.definition, partial=bound)
        name = first_argument(tokens, bound)
        wants_help = has_parameter_option(tokens, ("--help", "-h"))
        help_alone = wants_help and not name
        if help_alone:
            name, tokens = "help", ["help", "list"]  # `--help` alone: the help of `list`
        found, offered = self._find_or_offer(name or "list", terminal)
        if found is None:
            return 1
        help_target: Command | None = None
        command = found
        # `x --help` shows the help of x; but Symfony spends its help flag while it lists alternatives, so
        # an accepted alternative runs for real.
        if wants_help and not help_alone and not offered:
            help_target, command = found, self.commands["help"]
        running.append(command)
        definition = command.definition.merged_with(self.definition, arguments=True)
        given = ParsedInput(definition)
        try:
            parse(tokens, definition, partial=given)
        except InputError:
            if not command.ignore_validation_errors:
                raise
        given.arguments.setdefault("command", command.name)
        given.validate()
        context = Context(given, terminal.output, terminal.error_output, terminal.width, self)
        if isinstance(command, HelpCommand):
            return command.describe(context, target=help_target)
        return command.execute(context)

    # --- finding commands

    def find(self, name: str) -> Command:
        """`Application::find()`: exact name, else an unambiguous abbreviation (`app:mig`), else alternatives."""
        if name in self.commands:
            return self.commands[name]
        names = list(self.commands)
        expression = "[^:]*:".join(re.escape(part) for part in name.split(":")) + "[^:]*"
        found = [n for n in names if re.match(expression, n)] or [
            n for n in names if re.match(expression, n, re.IGNORECASE)
        ]
        if not found or not [n for n in found if re.fullmatch(expression, n, re.IGNORECASE)]:
            if ":" in name:
                self.find_namespace(name.rsplit(":", 1)[0])
            alternatives = _alternatives(name, names)
            message = f'Command "{name}" is not defined.' + _did_you_mean(alternatives)
            raise CommandNotFound(message, alternatives=alternatives)
        if len(found) > 1:
            listed = "\n".join(f"    {n}" for n in found)
            raise CommandNotFound(f'Command "{name}" is ambiguous.\nDid you mean one of these?\n{listed}.')
        return self.commands[found[0]]

    def _find_or_offer(self, name: str, terminal: Terminal) -> tuple[Command | None, bool]:
        """`find()`, or Symfony's « Do you want to run "x" instead? » when there is one alternative.

        Returns the command (None when the alternative is declined) and whether it had to be offered.
        """
        try:
            return self.find(name), False
        except CommandNotFound as error:
            if error.namespace or len(error.alternatives) != 1 or not terminal.interactive:
                raise
            alternative = error.alternatives[0]
        accepted = _confirm_alternative(name, alternative, terminal)
        return (self.find(alternative) if accepted else None), True

    def namespaces(self) -> list[str]:
        return sorted({name.split(":")[0] for name in self.commands if ":" in name})

    def find_namespace(self, namespace: str) -> str:
        """`Application::findNamespace()`: the namespace an abbreviation stands for."""
        expression = "[^:]*:".join(re.escape(part) for part in namespace.split(":")) + "[^:]*"
        found = [n for n in self.namespaces() if re.match(expression, n)]
        if not found:
            message = f'There are no commands defined in the "{namespace}" namespace.'
            alternatives = _alternatives(namespace, self.namespaces())
            raise CommandNotFound(
                message + _did_you_mean(alternatives), alternatives=alternatives, namespace=True
            )
        if namespace in found:
            return namespace
        if len(found) > 1:
            listed = "\n".join(f"    {n}" for n in found)
            message = f'The namespace "{namespace}" is ambiguous.\nDid you mean one of these?\n{listed}.'
            raise CommandNotFound(message, alternatives=found, namespace=True)
        return found[0]

    # --- rendering failures

    def render_error(self, message: str, output: Output, *, width: int, running: Command | None) -> None:
        """`Application::renderThrowable()` for a console exception: the red block, then the synopsis."""
        output.writeln("", verbosity=VERBOSITY_QUIET)
        for line in error_block(message, width=width):
            output.writeln(line, verbosity=VERBOSITY_QUIET)
        if running is not None:
            output.writeln(f"<info>{escape(running.synopsis())}</info>", verbosity=VERBOSITY_QUIET)
            output.writeln("", verbosity=VERBOSITY_QUIET)

    def _render_crash(self, error: Exception, output: Output, *, width: int, running: Command | None) -> None:
        frame = traceback.extract_tb(error.__traceback__)[-1]
        where = f"In {frame.filename.rsplit('/', 1)[-1]} line {frame.lineno}:"
        output.writeln("", verbosity=VERBOSITY_QUIET)
        output.writeln(f"<comment>{escape(where)}</comment>", verbosity=VERBOSITY_QUIET)
        for line in error_block(str(error) or type(error).__name__, width=width):
            output.writeln(line, verbosity=VERBOSITY_QUIET)
        if output.verbosity >= VERBOSITY_VERBOSE:
            output.writeln(escape("".join(traceback.format_exception(error))), verbosity=VERBOSITY_QUIET)
        if running is not None:
            output.writeln(f"<info>{escape(running.synopsis())}</info>", verbosity=VERBOSITY_QUIET)
            output.writeln("", verbosity=VERBOSITY_QUIET)


def _confirm_alternative(name: str, alternative: str, terminal: Terminal) -> bool:
    """The red block, then SymfonyStyle's confirmation question, answered on stdin (default: no)."""
    output = terminal.output
    output.writeln("")
    block = _large_block(f'Command "{name}" is not defined.')
    output.writeln("\n".join(f"<error>{line}</error>" for line in block))
    style = SymfonyStyle(output, terminal_width=terminal.width)
    style.new_line()  # askQuestion() on a fresh SymfonyStyle: one blank line first
    question = escape_trailing_backslash(f'Do you want to run "{alternative}" instead? ')
    output.writeln(f" <info>{question} (yes/no)</info> [<comment>no</comment>]:")
    output.write(" > ")
    answer = terminal.stdin.readline(4095)
    if not answer:  # end of input: Symfony takes the default answer and stops asking
        return False
    style.new_line()
    trimmed = answer.decode("utf-8", errors="replace").strip(" \t\n\r\0\x0b")
    return re.match(r"y", trimmed, re.IGNORECASE) is not None


def _large_block(message: str) -> list[str]:
    """`FormatterHelper::formatBlock($message, 'error', true)` without its tags."""
    escaped = escape(message)
    length = display_width(escaped) + 4
    return [" " * length, f"  {escaped}  " + " " * (length - display_width(f"  {escaped}  ")), " " * length]


def error_block(message: str, *, width: int) -> list[str]:
    """The `<error>` lines `doRenderThrowable()` draws around a message (non-verbose form)."""
    usable = width - 1 if width else sys.maxsize
    lines = [part for raw in re.split(r"\r?\n", message.strip()) for part in _split_by_width(raw, usable - 4)]
    length = max([display_width(line) + 4 for line in lines], default=0)
    empty = f"<error>{' ' * length}</error>"
    body = [f"<error>  {escape(line)}  {' ' * (length - display_width(line) - 4)}</error>" for line in lines]
    return [empty, *body, empty, ""]


def _split_by_width(line: str, width: int) -> list[str]:
    """`Application::splitStringByWidth()`, with its byte-counting `str_pad` of full lines."""
    pieces: list[str] = []
    current = ""
    for char in line:
        if display_width(current + char) <= width:
            current += char
            continue
        pieces.append(_str_pad(current, width))
        current = char
    pieces.append(_str_pad(current, width) if pieces else current)
    return pieces


def _str_pad(text: str, length: int) -> str:
    return text + " " * max(length - len(text.encode("utf-8", errors="surrogateescape")), 0)


def _did_you_mean(alternatives: list[str]) -> str:
    if not alternatives:
        return ""
    lead = "Did you mean this?" if len(alternatives) == 1 else "Did you mean one of these?"
    return f"\n\n{lead}\n    " + "\n    ".join(alternatives)


def _alternatives(name: str, collection: list[str]) -> list[str]:
    """`Application::findAlternatives()`: Levenshtein per namespace part and on the whole name."""
    threshold = 1000.0
    scores: dict[str, float] = {}
    parts_of = {item: item.split(":") for item in collection}
    for index, sub in enumerate(name.split(":")):
        for item, parts in parts_of.items():
            if index >= len(parts):
                if item in scores:
                    scores[item] += threshold
                continue
            distance = _levenshtein(sub, parts[index])
            if distance <= len(sub.encode()) / 3 or (sub and sub in parts[index]):
                scores[item] = scores[item] + distance if item in scores else distance
            elif item in scores:
                scores[item] += threshold
    for item in collection:
        distance = _levenshtein(name, item)
        if distance <= len(name.encode()) / 3 or name in item:
            scores[item] = scores[item] - distance if item in scores else distance
    kept = [item for item, score in scores.items() if score < 2 * threshold]
    return sorted(
        kept, key=lambda item: [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", item)]
    )


def _levenshtein(left: str, right: str) -> int:
    a, b = left.encode(), right.encode()  # PHP's levenshtein() counts bytes
    previous = list(range(len(b) + 1))
    for i, byte_a in enumerate(a, 1):
        current = [i]
        for j, byte_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (byte_a != byte_b)))
        previous = current
    return previous[-1]


# --- help and list -------------------------------------------------------------------------------------


class HelpCommand(Command):
    name = "help"
    description = "Display help for a command"
    ignore_validation_errors = True
    definition = InputDefinition(
        (InputArgument("command_name", description="The command name", default="help"),),
        (
            InputOption("format", "", Mode.REQUIRED, "The output format (txt, xml, json, or md)", "txt"),
            InputOption("raw", "", description="To output raw command help"),
        ),
    )
    help = (
        "The <info>%command.name%</info> command displays help for a given command:\n\n"
        "  <info>%command.full_name% list</info>\n\n"
        "You can also output the help in other formats by using the <comment>--format</comment> option:\n\n"
        "  <info>%command.full_name% --format=xml list</info>\n\n"
        "To display the list of available commands, please use the <info>list</info> command."
    )

    def describe(self, context: Context, *, target: Command | None) -> int:
        _require_txt(context.input)
        command = target or context.application.find(str(context.input.argument("command_name")))
        context.output.write(describe_command(command, context.application), newline=False)
        return 0

    def execute(self, context: Context) -> int:
        return self.describe(context, target=None)


class ListCommand(Command):
    name = "list"
    description = "List commands"
    definition = InputDefinition(
        (InputArgument("namespace", description="The namespace name"),),
        (
            InputOption("raw", "", description="To output raw command list"),
            InputOption("format", "", Mode.REQUIRED, "The output format (txt, xml, json, or md)", "txt"),
            InputOption("short", "", description="To skip describing commands' arguments"),
        ),
    )
    help = (
        "The <info>%command.name%</info> command lists all commands:\n\n"
        "  <info>%command.full_name%</info>\n\n"
        "You can also display the commands for a specific namespace:\n\n"
        "  <info>%command.full_name% test</info>\n\n"
        "You can also output the information in other formats by using the <comment>--format</comment> option:\n\n"
        "  <info>%command.full_name% --format=xml</info>\n\n"
        "It's also possible to get raw list of commands (useful for embedding command runner):\n\n"
        "  <info>%command.full_name% --raw</info>"
    )

    def execute(self, context: Context) -> int:
        _require_txt(context.input)
        given = context.input.argument("namespace")
        application = context.application
        namespace = application.find_namespace(str(given)) if given else None
        text = describe_application(
            application, namespace=namespace, label=str(given or ""), raw=bool(context.input.option("raw"))
        )
        context.output.write(text)
        return 0


def _require_txt(given: ParsedInput) -> None:
    format_name = given.option("format")
    if format_name != "txt":
        raise InputError(f'Unsupported format "{format_name}".')


def describe_command(command: Command, application: Application) -> str:
    """`TextDescriptor::describeCommand()`."""
    definition = command.definition.merged_with(application.definition, arguments=False)
    parts: list[str] = []
    if command.description:
        parts.append(f"<comment>Description:</comment>\n  {command.description}\n\n")
    parts.append("<comment>Usage:</comment>\n  " + escape(command.synopsis(short=True)) + "\n")
    if definition.options or definition.arguments:
        parts.append("\n" + describe_definition(definition) + "\n")
    processed = command.processed_help()
    if processed and processed != command.description:
        parts.append("\n<comment>Help:</comment>\n  " + processed.replace("\n", "\n  ") + "\n")
    return "".join(parts)


def describe_definition(definition: InputDefinition) -> str:
    """`TextDescriptor::describeInputDefinition()`: arguments, then options aligned on one column."""
    total = max([_option_name_width(o) for o in definition.options], default=0)
    total = max([total, *(display_width(a.name) for a in definition.arguments)])
    parts: list[str] = []
    if definition.arguments:
        parts.append("<comment>Arguments:</comment>\n")
        for argument in definition.arguments:
            default = ""
            if argument.default is not None:
                default = f"<comment> [default: {_json(argument.default)}]</comment>"
            spacing = " " * (total - len(argument.name))
            parts.append(f"  <info>{argument.name}</info>  {spacing}{argument.description}{default}\n")
    if definition.arguments and definition.options:
        parts.append("\n")
    if definition.options:
        parts.append("<comment>Options:</comment>")
        ordered = [o for o in definition.options if len(o.shortcut) <= 1]
        ordered += [o for o in definition.options if len(o.shortcut) > 1]
        for option in ordered:
            parts.append("\n" + _describe_option(option, total))
    return "".join(parts)


def _describe_option(option: InputOption, total: int) -> str:
    default = ""
    if option.accepts_value and option.default is not None:
        default = f"<comment> [default: {_json(option.default)}]</comment>"
    value = f"={option.name.upper()}" if option.accepts_value else ""
    value = f"[{value}]" if option.mode is Mode.OPTIONAL else value
    shortcut = f"-{option.shortcut}, " if option.shortcut else "    "
    name = (
        f"--{option.name}|--no-{option.name}" if option.mode is Mode.NEGATABLE else f"--{option.name}{value}"
    )
    synopsis = shortcut + name
    description = re.sub(r"\s*[\r\n]\s*", "\n" + " " * (total + 4), option.description)
    return f"  <info>{synopsis}</info>  {' ' * (total - display_width(synopsis))}{description}{default}"


def _option_name_width(option: InputOption) -> int:
    width = 1 + max(display_width(option.shortcut), 1) + 4 + display_width(option.name)
    if option.mode is Mode.NEGATABLE:
        return width + 6 + display_width(option.name)
    if option.accepts_value:
        return width + 1 + display_width(option.name) + (2 if option.mode is Mode.OPTIONAL else 0)
    return width


def _json(value: object) -> str:
    """`TextDescriptor::formatDefaultValue()`."""
    shown = escape(value) if isinstance(value, str) else value
    return json.dumps(shown, ensure_ascii=False).replace("\\\\", "\\")


def describe_application(
    application: Application, *, namespace: str | None, label: str = "", raw: bool
) -> str:
    """`TextDescriptor::describeApplication()`: version, usage, global options, commands by namespace."""
    groups: dict[str, list[str]] = {}
    for name in sorted(application.commands):
        groups.setdefault(name.split(":")[0] if ":" in name else "_global", []).append(name)
    if namespace:
        groups = {namespace: groups.get(namespace, [])}
    order = sorted(groups)  # "_global" sorts before any namespace, as in Symfony
    commands = [name for group in order for name in groups[group]]
    width = max([display_width(name) for name in commands], default=0) + 2
    if raw:
        return "".join(f"{name.ljust(width)} {application.commands[name].description}\n" for name in commands)
    options_only = InputDefinition((), application.definition.options)
    parts = [
        application.long_version() + "\n\n",
        "<comment>Usage:</comment>\n  command [options] [arguments]\n\n",
        describe_definition(options_only),
        "\n\n",
    ]
    if namespace:
        parts.append(f'<comment>Available commands for the "{label}" namespace:</comment>')
    else:
        parts.append("<comment>Available commands:</comment>")
    for group in order:
        if not namespace and group != "_global":
            parts.append(f"\n <comment>{group}</comment>")
        for name in groups[group]:
            spacing = " " * (width - display_width(name))
            parts.append(f"\n  <info>{name}</info>{spacing}{application.commands[name].description}")
    parts.append("\n")
    return "".join(parts)
