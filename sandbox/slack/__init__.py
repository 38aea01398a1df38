"""The sandbox Slack: a Web API stand-in over real HTTP (see `SlackSandbox`)."""

from sandbox.slack.sandbox import DEFAULT_SCOPES, RecordedCall, SlackSandbox
from sandbox.slack.workspace import Identity

__all__ = ["DEFAULT_SCOPES", "Identity", "RecordedCall", "SlackSandbox"]
