"""Logs are English, people's messages French: no log format string of the product holds French."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).parents[2]
LEVELS = {"debug", "info", "warning", "error", "exception", "critical"}
FRENCH = re.compile(r"[«»àâçéèêëîïôûùü]|\b(?:impossible|délai|carte|réglages?|jeton|dépassé)\b", re.I)


def log_formats(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in LEVELS
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in {"log", "logger", "logging"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def test_no_log_line_of_the_product_is_written_in_french():
    french = [
        f"{path.relative_to(ROOT)}:{line}: {text}"
        for path in sorted((ROOT / "bot").rglob("*.py"))
        for line, text in log_formats(path)
        if FRENCH.search(text)
    ]
    assert french == []
    assert len([1 for path in (ROOT / "bot").rglob("*.py") for _ in log_formats(path)]) > 30  # it looked
