"""The one reader of replies (issue 21, and issue 25 point 11): what a PO writes on a Trello card or in a Slack
thread becomes Approve, Refuse(reason), Unclear(why) or Conversation — the same outcome whatever each
channel adds around the words (Markdown, @mentions, Slack's <@U…>, mrkdwn escapes and :shortcodes:).
Table-driven (each row read plain, as Trello sends it and as Slack sends it), then Hypothesis properties."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.replies import (
    APPROVALS,
    CONDITIONS,
    POLITENESS,
    REFUSALS,
    Approve,
    Conversation,
    Doubt,
    Refuse,
    Reply,
    Unclear,
    read_reply,
)

BOT_TRELLO, BOT_SLACK = "migrabot", "U0BOT"
ME = (BOT_TRELLO, BOT_SLACK)
A = Approve()
C = Conversation()


def R(reason: str = "") -> Refuse:
    return Refuse(reason)


def U(why: Doubt) -> tuple[str, Doubt]:
    return ("unclear", why)


Q, COND, YET, NEG, MIX, OTHER, TO, BARE = (
    U(Doubt.QUESTION),
    U(Doubt.CONDITION),
    U(Doubt.NOT_YET),
    U(Doubt.NEGATION),
    U(Doubt.MIXED),
    U(Doubt.OTHER_WORDS),
    U(Doubt.ADDRESSED),
    U(Doubt.BARE),
)

REPLIES: list[tuple[str, Reply | tuple[str, Doubt]]] = [
    # approvals as people write them (the list first)
    ("validé", A),
    ("Validé", A),
    ("VALIDÉ !", A),
    ("valide", A),
    ("Je valide", A),
    ("je valide.", A),
    ("c'est validé", A),
    ("C'est validé pour moi", A),
    ("ok", A),
    ("OK", A),
    ("Ok.", A),
    ("OK pour moi", A),
    ("ok 👍", A),
    ("OK 👍", A),
    ("👍", A),
    ("✅", A),
    ("go", A),
    ("Go !", A),
    ("go pour moi", A),
    ("c'est bon", A),
    ("C’est bon", A),
    ("c'est bon pour moi", A),
    ("bon pour moi", A),
    ("d'accord", A),
    ("D’accord, merci", A),
    ("feu vert", A),
    ("Feu vert !", A),
    ("tu peux y aller", A),
    ("vous pouvez lancer", A),
    ("Vous pouvez lancer, merci", A),
    ("Validé, merci !", A),
    ("Parfait, validé", A),
    ("merci, c'est parfait, validé", A),
    ("Validé, merci Claire !", A),
    ("Bonjour, ok pour moi. Bonne journée", A),
    ("ok ok", A),
    ("Validé 🙏", A),
    ("tout est ok", A),
    ("ok, pas de souci", A),
    ("ça me va", A),
    ("@migrabot validé", A),
    ("validé @camille", A),
    ("OK pour la migration", A),
    ("Je valide la migration, merci à toi", A),
    ("Validé de mon côté 👍", A),
    # refusals, with and without a reason
    ("refusé", R()),
    ("Refusé.", R()),
    ("refusée", R()),
    ("je refuse", R()),
    ("Je refuse !", R()),
    ("pas ok", R()),
    ("Pas OK", R()),
    ("pas d'accord", R()),
    ("Pas d’accord", R()),
    ("❌", R()),
    ("👎", R()),
    ("stop", R()),
    ("on ne lance pas", R()),
    ("je ne valide pas", R()),
    ("non validé", R()),
    ("Refusé, merci !", R()),
    ("❌ merci beaucoup", R()),
    ("je refuse, désolé 🙏", R()),
    ("pas ok pour moi, merci", R()),
    ("Refusé, il manque le centre TEH", R("il manque le centre TEH")),
    ("refusé : le CPH garde ses dossiers DAHAR", R("le CPH garde ses dossiers DAHAR")),
    ("Refusé - chiffres à revoir", R("chiffres à revoir")),
    ("je refuse car il manque TEH", R("il manque TEH")),
    ("Refusé parce qu'il manque l'hébergement", R("il manque l'hébergement")),
    ("❌ il manque TEH", R("il manque TEH")),
    ("👎 trop de dossiers pour le CHU 77", R("trop de dossiers pour le CHU 77")),
    ("pas ok : le CHU 77 est plein", R("le CHU 77 est plein")),
    ("non, il faut attendre la fusion", R("il faut attendre la fusion")),
    ("stop, le CPH n'est pas prêt", R("le CPH n'est pas prêt")),
    ("Désolé, refusé : le CPH reste", R("le CPH reste")),
    ("je ne valide pas : les chiffres sont faux", R("les chiffres sont faux")),
    ("refusé : chiffres à revoir\nvoir le CPH @migrabot", R("chiffres à revoir\nvoir le CPH")),
    ("@migrabot refusé : A & B > C", R("A & B > C")),
    # negations, questions, conditions: answered, never a decision
    ("ok ?", Q),
    ("on valide ?", Q),
    ("c'est bon ?", Q),
    ("validé ? ou on attend ?", Q),
    ("refusé ?", Q),
    ("ok mais il manque TEH", COND),
    ("ok pour CHU 77 mais pas pour DAHAR", COND),
    ("validé sauf DAHAR", COND),
    ("ok si le CPH est d'accord", COND),
    ("go, par contre il manque TEH", COND),
    ("je ne valide pas encore", YET),
    ("ok plus tard", YET),
    ("validé pour le moment", YET),
    ("ok, rien ne presse", NEG),
    ("ok pour CHU 77", OTHER),
    ("ok pour la migration de DAHAR", OTHER),
    ("ok je regarde demain", YET),
    ("ok je regarde", OTHER),
    ("je pense que non", OTHER),
    ("non, c'est bon", MIX),
    ("👍 👎", MIX),
    ("ok pas ok", MIX),
    # « oui », « non » alone may answer somebody else's question: answered, never a decision
    ("non", BARE),
    ("Non.", BARE),
    ("oui", BARE),
    ("Oui !", BARE),
    ("oui oui 👍", A),
    ("yes", BARE),
    ("Oui, merci", BARE),
    ("non merci", BARE),
    ("@migrabot non", BARE),
    ("oui, validé", A),
    ("oui c'est bon", A),
    ("non, il manque TEH", R("il manque TEH")),
    # said to somebody else (issue 25 point 11)
    ("@julien ok", TO),
    ("@julien validé", TO),
    ("@julien refusé : il manque TEH", TO),
    ("@migrabot @julien ok", A),
    # conversation: no decision word, no answer
    ("merci Claire pour la carte", C),
    ("Merci, je regarde demain.", C),
    ("je regarde ça demain", C),
    ("Qui s'occupe du CHU 77 ?", C),
    ("@julien tu as vu le CPH ?", C),
    ("", C),
    ("@migrabot", C),
    ("👀", C),
    ("Parfait, merci !", C),
    ("pas encore", C),
    ("> validé\nmerci", C),
]

# --- each channel's decorations ---------------------------------------------------------------------

SHORTCODES = {
    "👍": ":+1::skin-tone-3:",
    "✅": ":white_check_mark:",
    "❌": ":x:",
    "👎": ":-1:",
    "🙏": ":pray:",
}
SYNTHESIS_LINE = "@camille la simulation est prête : répondez sur cette carte « validé » pour valider"


def typographic(text: str) -> str:
    """What a French keyboard or a phone writes: curly apostrophes, no-break spaces before « : ? ! »."""
    return re.sub(r" ([:?!])", "\u202f\\1", text.replace("'", "’"))


def starts_with_mention(text: str) -> bool:
    return text.startswith(("@", ">"))  # (a quote stays on its own line)


def trello(text: str) -> str:
    """A comment written in Trello: « Répondre » on the bot's comment, bold, the bot's line quoted, a cc."""
    said = typographic(f"**{text}**" if text and "\n" not in text else text)
    if not starts_with_mention(text):
        said = f"@{BOT_TRELLO} {said}"
    return f"> {SYNTHESIS_LINE}\n\n{said} @paul" if text else said


def slack(text: str) -> str:
    """A message as Slack's Events API delivers it: mentions as <@U…>, mrkdwn escapes, emoji shortcodes."""
    said = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for emoji, code in SHORTCODES.items():
        said = said.replace(emoji, code)
    said = re.sub(
        r"@(\w+)", lambda m: "<@U0BOT>" if m.group(1) == BOT_TRELLO else f"<@U{m.group(1).upper()}>", said
    )
    said = f"_{said}_" if said and "\n" not in said else said
    if not starts_with_mention(text):
        said = f"<@{BOT_SLACK}> {said}"
    return f"&gt; {SYNTHESIS_LINE}\n{said} <@UPAUL|paul>" if text else said


