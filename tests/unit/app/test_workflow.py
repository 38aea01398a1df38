"""The card workflow with fakes of our own ports: what it writes, where cards go, and exactly-once."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.adapters.store import Store
from bot.app.workflow import Lists
from bot.bootstrap import build_workflow
from bot.domain.model import ConsoleResult
from bot.settings import Settings
from tests.support.fakes import LABEL_ID, LISTS, FakeBoard, FakeClock, FakeConsole, SimulatedCrash
from tests.support.text import plain

ROOT = Path(__file__).parents[3]
RUNBOOK_TICKET = (ROOT / "sandbox/tickets/runbook.txt").read_text(encoding="utf-8")
TITLE = "Migration des dossiers usagers - France Fraternités"
LIST_IDS = Lists(
    todo=LISTS["À simuler"],
    waiting=LISTS["En attente validation PO"],
    fix=LISTS["À corriger"],
    approved=LISTS["Validé — à exécuter"],
    done=LISTS["Terminé"],
    label=LABEL_ID,
)


@pytest.fixture
def settings() -> Settings:
    return Settings(_env_file=None)


@pytest.fixture
def env(tmp_path, settings, state_location):
    """The workflow on each engine of the store: a SQLite file, then a real PostgreSQL database."""
    return Env(tmp_path, settings, location=state_location)


class Env:
    def __init__(self, tmp_path: Path, settings: Settings, *, location: Path | str | None = None) -> None:
        self.path = location or tmp_path / "state.sqlite3"
        self.settings = settings
        self.board = FakeBoard()
        self.console = FakeConsole()
        self.clock = FakeClock()
        self.events: list[tuple[str, str]] = []
        self.restart()

    def restart(self) -> None:
        """A new process: new workflow and store objects on the same database file."""
        self.store = Store(self.path)
        self.workflow = build_workflow(
            board=self.board,
            console=self.console,
            store=self.store,
            settings=self.settings,
            lists=LIST_IDS,
            clock=self.clock,
            listener=lambda event, card, details: self.events.append((event, card.id)),
        )

    def poll(self) -> None:
        self.clock.advance(60)
        self.workflow.poll()


def bodies(board: FakeBoard, card_id: str) -> list[str]:
    """Comment texts without their marker line, read with plain spaces (typography has its own tests)."""
    return [plain(text.rsplit("\n\nmigrabot · ", 1)[0]) for text in board.comment_texts(card_id)]


def test_a_valid_card_is_simulated_and_waits_for_the_po(env):
    card = env.board.add_card(TITLE, RUNBOOK_TICKET)
    env.poll()
    texts = bodies(env.board, card)
    assert texts[0] == (
        "⏳ Simulation en cours (8 commandes en --dry-run sur la preprod, "
        "et jusqu'à 8 pour la vérification des hébergements)…"
    )
    synthesis, details = texts[1], texts[2]
    assert synthesis.startswith(
        "✅ **Prêt pour validation** : 8 commandes simulées sur la preprod, rien n'a été modifié.\n\n"
    )
    for line in [
        "Centre d'origine : France Fraternités - CHU 75 (ID 4537) - 160 suivis au total",
        "→ vers CHU 77 (ID 5644) : 41 migrés | reste 119",
        "→ vers CPH (ID 4960) : 10 migrés | reste 150",
        "→ vers DAHAR (ID 5634) : 19 migrés | reste 141",
        "→ vers TEH (ID 5645) : 7 migrés | reste 153",
        "Centre d'origine : France Fraternités - CPH (ID 4960) - 180 suivis au total",
        "→ vers CHU 75 (ID 4537) : 21 migrés | reste 159",
        "→ vers CHU 77 (ID 5644) : 37 migrés | reste 143",
        "→ vers DAHAR (ID 5634) : 35 migrés | reste 145",
        "→ vers TEH (ID 5645) : 17 migrés | reste 163",
        "Hébergements : aucune règle ne les migre ; les dossiers migrés seront décrochés de 16 hébergements, qui "
        "resteront dans leur centre d'origine (détail par règle dans les détails techniques).",
        "- Croisement entre CHU 75 (ID 4537) et CPH (ID 4960) : terminer et vérifier le groupe 1 avant de lancer "
        "le groupe 2, même en prod.",
    ]:
        assert line in synthesis.splitlines(), line
    for line in [
        "Hébergements : aucune règle ne les migre.",
        "- CHU 75 (ID 4537) → CHU 77 (ID 5644) : les dossiers migrés seront décrochés de 2 hébergements, "
        "qui resteront au centre CHU 75 (ID 4537).",
        "Au total : 16 hébergements resteront dans leur centre d'origine, décrochés des dossiers migrés.",
        "- CHU 75 (ID 4537) : 160 → 104 (- 77 sortants, + 21 entrants)",
        "- CPH (ID 4960) : 180 → 80 (- 110 sortants, + 10 entrants)",
        "- CHU 77 (ID 5644) : 0 → 78 (+ 78 entrants)",
        "php bin/console app:migrate-individuals-to-other-organization -o 4537 -d 5644 -f migration-des-donnees "
        '-t "CHU 77" --dry-run',
    ]:
        assert line in details.splitlines(), line
    assert details.startswith(
        "🔧 **Détails techniques** (1/2)\n\n**Commandes simulées** (en --dry-run) :\n```\n# 1\n"
    )
    assert "\n**Commande 1** :\n```\nphp bin/console" in details
    [(attachment, data)] = env.board.cards[card].attachments
    assert attachment.name == f"simulation_migration_France_Fraternites_CHU_75_+1_s{card}_simulation1.xlsx"
    assert data[:2] == b"PK"
    assert env.board.list_of(card) == "En attente validation PO"
    assert env.store.card(card).state == "awaiting_approval"
    assert len(env.console.ran) == 16  # 8 rules, and the accommodation check of each
    assert all("--withAccommodations" in " ".join(args) for args in env.console.ran[8:])


def test_polling_again_changes_nothing(env):
    card = env.board.add_card(TITLE, RUNBOOK_TICKET)
    env.poll()
    snapshot = (
        list(env.board.comment_texts(card)),
        len(env.board.cards[card].attachments),
        env.board.list_of(card),
    )
    env.poll()
    env.poll()
    assert (
        env.board.comment_texts(card),
        len(env.board.cards[card].attachments),
        env.board.list_of(card),
    ) == snapshot
    assert len(env.console.ran) == 16


def test_a_bad_ticket_gets_one_comment_with_line_numbers_and_goes_to_fix(env):
    card = env.board.add_card(
        TITLE, "Bonjour\nCentre initial = CHU 75 (ID 4537)\n- si le champ = A → vers B\n"
    )
    env.poll()
    [text] = bodies(env.board, card)
    assert text == (
        "❌ **Ticket non compris** : 1 erreur, aucune commande n'a été lancée.\n"
        "\n"
        "- **Ligne 3, colonne 26** : identifiant du centre manquant\n"
        "  `- si le champ = A → vers B`\n"
        "  Attendu : le nom du centre suivi de son identifiant, p. ex. « France Fraternités - CHU 77 (ID 5644) ». "
        "Exemple : « - lorsque le champ = CHU 77 → vers France Fraternités - CHU 77 (ID 5644) »\n"
        "\n"
        "Ce que le bot a lu, prêt à recoller dans la description : les règles comprises y sont écrites sous "
        "leur forme canonique, et chaque ligne non comprise suit une ligne « ⛔ À CORRIGER » qui dit pourquoi. "
        "Corrigez ces lignes, supprimez les marques, puis recollez le bloc.\n"
        "\n"
        "```\n"
        "Centre initial = CHU 75 (ID 4537)\n"
        "⛔ À CORRIGER (ligne 3) : identifiant du centre manquant\n"
        "- si le champ = A → vers B\n"
        "```\n"
        "\n"
        "La carte est déplacée dans « À corriger ». Corrigez la description puis remettez-la dans « À simuler »."
    )
    assert env.board.list_of(card) == "À corriger"
    assert env.console.ran == []
    env.poll()
    assert len(env.board.comment_texts(card)) == 1


def test_a_corrected_card_moved_back_is_simulated_again(env):
    card = env.board.add_card(TITLE, "Centre initial = CHU 75 (ID 4537)\n- si le champ = A → vers B\n")
    env.poll()
    env.board.edit(card, desc=RUNBOOK_TICKET, list_name="À simuler")
    env.poll()
    assert env.board.list_of(card) == "En attente validation PO"
    assert env.store.card(card).round == 2


def test_a_console_failure_is_quoted_and_the_card_goes_to_fix(env):
    env.console.failures[(4537, 5634)] = ConsoleResult(
        exit_code=1,
        stdout="\n [ERROR] Organisation 5634 introuvable.\n\n",
        stderr="",
        duration_s=0.1,
    )
    card = env.board.add_card(TITLE, RUNBOOK_TICKET)
    env.poll()
    texts = bodies(env.board, card)
    assert texts[1].startswith(
        "⚠️ **La simulation a échoué** (1 commande en erreur) : rien n'a été envoyé au PO."
    )
    assert (
        "**Commande 3** :\n```\nphp bin/console app:migrate-individuals-to-other-organization -o 4537 -d 5634"
        in texts[1]
    )
    assert "« Organisation 5634 introuvable. »" in texts[1]
    assert env.board.list_of(card) == "À corriger"
    assert env.board.cards[card].attachments == []


def test_accommodation_conflicts_wait_for_a_decision_written_in_the_card(env):
    env.console.conflicts[(4537, 5644)] = (3, [(4537, 892, "1042, 1078", "1035")])
    ticket = (
        "Centre initial = France Fraternités - CHU 75 (ID 4537) - lorsque le champ = CHU 77 → vers "
        "France Fraternités - CHU 77 (ID 5644), avec hébergements\n"
    )
    card = env.board.add_card(TITLE, ticket)
    env.poll()
    texts = bodies(env.board, card)
    assert texts[1].startswith(
        "🏠 **Conflit d'hébergements** : une décision est nécessaire avant la validation PO."
    )
    assert "4537 | 892 | 1042, 1078 | 1035" in texts[1]
    assert env.board.list_of(card) == "À simuler"
    env.poll()
    assert len(env.board.comment_texts(card)) == 2  # waiting, not repeating itself
    env.board.edit(card, desc=ticket + "Conflit hébergements : sans hébergements\n")
    env.poll()
    synthesis, details = bodies(env.board, card)[-2:]
    assert "Décision : sans hébergements" in synthesis
    assert details.startswith("🔧 **Détails techniques**")
    assert "--withAccommodations" not in details.split("**Commandes simulées**")[1].split("```")[1]
    assert env.board.list_of(card) == "En attente validation PO"


def test_a_conflict_is_told_once_a_round_not_at_each_poll_that_resumes_it(env):
    """Each poll resumes a round waiting on a conflict (a decision may have been written in the card): the
    listener (the demo's narration, the log) hears of the conflict once, not at every poll."""
    env.console.conflicts[(4537, 5644)] = (3, [(4537, 892, "1042, 1078", "1035")])
    ticket = (
        "Centre initial = France Fraternités - CHU 75 (ID 4537) - lorsque le champ = CHU 77 → vers "
        "France Fraternités - CHU 77 (ID 5644), avec hébergements\n"
    )
    card = env.board.add_card(TITLE, ticket)
    for _ in range(3):
        env.poll()
    assert env.store.card(card).state == "awaiting_decision"
    assert [event for event, card_id in env.events if card_id == card] == ["round", "simulating", "conflict"]
    env.board.edit(card, desc=ticket.replace("CHU 77 →", "CHU 77  →"))  # a new round: told again
    env.poll()
    env.poll()
    assert [event for event, card_id in env.events if card_id == card].count("conflict") == 2


def test_an_edited_card_waiting_for_the_po_is_made_obsolete_and_simulated_again(env):
    card = env.board.add_card(TITLE, RUNBOOK_TICKET)
    env.poll()
    old = env.store.card(card)
    env.board.edit(card, desc=RUNBOOK_TICKET.replace("CHU 77 →", "CHU 78 →", 1))
    env.poll()
    texts = bodies(env.board, card)
    obsolete = next(t for t in texts if t.startswith("🔄"))
    assert obsolete.startswith(
        f"🔄 La description a changé depuis la simulation (empreinte {old.description_hash[:8]} → "
    )
    assert env.store.approval(card, old.round, old.description_hash).decision == "obsolete"
    assert env.store.card(card).round == old.round + 1
    assert env.board.list_of(card) == "En attente validation PO"
    assert sum(t.startswith("✅") for t in texts) == 2


def test_one_cards_bug_is_reported_on_it_and_the_others_go_on(env):
    env.console.raise_for.add(4537)
    broken = env.board.add_card(TITLE + " 1", RUNBOOK_TICKET)
    fine = env.board.add_card(
        TITLE + " 2", "Centre initial = CPH (ID 4960)\n- si le champ = TEH → vers TEH (ID 5645)"
    )
    env.poll()
    assert bodies(env.board, broken)[-1].startswith(
        "🐞 **Erreur interne de migrabot** sur cette carte (RuntimeError)."
    )
    assert env.store.card(broken).state == "error"
    assert env.board.list_of(fine) == "En attente validation PO"
    env.poll()
    assert sum(t.startswith("🐞") for t in bodies(env.board, broken)) == 1  # reported once, not every minute
    env.console.raise_for.clear()
    env.poll()
    assert env.board.list_of(broken) == "En attente validation PO"


def test_a_centre_in_two_cards_in_progress_warns_on_the_later_card(env):
    first = env.board.add_card(TITLE + " A", RUNBOOK_TICKET)
    env.poll()
    second = env.board.add_card(
        TITLE + " B", "Centre initial = CPH (ID 4960)\n- si le champ = X → vers TEH (ID 5645)"
    )
    env.poll()
    later = bodies(env.board, second)[1]
    assert (
        "le centre CPH (ID 4960) figure aussi dans la carte « Migration des dossiers usagers - France Fraternités A » "
        "(https://trello.com/c/scard1), encore en cours" in later
    )
    assert "figure aussi" not in bodies(env.board, first)[1]


def test_cards_without_the_label_or_title_are_ignored(env):
    other = env.board.add_card("Bug d'affichage", "Le bouton « Exporter » ne s'affiche plus.", labelled=False)
    titled = env.board.add_card(
        "Migration des dossiers usagers - sans étiquette", RUNBOOK_TICKET, labelled=False
    )
    env.poll()
    assert env.board.comment_texts(other) == []
    assert env.board.list_of(titled) == "En attente validation PO"


def test_a_card_asked_for_its_label_starts_at_simulation_1_once_labelled(env):
    card = env.board.add_card("Migration CHU 75 vers CPH", RUNBOOK_TICKET, labelled=False)
    env.poll()
    [asked] = bodies(env.board, card)
    assert asked.startswith("🏷️ **Étiquette manquante**")
    env.board.add_label(card, LABEL_ID)
    env.poll()
    assert env.board.list_of(card) == "En attente validation PO"
    assert env.store.card(card).round == 1  # the ask was not a simulation
    marks = [text.rsplit("\n\n", 1)[1] for text in env.board.comment_texts(card)[1:]]
    assert marks and all(mark.startswith("migrabot · simulation n° 1 · ") for mark in marks), marks
    [workbook] = [a.name for a, _ in env.board.cards[card].attachments if a.name.endswith(".xlsx")]
    assert workbook.endswith("_simulation1.xlsx")
    env.poll()  # the label's comment is never written again
    assert bodies(env.board, card).count(asked) == 1


def test_an_idle_poll_costs_one_board_call(env):
    card = env.board.add_card(TITLE, RUNBOOK_TICKET)
    for index in range(50):
        env.board.add_card(f"Autre carte {index}", "rien", labelled=False)
    env.poll()
    env.board.calls.clear()
    env.poll()
    assert env.board.calls == [("open_cards",)]
    assert env.board.list_of(card) == "En attente validation PO"


def final_state(board: FakeBoard, card_id: str) -> tuple:
    return (
        bodies(board, card_id),
        [(a.name, data[:2]) for a, data in board.cards[card_id].attachments],  # xlsx embed their save time
        board.list_of(card_id),
    )


@pytest.mark.parametrize("scenario", ["valid", "invalid", "failure"])
def test_a_crash_after_any_side_effect_then_a_restart_ends_like_an_undisturbed_run(
    tmp_path, settings, scenario
):
    descriptions = {
        "valid": RUNBOOK_TICKET,
        "invalid": "Centre initial = CHU 75 (ID 4537)\n- si le champ = A → vers B\n",
        "failure": RUNBOOK_TICKET,
    }

    def prepare(env: Env) -> str:
        if scenario == "failure":
            env.console.failures[(4960, 5634)] = ConsoleResult(1, "", "[ERROR] Base indisponible.", 0.1)
        return env.board.add_card(TITLE, descriptions[scenario])

    reference_env = Env(tmp_path / "reference", settings)
    reference_card = prepare(reference_env)
    reference_env.poll()
    reference = final_state(reference_env.board, reference_card)
    effects = reference_env.board.side_effects
    assert effects >= 2

    for crash_at in range(1, effects + 1):
        env = Env(tmp_path / f"crash{crash_at}", settings)
        card = prepare(env)
        env.board.crash_after(crash_at)
        with pytest.raises(SimulatedCrash):
            env.poll()
        env.restart()
        env.poll()
        env.poll()
        assert final_state(env.board, card) == reference, f"crash after side effect {crash_at}"


def test_an_archived_card_no_longer_holds_its_centres(env):
    first = env.board.add_card(TITLE + " A", RUNBOOK_TICKET)
    env.poll()
    del env.board.cards[first]  # archived in Trello: gone from the open cards
    env.poll()
    assert env.store.card(first).state == "archived"
    second = env.board.add_card(
        TITLE + " B", "Centre initial = CPH (ID 4960)\n- si le champ = X → vers TEH (ID 5645)"
    )
    env.poll()
    assert "figure aussi" not in bodies(env.board, second)[1]


def test_a_stop_request_lets_the_card_in_hand_finish_and_leaves_the_others(env):
    first = env.board.add_card(TITLE + " A", RUNBOOK_TICKET)
    second = env.board.add_card(TITLE + " B", RUNBOOK_TICKET)
    run = env.console.run

    def run_then_stop(command):  # SIGTERM arrives while the first card's dry-runs run
        env.workflow.request_stop()
        return run(command)

    env.console.run = run_then_stop
    env.poll()
    assert env.board.list_of(first) == "En attente validation PO"  # finished, not cut in the middle
    assert env.board.list_of(second) == "À simuler" and env.board.comment_texts(second) == []


def test_a_flaky_trello_that_lets_each_attempt_get_further_never_parks_the_card(env):
    """Every other write fails (Trello's 5xx): each attempt journals a step more, so it is not stuck."""
    writes = iter(range(1000))

    def every_other_write(call: str) -> Exception | None:
        if call in ("comment", "attach", "move") and next(writes) % 2 == 0:
            return RuntimeError("HTTP 502")
        return None

    env.board.fail_next = every_other_write
    card = env.board.add_card(TITLE, RUNBOOK_TICKET)
    for _ in range(12):
        env.poll()
    assert env.board.list_of(card) == "En attente validation PO"
    assert env.store.card(card).attempts <= 1


def test_a_card_that_keeps_failing_stops_being_retried_until_a_person_moves_it(env):
    env.console.raise_for.add(4537)
    card = env.board.add_card(TITLE, RUNBOOK_TICKET)
    for _ in range(5):
        env.poll()
    assert env.store.card(card).attempts == 3  # then left alone: no dry-run storm on preprod
    env.console.raise_for.clear()
    env.board.edit(card, list_name="À corriger")
    env.poll()
    assert env.store.card(card).state == "abandoned"
    env.board.edit(card, list_name="À simuler")
    env.poll()
    assert env.board.list_of(card) == "En attente validation PO"
