"""A rule that finds no file stands out, with the value that was probably meant (issue 20): the whole bot on
the sandbox (Trello and Slack over HTTP, the Reconnect console simulator as a process, exact comparisons)."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from sandbox.stack import TRELLO_PO, VALIDATION_CHANNEL
from tests.support.stack import start
from tests.support.text import plain

TYPO = ("Migration des dossiers usagers - CPH (faute de frappe)", "faute-de-frappe.txt")
NOTHING = ("Migration des dossiers usagers - CPH (aucun dossier)", "aucun-dossier.txt")
WARNING = (
    "⚠️ La règle 1 (CPH → CHU 77, valeur « CHU77 ») ne trouve aucun dossier : la valeur doit être écrite "
    "exactement comme dans les dossiers."
)
TO_CHECK = "⚠️ **À vérifier avant validation**"  # the verdict when a rule moves nobody
SUGGESTION = "la valeur « CHU 77 » (avec espace) en trouve 37 : corrigez la carte si c'est celle-ci."


def test_chu77_is_the_first_thing_on_the_card_in_slack_and_in_excel_with_chu_77_suggested(tmp_path):
    running = start(tmp_path, cards=(TYPO,), slack=True)
    try:
        running.poll()

        assert running.list_name("faute-de-frappe.txt") == "En attente validation PO"  # the PO may keep it
        synthesis = next(c for c in running.comments("faute-de-frappe.txt") if c.startswith(TO_CHECK))
        lines = synthesis.splitlines()
        assert lines[0].startswith(f"{TO_CHECK} : 2 commandes simulées")
        assert lines[2] == WARNING
        assert lines[3] == f"  - {SUGGESTION}"  # a nested list item
        assert "→ vers CHU 77 (ID 5644) : 0 migré | reste 180" in lines

        # the rule that moves nobody gets no accommodation check: only DAHAR's is run and shown
        comments = running.comments("faute-de-frappe.txt")
        assert comments[0] == (
            "⏳ Simulation en cours (2 commandes en --dry-run sur la preprod, "
            "et jusqu'à 2 pour la vérification des hébergements)…"
        )
        checked = [
            line for c in comments for line in c.splitlines() if "--withAccommodations --dry-run" in line
        ]
        assert checked and all('-t "DAHAR"' in line for line in checked), checked
        # the near-miss try is in the console outputs, titled as a try, its command in a code block
        details = plain("\n".join(c for c in comments if c.startswith("🔧 **Détails techniques**")))
        tried = details.split("**Valeur proche essayée pour la commande 1 (essai 1)** :\n", 1)[
            -1
        ].splitlines()
        assert tried[:3] == [
            "```",
            "php bin/console app:migrate-individuals-to-other-organization -o 4960 -d 5644 "
            '-f migration-des-donnees -t "CHU 77" --dry-run',
            "```",
        ]

        [request] = [
            m
            for m in running.stack.slack.messages(VALIDATION_CHANNEL[0])
            if "faute de frappe" in m["text"] and m.get("thread_ts") in (None, m["ts"])
        ]
        blocks = request["blocks"]
        actions = next(i for i, b in enumerate(blocks) if b["type"] == "actions")
        above = plain(blocks[actions - 1]["text"]["text"])
        above = (
            above if blocks[actions - 1]["type"] == "section" else plain(blocks[actions - 2]["text"]["text"])
        )
        assert above == (
            "⚠️ 1 règle sur 2 ne trouve aucun dossier : vérifiez-la avant de valider (une règle peut être "
            "gardée exprès)."
        )
        code = plain("\n".join(b["text"]["text"] for b in blocks if b["type"] == "section"))
        assert WARNING in code and SUGGESTION in code

        card = running.stack.cards["faute-de-frappe.txt"]
        [attachment] = running.trello.attachments(card)
        workbook = load_workbook(io.BytesIO(attachment["bytes"]))
        warnings = [
            plain(row[1]) for row in workbook["Avertissements"].iter_rows(min_row=2, values_only=True)
        ]
        assert warnings[0] == f"{WARNING} {SUGGESTION}"
        title_block = [
            plain(row[0] or "") for row in workbook["Synthèse"].iter_rows(max_row=6, values_only=True)
        ]
        assert (
            "⚠️ 1 règle sur 2 ne trouve aucun dossier : vérifiez-la avant de valider (une règle peut être "
            "gardée exprès). Voir « Avertissements »."
        ) in title_block
    finally:
        running.service.close()
        running.stack.stop()


def test_with_pos_on_trello_the_count_stands_just_above_how_to_answer(tmp_path):
    running = start(tmp_path, cards=(TYPO,), slack=False, trello_po_members=TRELLO_PO)
    try:
        running.poll()

        synthesis = next(c for c in running.comments("faute-de-frappe.txt") if c.startswith(TO_CHECK))
        *_, count, blank, help_line = synthesis.splitlines()
        assert count == (
            "⚠️ 1 règle sur 2 ne trouve aucun dossier : vérifiez-la avant de valider (une règle peut être "
            "gardée exprès)."
        )
        assert blank == "" and help_line.startswith(f"👉 @{TRELLO_PO}, la simulation est prête")
        assert synthesis.splitlines()[2] == WARNING
    finally:
        running.service.close()
        running.stack.stop()


def test_a_card_whose_only_rule_finds_nothing_goes_to_fix_instead_of_to_the_po(tmp_path):
    running = start(tmp_path, cards=(NOTHING,), slack=True)
    try:
        running.poll()

        assert running.list_name("aucun-dossier.txt") == "À corriger"
        comments = running.comments("aucun-dossier.txt")
        [told] = [c for c in comments if c.startswith("⚠️ **Aucune règle")]
        assert told.splitlines() == [
            "⚠️ **Aucune règle ne trouve de dossier** (1 commande en --dry-run sur la preprod) : rien n'a été "
            "envoyé au PO.",
            "",
            WARNING,
            f"  - {SUGGESTION}",
            "",
            "La carte est déplacée dans « À corriger ». Corrigez la carte puis remettez-la dans « À simuler ».",
        ]
        assert not any(c.startswith((TO_CHECK, "✅ **Prêt pour validation**")) for c in comments)
        assert not [
            m for m in running.stack.slack.messages(VALIDATION_CHANNEL[0]) if "aucun dossier" in m["text"]
        ]
        attachments = running.trello.attachments(running.stack.cards["aucun-dossier.txt"])
        assert not [a for a in attachments if a["name"].endswith(".xlsx")]
    finally:
        running.service.close()
        running.stack.stop()
