"""The shape docs/architecture.md describes, checked on the source (the import rules are
`lint-imports`'s, in pyproject.toml)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from bot.adapters.console import LocalRunner, SshRunner
from bot.app.ports import Console

ROOT = Path(__file__).parents[2]
MAX_FUNCTION_LINES = 60
MAX_TOP_MODULES = 8

# Functions others are still splitting; each entry leaves the list with its split (a stale one fails).
LONG_FUNCTIONS_BEING_SPLIT: set[tuple[str, str]] = set()


def functions(path: Path) -> Iterator[tuple[str, int]]:
    """(qualified name, lines from `def` to its last line) for every function, nested ones included."""

    def walk(node: ast.AST, prefix: str) -> Iterator[tuple[str, int]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = prefix + child.name
                yield name, child.end_lineno - child.lineno + 1
                yield from walk(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                yield from walk(child, prefix + child.name + ".")
            else:
                yield from walk(child, prefix)

    yield from walk(ast.parse(path.read_text(encoding="utf-8")), "")


def long_functions() -> dict[tuple[str, str], int]:
    found = {}
    for package in ("bot", "sandbox"):
        for path in sorted((ROOT / package).rglob("*.py")):
            module = path.relative_to(ROOT).as_posix()
            for name, lines in functions(path):
                if lines > MAX_FUNCTION_LINES:
                    found[(module, name)] = lines
    return found


def test_no_function_is_over_60_lines():
    too_long = {
        key: lines for key, lines in long_functions().items() if key not in LONG_FUNCTIONS_BEING_SPLIT
    }
    assert too_long == {}


def test_the_functions_being_split_are_still_long():
    """Once split, a function leaves LONG_FUNCTIONS_BEING_SPLIT: the list only ever shrinks."""
    assert LONG_FUNCTIONS_BEING_SPLIT - long_functions().keys() == set()


def test_the_length_counts_every_line_of_a_function(tmp_path: Path):
    body = [f"x{n} = {n}" for n in range(59)]
    lines = ["def fits():", *(f"    {line}" for line in body), "", "", "class C:", "    def over(self):"]
    lines += [*(f"        {line}" for line in body), "        return 1", ""]
    source = tmp_path / "sample.py"
    source.write_text("\n".join(lines))
    assert dict(functions(source)) == {"fits": 60, "C.over": 61}


def test_the_top_of_bot_holds_at_most_8_modules():
    modules = sorted(path.name for path in (ROOT / "bot").glob("*.py") if path.name != "__init__.py")
    assert len(modules) <= MAX_TOP_MODULES, modules


def test_the_console_runners_implement_the_one_console_port():
    assert Console in LocalRunner.__mro__ and Console in SshRunner.__mro__
