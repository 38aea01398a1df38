"""When an outside system has been failing long enough to tell people, and when it works again.

An *incident* starts at a system's first failure after a success and ends at its next success. It is
announced once, when it has lasted `alert_after_s` (a blip that heals by itself bothers nobody), and its
end is announced once, only if its start was. Pure: the alerting service keeps the value and persists it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum


class System(StrEnum):
    TRELLO = "trello"
    SLACK = "slack"
    CONSOLE = "console"  # the preprod console (local or over SSH)


@dataclass(frozen=True)
class Incident:
    system: System
    since: float  # the first failure after the last success
    words: str  # the newest failure's own words (the system's, or the transport's)
    alerted: bool = False


@dataclass(frozen=True)
class Alert:
    incident: Incident


@dataclass(frozen=True)
class Recovery:
    incident: Incident
    at: float


Notice = Alert | Recovery

MAX_WORDS = 500  # an error's words quoted to people: enough to recognise it, never a flood


def failed(incident: Incident | None, system: System, *, words: str, now: float) -> Incident:
    """One more failure: an incident starts, or the running one keeps its start and takes the new words."""
    words = words.strip()[:MAX_WORDS]
    if incident is None:
        return Incident(system=system, since=now, words=words)
    return replace(incident, words=words or incident.words)


def succeeded(incident: Incident | None, *, now: float) -> tuple[Incident | None, Recovery | None]:
    """A success ends the incident; its recovery is told only if its alert was."""
    if incident is None:
        return None, None
    return None, (Recovery(incident=incident, at=now) if incident.alerted else None)


def due(
    incident: Incident | None, *, now: float, alert_after_s: float
) -> tuple[Incident | None, Alert | None]:
    """The alert of an incident that has lasted long enough, once: the returned incident remembers it."""
    if incident is None or incident.alerted or now - incident.since < alert_after_s:
        return incident, None
    told = replace(incident, alerted=True)
    return told, Alert(incident=told)
