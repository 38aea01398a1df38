"""The French of `migrabot status`: the bot's last pass over Trello, each card in flight, the health verdict.

Pure: times and the time zone are arguments. The snapshot types are here too, so that the command builds
them from the store and these functions only read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path

from bot.domain.instances import Instance
from bot.domain.lifecycle import CardState
from bot.domain.records import RequestKind
from bot.texts.decisions import PARIS
from bot.texts.french import french
from bot.texts.instances import stood_down_status
from bot.texts.text import shared_prefix

SHORT_FINGERPRINT = 8

# {todo}: the list where the bot picks up cards, a setting (TRELLO_LIST_TODO)
STATE_LABELS = {
    CardState.SIMULATING: "simulation en cours",
    CardState.AWAITING_DECISION: "conflit d'hébergements à trancher",
    CardState.AWAITING_APPROVAL: "en attente du PO",
    CardState.APPROVED: "validé, à exécuter",
    CardState.PREPROD_VERIFIED: "preprod vérifiée, prod à exécuter",
    CardState.DONE: "migration terminée",
    CardState.EDITED_DURING_EXECUTION: "modifié pendant l'exécution : l'équipe doit décider",
    CardState.ERROR: "erreur interne",
    CardState.FAILED: "simulation échouée",
    CardState.INVALID: "ticket à corriger",
    CardState.REFUSED: "refusé par le PO",
    CardState.OBSOLETE: "remplacé (ticket modifié)",
    CardState.EXPIRED: "demande expirée sans réponse",
    CardState.ARCHIVED: "carte archivée",
    CardState.ABANDONED: "interrompue (carte sortie de « {todo} »)",
    CardState.RESIMULATED: "nouvelle simulation demandée",
    CardState.APPROVING: "validation en cours d'écriture",
    CardState.REFUSING: "refus en cours d'écriture",
    CardState.RESIMULATING: "nouvelle simulation en préparation",
    CardState.EXPIRING: "expiration en cours d'écriture",
    CardState.UNLABELLED: "sans l'étiquette de migration : étiquette demandée sur la carte",
}
REQUEST_LABELS = {
    RequestKind.APPROVAL: "validation du PO",
    RequestKind.CONFLICT: "décision sur les hébergements",
}


@dataclass(frozen=True)
class PendingRequest:
    kind: str
    channel: str
    ts: str
    since: float
    reminded: bool


@dataclass(frozen=True)
class CardStatus:
    card_id: str
    short_link: str
    name: str
    state: str
    round: int
    description_hash: str
    since: float  # when the card's row last changed: the start of its current state
    pending: tuple[PendingRequest, ...]
    last_error: str | None


@dataclass(frozen=True)
class BotStatus:
    last_poll: tuple[float, str] | None  # (when, detail) of the last poll's heartbeat
    cards: tuple[CardStatus, ...]
    stood_down_before: Instance | None = None  # another instance acts on the board (bot.app.instances)


def format_duration(seconds: float) -> str:
    """« 45 s », « 12 min », « 3 h 12 min », « 2 j 4 h »: precise enough to see what is stuck."""
    total = max(int(seconds), 0)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} j {hours} h" if hours else f"{days} j"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"


def state_label(state: str, *, todo_list: str) -> str:
    """A state in French; a state added later still shows, untranslated."""
    if state not in STATE_LABELS:
        return state
    return french(STATE_LABELS[state], todo=todo_list)


def short_name(name: str, prefix: str) -> str:
    """The title without the prefix every card shares (« Migration des dossiers usagers - »), never cut."""
    return name[len(prefix) :] if prefix and name.startswith(prefix) else name


def _clock_time(at: float, tz: tzinfo | None) -> str:
    return datetime.fromtimestamp(at, tz).strftime("%d/%m/%Y %H:%M:%S")


def render_last_poll(last_poll: tuple[float, str] | None, *, now: float, tz: tzinfo | None = None) -> str:
    if last_poll is None:
        return french("Dernier passage sur Trello : aucun (le bot n'a pas encore interrogé le tableau)")
    at, detail = last_poll
    line = french(
        "Dernier passage sur Trello : {at} (il y a {age})",
        at=_clock_time(at, tz),
        age=format_duration(now - at),
    )
    return f"{line} — {detail}" if detail else line


def render_card(card: CardStatus, *, now: float, todo_list: str, prefix: str = "") -> list[str]:
    """The card's line, then one indented line per pending Slack request and for the last error."""
    lines = [
        french(
            "- {card} « {name} » : {state} depuis {age} (simulation n° {round}, empreinte {description_hash})",
            card=card.short_link or card.card_id,
            name=short_name(card.name, prefix),
            state=state_label(card.state, todo_list=todo_list),
            age=format_duration(now - card.since),
            round=card.round,
            description_hash=card.description_hash[:SHORT_FINGERPRINT],
        )
    ]
    for request in card.pending:
        lines.append(
            french(
                "    demande Slack ({label}) dans {channel} depuis {age}{reminded}",
                label=REQUEST_LABELS.get(request.kind, request.kind),
                channel=request.channel,
                age=format_duration(now - request.since),
                reminded=", relancée" if request.reminded else "",
            )
        )
    if card.last_error:
        lines.append(french("    dernière erreur : {error}", error=" ".join(card.last_error.split())))
    return lines


