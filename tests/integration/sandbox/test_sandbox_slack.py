"""The sandbox Slack over real HTTP: slack_sdk's WebClient against it, and a bolt app driven as Slack would."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import httpx
import pytest
from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from sandbox.slack_driver import SlackDriver
from sandbox.slack_server import RecordedCall, SlackSandbox
from tests.support.openapi_contract import ApiContract, slack_contract
from tests.support.slack_sandbox import serve_bolt_app, slack_sandbox, wait_until  # noqa: F401

TOKEN = "xoxb-sandbox"
SIGNING_SECRET = "sandbox-signing-secret"
PO, DEV = "U0PO", "U0DEV"
CHANNEL = "C0MIGRATIONS"


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def decision_buttons() -> dict[str, Any]:
    return {
        "type": "actions",
        "block_id": "decision",
        "elements": [
            {
                "type": "button",
                "action_id": "approve",
                "text": {"type": "plain_text", "text": "Valider"},
                "style": "primary",
                "value": "card-42",
            },
            {
                "type": "button",
                "action_id": "refuse",
                "text": {"type": "plain_text", "text": "Refuser"},
                "value": "card-42",
            },
        ],
    }


REASON_MODAL = {
    "type": "modal",
    "callback_id": "refusal",
    "title": {"type": "plain_text", "text": "Refuser la migration"},
    "submit": {"type": "plain_text", "text": "Refuser"},
    "private_metadata": json.dumps({"card": "card-42"}),
    "blocks": [
        {
            "type": "input",
            "block_id": "reason",
            "label": {"type": "plain_text", "text": "Raison"},
            "element": {"type": "plain_text_input", "action_id": "text", "multiline": True},
        }
    ],
}


@pytest.fixture
def sandbox(slack_sandbox: SlackSandbox) -> SlackSandbox:  # noqa: F811
    slack_sandbox.add_user(PO, "camille", real_name="Camille Martin")
    slack_sandbox.add_user(DEV, "dominique")
    slack_sandbox.add_channel(CHANNEL, "migrations")
    return slack_sandbox


@pytest.fixture
def client(sandbox: SlackSandbox) -> WebClient:
    return WebClient(token=TOKEN, base_url=sandbox.base_url)


def slack_error(call: Any) -> str:
    with pytest.raises(SlackApiError) as raised:
        call()
    return raised.value.response["error"]


# --- Web API


def test_messages_go_to_channels_to_dms_and_to_threads(sandbox: SlackSandbox, client: WebClient) -> None:
    parent = client.chat_postMessage(
        channel=CHANNEL, text="Demande de validation", blocks=[section("*Carte*")]
    )
    to_user = client.chat_postMessage(channel=PO, text="Pour toi")
    reply = client.chat_postMessage(channel=CHANNEL, text="Rappel", thread_ts=parent["ts"])

    dm = client.conversations_open(users=PO)["channel"]["id"]
    assert dm.startswith("D") and to_user["channel"] == dm
    assert [m["text"] for m in sandbox.messages(dm)] == ["Pour toi"]
    shown_parent, shown_reply = sandbox.messages(CHANNEL)
    assert shown_parent["blocks"][0]["text"]["text"] == "*Carte*" and shown_parent["user"] == "U0BOT"
    assert shown_parent["reply_count"] == 1 and shown_reply["thread_ts"] == parent["ts"]
    thread = client.conversations_replies(channel=CHANNEL, ts=parent["ts"])["messages"]
    assert [m["ts"] for m in thread] == [parent["ts"], reply["ts"]]
    assert slack_error(lambda: client.chat_postMessage(channel="C0NOWHERE", text="x")) == "channel_not_found"


def test_chat_update_changes_the_message_but_refuses_a_user_id(
    sandbox: SlackSandbox, client: WebClient
) -> None:
    posted = client.chat_postMessage(
        channel=PO, text="En attente", blocks=[section("En attente"), decision_buttons()]
    )

    updated = client.chat_update(
        channel=posted["channel"], ts=posted["ts"], text="Validé", blocks=[section("Validé")]
    )

    assert updated["ts"] == posted["ts"]
    (message,) = sandbox.messages(posted["channel"])
    assert message["text"] == "Validé" and [b["type"] for b in message["blocks"]] == ["section"]
    assert (
        slack_error(lambda: client.chat_update(channel=PO, ts=posted["ts"], text="x")) == "channel_not_found"
    )
    assert (
        slack_error(lambda: client.chat_update(channel=CHANNEL, ts="1.000001", text="x"))
        == "message_not_found"
    )


def test_files_upload_v2_delivers_the_exact_bytes_in_a_thread(
    sandbox: SlackSandbox, client: WebClient
) -> None:
    parent = client.chat_postMessage(channel=CHANNEL, text="Synthèse")
    content = bytes(range(256)) * 40  # every byte value, as in an xlsx

    uploaded = client.files_upload_v2(
        channel=CHANNEL,
        thread_ts=parent["ts"],
        content=content,
        filename="simulation.xlsx",
        title="Simulation carte 42",
        initial_comment="Le détail en Excel",
    )

    (file,) = sandbox.files()
    assert file["content"] == content and uploaded["file"]["id"] == file["id"]
    assert (file["filename"], file["title"]) == ("simulation.xlsx", "Simulation carte 42")
    (share,) = file["shares"]
    assert (share["channel"], share["thread_ts"]) == (CHANNEL, parent["ts"])
    comment = sandbox.message(CHANNEL, share["ts"])
    assert comment["text"] == "Le détail en Excel" and comment["files"][0]["id"] == file["id"]
    assert [c.method for c in sandbox.calls[-2:]] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]


def test_an_ephemeral_is_seen_by_its_user_only(sandbox: SlackSandbox, client: WebClient) -> None:
    client.chat_postEphemeral(channel=CHANNEL, user=DEV, text="Seul le PO peut valider.")

    (ephemeral,) = sandbox.ephemerals(CHANNEL)
    assert (ephemeral["user"], ephemeral["text"]) == (DEV, "Seul le PO peut valider.")
    assert sandbox.ephemerals(user=PO) == [] and sandbox.messages(CHANNEL) == []


def test_views_open_needs_a_fresh_trigger_issued_by_slack() -> None:
    now = [1_700_000_000.0]
    with SlackSandbox(clock=lambda: now[0]) as sandbox:
        sandbox.add_user(PO, "camille")
        client = WebClient(token=TOKEN, base_url=sandbox.base_url)
        trigger = sandbox.issue_trigger(PO)

        opened = client.views_open(trigger_id=trigger, view=REASON_MODAL)["view"]

        assert sandbox.view(opened["id"])["user_id"] == PO
        assert json.loads(opened["private_metadata"]) == {"card": "card-42"}
        assert (
            slack_error(lambda: client.views_open(trigger_id=trigger, view=REASON_MODAL))
            == "exchanged_trigger_id"
        )
        assert slack_error(lambda: client.views_open(trigger_id="1.2.made-up", view=REASON_MODAL)) == (
            "invalid_trigger_id"
        )
        late = sandbox.issue_trigger(PO)
        now[0] += 3.5
        assert (
            slack_error(lambda: client.views_open(trigger_id=late, view=REASON_MODAL)) == "expired_trigger_id"
        )


def test_views_update_replaces_the_modal_and_checks_the_hash(
    sandbox: SlackSandbox, client: WebClient
) -> None:
    opened = client.views_open(trigger_id=sandbox.issue_trigger(PO), view=REASON_MODAL)["view"]
    changed = {**REASON_MODAL, "title": {"type": "plain_text", "text": "Motif du refus"}}

    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=changed)["view"]

    assert sandbox.view(opened["id"])["title"]["text"] == "Motif du refus"
    stale = lambda: client.views_update(view_id=opened["id"], hash=opened["hash"], view=changed)  # noqa: E731
    assert updated["hash"] != opened["hash"] and slack_error(stale) == "hash_conflict"


@pytest.mark.parametrize(
    ("blocks", "pointer"),
    [
        ([section("ligne")] * 51, "/blocks]"),
        ([section("x" * 3001)], "/blocks/0]"),
        ([{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}], "/blocks/0]"),
        (
            [
                {
                    **decision_buttons(),
                    "elements": [{**decision_buttons()["elements"][0], "value": "v" * 2001}],
                }
            ],
            "/0]",
        ),
        ([{"type": "section", "fields": [{"type": "mrkdwn", "text": "x" * 2001}]}], "/blocks/0/fields/0]"),
    ],
    ids=["51 blocks", "3001-char section", "151-char header", "2001-char button value", "2001-char field"],
)
def test_blocks_beyond_slack_limits_are_refused(
    sandbox: SlackSandbox, client: WebClient, blocks: list[dict[str, Any]], pointer: str
) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel=CHANNEL, text="Trop long", blocks=blocks)

    assert raised.value.response["error"] == "invalid_blocks"
    assert raised.value.response["errors"][0].endswith(pointer)
    assert sandbox.messages() == []


def test_modal_limits_are_refused(sandbox: SlackSandbox, client: WebClient) -> None:
    too_long_title = {**REASON_MODAL, "title": {"type": "plain_text", "text": "x" * 25}}
    no_submit = {k: v for k, v in REASON_MODAL.items() if k != "submit"}

    for view in (too_long_title, no_submit):
        error = slack_error(
            lambda view=view: client.views_open(trigger_id=sandbox.issue_trigger(PO), view=view)
        )
        assert error == "invalid_arguments"
    assert sandbox.views() == []


def test_a_message_without_text_is_recorded_with_a_warning(sandbox: SlackSandbox, client: WebClient) -> None:
    with pytest.warns(UserWarning, match="`text` argument is missing"):  # slack_sdk warns too
        client.chat_postMessage(channel=CHANNEL, blocks=[section("Sans texte")])

    assert sandbox.calls[-1].warnings == ("missing_text",)
    with pytest.warns(UserWarning):
        assert slack_error(lambda: client.chat_postMessage(channel=CHANNEL)) == "no_text"


def test_a_rate_limited_call_succeeds_on_retry(sandbox: SlackSandbox) -> None:
    patient = WebClient(token=TOKEN, base_url=sandbox.base_url, retry_handlers=[RateLimitErrorRetryHandler()])
    sandbox.rate_limit_next(1, retry_after_s=0)  # Slack says ≥ 1 s; 0 keeps the test fast

    patient.chat_postMessage(channel=CHANNEL, text="Après l'attente")

    assert [(c.status, c.error) for c in sandbox.calls] == [(429, "ratelimited"), (200, None)]
    assert [m["text"] for m in sandbox.messages()] == ["Après l'attente"]
    sandbox.rate_limit_next(1)
    impatient = WebClient(token=TOKEN, base_url=sandbox.base_url)
    with pytest.raises(SlackApiError) as raised:
        impatient.auth_test()
    assert raised.value.response.status_code == 429 and raised.value.response.headers["Retry-After"] == "1"


def test_latency_delays_each_call(sandbox: SlackSandbox, client: WebClient) -> None:
    sandbox.latency_s = 0.2
    started = time.monotonic()

    client.auth_test()

    assert time.monotonic() - started >= 0.2


def test_tokens_scopes_and_methods_are_checked(sandbox: SlackSandbox, client: WebClient) -> None:
    answer = client.auth_test()
    assert (answer["user_id"], answer["bot_id"], answer["team_id"]) == ("U0BOT", "B0BOT", "T0SANDBOX")
    assert "chat:write" in answer.headers["X-OAuth-Scopes"].split(",")
    assert slack_error(WebClient(token="xoxb-wrong", base_url=sandbox.base_url).auth_test) == "invalid_auth"
    assert slack_error(WebClient(base_url=sandbox.base_url).auth_test) == "not_authed"
    assert slack_error(lambda: client.api_call("chat.fly")) == "unknown_method"
    assert client.users_info(user=PO)["user"]["real_name"] == "Camille Martin"
    permalink = client.chat_getPermalink(
        channel=CHANNEL, message_ts=client.chat_postMessage(channel=CHANNEL, text="x")["ts"]
    )
    assert permalink["permalink"].startswith("https://sandbox.slack.com/archives/C0MIGRATIONS/p")


def test_a_scope_the_token_lacks_is_reported() -> None:
    with SlackSandbox(scopes=("chat:write",)) as sandbox:
        sandbox.add_channel(CHANNEL, "migrations")
        client = WebClient(token=TOKEN, base_url=sandbox.base_url)

        with pytest.raises(SlackApiError) as raised:
            client.files_upload_v2(channel=CHANNEL, content=b"x", filename="a.txt")

        assert (raised.value.response["error"], raised.value.response["needed"]) == (
            "missing_scope",
            "files:write",
        )


def test_the_recorded_calls_say_what_the_client_sent(sandbox: SlackSandbox, client: WebClient) -> None:
    client.chat_postMessage(channel=CHANNEL, text="Bonjour", blocks=[section("Bonjour")])
    client.users_info(user=PO)

    post, info = sandbox.calls
    assert post.headers["authorization"] == f"Bearer {TOKEN}" and "token" not in post.params
    assert post.headers["content-type"].startswith("application/json")  # chat.* are sent as JSON
    assert post.params["blocks"][0]["text"]["text"] == "Bonjour"
    assert info.headers["content-type"] == "application/x-www-form-urlencoded" and info.params == {"user": PO}


# --- the published Web API spec (a 2019 snapshot: it predates the files.*External methods)

NEWER_THAN_THE_SPEC = {"files.getUploadURLExternal", "files.completeUploadExternal"}


def contract_violations(contract: ApiContract, call: RecordedCall) -> list[str]:
    """Slack answers every method over GET or POST alike (slack_sdk always POSTs); the spec names one verb
    per method, so the call is checked against whichever verb documents it."""
    path = f"/api/{call.method}"
    verb = next((v for v in ("POST", "GET") if contract.operation(v, path)), call.http_method)
    return contract.violations(verb, path, call.params)


def test_every_call_a_client_makes_is_documented_with_documented_parameters(
    sandbox: SlackSandbox, client: WebClient
) -> None:
    client.auth_test()
    client.users_info(user=PO)
    posted = client.chat_postMessage(channel=CHANNEL, text="Demande", blocks=[section("Demande")])
    client.chat_postMessage(channel=CHANNEL, text="Rappel", thread_ts=posted["ts"])
    client.chat_update(channel=CHANNEL, ts=posted["ts"], text="Validé", blocks=[section("Validé")])
    client.chat_postEphemeral(channel=CHANNEL, user=DEV, text="Seul le PO peut valider.")
    client.chat_getPermalink(channel=CHANNEL, message_ts=posted["ts"])
    client.conversations_open(users=PO)
    client.conversations_replies(channel=CHANNEL, ts=posted["ts"])
    opened = client.views_open(trigger_id=sandbox.issue_trigger(PO), view=REASON_MODAL)["view"]
    client.views_update(view_id=opened["id"], hash=opened["hash"], view=REASON_MODAL)
    client.files_upload_v2(channel=CHANNEL, content=b"x", filename="a.xlsx", title="Simulation")

    assert all(call.ok for call in sandbox.calls)
    contract = slack_contract()
    checked = [call for call in sandbox.calls if call.method not in NEWER_THAN_THE_SPEC]
    assert len(checked) == len(sandbox.calls) - 2
    assert [v for call in checked for v in contract_violations(contract, call)] == []
    assert contract_violations(contract, replace(checked[0], method="chat.fly")) != []
    assert contract_violations(contract, replace(checked[0], params={"not_a_param": "x"})) != []


# --- a bolt app in HTTP mode, driven as Slack would


class RecordingBoltApp:
    """A minimal approval app: buttons answer through respond()/views_open, messages in threads get a reply."""

    def __init__(self, sandbox: SlackSandbox, executor: ThreadPoolExecutor) -> None:
        self.seen: list[dict[str, Any]] = []
        self.app = App(
            signing_secret=SIGNING_SECRET,
            client=WebClient(token=TOKEN, base_url=sandbox.base_url),
            listener_executor=executor,
        )
        self.app.action("approve")(self.approve)
        self.app.action("refuse")(self.refuse)
        self.app.view("refusal")(self.refusal)
        self.app.message("ok")(self.thread_reply)

    def approve(self, ack: Any, body: dict[str, Any], respond: Any) -> None:
        ack()
        self.seen.append(body)
        who = body["user"]["id"]
        respond(replace_original=True, text=f"Validé par <@{who}>", blocks=[section(f"Validé par <@{who}>")])

    def refuse(self, ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=REASON_MODAL)

    def refusal(self, ack: Any, view: dict[str, Any]) -> None:
        reason = view["state"]["values"]["reason"]["text"]["value"]
        if len(reason) < 5:
            ack(response_action="errors", errors={"reason": "Précisez la raison."})
            return
        ack()
        self.seen.append(view)

    def thread_reply(self, message: dict[str, Any], say: Any) -> None:
        self.seen.append(message)
        say(text="Validation enregistrée.", thread_ts=message.get("thread_ts") or message["ts"])


@pytest.fixture
def bolt(sandbox: SlackSandbox) -> Iterator[tuple[RecordingBoltApp, SlackDriver]]:
    with ThreadPoolExecutor(max_workers=2) as executor:
        recording = RecordingBoltApp(sandbox, executor)
        with serve_bolt_app(recording.app) as events_url:
            yield (
                recording,
                SlackDriver(events_url=events_url, signing_secret=SIGNING_SECRET, sandbox=sandbox),
            )


def post_request(client: WebClient) -> dict[str, Any]:
    return client.chat_postMessage(
        channel=CHANNEL, text="Validation demandée", blocks=[section("?"), decision_buttons()]
    )


def test_a_click_reaches_the_app_which_replaces_the_message(
    sandbox: SlackSandbox, client: WebClient, bolt: tuple[RecordingBoltApp, SlackDriver]
) -> None:
    recording, driver = bolt
    posted = post_request(client)
    (message,) = sandbox.messages(CHANNEL)

    response = driver.click(user_id=PO, message=message, action_id="approve")

    assert response.status_code == 200
    wait_until(
        lambda: sandbox.message(CHANNEL, posted["ts"])["text"] == f"Validé par <@{PO}>", what="respond()"
    )
    (body,) = recording.seen
    assert body["user"]["id"] == PO and body["actions"][0]["value"] == "card-42"
    assert body["container"] == {
        "type": "message",
        "message_ts": posted["ts"],
        "channel_id": CHANNEL,
        "is_ephemeral": False,
    }
    assert [b["type"] for b in sandbox.message(CHANNEL, posted["ts"])["blocks"]] == ["section"]


def test_a_refusal_opens_a_modal_whose_submission_reaches_the_app(
    sandbox: SlackSandbox, client: WebClient, bolt: tuple[RecordingBoltApp, SlackDriver]
) -> None:
    recording, driver = bolt
    post_request(client)
    driver.click(user_id=PO, message=sandbox.messages(CHANNEL)[0], action_id="refuse")
    wait_until(lambda: sandbox.views(), what="views.open")
    (opened,) = sandbox.views()

    too_short = driver.submit_view(user_id=PO, view=opened, values={"reason": {"text": "non"}})
    assert too_short.json() == {"response_action": "errors", "errors": {"reason": "Précisez la raison."}}
    assert sandbox.view(opened["id"])["is_open"]

    accepted = driver.submit_view(
        user_id=PO, view=opened, values={"reason": {"text": "Mauvais centre cible"}}
    )

    assert accepted.status_code == 200 and not sandbox.view(opened["id"])["is_open"]
    (submitted,) = recording.seen
    assert json.loads(submitted["private_metadata"]) == {"card": "card-42"}
    assert submitted["state"]["values"]["reason"]["text"] == {
        "type": "plain_text_input",
        "value": "Mauvais centre cible",
    }


def test_a_message_in_a_thread_reaches_the_app(
    sandbox: SlackSandbox, client: WebClient, bolt: tuple[RecordingBoltApp, SlackDriver]
) -> None:
    recording, driver = bolt
    parent = post_request(client)

    response = driver.post_message(user_id=PO, channel=CHANNEL, text="ok", thread_ts=parent["ts"])

    assert response.status_code == 200
    wait_until(lambda: len(sandbox.messages(CHANNEL)) == 3, what="the app's reply in the thread")
    (event,) = recording.seen
    assert (event["user"], event["text"], event["thread_ts"], event["channel_type"]) == (
        PO,
        "ok",
        parent["ts"],
        "channel",
    )
    typed, answer = sandbox.messages(CHANNEL)[1:]
    assert (typed["user"], answer["text"], answer["thread_ts"]) == (
        PO,
        "Validation enregistrée.",
        parent["ts"],
    )


def test_a_wrong_signature_is_refused_and_nothing_runs(
    sandbox: SlackSandbox, client: WebClient, bolt: tuple[RecordingBoltApp, SlackDriver]
) -> None:
    recording, driver = bolt
    post_request(client)
    forger = SlackDriver(events_url=driver.events_url, signing_secret="not-the-secret", sandbox=sandbox)

    response = forger.click(user_id=PO, message=sandbox.messages(CHANNEL)[0], action_id="approve")

    assert response.status_code == 401
    assert recording.seen == [] and sandbox.messages(CHANNEL)[0]["text"] == "Validation demandée"
    assert driver.url_verification("défi-123").json() == {"challenge": "défi-123"}


def test_respond_defaults_to_an_ephemeral_and_can_delete_the_original(
    sandbox: SlackSandbox, client: WebClient
) -> None:
    posted = post_request(client)
    response_url = sandbox.response_url_for(CHANNEL, posted["ts"], user_id=DEV)

    assert httpx.post(response_url, json={"text": "Seul le PO peut valider."}).json() == {"ok": True}
    assert httpx.post(response_url, json={"delete_original": True}).status_code == 200

    assert [(e["user"], e["text"]) for e in sandbox.ephemerals(CHANNEL)] == [
        (DEV, "Seul le PO peut valider.")
    ]
    assert sandbox.messages(CHANNEL) == []


def test_a_response_url_serves_five_times_only(sandbox: SlackSandbox, client: WebClient) -> None:
    response_url = sandbox.response_url_for(CHANNEL, post_request(client)["ts"], user_id=PO)

    statuses = [httpx.post(response_url, json={"text": f"réponse {n}"}).status_code for n in range(6)]

    assert statuses == [200] * 5 + [404]
    assert httpx.post(response_url, json={"text": "encore"}).json()["error"] == "used_url"
