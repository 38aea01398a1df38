"""In-memory state of the sandbox workspace: users, conversations, messages, views, files.

Every public method expects the caller to hold `lock` when it reads then writes (the HTTP server answers on
several threads); the accessors used by tests take the lock themselves in `SlackSandbox`.
"""

from __future__ import annotations

import copy
import itertools
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class ApiError(Exception):
    """A Web API failure answered as `{"ok": false, "error": ...}` plus optional details."""

    def __init__(self, error: str, *, status: int = 200, **details: Any) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.details = details

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error": self.error, **self.details}


def argument_error(message: str) -> ApiError:
    """Slack's answer to a missing or malformed argument."""
    return ApiError("invalid_arguments", response_metadata={"messages": [f"[ERROR] {message}"]})


@dataclass(frozen=True)
class Identity:
    """Who the sandbox workspace and its bot are (what `auth.test` answers)."""

    team_id: str = "T0SANDBOX"
    team_name: str = "Sandbox"
    team_domain: str = "sandbox"
    app_id: str = "A0SANDBOX"
    bot_user_id: str = "U0BOT"
    bot_id: str = "B0BOT"
    bot_name: str = "migrabot"

    @property
    def workspace_url(self) -> str:
        return f"https://{self.team_domain}.slack.com/"


@dataclass
class Trigger:
    user_id: str
    issued_at: float
    used: bool = False


@dataclass
class ResponseTarget:
    """What a `response_url` points at: the message the user interacted with."""

    channel: str
    message_ts: str
    user_id: str | None
    issued_at: float
    uses: int = 0


@dataclass
class ViewRecord:
    payload: dict[str, Any]
    user_id: str
    is_open: bool = True
    errors: dict[str, str] = field(default_factory=dict)


CHANNEL_TYPES = {"C": "channel", "G": "group", "D": "im"}


