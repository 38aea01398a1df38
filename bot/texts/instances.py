"""What the bot says when another migrabot acts on the same board and this one stands down (once on the card
where it saw the other's mark, once in Slack), and the status line while it waits."""

from __future__ import annotations

from datetime import tzinfo

from bot.domain.instances import Instance
from bot.texts.decisions import PARIS, board_time
from bot.texts.french import french
from bot.texts.markdown import mrkdwn_link


def _who(instance: Instance, zone: tzinfo) -> dict[str, str]:
    return {"id": instance.id, "host": instance.host, "since": board_time(instance.since, zone)}


def stood_down_comment(*, other: Instance, me: Instance, zone: tzinfo = PARIS) -> str:
    """Trello Markdown. Ids and hosts are in code spans: the operators copy them."""
    return french(
        "⏸️ **Une autre instance de migrabot agit sur ce tableau** : `{o_id}` sur `{o_host}`, en service "
        "depuis le {o_since}. Pour ne rien faire en double, celle-ci (`{m_id}` sur `{m_host}`, en service "
        "depuis le {m_since}) cesse d'agir sur tout le tableau ; elle reprendra d'elle-même quand l'autre se "
        "sera arrêtée.\n\n"
        "Une seule instance doit servir un tableau : gardez celle dont la base d'état suit ces cartes (en "
        "principe la plus ancienne, `{o_id}`) et arrêtez l'autre.",
        **_prefixed(other, me, zone),
    )


def stood_down_slack(
    *, other: Instance, me: Instance, card_name: str, card_url: str, zone: tzinfo = PARIS
) -> str:
    """Slack mrkdwn, for the team's channel; the card's name is escaped inside its link."""
    return french(
        "⏸️ *Deux instances de migrabot agissent sur le même tableau.* L'instance `{o_id}` sur `{o_host}` (en "
        "service depuis le {o_since}) a écrit sur la carte {card} ; `{m_id}` sur `{m_host}` (en service depuis le "
        "{m_since}) cesse donc d'agir sur le tableau jusqu'à l'arrêt de l'autre. Gardez une seule instance "
        "par tableau (en principe la plus ancienne) et arrêtez l'autre.",
        card=mrkdwn_link(card_name, card_url),
        **_prefixed(other, me, zone),
    )


def left_to_it(*, other: Instance) -> str:
    """Trello Markdown: an elder instance found a younger one simulating the card before it."""
    return french(
        "⏸️ L'instance `{id}` sur `{host}` simule déjà cette carte : celle-ci la lui laisse. Deux instances de "
        "migrabot agissent sur ce tableau ; la plus récente va s'arrêter et le dire ici.",
        id=other.id,
        host=other.host,
    )


def stood_down_status(*, other: Instance, zone: tzinfo = PARIS) -> str:
    """One line of `migrabot status`: why this instance does nothing."""
    return french(
        "⏸️ En retrait : l'instance {o_id} sur {o_host} (en service depuis le {o_since}) agit sur ce "
        "tableau ; celle-ci reprendra quand l'autre se sera arrêtée.",
        **{f"o_{key}": value for key, value in _who(other, zone).items()},
    )


def _prefixed(other: Instance, me: Instance, zone: tzinfo) -> dict[str, str]:
    return {f"o_{key}": value for key, value in _who(other, zone).items()} | {
        f"m_{key}": value for key, value in _who(me, zone).items()
    }
