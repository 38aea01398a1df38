"""The sandbox Slack: a Web API stand-in over real HTTP (see `SlackSandbox`)."""

from bot.sandbox.slack.sandbox import DEFAULT_SCOPES, RecordedCall, SlackSandbox
from bot.sandbox.slack.workspace import Identity

__all__ = ["DEFAULT_SCOPES", "Identity", "RecordedCall", "SlackSandbox"]
