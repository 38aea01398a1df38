"""The documentation stays true: the settings table and `.env.example` are generated from the settings'
definitions; the README is short and points to docs/; every link resolves; the examples people copy from the
guides parse as the guides say; the texts the docs quote are the bot's; every module the architecture names
exists, and every module exists in it; the demo's card count is the demo's."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

import bot.texts.doctor as doctor_texts
from bot.domain.replies import Approve, Conversation, Refuse, Unclear, read_reply
from bot.domain.ticket import parse_ticket
from bot.settings import Settings, env_example, settings_table
from bot.texts import blocks, board, card, execution, zero_match
from bot.texts.doctor import TRELLO_KEY_PAGE_URL
from bot.texts.ticket import notice_message, problem_message
from sandbox import demo
from sandbox.stack import DEMO_CARDS
from tests.support.text import plain

ROOT = Path(__file__).parents[2]
DOCS = ROOT / "docs"
README = ROOT / "README.md"
MARKDOWN_FILES = [README, ROOT / "deploy" / "README.md", *sorted(DOCS.glob("*.md"))]
FRENCH_GUIDES = ("guide-coordinateur.md", "guide-po.md")
ENGLISH_DOCS = ("installation.md", "operations.md", "architecture.md", "reliability.md", "performance.md")


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


# --- the layout ------------------------------------------------------------------------------------


def test_the_readme_is_short_with_a_table_of_contents_and_points_to_every_doc():
    text = read(README)
    assert len(text.splitlines()) <= 200
    contents = text[text.index("## Contents") :].split("\n## ", 1)[0]
    sections = re.findall(r"^## (.+)$", text, re.M)
    assert [f"#{slug(s)}" for s in sections if s != "Contents"] == re.findall(r"\]\((#[^)]+)\)", contents)
    for name in FRENCH_GUIDES + ENGLISH_DOCS:
        assert f"](docs/{name})" in text, name


def test_docs_holds_the_french_guides_and_the_english_docs():
    assert {path.name for path in DOCS.glob("*.md")} == set(FRENCH_GUIDES + ENGLISH_DOCS)
    assert read(DOCS / "guide-coordinateur.md").startswith("# Guide du coordinateur\n")
    assert read(DOCS / "guide-po.md").startswith("# Guide du PO\n")


# --- links -----------------------------------------------------------------------------------------


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped (letters, marks, digits, `_`, `-` and
    spaces kept), each space a hyphen."""
    kept = "".join(
        char
        for char in heading.strip().lower()
        if unicodedata.category(char)[0] in "LMN" or unicodedata.category(char) == "Pc" or char in " -"
    )
    return kept.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = re.sub(r"^```.*?^```", "", read(path), flags=re.M | re.S)
    return {slug(heading) for heading in re.findall(r"^#{1,6} (.+)$", text, re.M)}


def links(path: Path) -> list[str]:
    text = re.sub(r"^```.*?^```", "", read(path), flags=re.M | re.S)
    text = re.sub(r"`[^`\n]*`", "", text)
    return re.findall(r"\]\(([^)\s]+)\)", text)


