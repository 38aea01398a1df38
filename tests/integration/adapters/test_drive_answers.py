"""Issue 25, point 4: Drive answers that are not what its API documents. A 200 in HTML, without `id`, with a
link that is not an https address, or far too long: a clear Drive failure line, the card goes on, the next
poll files the workbook. A hanging Drive costs its timeout once per poll, not once per card."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from sandbox.drive import DriveSandbox
from sandbox.drive.api import Reply
from tests.integration.adapters.test_drive import Env
from tests.support.text import plain
from tests.unit.app.test_workflow import RUNBOOK_TICKET, TITLE, bodies


@pytest.fixture
def drive_sandbox():
    with DriveSandbox() as sandbox:
        yield sandbox


HTML = Reply(200, b"<html><body>Proxy: please log in</body></html>", {"Content-Type": "text/html"})


def described(value: dict) -> Reply:
    return Reply.json(200, value)


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (HTML, "réponse de Google Drive illisible (200, text/html au lieu de JSON)"),
        (
            described({"name": "x.xlsx", "webViewLink": "https://drive.example/x"}),
            "réponse de Google Drive sans identifiant de fichier",
        ),
        (
            described({"id": "abc", "webViewLink": "javascript:alert(1)"}),
            "réponse de Google Drive avec un lien qui n'est pas une adresse https valide",
        ),
        (
            described({"id": "abc", "webViewLink": "https://drive.example/x)[Valider](https://evil.example"}),
            "réponse de Google Drive avec un lien qui n'est pas une adresse https valide",
        ),
        (
            described({"id": "abc", "webViewLink": "https://drive.example/" + "a" * (5 * 1024 * 1024)}),
            "réponse de Google Drive trop longue (plus de 256 Kio), non lue",
        ),
    ],
    ids=["html", "no-id", "javascript-link", "markdown-link", "5-mb-link"],
)
def test_an_odd_answer_is_a_clear_drive_failure_and_the_next_poll_files_the_workbook(
    tmp_path, drive_sandbox, answer, reason
):
    env = Env(tmp_path, drive_sandbox)
    drive_sandbox.faults.odd.append(answer)
    card = env.board.add_card(TITLE, RUNBOOK_TICKET)
    env.poll()
    line = f"⚠️ Dépôt sur le Drive impossible : {reason}. "
    assert any(text.startswith(line) for text in plain(bodies(env.board, card)[1]).splitlines())
    assert "Dépôt sur le Drive impossible" in env.request_text()
    assert env.board.list_of(card) == "En attente validation PO"  # never a stuck card
    comments = len(env.board.comment_texts(card))
    assert comments < 10  # one line, not 619 comments

    env.poll()  # Drive is back: the retry files it
    [file] = env.files()
    link = f"{drive_sandbox.base_url}file/d/{file['id']}/view?usp=drivesdk"
    assert bodies(env.board, card)[-1].endswith(f"(<{link}>)")
    assert len(env.board.comment_texts(card)) == comments + 1


def test_a_hanging_drive_costs_its_timeout_once_per_poll_not_once_per_card(tmp_path, drive_sandbox):
    env = Env(tmp_path, drive_sandbox)
    env.restart(env.adapter(timeout_s=1.0))
    drive_sandbox.faults.latency_s = 4.0
    cards = [env.board.add_card(f"{TITLE} {n}", RUNBOOK_TICKET) for n in range(3)]
    env.poll()
    api_requests = [r for r in drive_sandbox.requests if not r[1].startswith("/token")]
    assert len(api_requests) == 1  # the first card's upload waited; the others did not ask
    for card in cards:
        synthesis = plain(bodies(env.board, card)[1])
        assert "⚠️ Dépôt sur le Drive impossible : Google Drive n'a pas répondu à temps." in synthesis
        assert env.board.list_of(card) == "En attente validation PO"

    drive_sandbox.faults.latency_s = 0.0
    env.poll()  # the next poll tries again, for every card
    assert len(env.files()) == 3


def test_the_link_is_posted_as_a_link(tmp_path, drive_sandbox):
    env = Env(tmp_path, drive_sandbox)
    card = env.board.add_card(TITLE, RUNBOOK_TICKET)
    env.poll()
    [file] = env.files()
    link = f"{drive_sandbox.base_url}file/d/{file['id']}/view?usp=drivesdk"
    tokens = [
        t
        for block in MarkdownIt("commonmark").parse(bodies(env.board, card)[1])
        for t in block.children or []
    ]
    assert [t.attrs["href"] for t in tokens if t.type == "link_open"] == [link]
    blocks = next(iter(env.chat.messages.values()))["blocks"]
    [note] = [b["text"]["text"] for b in blocks if b["type"] == "section" and link in b["text"]["text"]]
    assert f"<{link}|" in note and "```" not in note  # a link Slack shows as one, outside the code block
