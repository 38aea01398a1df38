"""What a person's reply about a request says, whatever channel it came from: `Approve`, `Refuse(reason)`,
`Unclear(why)` or `Conversation`. Pure; linear in the reply's length; never raises.

The same words count on a Trello card and in a Slack thread: each channel's decorations (Markdown emphasis,
`@membre` and `<@U…>` mentions, Slack's `&amp;` escapes and `:+1:` shortcodes, quoted lines, typographic
apostrophes, no-break spaces) are taken off first. Then, like Atlantis's comment parser, a text is a
command, a reply that needs an answer, or conversation — never a guess:

- a decision word with nothing but politeness around it (« Validé, merci ! », « OK 👍 ») decides;
- a refusal word first gives the rest as its reason (« Refusé, il manque TEH » → « il manque TEH »);
- « oui », « non », « yes » alone (with politeness only) are `Unclear`: they may answer somebody else;
- a decision word with a question, a negation, a condition, a « not yet », other words, both an approval and
  a refusal, or addressed to somebody else (« @julien ok ») is `Unclear`: the bot answers and decides nothing;
- no decision word at all is `Conversation`: people talk to each other on a card, the bot stays out of it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from enum import StrEnum


class Doubt(StrEnum):
    """Why a reply holding a decision word decides nothing."""

    QUESTION = "question"  # « ok ? », « on valide ? »
    CONDITION = "condition"  # « ok mais il manque TEH », « ok sauf DAHAR »
    NOT_YET = "not_yet"  # « je ne valide pas encore », « ok plus tard »
    NEGATION = "negation"  # « ok, rien n'est prêt »
    MIXED = "mixed"  # an approval and a refusal in one reply
    OTHER_WORDS = "other_words"  # « ok pour CHU 77 »: words that are not politeness
    ADDRESSED = "addressed"  # « @julien ok »: said to somebody else
    BARE = "bare"  # « oui », « non » alone: may answer somebody else's question on the card or thread


class Leaning(StrEnum):
    """What the decision word in a reply says on its own."""

    APPROVE = "approve"
    REFUSE = "refuse"


@dataclass(frozen=True)
class Approve:
    pass


@dataclass(frozen=True)
class Refuse:
    reason: str  # as written after the refusal word; "" when none was given


@dataclass(frozen=True)
class Unclear:
    why: Doubt
    word: str  # the decision word it read, as the table spells it (never the person's text)
    leaning: Leaning


@dataclass(frozen=True)
class Conversation:
    pass


Reply = Approve | Refuse | Unclear | Conversation

# --- the words (written as people write them; folded like the replies before matching) -----------------

APPROVALS = (
    "validé", "validée", "validés", "validées", "je valide", "on valide", "valid", "approuvé", "j'approuve",
    "ok", "okay", "oki", "okey", "go", "c'est bon", "c'est ok", "c'est tout bon", "tout bon", "tout est ok",
    "tout est bon", "bon pour moi", "d'accord", "dac", "daccord", "feu vert", "tu peux y aller",
    "vous pouvez y aller", "tu peux lancer", "vous pouvez lancer", "on peut lancer", "on peut y aller",
    "vas-y", "allez-y", "lancez", "c'est parti", "ça me va", "ça marche", "oui", "yes",
    "👍", "✅", "👌", "✔", "☑", "🆗",
)  # fmt: skip
REFUSALS = (
    "refusé", "refusée", "refusés", "refusées", "refus", "je refuse", "on refuse", "non", "pas ok",
    "pas d'accord", "c'est non", "c'est pas ok", "ce n'est pas ok", "pas bon", "c'est pas bon",
    "ce n'est pas bon", "stop", "on ne lance pas", "on lance pas", "ne lancez pas", "ne pas lancer",
    "je ne valide pas", "je valide pas", "on ne valide pas", "non validé", "non validée", "pas validé",
    "pas validée", "nok", "ko", "rejeté", "je rejette",
    "❌", "👎", "🚫", "⛔", "✖", "❎",
)  # fmt: skip
WEAK_REFUSALS = frozenset({"non", "stop"})  # also plain conversation words: never beside an approval
# Words that answer any question: alone (with politeness), they decide nothing; « non, il manque TEH »
# (a reason) or « oui, validé » (another decision word) still decide.
BARE_WORDS = frozenset({"oui", "non", "yes"})
# Words around a decision that change nothing: politeness, greetings, « pour moi »…
POLITENESS = (
    "merci", "mercii", "merciii", "thanks", "thank you", "thx", "parfait", "parfaitement", "super", "top",
    "nickel", "génial", "bravo", "excellent", "cool", "beaucoup", "bcp", "bien", "très", "bon", "alors",
    "donc", "bonjour", "bonsoir", "salut", "hello", "hey", "coucou", "hi", "cordialement", "bonne journée",
    "bonne soirée", "bonne fin de journée", "bon week-end", "à tous", "à toutes", "à vous", "à toi",
    "tout le monde", "l'équipe", "la team", "pour moi", "pour nous", "de mon côté", "de notre côté",
    "et", "aussi", "également", "re", "voilà", "voila", "hop", "du coup", "c'est", "désolé", "désolée",
    "pas de souci", "pas de soucis", "pas de problème", "aucun souci", "sans souci", "sans problème",
    "rien à redire", "ras", "hmm", "bien reçu", "vu", "ah", "oh", "eh", "le", "la", "les", "la migration",
    "cette migration", "pour la migration", "pour cette migration", "pour la carte", "pour cette carte",
    "pour ma part", "de ma part", "par moi",
)  # fmt: skip
GREETINGS = frozenset({"merci", "bonjour", "bonsoir", "salut", "hello", "coucou", "bravo", "hey", "hi"})
QUESTIONS = ("?", "¿", "？")
CONDITIONS = (
    "mais", "sauf", "si", "seulement", "uniquement", "à condition", "condition", "hormis", "excepté",
    "except", "cependant", "toutefois", "par contre", "sinon", "à part",
)  # fmt: skip
NOT_YET = (
    "encore", "attendre", "attends", "attendez", "attente", "pour l'instant", "pour le moment", "plus tard",
    "demain", "bientôt", "tout à l'heure",
)  # fmt: skip
NEGATIONS = ("pas", "ne", "n'", "jamais", "rien", "aucun", "aucune", "ni")
# Slack writes emoji as shortcodes: those that decide, and the usual politeness ones, become the emoji
# (other shortcodes stay as written, and read as emoji: politeness).
SHORTCODES = {
    "+1": "👍", "thumbsup": "👍", "white_check_mark": "✅", "heavy_check_mark": "✔", "ok_hand": "👌",
    "ok": "🆗", "ballot_box_with_check": "☑", "-1": "👎", "thumbsdown": "👎", "x": "❌",
    "no_entry": "⛔", "no_entry_sign": "🚫", "heavy_multiplication_x": "✖",
    "negative_squared_cross_mark": "❎", "pray": "🙏", "blush": "😊", "smile": "😄",
    "slightly_smiling_face": "🙂", "tada": "🎉", "muscle": "💪", "rocket": "🚀",
}  # fmt: skip


class _Kind(StrEnum):
    APPROVE = "approve"
    REFUSE = "refuse"
    FILLER = "filler"
    QUESTION = "question"
    CONDITION = "condition"
    NOT_YET = "not_yet"
    NEGATION = "negation"
    BREAK = "break"  # punctuation between words: ends a phrase, says nothing
    OTHER = "other"


@dataclass(frozen=True)
class _Token:
    text: str  # as written (after the decorations are taken off)
    folded: str
    start: int
    end: int
    mention: bool = False


@dataclass(frozen=True)
class _Match:
    kind: _Kind
    first: int  # token positions [first, last)
    last: int
    word: str = ""  # the table's spelling, for a decision word


# --- decorations off -----------------------------------------------------------------------------------

_SPACES = re.compile(r"[\u00a0\u2007\u202f\u2009\u200a\u3000]")
_APOSTROPHES = re.compile(r"[\u2019\u2018\u02bc\u2032\u00b4]")
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\ufe0e\ufe0f\U0001f3fb-\U0001f3ff]|:skin-tone-\d:")
_SLACK_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>")
_SLACK_SPECIAL = re.compile(r"<!(\w+)(?:\^[^<>|]*)?(?:\|[^<>]*)?>")
_SLACK_CHANNEL = re.compile(r"<#[A-Z0-9]+\|([^<>]*)>")
_SLACK_LINK = re.compile(r"<((?:https?|mailto):[^<>|]*)(?:\|([^<>]*))?>")
_MARKDOWN_LINK = re.compile(r"\[([^\[\]]*)\]\([^()\s]*\)")
_QUOTE_LINE = re.compile(r"^[ \t]*>.*$", re.M)
_EMPHASIS = re.compile(r"\*+|~+|`+|(?<!\w)_+|_+(?!\w)")
_LIST_MARK = re.compile(r"^[ \t]*(?:[-+]|#{1,6})[ \t]+", re.M)
_SHORTCODE = re.compile(r":([a-z0-9_+\-']+):")


def undecorated(text: str) -> str:
    """The words a person wrote, without either channel's decorations (mentions kept as « @name »)."""
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", _APOSTROPHES.sub("'", _SPACES.sub(" ", text)))
    text = _SLACK_USER.sub(r"@\1", text)
    text = _SLACK_SPECIAL.sub(r"@\1", text)
    text = _SLACK_CHANNEL.sub(r"#\1", text)
    text = _SLACK_LINK.sub(lambda link: link.group(2) or link.group(1), text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    text = _SHORTCODE.sub(lambda code: SHORTCODES.get(code.group(1), code.group()), text)
    text = _QUOTE_LINE.sub("", text)  # a quoted line is somebody else's words (often the bot's own)
    text = _MARKDOWN_LINK.sub(r"\1", text)
    return _LIST_MARK.sub("", _EMPHASIS.sub("", text))


# --- tokens ----------------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"(?P<mention>@[\w.\-]+)"
    r"|(?P<shortcode>:[a-z0-9_+\-']+:)"
    r"|(?P<elided>[^\W\d_]{1,2}')(?=[^\W\d_])"  # c'est, d'accord, n'est, j'approuve, qu'il
    r"|(?P<word>\w+(?:'\w+)*)"
    r"|(?P<question>[?¿？])"
    r"|(?P<joiner>[-'])"  # vas-y: a hyphen joins, never breaks
    r"|(?P<other>\S)"
)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _tokens(text: str) -> Iterator[_Token]:
    for found in _TOKEN.finditer(text):
        kind, written = found.lastgroup, found.group()
        if kind == "joiner":
            continue
        if kind == "shortcode":
            folded = SHORTCODES.get(written.strip(":"), "·emoji")
        elif kind == "other" and unicodedata.category(written) == "So":
            folded = written  # an emoji
        elif kind == "other":
            folded = "·break"
        else:
            folded = _fold(written)
        yield _Token(written, folded, found.start(), found.end(), mention=kind == "mention")


