"""Options and arguments, parsed exactly as Symfony Console 5.4's `ArgvInput` parses them.

The quirks are kept on purpose, since the real console has them: `-o4537` is `-o 4537`, `-o=4537` gives the
value `=4537`, a value starting with `-` is not taken as a value (`-t -x` is « -t requires a value »), `--`
ends the options, `-t ""` is an empty value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class InputError(Exception):
    """Symfony's `Console\\Exception\\RuntimeException` raised while reading the input (English, as Symfony)."""


class Mode(Enum):
    NONE = "none"  # a flag
    REQUIRED = "required"  # --name=VALUE
    OPTIONAL = "optional"  # --name[=VALUE]
    NEGATABLE = "negatable"  # --name|--no-name


@dataclass(frozen=True)
class InputOption:
    name: str
    shortcut: str = ""  # "o", or "v|vv|vvv"
    mode: Mode = Mode.NONE
    description: str = ""
    default: object = None

    @property
    def accepts_value(self) -> bool:
        return self.mode in {Mode.REQUIRED, Mode.OPTIONAL}

    @property
    def shortcuts(self) -> tuple[str, ...]:
        return tuple(part.lstrip("-") for part in self.shortcut.split("|") if part)

    def initial(self) -> object:
        if self.mode is Mode.NONE:
            return False
        return self.default


@dataclass(frozen=True)
class InputArgument:
    name: str
    required: bool = False
    description: str = ""
    default: object = None


@dataclass(frozen=True)
class InputDefinition:
    arguments: tuple[InputArgument, ...] = ()
    options: tuple[InputOption, ...] = ()

    def option(self, name: str) -> InputOption | None:
        return next((option for option in self.options if option.name == name), None)

    def option_for_shortcut(self, shortcut: str) -> InputOption | None:
        return next((option for option in self.options if shortcut in option.shortcuts), None)

    def negated(self, name: str) -> InputOption | None:
        if not name.startswith("no-"):
            return None
        option = self.option(name[3:])
        return option if option is not None and option.mode is Mode.NEGATABLE else None

    def merged_with(self, application: InputDefinition, *, arguments: bool) -> InputDefinition:
        """`Command::mergeApplicationDefinition()`: the command's options, then the application's."""
        merged_arguments = (*application.arguments, *self.arguments) if arguments else self.arguments
        return InputDefinition(merged_arguments, (*self.options, *application.options))

    def synopsis(self, *, short: bool) -> str:
        """`InputDefinition::getSynopsis()`."""
        elements: list[str] = []
        if short and self.options:
            elements.append("[options]")
        elif not short:
            for option in self.options:
                value = f" {option.name.upper()}" if option.mode is Mode.REQUIRED else ""
                value = f" [{option.name.upper()}]" if option.mode is Mode.OPTIONAL else value
                shortcut = f"-{option.shortcut}|" if option.shortcut else ""
                negation = f"|--no-{option.name}" if option.mode is Mode.NEGATABLE else ""
                elements.append(f"[{shortcut}--{option.name}{value}{negation}]")
        if elements and self.arguments:
            elements.append("[--]")
        tail = ""
        for argument in self.arguments:
            element = f"<{argument.name}>"
            if not argument.required:
                element, tail = "[" + element, tail + "]"
            elements.append(element)
        return " ".join(elements) + tail


@dataclass
class ParsedInput:
    """What `ArgvInput::bind()` leaves: the given arguments and options (defaults apart)."""

    definition: InputDefinition
    arguments: dict[str, str] = field(default_factory=dict)
    options: dict[str, object] = field(default_factory=dict)

    def argument(self, name: str) -> object:
        if name in self.arguments:
            return self.arguments[name]
        found = next((a for a in self.definition.arguments if a.name == name), None)
        return found.default if found else None

    def option(self, name: str) -> object:
        if name in self.options:
            return self.options[name]
        found = self.definition.option(name)
        return found.initial() if found else None

    def validate(self) -> None:
        missing = [a.name for a in self.definition.arguments if a.required and a.name not in self.arguments]
        if missing:
            raise InputError(f'Not enough arguments (missing: "{", ".join(missing)}").')


def parse(
    tokens: list[str], definition: InputDefinition, *, partial: ParsedInput | None = None
) -> ParsedInput:
    """`ArgvInput::parse()`. With `partial`, what was parsed before an error is kept there (Symfony's pre-bind)."""
    parsed = partial if partial is not None else ParsedInput(definition)
    _Parser(list(tokens), parsed).run()
    return parsed


