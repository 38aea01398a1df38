"""The sandbox Slack Web API server; the implementation lives in the `sandbox.slack` package."""

from sandbox.slack import DEFAULT_SCOPES, Identity, RecordedCall, SlackSandbox

__all__ = ["DEFAULT_SCOPES", "Identity", "RecordedCall", "SlackSandbox"]
