"""Trello JSON for the store's records, in the shapes of the OpenAPI's schemas (Card, Board, TrelloList, Label,
Action, Attachment, Checklist, CheckItem, Member) and with every field py-trello's `from_json` methods read.

Where the published schema and the live API disagree, the live API wins, because that is what the bot meets:
a card's `labels` are label objects (the schema says ids), and creating an attachment returns one
Attachment (the schema says an array).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sandbox.trello.store import (
    Action,
    Attachment,
    Board,
    Card,
    CheckItem,
    Checklist,
    Label,
    Member,
    Store,
    TrelloList,
    slugify,
)

BOARD_DEFAULT_FIELDS = "name,desc,descData,closed,idOrganization,pinned,url,shortUrl,prefs,labelNames"
LABEL_COLORS = ("yellow", "purple", "blue", "red", "green", "orange", "black", "sky", "pink", "lime")


class InvalidFields(ValueError):
    """`fields=` named something the object does not have."""


def iso(moment: datetime) -> str:
    """2019-09-16T16:19:17.156Z"""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def project(full: dict[str, Any], fields: str | None, *, default: str | None = None) -> dict[str, Any]:
    """Keep only the requested fields (plus `id`); `all` or nothing keeps everything (or `default`)."""
    wanted = fields if fields not in (None, "") else default
    if wanted in (None, "all"):
        return full
    names = [name.strip() for name in wanted.split(",") if name.strip()]
    unknown = [name for name in names if name not in full]
    if unknown:
        raise InvalidFields(",".join(unknown))
    return {"id": full["id"], **{name: full[name] for name in names}}


def member_json(member: Member, *, board_ids: Iterable[str] = ()) -> dict[str, Any]:
    return {
        "id": member.id,
        "activityBlocked": False,
        "avatarHash": None,
        "avatarUrl": None,
        "bio": "",
        "bioData": {"emoji": {}},
        "confirmed": True,
        "fullName": member.full_name,
        "idEnterprise": None,
        "idMemberReferrer": None,
        "idPremOrgsAdmin": [],
        "initials": member.initials,
        "memberType": "normal",
        "nonPublic": {},
        "nonPublicAvailable": True,
        "products": [],
        "url": f"https://trello.com/{member.username}",
        "username": member.username,
        "status": "disconnected",
        "email": None,
        "idBoards": list(board_ids),
        "idOrganizations": [],
        "loginTypes": ["password"],
        "limits": {},
    }


def member_creator_json(member: Member) -> dict[str, Any]:
    return {
        "id": member.id,
        "activityBlocked": False,
        "avatarHash": None,
        "avatarUrl": None,
        "fullName": member.full_name,
        "idMemberReferrer": None,
        "initials": member.initials,
        "nonPublic": {},
        "nonPublicAvailable": True,
        "username": member.username,
    }


def board_json(store: Store, board: Board) -> dict[str, Any]:
    return {
        "id": board.id,
        "name": board.name,
        "desc": board.desc,
        "descData": None,
        "closed": board.closed,
        "idMemberCreator": store.me.id,
        "idOrganization": None,
        "idEnterprise": None,
        "pinned": False,
        "url": f"https://trello.com/b/{board.short_link}/{slugify(board.name)}",
        "shortUrl": f"https://trello.com/b/{board.short_link}",
        "shortLink": board.short_link,
        "prefs": {
            "permissionLevel": "private",
            "hideVotes": False,
            "voting": "disabled",
            "comments": "members",
            "invitations": "members",
            "selfJoin": True,
            "cardCovers": True,
            "isTemplate": False,
            "cardAging": "regular",
            "calendarFeedEnabled": False,
            "background": "blue",
            "backgroundImage": None,
            "backgroundImageScaled": None,
            "backgroundTile": False,
            "backgroundBrightness": "dark",
            "backgroundColor": "#0079BF",
            "canBePublic": True,
            "canBeEnterprise": True,
            "canBeOrg": True,
            "canBePrivate": True,
            "canInvite": True,
        },
        "labelNames": _label_names(store, board),
        "limits": {},
        "starred": False,
        "memberships": [
            {"id": store.me.id, "idMember": store.me.id, "memberType": "admin", "unconfirmed": False}
        ],
        "subscribed": False,
        "powerUps": [],
        "dateLastActivity": iso(board.date_last_activity) if board.date_last_activity else None,
        "dateLastView": None,
        "idTags": [],
        "datePluginDisable": None,
        "creationMethod": None,
        "ixUpdate": "1",
        "templateGallery": None,
        "enterpriseOwned": False,
    }


def _label_names(store: Store, board: Board) -> dict[str, str]:
    names = dict.fromkeys(LABEL_COLORS, "")
    for label in store.board_labels(board):
        if label.color in names and not names[label.color]:
            names[label.color] = label.name
    return names


def list_json(trello_list: TrelloList) -> dict[str, Any]:
    return {
        "id": trello_list.id,
        "name": trello_list.name,
        "closed": trello_list.closed,
        "color": None,
        "idBoard": trello_list.id_board,
        "pos": trello_list.pos,
        "subscribed": False,
        "softLimit": None,
        "type": None,
        "datasource": {"filter": False},
        "limits": {},
    }


def label_json(store: Store, label: Label) -> dict[str, Any]:
    uses = sum(1 for card in store.cards.values() if label.id in card.id_labels)
    return {"id": label.id, "idBoard": label.id_board, "name": label.name, "color": label.color, "uses": uses}


def card_json(store: Store, card: Card) -> dict[str, Any]:
    return {
        "id": card.id,
        "address": None,
        "badges": _badges_json(store, card),
        "checkItemStates": [],
        "closed": card.closed,
        "coordinates": None,
        "creationMethod": None,
        "dueComplete": card.due_complete,
        "dateLastActivity": iso(card.date_last_activity),
        "desc": card.desc,
        "descData": {"emoji": {}},
        "due": card.due,
        "dueReminder": None,
        "idBoard": card.id_board,
        "idChecklists": list(card.id_checklists),
        "idLabels": list(card.id_labels),
        "idList": card.id_list,
        "idMembers": [],
        "idMembersVoted": [],
        "idShort": card.id_short,
        "idAttachmentCover": None,
        "labels": [label_json(store, store.labels[label_id]) for label_id in card.id_labels],
        "limits": {},
        "locationName": None,
        "manualCoverAttachment": False,
        "name": card.name,
        "pos": card.pos,
        "shortLink": card.short_link,
        "shortUrl": f"https://trello.com/c/{card.short_link}",
        "subscribed": False,
        "url": f"https://trello.com/c/{card.short_link}/{card.id_short}-{slugify(card.name)}",
        "cover": {
            "idAttachment": None,
            "color": None,
            "idUploadedBackground": None,
            "size": "normal",
            "brightness": "dark",
            "isTemplate": False,
        },
        "isTemplate": False,
        "start": None,
    }


def _badges_json(store: Store, card: Card) -> dict[str, Any]:
    check_items = [item for checklist in store.card_checklists(card) for item in checklist.items]
    comments = sum(1 for action in store.card_actions(card) if action.type == "commentCard")
    return {
        "attachmentsByType": {"trello": {"board": 0, "card": 0}},
        "externalSource": None,
        "location": False,
        "votes": 0,
        "viewingMemberVoted": False,
        "subscribed": False,
        "fogbugz": "",
        "checkItems": len(check_items),
        "checkItemsChecked": sum(1 for item in check_items if item.state == "complete"),
        "checkItemsEarliestDue": None,
        "comments": comments,
        "attachments": len(card.id_attachments),
        "description": bool(card.desc),
        "due": card.due,
        "dueComplete": card.due_complete,
        "start": None,
    }


def action_json(store: Store, action: Action) -> dict[str, Any]:
    data = dict(action.data)
    if isinstance(data.get("dateLastEdited"), datetime):
        data["dateLastEdited"] = iso(data["dateLastEdited"])
    if action.type == "commentCard":
        data.setdefault("textData", {"emoji": {}})
    creator = store.member(action.id_member_creator)
    return {
        "id": action.id,
        "idMemberCreator": action.id_member_creator,
        "data": data,
        "appCreator": None,
        "type": action.type,
        "date": iso(action.date),
        "limits": {
            "reactions": {
                "perAction": {"status": "ok", "disableAt": 900, "warnAt": 720},
                "uniquePerAction": {"status": "ok", "disableAt": 17, "warnAt": 14},
            }
        },
        "memberCreator": member_creator_json(creator),
    }


def attachment_json(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.id,
        "bytes": len(attachment.content) if attachment.content is not None else None,
        "date": iso(attachment.date),
        "edgeColor": None,
        "idMember": attachment.id_member,
        "isMalicious": False,
        "isUpload": attachment.content is not None,
        "mimeType": attachment.mime_type,
        "name": attachment.name,
        "previews": [],
        "url": attachment.url,
        "pos": attachment.pos,
        "fileName": attachment.file_name,
    }


def check_item_json(item: CheckItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "idChecklist": item.id_checklist,
        "name": item.name,
        "nameData": {"emoji": {}},
        "pos": item.pos,
        "state": item.state,
        "due": None,
        "dueReminder": None,
        "idMember": None,
    }


def checklist_json(checklist: Checklist) -> dict[str, Any]:
    return {
        "id": checklist.id,
        "name": checklist.name,
        "idBoard": checklist.id_board,
        "idCard": checklist.id_card,
        "pos": checklist.pos,
        "limits": {},
        "checkItems": [check_item_json(item) for item in checklist.items],
    }
