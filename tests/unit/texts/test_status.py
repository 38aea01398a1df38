"""`migrabot status`: the pure formatting, as exact text and JSON."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.commands.status import health, status_payload
from bot.texts.status import (
    BotStatus,
    CardStatus,
    PendingRequest,
    format_duration,
    render_status,
    state_label,
)
from tests.support.text import plain

TODO = "À simuler"


def plain_health(last_poll: tuple[float, str] | None, **arguments: float) -> tuple[bool, str]:
    healthy, why = health(last_poll, **arguments)
    return healthy, plain(why)


NOW = datetime(2024, 5, 14, 10, 0, 0, tzinfo=UTC).timestamp()
HOUR = 3600.0


def card(**changes: object) -> CardStatus:
    values: dict = {
        "card_id": "65f0c0ffee0000000000abcd",
        "short_link": "aB3dE5fG",
        "name": "Migration des dossiers usagers - France Fraternités CHU 75 et CPH",
        "state": "awaiting_approval",
        "round": 2,
        "description_hash": "1a2b3c4d5e6f7a8b9c0d",
        "since": NOW - (3 * HOUR + 12 * 60 + 40),
        "pending": (),
        "last_error": None,
    }
    values.update(changes)
    return CardStatus(**values)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"),
        (-5, "0 s"),
        (45.9, "45 s"),
        (60, "1 min"),
        (12 * 60 + 59, "12 min"),
        (HOUR, "1 h"),
        (3 * HOUR + 12 * 60 + 40, "3 h 12 min"),
        (24 * HOUR, "1 j"),
        (2 * 24 * HOUR + 4 * HOUR + 30 * 60, "2 j 4 h"),
    ],
)
def test_durations_read_like_a_person_would_say_them(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_titles_lose_the_prefix_they_all_share_and_are_never_cut() -> None:
    shared = "Migration des dossiers usagers - "
    long_title = shared + "France Fraternités CHU 75 et CPH, DAHAR, TEH et les autres centres de la région"
    status = BotStatus(
        last_poll=None,
        cards=(card(name=long_title), card(short_link="zZ9yY8xX", name=shared + "CHU 77")),
    )
    text = plain(render_status(status, now=NOW, todo_list=TODO, tz=UTC))
    assert "« France Fraternités CHU 75 et CPH, DAHAR, TEH et les autres centres de la région »" in text
    assert "« CHU 77 »" in text and shared not in text
    mixed = BotStatus(last_poll=None, cards=(card(name=long_title), card(name="Migration CHU 77")))
    assert f"« {long_title} »" in plain(render_status(mixed, now=NOW, todo_list=TODO, tz=UTC))


def test_the_text_shows_the_last_poll_each_card_its_requests_and_its_last_error() -> None:
    status = BotStatus(
        last_poll=(NOW - 35, "2 cartes de migration"),
        cards=(
            card(
                pending=(
                    PendingRequest(
                        kind="approval", channel="C0PO", ts="1.1", since=NOW - 3 * HOUR, reminded=True
                    ),
                ),
            ),
            card(
                card_id="65f0c0ffee0000000000ef01",
                short_link="",
                name="Migration des dossiers usagers - erreur",
                state="failed",
                round=1,
                description_hash="ffee",
                since=NOW - 50,
                last_error="Le centre 9999 est introuvable.\n  (code 1)",
            ),
            card(
                short_link="zZ9yY8xX",
                name="Migration des dossiers usagers - CHU 75 vers CHU 77",
                state="awaiting_decision",
                round=1,
                since=NOW - 10 * 60,
                pending=(
                    PendingRequest(
                        kind="conflict", channel="C0TEAM", ts="2.2", since=NOW - 9 * 60, reminded=False
                    ),
                ),
            ),
        ),
    )

    assert plain(render_status(status, now=NOW, todo_list=TODO, tz=UTC)) == (
        "Dernier passage sur Trello : 14/05/2024 09:59:25 (il y a 35 s) — 2 cartes de migration\n"
        "Cartes en cours : 3\n"
        "- aB3dE5fG « France Fraternités CHU 75 et CPH » : en attente du PO depuis 3 h 12 min "
        "(simulation n° 2, empreinte 1a2b3c4d)\n"
        "    demande Slack (validation du PO) dans C0PO depuis 3 h, relancée\n"
        "- 65f0c0ffee0000000000ef01 « erreur » : simulation échouée "
        "depuis 50 s (simulation n° 1, empreinte ffee)\n"
        "    dernière erreur : Le centre 9999 est introuvable. (code 1)\n"
        "- zZ9yY8xX « CHU 75 vers CHU 77 » : conflit d'hébergements à trancher depuis 10 min "
        "(simulation n° 1, empreinte 1a2b3c4d)\n"
        "    demande Slack (décision sur les hébergements) dans C0TEAM depuis 9 min\n"
    )


def test_without_a_poll_nor_cards_the_text_says_so() -> None:
    assert plain(render_status(BotStatus(last_poll=None, cards=()), now=NOW, todo_list=TODO, tz=UTC)) == (
        "Dernier passage sur Trello : aucun (le bot n'a pas encore interrogé le tableau)\n"
        "Cartes en cours : aucune\n"
    )
    assert plain(
        render_status(
            BotStatus(last_poll=(NOW, ""), cards=()), now=NOW, todo_list=TODO, tz=UTC, include_final=True
        )
    ) == ("Dernier passage sur Trello : 14/05/2024 10:00:00 (il y a 0 s)\nCartes suivies : aucune\n")


def test_every_state_the_workflow_writes_has_a_french_label() -> None:
    states = (
        "simulating",
        "awaiting_decision",
        "awaiting_approval",
        "approved",
        "error",
        "failed",
        "invalid",
    )
    finals = ("refused", "obsolete", "expired")
    assert {state: plain(state_label(state, todo_list=TODO)) for state in (*states, *finals)} == {
        "simulating": "simulation en cours",
        "awaiting_decision": "conflit d'hébergements à trancher",
        "awaiting_approval": "en attente du PO",
        "approved": "validé, à exécuter",
        "error": "erreur interne",
        "failed": "simulation échouée",
        "invalid": "ticket à corriger",
        "refused": "refusé par le PO",
        "obsolete": "remplacé (ticket modifié)",
        "expired": "demande expirée sans réponse",
    }
    assert (
        state_label("someday", todo_list=TODO) == "someday"
    )  # a state added later still shows, untranslated


def test_the_json_carries_iso_times_waiting_seconds_and_requests() -> None:
    request = PendingRequest(
        kind="approval", channel="D0PO", ts="1715680000.000100", since=NOW - 60, reminded=False
    )
    status = BotStatus(last_poll=(NOW - 35, "1 carte de migration"), cards=(card(pending=(request,)),))

    assert status_payload(status, now=NOW, todo_list=TODO) == {
        "last_poll": {"at": "2024-05-14T09:59:25+00:00", "detail": "1 carte de migration"},
        "stood_down_before": None,
        "cards": [
            {
                "card_id": "65f0c0ffee0000000000abcd",
                "short_link": "aB3dE5fG",
                "name": "Migration des dossiers usagers - France Fraternités CHU 75 et CPH",
                "state": "awaiting_approval",
                "state_label": "en attente du PO",
                "round": 2,
                "fingerprint": "1a2b3c4d5e6f7a8b9c0d",
                "since": "2024-05-14T06:47:20+00:00",
                "waiting_s": 11560.0,
                "pending_requests": [
                    {
                        "kind": "approval",
                        "channel": "D0PO",
                        "ts": "1715680000.000100",
                        "since": "2024-05-14T09:59:00+00:00",
                        "reminded": False,
                    }
                ],
                "last_error": None,
            }
        ],
    }
    assert status_payload(BotStatus(None, ()), now=NOW, todo_list=TODO) == {
        "last_poll": {"at": None, "detail": None},
        "stood_down_before": None,
        "cards": [],
    }


def test_health_allows_three_poll_intervals_and_a_minute() -> None:
    limit = 3 * 60 + 60
    assert plain_health((NOW - limit, ""), now=NOW, poll_interval_s=60) == (
        True,
        "ok : dernier passage sur Trello il y a 4 min (limite : 4 min)",
    )
    assert plain_health((NOW - limit - 1, ""), now=NOW, poll_interval_s=60) == (
        False,
        "en panne : dernier passage sur Trello il y a 4 min (limite : 4 min) — le bot est arrêté, bloqué, "
        "ou n'arrive plus à lire Trello (voir son journal)",
    )
    assert plain_health(None, now=NOW, poll_interval_s=60) == (
        False,
        "aucun passage sur Trello enregistré : le bot n'a pas encore interrogé le tableau",
    )
    assert health((NOW + 30, ""), now=NOW, poll_interval_s=60)[0]  # a clock a little ahead is not a failure


def test_the_running_process_health_reads_in_french():
    from bot.texts.status import endpoint_verdict

    def read(**answer: object) -> str:
        return plain(endpoint_verdict(answer))

    assert read(healthy=True, role="starting", sign="starting") == "ok : démarrage en cours"
    assert read(healthy=True, role="leader", sign="busy", age_s=125, limit_s=660) == (
        "ok : processus actif, une commande de la console tourne depuis 2 min (limite : 11 min)"
    )
    assert read(healthy=True, role="standby", sign="alive", age_s=1, limit_s=180) == (
        "ok : processus en attente (un autre processus est actif sur cet état), dernier contrôle du verrou "
        "il y a 1 s (limite : 3 min)"
    )
    assert read(
        healthy=False, role="leader", sign="silent", age_s=400, limit_s=180, last_error="TrelloError: 401"
    ) == (
        "en panne : processus actif, aucune activité réussie depuis 6 min (limite : 3 min) ; dernière erreur : "
        "TrelloError: 401 — voir le journal du bot"
    )
