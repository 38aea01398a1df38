"""The chat port against the sandbox Slack: after a crash, only the bot's own message and file are adopted,
never a person's look-alike carrying the same metadata or file name (identity from auth.test)."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.adapters.slack import SlackChat
from bot.app.ports import MessageRef
from sandbox.slack_server import SlackSandbox
from tests.support.slack_sandbox import slack_sandbox  # noqa: F401

CHANNEL, PERSON = "C0VALIDATION", "U0CAMILLE"
METADATA = {
    "event_type": "migrabot_request",
    "event_payload": {"card": "card1", "round": 1, "fingerprint": "23fe63fb", "kind": "approval"},
}


def chat_for(sandbox: SlackSandbox) -> SlackChat:
    sandbox.add_channel(CHANNEL, "validation-migrations")
    sandbox.add_user(PERSON, "camille")
    return SlackChat(WebClient(token=sandbox.bot_token, base_url=sandbox.base_url))


def test_a_persons_message_with_the_bots_metadata_is_not_adopted(slack_sandbox: SlackSandbox):  # noqa: F811
    chat = chat_for(slack_sandbox)
    slack_sandbox.post_user_message(user_id=PERSON, channel=CHANNEL, text="Validé !", metadata=METADATA)
    assert chat.find_posted(CHANNEL, METADATA) is None
    ours = chat.post(CHANNEL, text="Validation PO demandée", blocks=[], metadata=METADATA)
    assert chat.find_posted(CHANNEL, METADATA) == ours


def test_a_persons_file_of_the_same_name_in_the_thread_is_not_adopted(slack_sandbox: SlackSandbox):  # noqa: F811
    chat = chat_for(slack_sandbox)
    request = chat.post(CHANNEL, text="Validation PO demandée", blocks=[], metadata=METADATA)
    name = "simulation_migration_France_Fraternites.xlsx"
    slack_sandbox.post_user_message(
        user_id=PERSON, channel=CHANNEL, text="voici le fichier", thread_ts=request.ts, filenames=(name,)
    )
    assert chat.has_file(request, name) is False
    chat.upload(request, filename=name, data=b"PK\x03\x04", title="Simulation")
    assert chat.has_file(MessageRef(request.channel, request.ts), name) is True


def test_the_bots_identity_comes_from_auth_test_once(slack_sandbox: SlackSandbox):  # noqa: F811
    chat = chat_for(slack_sandbox)
    identity = chat.identity()
    assert identity == (slack_sandbox.identity.bot_user_id, slack_sandbox.identity.bot_id)
    chat.identity()
    assert [call.method for call in slack_sandbox.calls].count("auth.test") == 1