def render_status(
    status: BotStatus, *, now: float, todo_list: str, include_final: bool = False, tz: tzinfo | None = None
) -> str:
    lines = [render_last_poll(status.last_poll, now=now, tz=tz)]
    if status.stood_down_before is not None:
        lines.append(stood_down_status(other=status.stood_down_before, zone=tz or PARIS))
    kind = "Cartes suivies" if include_final else "Cartes en cours"
    lines.append(french("{kind} : {count}", kind=kind, count=len(status.cards) or "aucune"))
    prefix = shared_prefix([card.name for card in status.cards])  # as the synthesis does for centres
    for card in status.cards:
        lines += render_card(card, now=now, todo_list=todo_list, prefix=prefix)
    return "\n".join(lines) + "\n"


def never_polled() -> str:
    return french("aucun passage sur Trello enregistré : le bot n'a pas encore interrogé le tableau")


def healthy(age: str, limit: str) -> str:
    return french("ok : dernier passage sur Trello il y a {age} (limite : {limit})", age=age, limit=limit)


def unhealthy(age: str, limit: str) -> str:
    return french(
        "en panne : dernier passage sur Trello il y a {age} (limite : {limit}) — le bot est arrêté, bloqué, "
        "ou n'arrive plus à lire Trello (voir son journal)",
        age=age,
        limit=limit,
    )


def missing_database(path: Path | str) -> str:
    return french("aucune base d'état à {path} : le bot n'a jamais tourné ici", path=path)


def unreadable_database(path: Path | str, error: object) -> str:
    return french("base d'état illisible à {path} : {error}", path=path, error=error)


ROLES = {
    "leader": "processus actif",
    "standby": "processus en attente (un autre processus est actif sur cet état)",
    "starting": "démarrage en cours",
}


def _sign(sign: str, role: str, *, age: str, limit: str) -> str | None:
    """What the process last did, as `/healthz` told it."""
    if (sign, role) == ("busy", "leader"):
        return french(
            "une commande de la console tourne depuis {age} (limite : {limit})", age=age, limit=limit
        )
    if (sign, role) == ("alive", "leader"):
        return french("dernière activité réussie il y a {age} (limite : {limit})", age=age, limit=limit)
    if (sign, role) == ("alive", "standby"):
        return french("dernier contrôle du verrou il y a {age} (limite : {limit})", age=age, limit=limit)
    if (sign, role) == ("silent", "leader"):
        return french("aucune activité réussie depuis {age} (limite : {limit})", age=age, limit=limit)
    if (sign, role) == ("silent", "standby"):
        return french("aucun contrôle du verrou depuis {age} (limite : {limit})", age=age, limit=limit)
    if (sign, role) == ("silent", "starting"):
        return french("toujours pas démarré après {age} (limite : {limit})", age=age, limit=limit)
    return None


def endpoint_verdict(answer: dict) -> str:
    """`/healthz`'s JSON in French, for `status --health` (Docker's health log, an operator's terminal)."""
    role, sign = str(answer.get("role", "")), str(answer.get("sign", ""))
    age, limit = format_duration(answer.get("age_s", 0)), format_duration(answer.get("limit_s", 0))
    parts = [ROLES.get(role, role), _sign(sign, role, age=age, limit=limit)]
    verdict = "ok" if answer.get("healthy") is True else "en panne"
    line = french("{verdict} : {what}", verdict=verdict, what=", ".join(part for part in parts if part))
    if answer.get("healthy") is not True:
        error = answer.get("last_error", "")
        line += french(" ; dernière erreur : {error}", error=error) if error else ""
        line += " — voir le journal du bot"
    return line


def endpoint_unreachable(url: str, error: str) -> str:
    return french(
        "en panne : {url} ne répond pas ({error}) — le bot est arrêté ou bloqué (voir son journal)",
        url=url,
        error=error,
    )