def outcome(reply: Reply) -> Reply | tuple[str, Doubt]:
    return ("unclear", reply.why) if isinstance(reply, Unclear) else reply


def test_the_table_has_at_least_eighty_replies_of_every_kind():
    assert len(REPLIES) >= 80
    kinds = {
        type(expected).__name__ if not isinstance(expected, tuple) else expected[1] for _, expected in REPLIES
    }
    assert {"Approve", "Refuse", "Conversation", *Doubt} <= kinds


@pytest.mark.parametrize("channel", [None, trello, slack], ids=["plain", "trello", "slack"])
@pytest.mark.parametrize(("text", "expected"), REPLIES, ids=[text or "<empty>" for text, _ in REPLIES])
def test_each_reply_reads_the_same_on_every_channel(text, expected, channel):
    said = channel(text) if channel else text
    assert outcome(read_reply(said, me=ME)) == expected


def test_an_unclear_reply_names_the_decision_word_as_the_table_spells_it():
    assert read_reply("OK mais il manque TEH") == Unclear(Doubt.CONDITION, "ok", read_reply("ok ?").leaning)
    assert read_reply("Je ne valide pas encore").word == "je ne valide pas"
    assert read_reply("@julien c’est bon").word == "c'est bon"


def test_a_mention_of_the_bot_is_known_by_its_name_on_each_channel():
    assert read_reply("@MigraBot ok", me=ME) == A
    assert read_reply("<@U0BOT|migrabot> ok", me=ME) == A
    assert outcome(read_reply("<@U0JULIEN> ok", me=ME)) == TO
    assert outcome(read_reply("@migrabot ok")) == TO  # who the bot is must be said
    assert read_reply("@here ok", me=ME) == A  # addressed to everyone, the bot included


