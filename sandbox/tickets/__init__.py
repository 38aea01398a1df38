"""Example tickets: the runbook's own, and the demo's cards. Package data, so they ship in the wheel."""

from importlib.resources import files


def ticket_text(name: str) -> str:
    return (files(__package__) / name).read_text(encoding="utf-8")
