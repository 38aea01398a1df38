"""The bot's own validators match a value whole: `$` alone also matches before a final newline (issue 25,
point 10), so `re.match(r"^…$")` would let `"4537\\n"` or `"C123\\n"` through."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.adapters.console import SshRunner, parse_target
from bot.settings import SettingProblem, load_settings, slack_problems


@pytest.mark.parametrize("target", ["migrabot@preprod\n", "migrabot@preprod:22\n"])
def test_an_ssh_target_with_a_final_newline_is_refused(target: str):
    with pytest.raises(ValueError):
        parse_target(target)


def test_a_control_dir_with_a_final_newline_is_refused():
    with pytest.raises(ValueError, match="control_dir"):
        SshRunner(
            target="migrabot@preprod",
            ssh_options="",
            workdir="/srv",
            console_command="php bin/console",
            timeout_s=1,
            control_dir=Path("/run/migrabot-ssh\n"),  # never created: refused first
        )


def test_a_slack_channel_with_a_final_newline_is_a_settings_problem():
    settings = load_settings(
        slack_bot_token="xoxb-1",
        slack_app_token="xapp-1",
        slack_po_user_ids="U123",
        slack_channel_id="C123\n",
        slack_team_channel_id="C456\n",
    )
    assert SettingProblem("SLACK_CHANNEL_ID", missing=False) in slack_problems(settings)
    assert SettingProblem("SLACK_TEAM_CHANNEL_ID", missing=False) in slack_problems(settings)