# --- properties ---------------------------------------------------------------------------------------

WORDS = st.sampled_from(
    [*APPROVALS, *REFUSALS, *POLITENESS, *CONDITIONS, "il", "manque", "TEH", "CHU 77", "DAHAR", "le centre",
     "pour", "l'hébergement", "Claire", "demain", "encore", "pas", "ne", "?", "!", ",", ".", ":", "🙏", "😊"]
)  # fmt: skip
BASES = st.lists(WORDS, min_size=1, max_size=8).map(" ".join)


def emphasised(text: str, pick: int) -> str:
    """One word put in bold or italics, as either channel writes it."""
    words = text.split(" ")
    index = pick % len(words)
    if re.fullmatch(r"[\w'’]+", words[index]):
        words[index] = ("**{}**", "*{}*", "_{}_")[pick % 3].format(words[index])
    return " ".join(words)


@settings(max_examples=300, deadline=None)
@given(base=BASES, pick=st.integers(min_value=0, max_value=1000), channel=st.sampled_from([trello, slack]))
def test_decorations_never_change_the_outcome(base, pick, channel):
    decorated = channel(emphasised(base, pick))
    assert read_reply(decorated, me=ME) == read_reply(base, me=ME)


@settings(max_examples=300, deadline=None)
@given(base=BASES)
def test_a_question_or_a_condition_is_never_an_approval(base):
    assert not isinstance(read_reply(f"{base} ?", me=ME), Approve)
    assert not isinstance(read_reply(f"ok mais {base}", me=ME), Approve)
    assert not isinstance(read_reply(f"{base} sauf DAHAR", me=ME), Approve)


@settings(max_examples=300, deadline=None)
@given(base=BASES)
def test_said_to_somebody_else_never_decides(base):
    assert not isinstance(read_reply(f"@julien {base}", me=ME), Approve | Refuse)
    assert not isinstance(read_reply(f"<@UJULIEN> {base}", me=ME), Approve | Refuse)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=300))
def test_any_text_is_read_without_raising(text):
    assert isinstance(read_reply(text, me=ME), Approve | Refuse | Unclear | Conversation)


REASON_WORDS = st.sampled_from(["il", "manque", "TEH", "le", "centre", "CHU 77", "l'hébergement", "!", "?"])


@settings(max_examples=200, deadline=None)
@given(
    words=st.lists(REASON_WORDS, max_size=6).map(" ".join), how=st.sampled_from(["Refusé :", "❌", "non,"])
)
def test_a_refusal_keeps_what_follows_as_its_reason(words, how):
    reason = f"il manque {words}".strip()
    assert read_reply(f"{how} {reason}", me=ME) == Refuse(reason)
