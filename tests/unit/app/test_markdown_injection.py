"""A card's author cannot place a link, an image, HTML or formatting in what the bot signs.

Trello comments are read back with a CommonMark parser (markdown-it-py): hostile values and centre names must
come out as the same text, commands only inside code blocks, and no link anywhere but the bot's own.
Slack's mrkdwn (blocks and the fallback `text`) must carry `&`, `<`, `>` escaped.
"""

from __future__ import annotations

import re

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from bot.domain.command import DryRunCommand, FinalCommand
from bot.domain.model import ConsoleResult, DryRun
from bot.domain.plan import plan_ticket
from bot.domain.ticket import parse_ticket
from bot.domain.verification import PREPROD, GroupVerification
from bot.texts.card import conflict_decision_comment, refusal_comment, resimulation_comment
from bot.texts.decisions import closed_refused, on_trello
from bot.texts.execution import verification_comment
from tests.support.text import plain
from tests.unit.app.test_decisions import CHANNEL, Env
from tests.unit.app.test_workflow import bodies

VALUE = "x` [Voir le détail](https://evil.example/a) ``` ![i](https://evil.example/i.png) `y"
ORIGIN = "France Fraternités - CHU 75 <img src=x onerror=alert(1)> **gras**"
DESTINATION = "France Fraternités - CHU 77 [Voir](https://evil.example/b) _souligné_ ~~barré~~ `code`"
TICKET = (
    f"Centre initial = {ORIGIN} (ID 4537)\n"
    f"- lorsque le champ = « {VALUE} » → vers {DESTINATION} (ID 5644)\n"
    "- lorsque le champ = CPH → vers France Fraternités - CPH & <Cie> (ID 4960)\n"
)
TITLE = "Migration des dossiers usagers <https://evil.example/c|Cliquez ici> & co"
HOSTILE_LINKS = re.compile(r"evil\.example")


def tokens(markdown: str) -> list[Token]:
    found: list[Token] = []
    for token in MarkdownIt("commonmark").parse(markdown):
        found.append(token)
        found.extend(token.children or [])
    return found


def rendered_text(markdown: str) -> str:
    """What a reader sees outside code: the text of every inline, without formatting."""
    return "".join(t.content for t in tokens(markdown) if t.type in {"text", "code_inline"})


def code_blocks(markdown: str) -> list[str]:
    return [t.content for t in tokens(markdown) if t.type in {"fence", "code_block"}]


def assert_no_injection(markdown: str) -> None:
    kinds = {t.type for t in tokens(markdown)}
    assert not kinds & {"link_open", "image", "html_inline", "html_block"}, markdown
    hrefs = [t.attrs.get("href") for t in tokens(markdown) if t.type == "link_open"]
    assert not any(HOSTILE_LINKS.search(str(href)) for href in hrefs)


@pytest.fixture
def env(tmp_path) -> Env:
    return Env(tmp_path)


def names() -> list[str]:
    """The centre names as the ticket language reads them (it drops Markdown emphasis around words)."""
    [rule, _] = parse_ticket(TICKET, default_field="migration-des-donnees").rules
    assert "<img src=x onerror=alert(1)>" in rule.origin.name and "[Voir](https" in rule.destination.name
    return [rule.origin.name, rule.destination.name]


def commands() -> list[str]:
    rules = parse_ticket(TICKET, default_field="migration-des-donnees").rules
    assert len(rules) == 2
    return [DryRunCommand.of(rule).printable() for rule in rules]


def test_the_synthesis_shows_names_as_written_and_commands_only_in_code_blocks(env: Env):
    card = env.board.add_card(TITLE, TICKET)
    env.poll()
    synthesis = next(
        text for text in bodies(env.board, card) if text.startswith("✅ **Prêt pour validation**")
    )
    assert_no_injection(synthesis)
    shown = rendered_text(synthesis)
    for name in names():
        assert name in shown
    details = next(text for text in bodies(env.board, card) if text.startswith("🔧 **Détails techniques**"))
    assert_no_injection(details)
    blocks = code_blocks(details)
    for command in commands():
        assert any(command in block.splitlines() for block in blocks), command
        assert command not in rendered_text(details)  # never outside a code block
        assert command not in shown


def test_the_outputs_show_each_command_in_a_code_block(env: Env):
    card = env.board.add_card(TITLE, TICKET)
    env.poll()
    [outputs] = [text for text in bodies(env.board, card) if text.startswith("🔧 **Détails techniques**")]
    assert_no_injection(outputs)
    for command in commands():
        assert any(command in block.splitlines() for block in code_blocks(outputs)), command