class _Parser:
    def __init__(self, tokens: list[str], result: ParsedInput) -> None:
        self.pending = tokens
        self.result = result
        self.definition = result.definition

    def run(self) -> None:
        parse_options = True
        while self.pending:
            token = self.pending.pop(0)
            if parse_options and token == "":
                self._argument(token)
            elif parse_options and token == "--":
                parse_options = False
            elif parse_options and token.startswith("--"):
                self._long_option(token)
            elif parse_options and token[0] == "-" and token != "-":
                self._short_option(token)
            else:
                self._argument(token)

    def _short_option(self, token: str) -> None:
        name = token[1:]
        if len(name) > 1:
            option = self.definition.option_for_shortcut(name[0])
            if option is not None and option.accepts_value:
                self._add_long(option.name, name[1:])  # -o4537
            else:
                self._short_option_set(name)
        else:
            self._add_short(name, None)

    def _short_option_set(self, name: str) -> None:
        for index, char in enumerate(name):
            option = self.definition.option_for_shortcut(char)
            if option is None:
                raise InputError(f'The "-{char}" option does not exist.')
            if option.accepts_value:
                self._add_long(option.name, None if index == len(name) - 1 else name[index + 1 :])
                return
            self._add_long(option.name, None)

    def _long_option(self, token: str) -> None:
        name = token[2:]
        if "=" in name:
            name, value = name.split("=", 1)
            if value == "":
                self.pending.insert(0, value)
            self._add_long(name, value)
        else:
            self._add_long(name, None)

    def _add_short(self, shortcut: str, value: str | None) -> None:
        option = self.definition.option_for_shortcut(shortcut)
        if option is None:
            raise InputError(f'The "-{shortcut}" option does not exist.')
        self._add_long(option.name, value)

    def _add_long(self, name: str, value: str | None) -> None:
        option = self.definition.option(name)
        if option is None:
            negated = self.definition.negated(name)
            if negated is None:
                raise InputError(f'The "--{name}" option does not exist.')
            if value is not None:
                raise InputError(f'The "--{name}" option does not accept a value.')
            self.result.options[negated.name] = False
            return
        if value is not None and not option.accepts_value:
            raise InputError(f'The "--{name}" option does not accept a value.')
        if value in ("", None) and option.accepts_value and self.pending:
            following = self.pending.pop(0)
            if following == "" or following[0] != "-":
                value = following
            else:
                self.pending.insert(0, following)
        if value is None:
            if option.mode is Mode.REQUIRED:
                raise InputError(f'The "--{name}" option requires a value.')
            self.result.options[name] = None if option.mode is Mode.OPTIONAL else True
            return
        self.result.options[name] = value

    def _argument(self, token: str) -> None:
        arguments = self.definition.arguments
        count = len(self.result.arguments)
        if count < len(arguments):
            self.result.arguments[arguments[count].name] = token
            return
        others = [a.name for a in arguments if a.name != "command"]
        command = self.result.arguments.get("command")
        if others:
            expected = '" "'.join(others)
            if command:
                raise InputError(
                    f'Too many arguments to "{command}" command, expected arguments "{expected}".'
                )
            raise InputError(f'Too many arguments, expected arguments "{expected}".')
        if command:
            raise InputError(f'No arguments expected for "{command}" command, got "{token}".')
        raise InputError(f'No arguments expected, got "{token}".')


# --- what the Application reads from the raw tokens, before any command is known ----------------------


def has_parameter_option(tokens: list[str], values: tuple[str, ...]) -> bool:
    """`ArgvInput::hasParameterOption($values, true)`: a prefix test on raw tokens, up to `--`."""
    for token in tokens:
        if token == "--":
            return False
        for value in values:
            leading = value + "=" if value.startswith("--") else value
            if token == value or (leading and token.startswith(leading)):
                return True
    return False


def first_argument(tokens: list[str], bound: ParsedInput) -> str | None:
    """`ArgvInput::getFirstArgument()`: the command name, skipping options and the values they took."""
    is_option_value = False
    for index, token in enumerate(tokens):
        if token and token[0] == "-":
            if "=" in token or index + 1 >= len(tokens):
                continue
            name = token[2:] if token[1:2] == "-" else token[-1]
            option = bound.definition.option(name) or bound.definition.option_for_shortcut(name)
            if option is not None and bound.options.get(option.name) == tokens[index + 1]:
                is_option_value = True
            continue
        if is_option_value:
            is_option_value = False
            continue
        return token
    return None