def _phrases(words: Collection[str]) -> dict[tuple[str, ...], str]:
    return {tuple(token.folded for token in _tokens(word)): word for word in words}


_TABLE: dict[_Kind, dict[tuple[str, ...], str]] = {
    _Kind.APPROVE: _phrases(APPROVALS),
    _Kind.REFUSE: _phrases(REFUSALS),
    _Kind.QUESTION: _phrases(QUESTIONS),
    _Kind.CONDITION: _phrases(CONDITIONS),
    _Kind.NOT_YET: _phrases(NOT_YET),
    _Kind.NEGATION: _phrases(NEGATIONS),
    _Kind.FILLER: _phrases(POLITENESS),
}
# One lookup per phrase length: on a tie between tables, the first (a decision word) wins.
_PHRASES: dict[tuple[str, ...], tuple[_Kind, str]] = {}
for _kind, _table in reversed(_TABLE.items()):
    _PHRASES.update({phrase: (_kind, word) for phrase, word in _table.items()})
_LONGEST = max(len(phrase) for phrase in _PHRASES)


def _matches(tokens: list[_Token]) -> Iterator[_Match]:
    """Each token in one match: the longest phrase of any table starting there (decisions first on a tie)."""
    position = 0
    while position < len(tokens):
        match = _longest_at(tokens, position) or _Match(
            _single_kind(tokens, position), position, position + 1
        )
        yield match
        position = match.last


