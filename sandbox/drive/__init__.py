"""A stand-in for Google Drive v3 and Google's OAuth token endpoint (runbook step 3, option B)."""

from sandbox.drive.server import SERVICE_ACCOUNT, DriveSandbox

__all__ = ["SERVICE_ACCOUNT", "DriveSandbox"]
