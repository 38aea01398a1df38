"""One settings check: `migrabot run` (bootstrap) refuses exactly what `migrabot doctor` marks ✗, same words."""

from __future__ import annotations

import pytest

from bot.bootstrap import SetupError, check_settings
from bot.commands.doctor import check_slack_settings, check_trello_settings
from bot.settings import SettingProblem, Settings, slack_problems, trello_problems
from tests.support.text import plain

READY = {
    "trello_api_key": "key",
    "trello_token": "token",
    "trello_board_id": "board",
    "slack_mode": "http",
    "slack_bot_token": "xoxb-1",
    "slack_signing_secret": "secret",
    "slack_po_user_ids": "U0CAMILLE",
    "slack_channel_id": "C0VALIDATION",
}

# Each was accepted by one of the two former checks and refused by the other.
BROKEN = {
    "blank key": ({"trello_api_key": "  "}, [SettingProblem("TRELLO_API_KEY", missing=True)]),
    "no token": ({"trello_token": ""}, [SettingProblem("TRELLO_TOKEN", missing=True)]),
    "Trello URL": (
        {"trello_api_base_url": "api.trello.com"},
        [SettingProblem("TRELLO_API_BASE_URL", missing=False)],
    ),
    "bot token": ({"slack_bot_token": "xoxp-1"}, [SettingProblem("SLACK_BOT_TOKEN", missing=False)]),
    "no PO": ({"slack_po_user_ids": ""}, [SettingProblem("SLACK_PO_USER_IDS", missing=True)]),
    "PO name": ({"slack_po_user_ids": "camille"}, [SettingProblem("SLACK_PO_USER_IDS", missing=False)]),
    "no app token": (
        {"slack_mode": "socket"},
        [SettingProblem("SLACK_APP_TOKEN", missing=True, mode="socket")],
    ),
    "user token as app token": (
        {"slack_mode": "socket", "slack_app_token": "xoxb-2"},
        [SettingProblem("SLACK_APP_TOKEN", missing=False, mode="socket")],
    ),
    "no signing secret": (
        {"slack_signing_secret": ""},
        [SettingProblem("SLACK_SIGNING_SECRET", missing=True, mode="http")],
    ),
    "channel name": (
        {"slack_team_channel_id": "#tech"},
        [SettingProblem("SLACK_TEAM_CHANNEL_ID", missing=False)],
    ),
    "Slack URL": (
        {"slack_api_base_url": "slack.com/api"},
        [SettingProblem("SLACK_API_BASE_URL", missing=False)],
    ),
}


def settings(**changes: object) -> Settings:
    return Settings(_env_file=None, **(READY | changes))  # type: ignore[call-arg]


def test_ready_settings_pass_both():
    ready = settings()
    check_settings(ready)  # no SetupError
    assert check_trello_settings(ready).ok is True
    assert check_slack_settings(ready).ok is True


def test_without_slack_both_run_on_trello_alone():
    alone = settings(slack_bot_token="", slack_po_user_ids="", slack_signing_secret="")
    assert slack_problems(alone) == []
    check_settings(alone)
    assert check_slack_settings(alone).ok is None  # a warning, not an error


@pytest.mark.parametrize(("changes", "problems"), BROKEN.values(), ids=BROKEN.keys())
def test_run_refuses_what_doctor_marks_wrong_with_the_same_words(
    changes: dict[str, object], problems: list[SettingProblem]
):
    broken = settings(**changes)
    assert trello_problems(broken) + slack_problems(broken) == problems
    line = next(
        check for check in (check_trello_settings(broken), check_slack_settings(broken)) if not check.ok
    )
    assert line.ok is False
    with pytest.raises(SetupError) as refused:
        check_settings(broken)
    detail = line.detail.removesuffix(" (Trello non vérifié)")  # doctor's note about its next checks
    assert str(refused.value) == f"{detail} → {line.fix}"


def test_the_start_up_error_names_the_setting_and_the_fix():
    with pytest.raises(SetupError) as refused:
        check_settings(settings(slack_mode="socket", slack_po_user_ids=""))
    assert plain(str(refused.value)) == (
        "Réglages Slack : SLACK_PO_USER_IDS manquant ; SLACK_APP_TOKEN manquant (mode socket) → renseignez "
        "dans .env SLACK_PO_USER_IDS : les identifiants Slack des PO, séparés par des virgules (profil → "
        "« Copier l'ID de membre ») ; SLACK_APP_TOKEN : un jeton d'app xapp-… avec la portée "
        "connections:write (« Basic Information » → « App-Level Tokens »), ou SLACK_MODE=http"
    )