@pytest.mark.parametrize("path", MARKDOWN_FILES, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_link_resolves(path: Path):
    for link in links(path):
        if re.match(r"[a-z]+:", link):
            continue  # outside addresses: not reachable from here
        target, _, anchor = link.partition("#")
        target_path = (path.parent / target).resolve() if target else path
        assert target_path.exists(), f"{path.name}: {link} — no such file"
        if anchor:
            assert target_path.suffix == ".md", link
            assert anchor in anchors(target_path), f"{path.name}: {link} — no such heading"


def test_the_slug_is_githubs():
    assert slug("Ce qui compte comme « validé »") == "ce-qui-compte-comme--validé-"
    assert slug("Après la validation : l'exécution, groupe par groupe") == (
        "après-la-validation--lexécution-groupe-par-groupe"
    )
    assert (
        slug("Google Drive (optional: runbook step 3, option B)")
        == "google-drive-optional-runbook-step-3-option-b"
    )


# --- settings ----------------------------------------------------------------------------------------


def test_the_settings_table_in_the_installation_doc_matches_the_code():
    text = read(DOCS / "installation.md")
    block = re.search(r"<!-- settings:start -->\n(.*?)\n<!-- settings:end -->", text, re.S)
    assert block, "docs/installation.md lost its settings markers"
    assert block.group(1).strip() == settings_table(), "run `python -m bot.settings` and paste the table"


def test_env_example_lists_every_setting_with_a_safe_placeholder():
    assert (ROOT / ".env.example").read_text(encoding="utf-8") == env_example()
    names = {
        line.split("=", 1)[0] for line in env_example().splitlines() if line and not line.startswith("#")
    }
    assert names == {name.upper() for name in Settings.model_fields}


def test_env_example_loads_as_valid_settings():
    settings = Settings(_env_file=ROOT / ".env.example")
    assert settings.trello_token.get_secret_value() == "change-me"
    assert settings.console_argv == ("php", "bin/console")
    assert not settings.slack_enabled  # an operator without Slack copies it and gets no Slack errors


def test_env_example_says_how_to_turn_slack_on():
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    slack = text[text.index("# --- Slack (optional)") :]
    assert "To turn Slack on" in slack and "SLACK_APP_TOKEN (xapp-…)" in slack
    assert re.search(r"^SLACK_BOT_TOKEN=$", slack, re.M) and re.search(r"^SLACK_APP_TOKEN=$", slack, re.M)


def test_one_trello_key_page_in_the_doctor_the_docs_and_the_settings():
    key_pages = re.compile(r"https://trello\.com/(?:app-key|power-ups/admin|apps/admin)")
    found = {
        path: set(key_pages.findall((ROOT / path).read_text(encoding="utf-8")))
        for path in ("docs/installation.md", "bot/settings.py", ".env.example")
    }
    found["doctor"] = set(key_pages.findall(" ".join(str(v) for v in vars(doctor_texts).values())))
    assert found == {key: {TRELLO_KEY_PAGE_URL} for key in found}


def test_what_points_people_at_the_docs_names_a_section_that_exists():
    """Doctor and `.env.example` send people to a section of the installation doc: it must be there."""
    pointers = re.findall(
        r"docs/installation\.md, « ([^»]+) »", " ".join(map(str, vars(doctor_texts).values()))
    )
    pointers += re.findall(r'docs/installation\.md, "([^"]+)"', read(ROOT / ".env.example"))
    assert pointers
    headings = re.findall(r"^#+ (.+)$", read(DOCS / "installation.md"), re.M)
    for pointer in pointers:
        assert pointer.strip() in headings, pointer


# --- examples and quoted texts ------------------------------------------------------------------------

GUIDE = DOCS / "guide-coordinateur.md"


def ticket_examples(kind: str) -> list[str]:
    return re.findall(rf"^```{kind}\n(.*?)\n```$", read(GUIDE), re.M | re.S)


@pytest.mark.parametrize("example", ticket_examples("ticket"))
def test_every_card_example_of_the_guide_is_understood_without_a_warning(example: str):
    ticket = parse_ticket(example)
    assert ticket.rules and not ticket.errors and not ticket.warnings


def test_the_guide_shows_at_least_one_example_per_form():
    assert len(ticket_examples("ticket")) >= 15
    sections = (
        read(GUIDE).split("## Toutes les formes acceptées", 1)[1].split("\n## Ce que le bot refuse", 1)[0]
    )
    for form in sections.split("\n### ")[1:]:
        assert "```ticket\n" in form or "```ticket-avertissement\n" in form, form.splitlines()[0]


def test_every_card_of_the_guide_that_warns_is_understood_with_the_warning_it_quotes():
    blocks = re.findall(
        r"^```ticket-avertissement\n(.*?)\n```\n\n> Avertissement du bot : « ([^\n]*) »$",
        read(GUIDE),
        re.M | re.S,
    )
    assert len(blocks) == len(ticket_examples("ticket-avertissement")) >= 1
    for example, warning in blocks:
        ticket = parse_ticket(example)
        assert ticket.rules and not ticket.errors
        assert [plain(notice_message(notice)) for notice in ticket.warnings] == [warning]


def test_every_wrong_card_of_the_guide_gets_the_answer_it_quotes():
    text = read(GUIDE)
    blocks = re.findall(r"^```ticket-erreur\n(.*?)\n```\n\n> Réponse du bot : « (.*?) »$", text, re.M | re.S)
    assert len(blocks) == len(ticket_examples("ticket-erreur")) >= 2
    for example, answer in blocks:
        messages = [plain(problem_message(error)) for error in parse_ticket(example).errors]
        assert answer in messages, (answer, messages)


def test_the_options_the_guide_promises_are_given():
    """« les dossiers supprimés aussi svp » in a block: that block's rules take --withDeleted."""
    example = next(e for e in ticket_examples("ticket") if "supprimés aussi" in e)
    assert all(rule.with_deleted for rule in parse_ticket(example).rules)


def po_table() -> list[tuple[str, str]]:
    """(what the PO writes, what the guide says the bot understands), one pair per example of the table."""
    section = read(DOCS / "guide-po.md").split("## Ce qui compte comme « validé »", 1)[1].split("\n## ")[0]
    rows = [line.split(" | ") for line in section.splitlines() if line.startswith("| « ")]
    return [
        (said, meaning.rstrip(" |")) for cells, meaning in rows for said in re.findall(r"« ([^«»]+) »", cells)
    ]


def test_the_po_guide_table_says_what_the_reader_does():
    """Issue 21: every example of the PO's table (« validé », « refusé », no decision, conversation)."""
    table = po_table()
    assert len(table) >= 35
    for said, meaning in table:
        for written in (said, said if said.startswith("@") else f"@migrabot {said}"):
            reply = read_reply(written, me=("migrabot",))
            if meaning == "validé":
                assert reply == Approve(), said
            elif meaning == "refusé (sans raison donnée)":
                assert reply == Refuse(""), said
            elif meaning.startswith("refusé, raison : "):
                assert reply == Refuse(meaning.removeprefix("refusé, raison : ")), said
            elif meaning == "rien n'est décidé, le bot vous répond":
                assert isinstance(reply, Unclear), said
            else:
                assert meaning == "rien : une conversation, pas de réponse" and reply == Conversation(), said


WRONG_CARD = "Centre initial = A (ID 4960)\n- lorsque le champ = TEH → vers B"
# (document, text it quotes, the bot's text that holds it)
RENDERED = [
    (
        "guide-coordinateur.md",
        "⏳ Simulation en cours (8 commandes en --dry-run sur la preprod",
        lambda: card.started_comment(8),
    ),
    (
        "guide-coordinateur.md",
        "❌ **Ticket non compris**",
        lambda: card.ticket_errors_comment(parse_ticket(WRONG_CARD).errors, [], fix_list="F", todo_list="T"),
    ),
    ("guide-coordinateur.md", f"« {board.LIST_TODO} »", lambda: f"« {board.LIST_TODO} »"),
    ("guide-coordinateur.md", f"« {board.LIST_FIX} »", lambda: f"« {board.LIST_FIX} »"),
    ("guide-coordinateur.md", f"« {board.LIST_WAITING} »", lambda: f"« {board.LIST_WAITING} »"),
    ("guide-coordinateur.md", f"« {board.LIST_APPROVED} »", lambda: f"« {board.LIST_APPROVED} »"),
    ("guide-coordinateur.md", f"« {board.LIST_DONE} »", lambda: f"« {board.LIST_DONE} »"),
    ("guide-coordinateur.md", f"« {board.CARD_LABEL} »", lambda: f"« {board.CARD_LABEL} »"),
    ("guide-po.md", "✅ **Prêt pour validation**", lambda: card.ready_line(8)),
    ("guide-po.md", "⚠️ **À vérifier avant validation**", lambda: card.ready_line(8, blocked=True)),
    (
        "guide-po.md",
        "migrabot · simulation n° 1 · empreinte 892d5078",
        lambda: card.marker(round_=1, description_hash="892d5078e54a9001"),
    ),
    (
        "guide-po.md",
        "@camille, la simulation est prête : répondez sur cette carte « validé »",
        lambda: card.trello_decision_help(["camille"]),
    ),
]
# (document, text it quotes, module, the template's words in that module's source)
TEMPLATES = [
    ("guide-coordinateur.md", "⚠️ **La simulation a échoué**", card, "⚠️ **La simulation a échoué**"),
    ("guide-coordinateur.md", "🏠 **Conflit d'hébergements**", card, "🏠 **Conflit d'hébergements**"),
    ("guide-coordinateur.md", "« Vérification preprod — groupe N : OK »", execution, "**{head} : OK**"),
    (
        "guide-coordinateur.md",
        "« Le groupe N+1 peut être lancé »",
        execution,
        "Le groupe {next_group} peut être lancé.",
    ),
    ("guide-coordinateur.md", "« 🏁 Migration terminée »", execution, "🏁 **Migration terminée**"),
    (
        "guide-coordinateur.md",
        "⚠️ **Aucune règle ne trouve de dossier**",
        zero_match,
        "⚠️ **Aucune règle ne trouve de dossier**",
    ),
    ("guide-coordinateur.md", "groupe N : rien à faire »", execution, "**{head} : rien à faire**"),
    ("guide-po.md", "« Valider »", blocks, '_button("Valider"'),
    ("guide-po.md", "« Refuser »", blocks, '_button("Refuser"'),
    ("guide-po.md", "« Relancer la simulation »", blocks, '_button("Relancer la simulation"'),
    ("README.md", "« Toutes les cartes sont validées »", demo, '"Toutes les cartes sont validées'),
]


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", plain(text))


def document(name: str) -> str:
    return flat(read(README if name == "README.md" else DOCS / name))


@pytest.mark.parametrize(("name", "quoted", "written"), RENDERED, ids=[q[1][:30] for q in RENDERED])
def test_the_texts_the_docs_quote_are_the_bots(name, quoted, written):
    assert quoted in document(name), f"{name} no longer quotes {quoted!r}"
    assert quoted in flat(written()), f"the bot no longer writes {quoted!r}"


@pytest.mark.parametrize(("name", "quoted", "module", "words"), TEMPLATES, ids=[q[1][:30] for q in TEMPLATES])
def test_the_templates_the_docs_quote_are_the_bots(name, quoted, module, words):
    assert quoted in document(name), f"{name} no longer quotes {quoted!r}"
    assert words in Path(module.__file__).read_text(encoding="utf-8"), f"the bot no longer writes {quoted!r}"


# --- modules and the demo -----------------------------------------------------------------------------


def architecture_tree() -> dict[str, list[str]]:
    """The module list of docs/architecture.md: package → the names listed for it."""
    text = read(DOCS / "architecture.md")
    tree = re.search(r"^```\ngrammar/ticket\.lark.*?^```", text, re.M | re.S)
    assert tree, "the architecture's module list is gone"
    listed: dict[str, list[str]] = {}
    current = None
    for line in tree.group(0).splitlines()[1:-1]:
        head = re.match(r"^(bot/\w+/)\s+(.*)$", line)
        if head:
            current, rest = head.group(1), head.group(2)
        elif line.startswith(" ") and current:
            rest = line.strip()
        else:
            current = None
            continue
        rest = re.sub(r"\([^)]*\)", "", rest)
        listed.setdefault(current, []).extend(name.strip() for name in rest.split(",") if name.strip())
    return listed


def test_every_module_the_architecture_names_exists_and_every_module_is_named():
    tree = architecture_tree()
    assert set(tree) == {"bot/domain/", "bot/texts/", "bot/app/", "bot/adapters/", "bot/commands/"}
    for package, names in tree.items():
        modules = {path.stem for path in (ROOT / package).glob("*.py") if path.stem != "__init__"}
        assert set(names) == modules, (package, set(names) ^ modules)


def test_every_file_the_docs_name_exists():
    named = set()
    for path in MARKDOWN_FILES:
        named |= set(re.findall(r"`((?:bot|sandbox|tests|deploy|grammar)/[\w./-]+)`", read(path)))
    assert named
    for name in named:
        assert (ROOT / name.rstrip("/")).exists(), name
    for path in MARKDOWN_FILES:
        for module in re.findall(r"`(\w+\.py)`", read(path)):
            assert list(ROOT.glob(f"bot/**/{module}")) or list(ROOT.glob(f"*/**/{module}")), (
                path.name,
                module,
            )


NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}


def test_the_demo_card_count_is_the_demos():
    counts = []
    for path in (README, DOCS / "performance.md"):
        counts += re.findall(r"(\w+) cards", re.sub(r"\s+", " ", read(path)))
    said = [NUMBERS[word] for word in counts if word in NUMBERS]
    assert said and set(said) == {len(DEMO_CARDS)}
