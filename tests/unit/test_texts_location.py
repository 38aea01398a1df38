"""Every sentence a person reads lives in bot/texts: measured on the source, not promised.

A string constant of bot/ counts as French prose when it holds a space and a French mark (an accented letter,
« », or a common French word). Docstrings, log calls and the settings' descriptions (English, for developers) and the console's own words
and the words the bot only reads (the console's, people's replies) are not texts it writes for people.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from bot.domain.replies import APPROVALS, CONDITIONS, NEGATIONS, NOT_YET, POLITENESS, REFUSALS

BOT = Path(__file__).parents[2] / "bot"
TEXTS = BOT / "texts"

_FRENCH = re.compile(
    r"[àâçéèêëîïôûùüÿœæÀÂÇÉÈÊËÎÏÔÛÙÜŸŒÆ«»]"
    r"|\b(?:le|la|les|des|du|une|est|pas|dans|sur|pour|avec|sans|aucun|aucune|carte|cartes|commande|"
    r"demande|erreur|liste|listes|ou|et)\b",
    re.IGNORECASE,
)
_LOGGERS = {"log", "logger", "logging"}
_LOG_METHODS = {"debug", "info", "warning", "error", "exception", "critical", "log"}

# Modules whose texts other engineers were moving when this test was written (ticket.py, workflow.py,
# approvals.py): they have landed in bot/texts, the list is empty. Add a module here only while it is moved.
ELSEWHERE: dict[str, str] = {}
_TICKET_KEYWORDS = {
    "tous les dossiers",
    "Conflit hébergements",
    "migrer quand même",
    "lorsque le champ",
    "quand le champ",
    "avec hébergements",
    "sans hébergements",
    "y compris supprimés",
    " - lorsque le champ = ",
    "lorsque le champ = ",
    " - tous les dossiers",
}
# Words the bot reads, never writes: what the Symfony console prints, the ticket language's keywords, what
# people reply in Slack threads, the checklist items the bot wrote and reads back.
READ_WORDS = {
    "domain/ticket.py": _TICKET_KEYWORDS,
    "domain/ticket_prose.py": _TICKET_KEYWORDS,
    "domain/ticket_tables.py": _TICKET_KEYWORDS,
    "domain/console_output.py": {
        "Rôle",
        "Après migration",
        "Hébergement ID",
        "Individus non migrés",
        "Individus migrés",
        "individus non migrés rattachés",
        r"hébergements\s+à\s+migrer\s*:",
        r"hébergements\s+à\s+migrer\s*:\s*(\d+)\s*$",
        r"(\d+)\([-−–](\d+)migr[ée]s?\)",
    },
    "domain/replies.py": {*APPROVALS, *REFUSALS, *POLITENESS, *CONDITIONS, *NOT_YET, *NEGATIONS},
    "domain/verification.py": {r"^(?P<environment>Preprod|Prod) — vérifier le groupe (?P<number>\d+)\b"},
}


def _skipped_nodes(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and body:
            first = body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                skipped.add(id(first.value))  # docstring
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _LOG_METHODS
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in _LOGGERS
        ):
            skipped.update(id(inner) for inner in ast.walk(node))  # logs stay English, for developers
        if isinstance(node, ast.keyword) and node.arg == "description":
            skipped.update(id(inner) for inner in ast.walk(node))  # a setting's doc: the docs' settings table
    return skipped


def french_constants(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _skipped_nodes(tree)
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skipped
        and " " in node.value.strip()
        and _FRENCH.search(node.value)
    ]


def census() -> dict[str, list[tuple[int, str]]]:
    """Module (relative to bot/) → its French string constants."""
    found = {}
    for path in sorted(BOT.rglob("*.py")):
        module = path.relative_to(BOT).as_posix()
        allowed = READ_WORDS.get(module, set())
        constants = [(line, text) for line, text in french_constants(path) if text not in allowed]
        if constants:
            found[module] = constants
    return found


def test_no_french_sentence_lives_outside_bot_texts() -> None:
    outside = {
        module: [f"{line}: {text!r}" for line, text in constants]
        for module, constants in census().items()
        if not module.startswith("texts/") and module not in ELSEWHERE
    }
    assert outside == {}


def test_the_allowlist_names_only_modules_that_still_hold_french() -> None:
    """Once a module is emptied of its texts, it leaves the allowlist (the test says which)."""
    assert set(ELSEWHERE) <= set(census())


def test_texts_import_the_domain_at_most() -> None:
    """bot/texts words facts: it may read the domain, never the services, adapters or commands."""
    for path in sorted(TEXTS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bot."):
                assert node.module.split(".")[1] in {"domain", "texts"}, (path.name, node.module)