class Workspace:
    def __init__(self, identity: Identity, clock: Callable[[], float]) -> None:
        self.identity = identity
        self.clock = clock
        self.lock = threading.RLock()
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.ephemerals: list[dict[str, Any]] = []
        self.views: dict[str, ViewRecord] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.triggers: dict[str, Trigger] = {}
        self.response_targets: dict[str, ResponseTarget] = {}
        self._messages: dict[tuple[str, str], dict[str, Any]] = {}
        self._ids = itertools.count(1)
        self._last_micros = 0
        self.add_user(identity.bot_user_id, identity.bot_name, is_bot=True)

    # --- identifiers

    def new_id(self, prefix: str) -> str:
        return f"{prefix}0SBX{next(self._ids):05d}"

    def next_ts(self) -> str:
        """A message timestamp, strictly increasing even when the clock stands still."""
        micros = max(int(self.clock() * 1_000_000), self._last_micros + 1)
        self._last_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    # --- users and conversations

    def add_user(
        self, user_id: str, name: str, *, is_bot: bool = False, real_name: str | None = None
    ) -> None:
        profile: dict[str, Any] = {"real_name": real_name or name, "display_name": name}
        if is_bot and user_id == self.identity.bot_user_id:
            profile["bot_id"] = self.identity.bot_id
        self.users[user_id] = {
            "id": user_id,
            "team_id": self.identity.team_id,
            "name": name,
            "real_name": real_name or name,
            "deleted": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "is_admin": False,
            "is_owner": False,
            "tz": "Europe/Paris",
            "tz_label": "Central European Time",
            "tz_offset": 3600,
            "profile": profile,
        }

    def user(self, user_id: str | None) -> dict[str, Any]:
        if not user_id or user_id not in self.users:
            raise ApiError("user_not_found")
        return self.users[user_id]

    def add_channel(self, channel_id: str, name: str) -> None:
        if channel_id[:1] not in ("C", "G"):
            raise ValueError(f"a channel id starts with C (public) or G (private): {channel_id!r}")
        is_private = channel_id.startswith("G")
        self.channels[channel_id] = {
            "id": channel_id,
            "name": name,
            "is_channel": not is_private,
            "is_group": is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": is_private,
            "is_member": True,
            "created": int(self.clock()),
        }

    def open_dm(self, user_id: str) -> tuple[str, bool]:
        """The DM channel between the bot and `user_id`, and whether it was open already."""
        self.user(user_id)
        for channel in self.channels.values():
            if channel["is_im"] and channel["user"] == user_id:
                return channel["id"], True
        channel_id = "D" + user_id[1:]
        self.channels[channel_id] = {
            "id": channel_id,
            "is_channel": False,
            "is_group": False,
            "is_im": True,
            "is_mpim": False,
            "is_private": True,
            "is_open": True,
            "user": user_id,
            "created": int(self.clock()),
        }
        return channel_id, False

    def open_mpim(self, user_ids: list[str]) -> tuple[str, bool]:
        members = sorted({*user_ids, self.identity.bot_user_id})
        for user_id in user_ids:
            self.user(user_id)
        for channel in self.channels.values():
            if channel["is_mpim"] and channel["members"] == members:
                return channel["id"], True
        channel_id = self.new_id("G")
        self.channels[channel_id] = {
            "id": channel_id,
            "name": "mpdm-" + "--".join(self.users[m]["name"] for m in members) + "-1",
            "is_channel": False,
            "is_group": False,
            "is_im": False,
            "is_mpim": True,
            "is_private": True,
            "members": members,
            "created": int(self.clock()),
        }
        return channel_id, False

    def channel_type(self, channel_id: str) -> str:
        channel = self.conversation(channel_id)
        return "mpim" if channel["is_mpim"] else CHANNEL_TYPES[channel_id[0]]

    def conversation(self, channel_id: str | None) -> dict[str, Any]:
        """An existing conversation by id (C…, G…, D…); a user id is not a conversation."""
        if not channel_id or channel_id not in self.channels:
            raise ApiError("channel_not_found")
        return self.channels[channel_id]

    def post_target(self, channel: str | None) -> str:
        """Where chat.postMessage lands: a conversation id, a channel name, or a user id (their DM)."""
        if not channel:
            raise ApiError("channel_not_found")
        if channel.startswith("U") or channel.startswith("W"):
            if channel not in self.users:
                raise ApiError("channel_not_found")
            return self.open_dm(channel)[0]
        if channel in self.channels:
            return channel
        by_name = [c["id"] for c in self.channels.values() if c.get("name") == channel.lstrip("#")]
        if by_name:
            return by_name[0]
        raise ApiError("channel_not_found")

    # --- messages

    def message(self, channel: str, ts: str | None) -> dict[str, Any]:
        found = self._messages.get((channel, ts or ""))
        if found is None:
            raise ApiError("message_not_found")
        return found

    def thread_root(self, channel: str, thread_ts: str | None) -> str | None:
        """The ts of the thread's parent; a reply's ts stands for its thread, as in Slack."""
        if not thread_ts:
            return None
        parent = self._messages.get((channel, thread_ts))
        if parent is None:
            raise ApiError("thread_not_found")
        return parent.get("thread_ts") or parent["ts"]

    def add_message(
        self,
        *,
        channel: str,
        user: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "message",
            "channel": channel,
            "ts": self.next_ts(),
            "user": user,
            "team": self.identity.team_id,
            "text": text,
            "blocks": blocks or [],
        }
        if user == self.identity.bot_user_id:
            message.update(bot_id=self.identity.bot_id, app_id=self.identity.app_id)
        if thread_ts:
            message["thread_ts"] = thread_ts
            message["parent_user_id"] = self._messages[(channel, thread_ts)]["user"]
        message.update(extra or {})
        self._messages[(channel, message["ts"])] = message
        return message

    def delete_message(self, channel: str, ts: str) -> None:
        self._messages.pop((channel, ts), None)

    def thread(self, channel: str, root_ts: str) -> list[dict[str, Any]]:
        members = [
            m
            for (c, _), m in self._messages.items()
            if c == channel and (m["ts"] == root_ts or m.get("thread_ts") == root_ts)
        ]
        return [self.public_message(m) for m in sorted(members, key=lambda m: m["ts"])]

    def all_messages(self, channel: str | None = None) -> list[dict[str, Any]]:
        chosen = [m for (c, _), m in self._messages.items() if channel is None or c == channel]
        return [self.public_message(m) for m in sorted(chosen, key=lambda m: (m["ts"], m["channel"]))]

    def public_message(self, message: dict[str, Any], *, with_channel: bool = True) -> dict[str, Any]:
        """A copy as Slack shows it, with the thread summary a parent message carries."""
        shown = copy.deepcopy(message)
        if not with_channel:
            shown.pop("channel")
        replies = self._replies(message)
        if replies:
            reply_users = list(dict.fromkeys(m["user"] for m in replies))
            shown.update(
                thread_ts=message["ts"],
                reply_count=len(replies),
                reply_users=reply_users,
                reply_users_count=len(reply_users),
                latest_reply=replies[-1]["ts"],
            )
        return shown

    def _replies(self, message: dict[str, Any]) -> list[dict[str, Any]]:
        if "thread_ts" in message:
            return []
        replies = [
            m
            for (c, _), m in self._messages.items()
            if c == message["channel"] and m.get("thread_ts") == message["ts"]
        ]
        return sorted(replies, key=lambda m: m["ts"])

    def permalink(self, channel: str, message: dict[str, Any]) -> str:
        link = f"{self.identity.workspace_url}archives/{channel}/p{message['ts'].replace('.', '')}"
        if message.get("thread_ts") and message["thread_ts"] != message["ts"]:
            link += f"?thread_ts={message['thread_ts']}&cid={channel}"
        return link

    # --- interactivity

    def issue_trigger(self, user_id: str) -> str:
        trigger_id = f"{int(self.clock())}.{secrets.randbelow(10**12)}.{secrets.token_hex(16)}"
        self.triggers[trigger_id] = Trigger(user_id=user_id, issued_at=self.clock())
        return trigger_id

    def issue_response_url_token(self, channel: str, message_ts: str, user_id: str | None) -> str:
        token = secrets.token_urlsafe(18)
        self.response_targets[token] = ResponseTarget(
            channel=channel, message_ts=message_ts, user_id=user_id, issued_at=self.clock()
        )
        return token

    def add_ephemeral(
        self,
        *,
        channel: str,
        user: str | None,
        text: str,
        blocks: list[dict[str, Any]] | None,
        thread_ts: str | None,
    ) -> dict[str, Any]:
        ephemeral = {
            "type": "message",
            "subtype": "bot_message",
            "channel": channel,
            "user": user,
            "ts": self.next_ts(),
            "text": text,
            "blocks": blocks or [],
            "bot_id": self.identity.bot_id,
            "is_ephemeral": True,
        }
        if thread_ts:
            ephemeral["thread_ts"] = thread_ts
        self.ephemerals.append(ephemeral)
        return ephemeral

    def find_ephemeral(self, channel: str, ts: str) -> dict[str, Any] | None:
        return next((e for e in self.ephemerals if e["channel"] == channel and e["ts"] == ts), None)
