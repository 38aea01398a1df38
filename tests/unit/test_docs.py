"""The README's settings table and `.env.example` are generated from the settings' definitions."""

from __future__ import annotations

import re
from pathlib import Path

import bot.texts.doctor as doctor_texts
from bot.settings import Settings, env_example, settings_table
from bot.texts.doctor import TRELLO_KEY_PAGE_URL

ROOT = Path(__file__).parents[2]


def test_readme_settings_table_matches_the_code():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- settings:start -->\n(.*?)\n<!-- settings:end -->", readme, re.S)
    assert block, "README lost its settings markers"
    assert block.group(1).strip() == settings_table(), "run `python -m bot.settings` and paste the table"


def test_env_example_lists_every_setting_with_a_safe_placeholder():
    assert (ROOT / ".env.example").read_text(encoding="utf-8") == env_example()
    names = {
        line.split("=", 1)[0] for line in env_example().splitlines() if line and not line.startswith("#")
    }
    assert names == {name.upper() for name in Settings.model_fields}


def test_env_example_loads_as_valid_settings():
    settings = Settings(_env_file=ROOT / ".env.example")
    assert settings.trello_token.get_secret_value() == "change-me"
    assert settings.console_argv == ("php", "bin/console")
    assert not settings.slack_enabled  # an operator without Slack copies it and gets no Slack errors


def test_env_example_says_how_to_turn_slack_on():
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    slack = text[text.index("# --- Slack (optional)") :]
    assert "To turn Slack on" in slack and "SLACK_APP_TOKEN (xapp-…)" in slack
    assert re.search(r"^SLACK_BOT_TOKEN=$", slack, re.M) and re.search(r"^SLACK_APP_TOKEN=$", slack, re.M)


def test_one_trello_key_page_in_the_doctor_the_readme_and_the_settings():
    key_pages = re.compile(r"https://trello\.com/(?:app-key|power-ups/admin|apps/admin)")
    found = {
        path: set(key_pages.findall((ROOT / path).read_text(encoding="utf-8")))
        for path in ("README.md", "bot/settings.py", ".env.example")
    }
    found["doctor"] = set(key_pages.findall(" ".join(str(v) for v in vars(doctor_texts).values())))
    assert found == {key: {TRELLO_KEY_PAGE_URL} for key in found}
