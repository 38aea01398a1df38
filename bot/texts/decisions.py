"""What people are told about decisions: answers to whoever clicked or replied (ephemeral), how a Slack
request ends (its closing line), reminders, and the heartbeat's detail. Chosen by outcome; French.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from bot.domain.decision import Verdict
from bot.domain.lifecycle import CardState
from bot.domain.records import Approval, CardRecord
from bot.domain.replies import Doubt, Leaning, Unclear
from bot.texts.french import french, plural, typeset
from bot.texts.markdown import escape_markdown, escape_mrkdwn
from bot.texts.text import DECISION_TEXT

NOT_PO = typeset("Seul le PO peut décider de cette migration : rien n'a changé.")
NOT_DECIDER = typeset(
    "Seuls le PO et l'équipe technique (dans son canal) peuvent trancher ce conflit : rien n'a changé."
)
REASON_TOO_SHORT = "Expliquez le refus en quelques mots."
RECORDED_LATER = typeset("Décision enregistrée : la carte sera mise à jour au prochain passage du bot.")
UNKNOWN_CARD = "Cette carte est inconnue du bot."
NEWER_SIMULATION = typeset("Cette demande est obsolète : une simulation plus récente existe.")
ARCHIVED_CARD = typeset("Cette carte a été archivée : rien n'a changé.")
CARD_CHANGED = typeset(
    "La carte a changé depuis la simulation : nouvelle simulation lancée, rien n'est décidé."
)
NO_REASON = "(sans raison donnée)"  # a refusal written without one (« refusé », « ❌ »)
SIMULATION_RUNNING = typeset(
    "La simulation n'est pas terminée ; la demande arrive dans quelques instants : rien n'est décidé."
)
WRITTEN_DURING_SIMULATION = typeset(
    "Ce message a été écrit avant la fin de la simulation : rien n'est décidé. Les chiffres sont maintenant "
    "sur la carte : répondez « validé » pour valider, ou « refusé : » suivi de la raison pour refuser."
)
EXCEL_TITLE = "Simulation (Excel)"
CHECKLIST_NAME = "Exécution"

# How a Slack request ends, shown in place of its buttons.
CLOSED_ARCHIVED = typeset("🗄️ *Carte archivée* : plus rien à décider.")
CLOSED_NEWER = typeset("🔄 *Obsolète* : une simulation plus récente de cette carte existe.")
CLOSED_EXPIRED_STALE = "⌛ *Expirée*."


PARIS = ZoneInfo("Europe/Paris")  # the default of the `TZ` setting


def board_time(timestamp: float, zone: tzinfo) -> str:
    """« 24/11/2026 à 14:05 », in the board's time zone (the `TZ` setting, Paris by default)."""
    return datetime.fromtimestamp(timestamp, zone).strftime("%d/%m/%Y à %H:%M")


def poll_detail(card_count: int) -> str:
    return plural(card_count, "carte de migration", "cartes de migration")


def approver(name: str) -> str:
    return f"{name} (PO)"


def closed_taken_out(*, todo_list: str) -> str:
    return french("⏸️ *Interrompue* : la carte a été sortie de « {todo_list} ».", todo_list=todo_list)


def closed_moved_back(*, todo_list: str) -> str:
    return french("🔄 *Obsolète* : la carte a été remise dans « {todo_list} ».", todo_list=todo_list)


def closed_card_changed(*, parked: bool) -> str:
    then = (
        typeset(" ; elle sera simulée à nouveau une fois corrigée.")
        if parked
        else typeset(" ; une nouvelle simulation est en cours.")
    )
    return typeset("🔄 *Obsolète* : la carte a changé depuis cette simulation") + then


def closed_conflict_settled(*, user_id: str, decision: str) -> str:
    return french(
        "🏠 *Décision* de <@{user_id}> : {decision}.", user_id=user_id, decision=DECISION_TEXT[decision]
    )


def slack_mention(user_id: str) -> str:
    return f"<@{user_id}>"


def on_trello(name: str) -> str:
    return french("{name} (sur Trello)", name=escape_mrkdwn(name))


def closed_approved(*, who: str, when: str) -> str:
    return french(
        "✅ *Validé* par {who} le {when}. Les commandes finales sont sur la carte.", who=who, when=when
    )


def closed_refused(*, who: str, when: str, reason: str) -> str:
    return french(
        "❌ *Refusé* par {who} le {when} : {reason}", who=who, when=when, reason=escape_mrkdwn(reason)
    )


def closed_resimulation(*, user_id: str, when: str) -> str:
    return f"🔄 *Nouvelle simulation* demandée par <@{user_id}> le {when}."


def closed_expired(*, days: int, fix_list: str) -> str:
    return french(
        "⌛ *Expirée* sans décision après {days} : la carte passe dans « {fix_list} ».",
        days=plural(days, "jour", "jours"),
        fix_list=fix_list,
    )


def reminder(*, mentions: str, hours: int) -> str:
    who = f"{mentions} " if mentions else ""
    return french(
        "⏰ Rappel : {who}cette demande attend une décision depuis {hours} h.", who=who, hours=hours
    )


