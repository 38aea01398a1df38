"""The names the bot writes in its journal and tells its listeners, beside the lifecycle: one enum each.

`Step`: a journaled side effect of a round (a comment, a move, an attachment, a Slack message…). The value is
what the state database keeps under (card, round, fingerprint, step), so a value is never renamed: a round
resumed after an upgrade finds what it did before. Steps repeated within a round carry a suffix
(`keyed(Step.OUTPUTS, 2)` → « sorties-2 »). `Move`: the steps that move a card; `moved_here_by_us` reads their
intents. `Emitted`: what the services tell the listener (`emit`), logged and narrated by the demo.
"""

from __future__ import annotations

from enum import StrEnum


class Step(StrEnum):
    # A round
    STARTED = "debut"
    TICKET_ERRORS = "erreurs"
    FAILURE = "echec"
    NOTHING_FOUND = "aucun-dossier"  # every rule's dry-run moves nobody
    CONFLICT = "conflit"
    SLACK_CONFLICT = "slack-conflit"  # + the channel
    CONFLICT_DECISION = "decision-conflit"
    SYNTHESIS = "synthese"
    OUTPUTS = "sorties"  # + the part's number
    OUTPUTS_FILE = "sorties-fichier"
    EXCEL = "excel"
    SLACK_REQUEST = "slack-demande"  # + the channel
    SLACK_FILE = "slack-fichier"  # + the channel
    DRIVE_EXCEL = "drive-excel"
    DRIVE_LINK = "drive-lien"
    OBSOLETE = "obsolete"
    INTERNAL_ERROR = "erreur-interne"
    LABEL_ASKED = "etiquette-demandee"
    PUT_BACK = "remise"  # + how many put-backs the round had: done (the list's id)
    PUT_BACK_COMMENT = "commentaire-remise"  # + the same number
    # Decisions
    FINAL_COMMANDS = "validation"  # the comment of the final commands (marked obsolete if the card changes)
    CHECKLIST = "checklist-execution"  # its result is the id of the bot's own « Exécution » checklist
    CHECKLIST_ITEMS = "elements-execution"  # its items as the bot wrote them: JSON {item id: name}
    REFUSAL = "refus"
    RESIMULATION = "relance"
    EXPIRY = "expiree"
    REPLY = "reponse"  # + the id of the comment answered
    # Execution
    EDITED_AFTER_APPROVAL = "modifiee-apres-validation"
    FINAL_COMMANDS_OBSOLETE = "validation-obsolete"
    FINAL_COMMANDS_REPLACED = "validation-remplacee"  # a new round: « remplacée par la simulation n° N »
    CHECKLIST_RETIRED = (
        "checklist-obsolete"  # renamed; its result: the ticks it had then (JSON), never answered
    )
    EDITED_DURING_EXECUTION = "modifiee-pendant-execution"
    EDITED_SLACK = "modifiee"  # the key of the Slack line (see SLACK_LINE)
    SLACK_LINE = "slack"  # + the line's key + the channel
    TICK_DONE = "fait"  # + environment, group, tick's action id
    ORDER_WARNING = "ordre"  # + the same
    VERIFICATION_RESULT = "resultat"  # + the same
    VERIFICATION = "verification"  # + the same
    CHECK_TICKED = "coche"  # + the same
    GROUP_VERIFIED = "groupe-verifie"  # + environment, group
    CLOSING = "cloture"
    # The opt-in preprod apply (PREPROD_APPLY)
    LAUNCH = "lancement"  # + group: the action id of the tick that launched it
    LAUNCHER = "lanceur"  # + group: the member whose tick launched it
    LAUNCH_END = "lancement-fin"  # + group: how the run ended and what the card says
    LAUNCH_REPORT = "lancement-compte-rendu"  # + group
    LAUNCH_REFUSED = "lancement-refuse"  # + group, tick's action id
    LAUNCH_UNTICKED = "lancement-decoche"  # + the same
    REAL_RUN = "reel"  # + group, command's position (1-based): its start is the intent, its end the result
    STRANGE_ITEM = "element-inconnu"  # + the item's id: an item of the checklist the bot did not write
    OBSOLETE_TICK = "coche-obsolete"  # + the tick's action id: a tick on an earlier round's checklist
    # Outages (bot.app.alerts)
    ALERT = "alerte"  # + the system, the incident's start
    RECOVERY = "retabli"  # + the same
    # Another instance on the board (bot.app.instances)
    STOOD_DOWN = "en-retrait"  # + the other instance's id: the card was told (journaled before told)
    STOOD_DOWN_SLACK = "en-retrait-slack"  # + the same: the team's channel was told
    LEFT_TO_OTHER = "laissee-a-une-autre"  # + the younger instance's id: the card said it was left to it


class Move(StrEnum):
    """The steps that move a card to a list (their intent's result is the list's id)."""

    TO_FIX = "vers-a-corriger"
    TO_WAITING = "vers-attente-po"
    TO_APPROVED = "vers-valide"
    TO_DONE = "vers-termine"
    BACK_TO_TODO = "retour-a-simuler"
    EDITED_BACK_TO_TODO = "vers-a-simuler-modifiee"


class Emitted(StrEnum):
    """What a service tells the listener; each is logged with the card."""

    ROUND = "round"
    INVALID = "invalid"
    SIMULATING = "simulating"
    FAILED = "failed"
    NOTHING_FOUND = "nothing_found"
    CONFLICT = "conflict"
    SIMULATED = "simulated"
    OBSOLETE = "obsolete"
    APPROVED = "approved"
    REFUSED = "refused"
    EXPIRED = "expired"
    EDITED_AFTER_APPROVAL = "edited_after_approval"
    EDITED_DURING_EXECUTION = "edited_during_execution"
    VERIFIED = "verified"
    GAP = "gap"
    DONE = "done"


def keyed(step: Step, *parts: object) -> str:
    """A step repeated within a round: its name and what tells each one apart."""
    return "-".join([step.value, *(str(part) for part in parts)])
