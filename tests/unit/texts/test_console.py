"""The console's failures and unreadable outputs in French: exact texts, typography around the console's
words, never inside them."""

from __future__ import annotations

import re
from pathlib import Path

import bot.domain.console_output as reader
from bot.domain.console_output import Unreadable, read_figures
from bot.domain.model import ConsoleResult
from bot.texts.console import UNREADABLE, console_failure, unreadable_error
from bot.texts.french import NBSP


def test_the_console_words_are_quoted_as_they_were_printed() -> None:
    said = 'Option "--targetFieldValue" : valeur « A ; B » invalide !'
    result = ConsoleResult(exit_code=1, stdout="", stderr=f"\n [ERROR] {said}\n\n", duration_s=0.1)
    assert console_failure(result) == f"La commande a échoué (code 1){NBSP}: «{NBSP}{said}{NBSP}»"


def test_a_timeout_says_how_long_and_the_last_words() -> None:
    result = ConsoleResult(
        exit_code=None, stdout="Chargement : 10 %\n", stderr="", duration_s=2.2, timed_out=True
    )
    assert console_failure(result) == (
        f"La commande n'a pas répondu à temps et a été arrêtée au bout de 2 s{NBSP}; "
        f"dernier message{NBSP}: «{NBSP}Chargement : 10 %{NBSP}»"
    )


def test_an_unreadable_output_keeps_the_console_lines_untouched_in_its_excerpt() -> None:
    result = read_figures("Bonjour : rien ici ; vraiment ?\n")
    assert isinstance(result, Unreadable)
    assert unreadable_error(result) == (
        f"Tableau récapitulatif des suivis introuvable dans la sortie de la console (colonnes attendues{NBSP}: "
        "Rôle, Centre ID, Centre Nom, Nb. suivis, Après migration).\n"
        f"Extrait de la sortie de la console{NBSP}:\n"
        "Bonjour : rien ici ; vraiment ?"
    )


def test_every_reason_the_reader_gives_has_its_french_words() -> None:
    source = Path(reader.__file__).read_text(encoding="utf-8")
    reasons = set(re.findall(r'unreadable\(\s*"(\w+)"', source)) | set(
        re.findall(r'return "(\w+)", \{', source)
    )
    simulation = Path(reader.__file__).parents[1] / "app" / "simulation.py"
    reasons |= set(re.findall(r'Unreadable\(\s*"(\w+)"', simulation.read_text(encoding="utf-8")))
    assert len(reasons) == len(UNREADABLE) == 20
    assert reasons <= set(UNREADABLE)
