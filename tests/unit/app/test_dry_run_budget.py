"""Issue 25, point 9: a per-poll budget of dry-runs across cards. Five cards of fifty rules once ran 500
dry-runs in one poll; now each poll stays within DRY_RUNS_PER_POLL, the other cards wait for the next poll in
« À simuler », each saying so once, and every card is simulated in the end."""

from __future__ import annotations

from bot.settings import Settings
from tests.unit.app.test_decisions import Env
from tests.unit.app.test_workflow import bodies

TITLE = "Migration des dossiers usagers"
CARDS, RULES = 5, 50


def ticket(card: int) -> str:
    rules = "".join(f"- lorsque le champ = C{card}V{n} → vers CHU 77 (ID 5644)\n" for n in range(RULES))
    return "Centre initial = France Fraternités - CHU 75 (ID 4537)\n" + rules


def polls_until_all_simulated(env: Env, cards: list[str]) -> list[int]:
    """Dry-runs of each poll, until every card waits for its PO."""
    per_poll = []
    for _ in range(CARDS + 2):
        before = len(env.console.ran)
        env.poll()
        per_poll.append(len(env.console.ran) - before)
        if all(env.board.list_of(card) == "En attente validation PO" for card in cards):
            return per_poll
    raise AssertionError(f"not all simulated after {len(per_poll)} polls: {per_poll}")


def test_five_cards_of_fifty_rules_stay_within_the_budget_of_each_poll(tmp_path):
    env = Env(tmp_path)
    assert Settings(_env_file=None).dry_runs_per_poll == 120
    cards = [env.board.add_card(f"{TITLE} {n}", ticket(n)) for n in range(CARDS)]
    per_poll = polls_until_all_simulated(env, cards)
    # each card: 50 rules and 50 accommodation checks; one card's round fits in a poll of 120
    assert per_poll == [100] * CARDS
    for number, card in enumerate(cards):
        waits = [text for text in bodies(env.board, card) if text.startswith("⏳ En attente")]
        assert len(waits) == (0 if number == 0 else 1)  # said once, however many polls it waited
    assert bodies(env.board, cards[1])[0] == (
        "⏳ En attente : 100 dry-runs déjà lancés à ce passage du bot (au plus 120 par passage, réglage "
        "DRY_RUNS_PER_POLL). Cette carte (100 dry-runs) sera simulée au prochain passage ; rien à faire."
    )


def test_small_cards_share_a_poll_up_to_the_budget(tmp_path):
    env = Env(tmp_path, accommodation_impact=False)
    cards = [env.board.add_card(f"{TITLE} {n}", ticket(n)) for n in range(CARDS)]
    per_poll = polls_until_all_simulated(env, cards)
    assert per_poll == [100, 100, 50]  # cards of 50 dry-runs: two a poll within 120, never a third


def test_a_card_bigger_than_the_budget_runs_first_in_its_poll(tmp_path):
    env = Env(tmp_path, dry_runs_per_poll=30, accommodation_impact=False)
    cards = [env.board.add_card(f"{TITLE} {n}", ticket(n)) for n in range(2)]
    per_poll = polls_until_all_simulated(env, cards)
    assert per_poll == [50, 50]  # never put off for ever: alone in its poll
