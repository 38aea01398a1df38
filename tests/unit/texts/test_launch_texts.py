"""PREPROD_APPLY's comments on a group that stopped at one command (failed, interrupted, stopped by the
setting), byte for byte: one shape for the three, no word of any of them changed by sharing it."""

from __future__ import annotations

from bot.texts import launch

COMMAND = 'php bin/console app:migrate-individuals-to-other-organization -o 4537 -d 5645 -t "TEH"'
FENCED = f"```\n{COMMAND}\n```"
N = "\u00a0"  # French typography's no-break space


def test_a_failed_command_quotes_the_console_then_says_what_to_do():
    text = launch.failed(group=1, position=2, total=4, command=COMMAND, said="Erreur : « TEH » introuvable")
    assert text == (
        f"❌ **Preprod — groupe 1{N}: la commande 2 sur 4 a échoué.** Le bot s'est arrêté là{N}: les commandes "
        f"suivantes n'ont pas été lancées.\n\n{FENCED}\n\nLa console a répondu{N}:\n\n"
        "```\nErreur : « TEH » introuvable\n```\n\n"  # the console's words untouched
        f"Le bot ne relance pas ce groupe. Corrigez et terminez à la main sur la preprod, puis cochez "
        f"«{N}Preprod — vérifier le groupe 1{N}»{N}: le bot vérifiera le groupe."
    )
    assert "```\n(aucune sortie)\n```" in launch.failed(
        group=1, position=1, total=1, command=COMMAND, said=""
    )


def test_an_interrupted_command_is_never_run_again_by_the_bot():
    assert launch.interrupted(group=2, position=3, total=5, command=COMMAND) == (
        f"🚨 **Preprod — groupe 2{N}: la commande 3 sur 5 a été interrompue** (arrêt du bot ou connexion perdue "
        f"pendant son exécution).\n\n{FENCED}\n\n"
        f"Le bot ne relance jamais de lui-même une commande interrompue{N}: elle a pu migrer une partie des "
        "dossiers. Vérifiez sur la preprod ce qu'elle a fait, terminez le groupe à la main si besoin, puis "
        f"cochez «{N}Preprod — vérifier le groupe 2{N}»{N}: le bot vérifiera le groupe."
    )


def test_a_group_stopped_by_the_setting_names_the_command_it_did_not_run():
    assert launch.stopped_by_setting(group=1, position=2, total=4, command=COMMAND) == (
        f"⏸️ **Preprod — groupe 1 arrêté avant la commande 2 sur 4**{N}: le lancement par le bot a été "
        f"désactivé (PREPROD_APPLY). Cette commande et les suivantes n'ont pas été lancées{N}:\n\n{FENCED}\n\n"
        f"Terminez le groupe à la main, puis cochez «{N}Preprod — vérifier le groupe 1{N}»."
    )
