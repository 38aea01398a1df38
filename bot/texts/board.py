"""The board's names people see on Trello, as installed by default (each one is a setting: see bot/settings.py)."""

from __future__ import annotations

CARD_LABEL = "Migration des dossiers usagers"
LIST_TODO = "À simuler"
LIST_WAITING = "En attente validation PO"
LIST_FIX = "À corriger"
LIST_APPROVED = "Validé — à exécuter"
LIST_DONE = "Terminé"