def refused_error(reason: str) -> str:
    """The card's last error, as `status` shows it."""
    return french("refusé : {reason}", reason=reason)


def decider_on_card(name: str, *, on_trello: bool) -> str:
    """Who decided and where, in a Trello comment (a Slack mention means nothing there)."""
    where = "sur Trello" if on_trello else "sur Slack"
    return french("{name} ({where})", name=escape_markdown(name), where=where)


def decider_in_slack(user_id: str) -> str:
    return french("<@{user_id}> (sur Slack)", user_id=user_id)


def already_decided(
    approval: Approval | None, *, who: str = "", todo_list: str = "", zone: tzinfo = PARIS
) -> str:
    """`who` decided first (and where): a Slack mention by default, a name where mentions mean nothing;
    an approval or a refusal also says how to go back on it."""
    if approval is None:
        return "Déjà décidé."
    who = who or slack_mention(approval.user_id)
    back = french(
        " : rien n'a changé. Pour revenir sur cette décision, remettez la carte dans « {todo_list} » : "
        "elle sera simulée à nouveau.",
        todo_list=todo_list or "À simuler",
    )
    when = board_time(approval.decided_at, zone)
    words = {
        Verdict.APPROVED: french("Déjà validé par {who} le {when}", who=who, when=when) + back,
        Verdict.REFUSED: french("Déjà refusé par {who} le {when}", who=who, when=when) + back,
        Verdict.RESIMULATE: "Une nouvelle simulation a déjà été demandée.",
        Verdict.OBSOLETE: typeset("Cette demande est obsolète : la carte a été simulée à nouveau depuis."),
        Verdict.EXPIRED: "Cette demande a expiré.",
    }
    return words.get(approval.decision, "Déjà décidé.")


def conflict_already_settled(record: CardRecord | None) -> str:
    by = f" par <@{record.decision_by}>" if record and record.decision_by else ""
    return f"Ce conflit a déjà été tranché{by}."


NOT_WAITING_REASONS = {
    CardState.AWAITING_DECISION: "un conflit d'hébergements doit d'abord être tranché",
    CardState.AWAITING_APPROVAL: "le conflit est déjà tranché, la demande au PO est partie",
    CardState.SIMULATING: typeset("une simulation est en cours : réessayez dans une minute"),
    CardState.ERROR: typeset("le bot a rencontré une erreur sur cette carte : réessayez dans une minute"),
    CardState.APPROVED: "la migration est déjà validée",
    CardState.REFUSED: "la migration a été refusée",
}


# A card sent to « À corriger » before any request: there is nothing to decide yet.
NOTHING_TO_DECIDE_REASONS = {
    CardState.INVALID: "le ticket doit d'abord être corrigé (voir le commentaire du bot)",
    CardState.FAILED: "la simulation a échoué (voir le commentaire du bot)",
}


def not_waiting(record: CardRecord, *, todo_list: str) -> str:
    """Why a request no longer takes decisions, in words a person understands."""
    if record.state is CardState.SIMULATING:
        return SIMULATION_RUNNING
    if record.state in NOTHING_TO_DECIDE_REASONS:
        return french(
            "Rien à décider pour l'instant : {reason}. Une fois la carte corrigée et remise dans « {todo_list} », "
            "elle sera simulée à nouveau et la demande vous sera envoyée.",
            reason=NOTHING_TO_DECIDE_REASONS[record.state],
            todo_list=todo_list,
        )
    reason = NOT_WAITING_REASONS.get(record.state, "la carte a changé d'état entre-temps")
    return french("Cette demande n'attend plus de décision : {reason}.", reason=reason)


LEANINGS = {Leaning.APPROVE: "une validation", Leaning.REFUSE: "un refus"}
DOUBTS = {
    Doubt.QUESTION: "sous forme de question",
    Doubt.CONDITION: "avec une condition ou une réserve",
    Doubt.NOT_YET: typeset("avec « pas encore » ou « plus tard »"),
    Doubt.NEGATION: "avec une négation",
    Doubt.MIXED: "avec à la fois un accord et un refus",
    Doubt.OTHER_WORDS: "avec d'autres mots que je ne sais pas lire comme une décision",
    Doubt.ADDRESSED: "adressé à une autre personne (votre message commence par sa mention)",
    Doubt.BARE: "employé seul (il pourrait répondre à une autre question)",
}


def unclear(reply: Unclear, *, in_slack: bool) -> str:
    """What the bot understood of a reply it cannot take as a decision, and the two ways to decide."""
    how = typeset("répondez « validé » pour valider, ou « refusé : » suivi de la raison pour refuser")
    if in_slack:
        how = escape_mrkdwn(how) + " (ou utilisez les boutons de la demande)"
    return french(
        "🤔 Rien n'est décidé : j'ai lu « {word} » ({leaning}), mais {doubt}. Pour décider, {how}.",
        word=reply.word,
        leaning=LEANINGS[reply.leaning],
        doubt=DOUBTS[reply.why],
        how=how,
    )
