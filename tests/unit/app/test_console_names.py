"""Issue 25, point 6: centre names and words read from the console reach Trello and Slack inert: no mention
notifies anybody (`@board`, `@card`, `@here`, `@channel`, `<!…>`) and no direction mark reorders the text."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.model import ConsoleResult
from bot.domain.names import comparable_name, inert
from tests.support import fakes
from tests.unit.app.test_decisions import CHANNEL, Env
from tests.unit.app.test_workflow import bodies

TITLE = "Migration des dossiers usagers"
TICKET = "Centre initial = Foyer Nord (ID 9001)\n- lorsque le champ = A → vers Foyer Sud (ID 9002)\n"
HOSTILE_ORIGIN = "@board Foyer \u202eNord\u202c <!here>"
HOSTILE_DESTINATION = "@card Foyer @here Sud <!channel> <@U0PO> \u2066x\u2069"
FORBIDDEN = ["@board", "@card", "@here", "@channel", "<!", "<@U0PO", "&lt;!", "&lt;@"]
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


@pytest.fixture
def env(tmp_path, monkeypatch) -> Env:
    monkeypatch.setitem(fakes.NAMES, 9001, HOSTILE_ORIGIN)
    monkeypatch.setitem(fakes.NAMES, 9002, HOSTILE_DESTINATION)
    return Env(tmp_path)


def assert_inert(text: str) -> None:
    for mention in FORBIDDEN:
        assert mention not in text, (mention, text)
    assert not set(text) & set(BIDI), text


def test_console_names_reach_the_card_and_slack_inert(env: Env):
    card = env.board.add_card(TITLE, TICKET)
    env.poll()
    comments = bodies(env.board, card)
    assert any("Foyer [U+202E]Nord" in text for text in comments)  # the PO sees that something hides there
    for text in comments:
        assert_inert(text)
    messages = [json.dumps(m, ensure_ascii=False) for (channel, _), m in env.chat.messages.items()]
    assert messages and any(CHANNEL in key for key, _ in env.chat.messages)
    for message in messages:
        assert_inert(message)


def test_the_console_s_own_words_reach_the_card_inert(env: Env):
    broken = ConsoleResult(
        exit_code=1,
        stdout="\n [ERROR] Centre « @board \u202eNord » introuvable <!channel>\n",
        stderr="",
        duration_s=0.1,
    )
    env.console.failures[(9001, 9002)] = broken
    card = env.board.add_card(TITLE, TICKET)
    env.poll()
    comments = bodies(env.board, card)
    assert any("introuvable" in text for text in comments)
    for text in comments:
        assert_inert(text)


_PIECES = st.sampled_from([*BIDI, "@", "<", "!", "a", " ", "here", "board", "\U000e0041"])


@given(st.lists(_PIECES, max_size=30).map("".join))
def test_inert_text_holds_no_mention_nor_hidden_character_and_compares_as_before(text):
    shown = inert(text)
    assert not set(shown) & set(BIDI + "\U000e0041")
    for mention in ("@here", "@board", "<!"):
        assert mention not in shown
    assert inert(shown) == shown
    if not set(text) & set(BIDI + "\U000e0041"):
        assert comparable_name(shown) == comparable_name(text)