def _longest_at(tokens: list[_Token], position: int) -> _Match | None:
    folded = tuple(token.folded for token in tokens[position : position + _LONGEST])
    for length in range(len(folded), 0, -1):
        found = _PHRASES.get(folded[:length])
        if found is not None:
            return _Match(found[0], position, position + length, found[1])
    return None


def _single_kind(tokens: list[_Token], position: int) -> _Kind:
    token = tokens[position]
    if token.mention or token.folded == "·emoji" or unicodedata.category(token.folded[:1]) == "So":
        return _Kind.FILLER
    if token.folded == "·break":
        return _Kind.BREAK
    after_greeting = position > 0 and tokens[position - 1].folded in GREETINGS
    if after_greeting and token.text[:1].isupper():  # « merci Claire »
        return _Kind.FILLER
    return _Kind.OTHER


# --- the reading -----------------------------------------------------------------------------------------


def read_reply(text: str, *, me: Collection[str] = ()) -> Reply:
    """`me`: how mentions name the bot (its Trello username, its Slack user id), to tell « @migrabot ok »
    (said to the bot) from « @julien ok » (said to somebody else)."""
    clean = undecorated(text)
    tokens = list(_tokens(clean))
    addressed_elsewhere = _addressed_elsewhere(tokens, me={_fold(name.lstrip("@")) for name in me})
    matches = list(_matches(tokens))
    decisions = [match for match in matches if match.kind in (_Kind.APPROVE, _Kind.REFUSE)]
    if not decisions:
        return Conversation()
    first = decisions[0]
    leaning = Leaning.APPROVE if first.kind is _Kind.APPROVE else Leaning.REFUSE
    if first.kind is _Kind.REFUSE:
        reply = _refusal(clean, tokens, matches, decisions)
    else:
        reply = _approval(matches, decisions)
    if isinstance(reply, Approve | Refuse) and addressed_elsewhere:
        return Unclear(Doubt.ADDRESSED, first.word, leaning)
    if isinstance(reply, Approve | Refuse) and _bare(matches):
        return Unclear(Doubt.BARE, first.word, leaning)
    if isinstance(reply, Doubt):
        return Unclear(reply, first.word, leaning)
    return reply