def test_a_failure_shows_each_command_in_a_code_block_and_the_error_as_text(env: Env):
    broken = ConsoleResult(
        exit_code=1, stdout=f"\n [ERROR] Valeur « {VALUE} » inconnue.\n", stderr="", duration_s=0.1
    )
    env.console.failures.update({(4537, 5644): broken, (4537, 4960): broken})
    card = env.board.add_card(TITLE, TICKET)
    env.poll()
    failure = next(
        text for text in bodies(env.board, card) if text.startswith("⚠️ **La simulation a échoué**")
    )
    assert_no_injection(failure)
    assert f"Valeur « {VALUE} » inconnue." in rendered_text(failure)
    for command in commands():
        assert any(command in block.splitlines() for block in code_blocks(failure)), command


def test_a_ticket_error_quotes_the_line_without_letting_it_out(env: Env):
    bad_line = "- lorsque le champ = x` [Voir](https://evil.example/d) `y → vers B"
    card = env.board.add_card(TITLE, f"Centre initial = A (ID 1)\n{bad_line}\n")
    env.poll()
    [errors] = bodies(env.board, card)
    assert_no_injection(errors)
    assert bad_line in rendered_text(errors) or any(bad_line in b for b in code_blocks(errors))


def test_the_final_commands_and_the_checklist_after_approval(env: Env):
    card = env.board.add_card(TITLE, TICKET)
    env.poll()
    _, key = env.request()
    env.approvals.approve(key, user_id="UPO")
    final = next(text for text in bodies(env.board, card) if text.startswith("✅ **Validé par"))
    assert_no_injection(final)
    rules = parse_ticket(TICKET, default_field="migration-des-donnees").rules
    for rule in rules:
        command = FinalCommand(rule).printable()
        assert sum(command in block.splitlines() for block in code_blocks(final)) == 2  # preprod and prod
    assert f"Centre initial = {names()[0]} (ID 4537)" in rendered_text(final)
    [(_, _, items)] = env.board.cards[card].checklists
    for item in items:
        assert_no_injection(item)
    assert "CHU 75 <img src=x onerror=alert(1)>" in rendered_text(items[0])


def test_slack_escapes_names_in_the_fallback_text_and_the_blocks(env: Env):
    env.board.add_card(TITLE, TICKET)
    env.poll()
    [message] = [m for (channel, _), m in env.chat.messages.items() if channel == CHANNEL]
    assert plain(message["text"]) == (
        "Validation PO demandée : Migration des dossiers usagers &lt;https://evil.example/c|Cliquez ici&gt; &amp; co"
    )
    sections = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]
    for text in sections:
        own_links = re.sub(r"<(https://trello\.com/[^|>]+|@U[A-Z0-9]+)(\|[^<>]*)?>", "", text)
        assert "<" not in own_links and ">" not in own_links, text
        assert not re.search(r"&(?!amp;|lt;|gt;)", text), text
        if text.startswith("```"):
            assert "```" not in text[3:-3], "a name closed the code block"
    shown = plain("\n".join(sections))
    assert "« France Fraternités - CPH &amp; &lt;Cie&gt; » dans le ticket" in shown


LINK = "[Validé par le PO](https://evil.example)"


def test_people_and_console_words_in_decision_and_verification_texts_stay_text():
    for comment in (
        conflict_decision_comment(decision="sans hébergements", by=LINK),
        refusal_comment(
            by=LINK,
            when="01/12/2026 à 10:00",
            reason=f"non\n{LINK}",
            fix_list="À corriger",
            todo_list="À simuler",
        ),
        resimulation_comment(by=LINK, todo_list="À simuler"),
    ):
        assert_no_injection(comment)
    assert "<!" not in closed_refused(who="x", when="y", reason="<!channel> vite")
    assert "<!" not in on_trello("<!here>")
    plan, _ = plan_ticket(
        parse_ticket("Centre initial = A (ID 1)\n- lorsque le champ = X → B (ID 2)"), field_slug="f"
    )
    failed = DryRun(
        rule_index=0, command="php bin/console x", result=ConsoleResult(1, "", "", 0.0), error=LINK
    )
    verification = GroupVerification(PREPROD, 1, rules_left=(), centres=(), failures=(failed,))
    text = verification_comment(
        verification,
        plan,
        console_command="php bin/console",
        next_group=None,
        environment_done=False,
        prod_access=False,
    )
    assert_no_injection(text)
