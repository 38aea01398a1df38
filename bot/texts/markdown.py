"""Card content inside what the bot signs: one helper per target, so nothing a card says can format,
link or close anything.

Trello renders comments and checklist items as Markdown: commands go in fenced blocks whose fence is
longer than any backtick run inside, other card text is backslash-escaped. Slack's mrkdwn only needs
`&`, `<` and `>` escaped (its links are `<url|text>`); a code block there cannot hold ``` at all.
"""

from __future__ import annotations

import re

_BACKTICKS = re.compile(r"`+")
# What can open a Markdown construct inside a line: code, emphasis, links and images, HTML and autolinks,
# strikethrough, and the backslash itself; `_` inside a word emphasises nothing (MAX_RULES_PER_CARD stays
# as it is). Line-start markers (#, -, >, 1.) never begin a name.
_MARKDOWN_SPECIAL = re.compile(r"[\\`*\[\]<>~]|(?<!\w)_|_(?!\w)")
_FENCE_RUN = re.compile(r"`{3,}")


def fenced(text: str) -> list[str]:
    """A Markdown code block that no line of `text` can close (as lines, fences included)."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence, *text.splitlines(), fence]


def code_span(text: str) -> str:
    """Inline code that no backtick of `text` can end: the delimiter is longer than any run inside."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    delimiter = "`" * (longest + 1)
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{delimiter}{padding}{text}{padding}{delimiter}"


def escape_markdown(text: str) -> str:
    """Card text shown as itself in Trello's Markdown (each special character backslash-escaped)."""
    return _MARKDOWN_SPECIAL.sub(lambda special: "\\" + special.group(), text)


def escape_mrkdwn(text: str) -> str:
    """Slack's mrkdwn control characters; the rest is shown as written."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn_code(text: str) -> str:
    """Text for a Slack ``` block: escaped, and a run of backticks broken so that it cannot end the block."""
    return _FENCE_RUN.sub(lambda run: "\u200b".join(run.group()), escape_mrkdwn(text))


# What a link's address may not hold raw: in Trello's `[text](<address>)` the angle brackets and line breaks
# end it, in Slack's `<address|text>` the bar and brackets do. Percent-encoded, they are the same address.
_ADDRESS_UNSAFE = re.compile(r"[\s<>|\\\[\]()`\"']")


def safe_address(url: str) -> str:
    return _ADDRESS_UNSAFE.sub(lambda char: "".join(f"%{byte:02X}" for byte in char.group().encode()), url)


def markdown_link(text: str, url: str) -> str:
    """A Trello Markdown link whose text and address are taken as written."""
    return f"[{escape_markdown(text)}](<{safe_address(url)}>)"


def mrkdwn_link(text: str, url: str) -> str:
    """A Slack mrkdwn link whose text and address are taken as written."""
    return f"<{safe_address(url)}|{escape_mrkdwn(text)}>"
