"""What the bot tells people when Trello, Slack or the preprod console has been failing for a while, and
when it works again: one message per incident, on Slack and on the cards in flight."""

from __future__ import annotations

from datetime import tzinfo

from bot.domain.incidents import Incident, System
from bot.texts.decisions import PARIS, board_time
from bot.texts.french import french
from bot.texts.markdown import fenced, mrkdwn_code

WHAT = {
    System.TRELLO: "Trello",
    System.SLACK: "Slack",
    System.CONSOLE: "la console de preprod",
}
CHECKS = {
    System.TRELLO: "vérifiez que la clé et le jeton Trello sont toujours valides et que Trello répond, "
    "puis lancez `migrabot doctor`.",
    System.SLACK: "vérifiez que le jeton du bot Slack est valide et que l'application est toujours "
    "installée dans l'espace de travail, puis lancez `migrabot doctor`.",
    System.CONSOLE: "vérifiez que la preprod est démarrée et joignable en SSH depuis le bot (clé, hôte, "
    "pare-feu), puis lancez `migrabot doctor`.",
}


def _headline(incident: Incident, zone: tzinfo) -> str:
    return french(
        "🚨 Le bot n'arrive plus à joindre {what} depuis le {since} : les cartes en cours attendent.",
        what=WHAT[incident.system],
        since=board_time(incident.since, zone),
    )


def _check(incident: Incident) -> str:
    return french("À vérifier : ") + french(CHECKS[incident.system])


def alert_comment(incident: Incident, *, zone: tzinfo = PARIS) -> str:
    """On a card in flight (Trello Markdown): the error's words in a block nobody's text can close."""
    words = incident.words or "(aucun message)"
    return "\n".join(
        [_headline(incident, zone), "", french("Dernière erreur :"), *fenced(words), "", _check(incident)]
    )


def alert_slack(incident: Incident, *, zone: tzinfo = PARIS) -> str:
    """For the Slack channel (mrkdwn)."""
    words = mrkdwn_code(incident.words or "(aucun message)")
    return "\n".join(
        [_headline(incident, zone), french("Dernière erreur :"), f"```{words}```", _check(incident)]
    )


def recovery(incident: Incident, *, at: float, zone: tzinfo = PARIS) -> str:
    return french(
        "✅ {what} répond de nouveau depuis le {at} (en panne depuis le {since}) : le bot reprend les "
        "cartes en cours.",
        what=WHAT[incident.system][:1].upper() + WHAT[incident.system][1:],
        at=board_time(at, zone),
        since=board_time(incident.since, zone),
    )