def _addressed_elsewhere(tokens: list[_Token], *, me: set[str]) -> bool:
    """The reply starts with mentions, none of them the bot's (« @here », « @card » address everyone)."""
    leading = []
    for token in tokens:
        if not token.mention and token.folded != "·break":
            break
        if token.mention:
            leading.append(_fold(token.text[1:]))
    everyone = {"here", "channel", "everyone", "card", "board"}
    return bool(leading) and not any(name in me or name in everyone for name in leading)


def _bare(matches: list[_Match]) -> bool:
    """Only « oui »/« non »/« yes », with nothing but politeness, punctuation or emoji around."""
    return all(
        match.word in BARE_WORDS
        if match.kind in (_Kind.APPROVE, _Kind.REFUSE)
        else match.kind in _SAYS_NOTHING
        for match in matches
    )


def _approval(matches: list[_Match], decisions: list[_Match]) -> Approve | Doubt:
    if any(match.kind is _Kind.REFUSE for match in decisions):
        return Doubt.MIXED
    kinds = {match.kind for match in matches}
    for kind, doubt in (
        (_Kind.QUESTION, Doubt.QUESTION),
        (_Kind.CONDITION, Doubt.CONDITION),
        (_Kind.NOT_YET, Doubt.NOT_YET),
        (_Kind.NEGATION, Doubt.NEGATION),
        (_Kind.OTHER, Doubt.OTHER_WORDS),
    ):
        if kind in kinds:
            return doubt
    return Approve()


_SAYS_NOTHING = frozenset({_Kind.FILLER, _Kind.BREAK})
_REASON_LEAD = re.compile(r"^(?:[\s,;:.!\-–—=>()]|car\b|parce\s+qu(?:e\b|'))+", re.I)
_TRAILING_MENTIONS = re.compile(r"(?:\s*@[\w.\-]+)+\s*$")


def _refusal(
    clean: str, tokens: list[_Token], matches: list[_Match], decisions: list[_Match]
) -> Refuse | Doubt:
    """A refusal word first (after politeness) refuses, with the rest as its reason."""
    first = decisions[0]
    if any(match.kind not in _SAYS_NOTHING for match in matches if match.last <= first.first):
        return Doubt.OTHER_WORDS  # « je pense que non »
    after = [match for match in matches if match.first >= first.last and match.kind is not _Kind.BREAK]
    if after and after[0].kind in (_Kind.QUESTION, _Kind.NOT_YET):
        return Doubt.QUESTION if after[0].kind is _Kind.QUESTION else Doubt.NOT_YET
    if first.word in WEAK_REFUSALS and any(match.kind is _Kind.APPROVE for match in decisions):
        return Doubt.MIXED  # « non, c'est bon »
    if all(match.kind in _SAYS_NOTHING for match in after):
        return Refuse("")  # « Refusé, merci ! »: politeness is no reason
    rest = clean[tokens[first.last - 1].end :]
    reason = _TRAILING_MENTIONS.sub("", _REASON_LEAD.sub("", rest)).strip()
    return Refuse(reason)
