"""Slack Block Kit messages: the PO's approval request, the conflict decision, the refusal modal. Pure.

Slack's limits are respected by construction: ≤ 50 blocks, ≤ 3,000 characters per text, ≤ 2,000 per button
value, ≤ 24 for modal titles; long content is folded (the card keeps everything), never refused by Slack.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.decision import RequestKey
from bot.domain.model import AccommodationConflict
from bot.texts.french import french, plural, typeset
from bot.texts.markdown import escape_mrkdwn, mrkdwn_code
from bot.texts.text import conflict_table, short_fingerprint

MAX_BLOCKS = 50
MAX_TEXT = 3000
MAX_TOTAL_TEXT = 11000  # Slack may refuse messages of ~13k characters in total
FOLDED = "… (suite dans la carte Trello)"

APPROVE, REFUSE, RESIMULATE = "approve", "refuse", "resimulate"
CONFLICT_MIGRATE, CONFLICT_WITHOUT = "conflict_migrate", "conflict_without"
REFUSAL_MODAL, REASON_BLOCK, REASON_INPUT = "refusal_reason", "reason", "reason_input"


@dataclass(frozen=True)
class CardLink:
    name: str
    url: str


def mentions(user_ids: Sequence[str]) -> str:
    return " ".join(f"<@{user}>" for user in sorted(user_ids))


def _ready(po_ids: Sequence[str]) -> str:
    """« <@U1>, la simulation est prête… »: the POs are addressed, then the sentence."""
    sentence = "la simulation est prête : merci de valider ou de refuser la migration."
    if not po_ids:
        return typeset(sentence[0].upper() + sentence[1:])
    return french("{mentions}, ", mentions=mentions(po_ids)) + typeset(sentence)


def approval_request(
    *,
    card: CardLink,
    key: RequestKey,
    synthesis: str,
    po_ids: Sequence[str],
    drive_link: str = "",
    drive_note: str = "",
    warning: str | None = None,
) -> tuple[str, list[dict]]:
    """(fallback text, blocks) of the PO's request; `closed_blocks` turns it into its decided form. Links are
    mrkdwn `<url|texte>` outside the code blocks (Slack makes nothing clickable inside one)."""
    text = french("Validation PO demandée : {name}", name=escape_mrkdwn(card.name))
    blocks: list[dict] = [
        _header(typeset("Validation PO : migration des dossiers usagers")),
        _section(french("*<{url}|{name}>*\n", url=card.url, name=escape_mrkdwn(card.name)) + _ready(po_ids)),
    ]
    blocks += _folded_code(synthesis, budget=MAX_BLOCKS - 7)
    if drive_link or drive_note:
        blocks.append(_section(drive_line(drive_link) if drive_link else escape_mrkdwn(drive_note)))
    blocks.append(
        _context(
            french(
                "Simulation n° {round} · empreinte {fingerprint} · fichier Excel dans le fil",
                round=key.round,
                fingerprint=short_fingerprint(key.description_hash),
            )
        )
    )
    if warning:  # rules that move nobody: said in words just above the buttons (`texts.zero_match`)
        blocks.append(_section(escape_mrkdwn(warning)))
    blocks.append(
        {
            "type": "actions",
            "block_id": "decision",
            "elements": [
                _button("Valider", APPROVE, key.value(), style="primary"),
                _button("Refuser", REFUSE, key.value(), style="danger"),
                _button("Relancer la simulation", RESIMULATE, key.value()),
            ],
        }
    )
    return text, blocks


def drive_line(link: str) -> str:
    """« 📁 Fichier Excel sur le Drive », a link Slack makes clickable (a `|` or `>` would end it early)."""
    url = link.replace("|", "%7C").replace(">", "%3E").replace("<", "%3C")
    return french("📁 <{url}|Fichier Excel sur le Drive>", url=url)


def conflict_request(
    *,
    card: CardLink,
    key: RequestKey,
    conflicts: Sequence[AccommodationConflict],
    to_migrate: int,
    deciders: Sequence[str],
) -> tuple[str, list[dict]]:
    text = french("Conflit d'hébergements à trancher : {name}", name=escape_mrkdwn(card.name))
    table = conflict_table(conflicts)
    blocks: list[dict] = [
        _header(typeset("Conflit d'hébergements : décision nécessaire")),
        _section(
            f"*<{card.url}|{escape_mrkdwn(card.name)}>*\n"
            + (f"{mentions(deciders)} " if deciders else "")
            + f"{plural(to_migrate, 'hébergement', 'hébergements')} à migrer, dont "
            f"{plural(len(conflicts), 'partagé', 'partagés')} entre des dossiers migrés et des dossiers qui "
            "restent. La demande de validation PO partira une fois la décision prise."
        ),
        *_folded_code("\n".join(table), budget=20),
        _section(
            typeset(
                "*Migrer l'hébergement quand même* : les dossiers non migrés se retrouveront sans hébergement dans le "
                "centre d'origine.\n*Sans hébergements* : --withAccommodations est retiré des règles concernées, les "
                "hébergements seront traités à la main."
            )
        ),
    ]
    blocks.append(
        {
            "type": "actions",
            "block_id": "conflict",
            "elements": [
                _button("Migrer l'hébergement quand même", CONFLICT_MIGRATE, key.value(), style="danger"),
                _button("Sans hébergements", CONFLICT_WITHOUT, key.value(), style="primary"),
            ],
        }
    )
    return text, blocks


def refusal_modal(*, metadata: str, card_name: str) -> dict:
    return {
        "type": "modal",
        "callback_id": REFUSAL_MODAL,
        "private_metadata": metadata[:3000],
        "title": {"type": "plain_text", "text": "Refuser la migration"},
        "submit": {"type": "plain_text", "text": "Refuser"},
        "close": {"type": "plain_text", "text": "Annuler"},
        "blocks": [
            _section(french("Carte : *{name}*", name=escape_mrkdwn(card_name))),
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "label": {"type": "plain_text", "text": "Raison du refus (écrite sur la carte)"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": REASON_INPUT,
                    "multiline": True,
                    "min_length": 3,
                },
            },
        ],
    }


# --- building blocks -------------------------------------------------------------------------------


def _header(text: str) -> dict:
    return {"type": "header", "text": {"type": "plain_text", "text": text[:150]}}


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _fit(text, MAX_TEXT)}}


def _context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _fit(text, MAX_TEXT)}]}


def _button(label: str, action_id: str, value: str, *, style: str | None = None) -> dict:
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": label[:75]},
        "action_id": action_id,
        "value": value[:2000],
    }
    if style:
        button["style"] = style
    return button


def _folded_code(text: str, *, budget: int) -> list[dict]:
    """Text in code-formatted sections of ≤ 3,000 characters, cut on line boundaries; what does not fit in
    the block and character budgets is folded with a pointer to the card, which has everything."""
    room = MAX_TEXT - 8  # the ``` fences
    chunks: list[str] = []
    current: list[str] = []
    for line in mrkdwn_code(text).splitlines() or [""]:
        while len(line) > room:
            chunks.append(line[:room])
            line = line[room:]
        if current and len("\n".join([*current, line])) > room:
            chunks.append("\n".join(current))
            current = []
        current.append(line)
    if current:
        chunks.append("\n".join(current))
    blocks: list[dict] = []
    used = 0
    for index, chunk in enumerate(chunks):
        if len(blocks) >= budget - 1 or used + len(chunk) > MAX_TOTAL_TEXT:
            hidden = plural(len(chunks) - index, "partie non affichée", "parties non affichées")
            blocks.append(_section(f"_{FOLDED}_ ({hidden})"))
            break
        blocks.append(_section(f"```{chunk}```"))
        used += len(chunk)
    return blocks


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - len(FOLDED) - 1] + "\n" + FOLDED


def closed_blocks(blocks: list[dict], outcome: str) -> list[dict]:
    """A request once decided: the same message, its buttons replaced by the outcome."""
    kept = [
        block for block in blocks if block.get("type") != "actions" and block.get("block_id") != "outcome"
    ]
    outcome_block = _section(outcome)
    outcome_block["block_id"] = "outcome"
    return [*kept, outcome_block]


def message_blocks(text: str) -> list[dict]:
    """A plain message of the bot (an alert, a notice): one mrkdwn section."""
    return [_section(text)]
