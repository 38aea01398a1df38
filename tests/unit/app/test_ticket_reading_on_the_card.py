"""Issue 19 on the card, with fakes of our own ports: a wrapped rule is said to the PO; a refused card's
comment holds a block that, copied into the card with its marked lines fixed, is simulated."""

from __future__ import annotations

import re

import pytest

from bot.settings import Settings
from tests.unit.app.test_workflow import TITLE, Env, bodies

MARK = "⛔ À CORRIGER"


@pytest.fixture
def env(tmp_path):
    return Env(tmp_path, Settings(_env_file=None))


def test_a_wrapped_rule_is_said_in_the_synthesis_for_the_po(env):
    card = env.board.add_card(
        TITLE,
        "Centre initial = France Fraternités - CHU 75 (ID 4537)\n"
        "- lorsque le champ = CHU 77 → vers France Fraternités -\n"
        "  CHU 77 (ID 5644)\n",
    )
    env.poll()
    assert env.board.list_of(card) == "En attente validation PO"
    synthesis = next(text for text in bodies(env.board, card) if text.startswith("✅"))
    assert (
        "lignes 2 et 3 lues comme une seule règle coupée par le retour à la ligne : "
        "« - lorsque le champ = CHU 77 → vers France Fraternités - CHU 77 (ID 5644) »"
    ) in synthesis


def test_the_block_of_a_refused_card_fixed_and_pasted_back_is_simulated(env):
    card = env.board.add_card(
        TITLE,
        "Bonjour 👋\n"
        "🏠 Centre initial = France Fraternités - CHU 75 n° 4537\n"
        "👉 lorsque le champ = CHU 77 ➡️ France Fraternités - CHU 77 #5644\n"
        "👉 lorsque le champ = ??? ➡️ France Fraternités - CPH #4960\n"
        "Cordialement,\nCamille\n",
    )
    env.poll()
    assert env.board.list_of(card) == "À corriger"
    [comment] = bodies(env.board, card)
    block = re.search(r"^```\n(.*?)\n```$", comment, re.M | re.S).group(1)
    assert block == (
        "Centre initial = France Fraternités - CHU 75 (ID 4537)\n"
        "- lorsque le champ = « CHU 77 » → vers France Fraternités - CHU 77 (ID 5644)\n"
        f"{MARK} (ligne 4) : « ??? » n'est pas une valeur : la règle attend d'être complétée\n"
        "👉 lorsque le champ = ??? ➡️ France Fraternités - CPH #4960"
    )
    fixed = "\n".join(line for line in block.replace("???", "CPH").split("\n") if not line.startswith(MARK))
    env.board.edit(card, desc=fixed, list_name="À simuler")
    env.poll()
    assert env.board.list_of(card) == "En attente validation PO"
    ran = {
        (args[args.index("-o") + 1], args[args.index("-d") + 1], args[args.index("-t") + 1])
        for args in env.console.ran
    }
    assert ran == {("4537", "5644", "CHU 77"), ("4537", "4960", "CPH")}
