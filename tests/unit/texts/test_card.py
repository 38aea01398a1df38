"""Card comments that depend on how people answer: on Slack, or on the card itself."""

from __future__ import annotations

from bot.domain.model import AccommodationConflict
from bot.texts.card import conflict_comment, trello_decision_help
from tests.support.text import plain

CONFLICTS = [(0, AccommodationConflict(4537, 892, (1042, 1078), (1035,)))]
CARD_LINE = "« Conflit hébergements : migrer quand même » ou « Conflit hébergements : sans hébergements »."


def test_without_slack_the_conflict_comment_says_the_team_answers_on_the_card():
    text = plain(conflict_comment(CONFLICTS, to_migrate=3, slack=False))
    assert text.endswith(
        "Pour décider, l'équipe répond ici, sur la carte : ajoutez à sa description la ligne " + CARD_LINE
    )
    assert "Slack" not in text


def test_with_slack_the_card_line_is_the_other_way():
    text = plain(conflict_comment(CONFLICTS, to_migrate=3, slack=True))
    assert text.endswith(
        "Pour décider : le bouton dans Slack, ou ici, sur la carte : ajoutez à sa description la ligne "
        + CARD_LINE
    )


def test_the_po_is_mentioned_with_the_words_a_decision_takes():
    assert plain(trello_decision_help(["camille", "dominique"])) == (
        "👉 @camille @dominique, la simulation est prête : répondez sur cette carte « validé » (ou « ok », « go ») "
        "pour valider, ou « refusé : » suivi de la raison pour refuser."
    )
