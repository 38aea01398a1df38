"""The sandbox Slack Web API server; the implementation lives in the `bot.sandbox.slack` package."""

from bot.sandbox.slack import DEFAULT_SCOPES, Identity, RecordedCall, SlackSandbox

__all__ = ["DEFAULT_SCOPES", "Identity", "RecordedCall", "SlackSandbox"]
