"""What the bot says about rules whose dry-run finds no file, and the near-miss values that find some.

A zero-match rule is a problem of the card, not a figure: it stands first (card, Slack, Excel, terminal).
Plain text here; each channel escapes it as it escapes the synthesis (Markdown on Trello, mrkdwn on Slack).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.model import NearMiss, Simulation, VariantKind
from bot.domain.near_miss import best_near_miss, every_rule_finds_nothing, tried, zero_match_indexes
from bot.texts.french import french, plural, typeset
from bot.texts.markdown import escape_markdown
from bot.texts.text import plan_prefix, short_label

VARIANT_TEXT = {
    VariantKind.TRIMMED: "sans les espaces autour",
    VariantKind.SPACES_COLLAPSED: "avec des espaces simples",
    VariantKind.SPACE_ADDED: "avec espace",
    VariantKind.SPACE_REMOVED: "sans espace",
    VariantKind.UPPER: "en majuscules",
    VariantKind.TITLE: "avec une majuscule initiale",
    VariantKind.ACCENTS_ADDED: "avec accents",
    VariantKind.ACCENTS_REMOVED: "sans accents",
    VariantKind.PLAIN_TYPOGRAPHY: "en caractères simples",
    VariantKind.TYPOGRAPHIC: "avec apostrophe typographique",
    VariantKind.NO_BREAK_SPACES: "avec espaces insécables",
}


def rule_arrow(simulation: Simulation, index: int) -> str:
    """« CHU 75 → CHU 77 »: the centres' short names, as the synthesis writes them."""
    prefix = plan_prefix(simulation.plan)
    rule = simulation.plan.rules[index]
    origin = short_label(rule.origin, prefix).rsplit(" (ID", 1)[0]
    destination = short_label(rule.destination, prefix).rsplit(" (ID", 1)[0]
    return f"{origin} → {destination}"


def zero_match_line(simulation: Simulation, index: int) -> str:
    """« ⚠️ La règle 2 (CHU 75 → CHU 77, valeur « CHU77 ») ne trouve aucun dossier : la valeur doit être
    écrite exactement comme dans les dossiers. »"""
    rule = simulation.plan.rules[index]
    if rule.value is None:
        return french(
            "⚠️ La règle {number} ({arrow}, tous les dossiers) ne trouve aucun dossier : le centre d'origine "
            "n'en a aucun.",
            number=index + 1,
            arrow=rule_arrow(simulation, index),
        )
    return french(
        "⚠️ La règle {number} ({arrow}, valeur « {value} ») ne trouve aucun dossier : la valeur doit être écrite "
        "exactement comme dans les dossiers.",
        number=index + 1,
        arrow=rule_arrow(simulation, index),
        value=rule.value,
    )


def near_miss_line(miss: NearMiss) -> str:
    """« la valeur « CHU 77 » (avec espace) en trouve 41 : corrigez la carte si c'est celle-ci. »"""
    return french(
        "la valeur « {value} » ({how}) en trouve {found} : corrigez la carte si c'est celle-ci.",
        value=miss.value,
        how=VARIANT_TEXT[miss.kind],
        found=miss.found,
    )


def nothing_near_line(values: Sequence[NearMiss]) -> str:
    """« aucune des 2 variantes essayées (« TEH 2 » avec espace, « Teh2 » avec une majuscule initiale) n'en
    trouve non plus. »: each with how it differs (a no-break space looks like a space)."""
    quoted = ", ".join(
        french("« {value} » {how}", value=miss.value, how=VARIANT_TEXT[miss.kind]) for miss in values
    )
    if len(values) == 1:
        return french("la variante essayée ({quoted}) n'en trouve pas non plus.", quoted=quoted)
    return french(
        "aucune des {count} variantes essayées ({quoted}) n'en trouve non plus.",
        count=len(values),
        quoted=quoted,
    )


def rule_lines(simulation: Simulation, index: int) -> list[str]:
    """The rule's warning, then what its near misses found (nothing when none was tried)."""
    lines = [zero_match_line(simulation, index)]
    miss = best_near_miss(simulation, index)
    if miss is not None:
        lines.append(f"  - {near_miss_line(miss)}")
    elif values := tried(simulation, index):
        lines.append(f"  - {nothing_near_line(values)}")
    return lines


def zero_match_section(simulation: Simulation) -> str | None:
    """Every zero-match rule with its suggestion, for the head of the synthesis; None when there is none."""
    indexes = zero_match_indexes(simulation)
    if not indexes:
        return None
    return "\n".join(line for index in indexes for line in rule_lines(simulation, index))


def zero_match_count(simulation: Simulation) -> str | None:
    """« ⚠️ 1 règle sur 2 ne trouve aucun dossier : vérifiez-la avant de valider. » for the PO's request."""
    count = len(zero_match_indexes(simulation))
    if not count:
        return None
    total = len(simulation.plan.rules)
    return french(
        "⚠️ {count} sur {total} {verb} aucun dossier : {check} avant de valider (une règle peut être gardée "
        "exprès).",
        count=plural(count, "règle", "règles"),
        total=total,
        verb="ne trouve" if count < 2 else "ne trouvent",
        check="vérifiez-la" if count < 2 else "vérifiez-les",
    )


def with_zero_match_count(text: str, simulation: Simulation) -> str:
    """The card's synthesis when POs decide on Trello: the count just above how to answer (as on Slack)."""
    count = zero_match_count(simulation)
    return f"{text.rstrip()}\n\n{escape_markdown(count)}" if count else text


def zero_match_warnings(simulation: Simulation) -> list[str]:
    """One warning per zero-match rule, suggestion included: the Excel file's « Avertissements »."""
    return [
        " ".join(line.strip().removeprefix("- ") for line in rule_lines(simulation, index))
        for index in zero_match_indexes(simulation)
    ]


def nothing_found_comment(simulation: Simulation, *, fix_list: str, todo_list: str) -> str | None:
    """Every rule moves nobody: the card goes to « À corriger » with this instead of to the PO."""
    if not every_rule_finds_nothing(simulation):
        return None
    lines = [
        french(
            "⚠️ **Aucune règle ne trouve de dossier** ({count} en --dry-run sur la preprod) : rien n'a été envoyé "
            "au PO.",
            count=plural(len(simulation.runs), "commande", "commandes"),
        ),
        "",
        *(
            escape_markdown(line)
            for index in zero_match_indexes(simulation)
            for line in rule_lines(simulation, index)
        ),
        "",
        french(
            "La carte est déplacée dans « {fix_list} ». Corrigez la carte puis remettez-la dans « {todo_list} ».",
            fix_list=fix_list,
            todo_list=todo_list,
        ),
    ]
    return "\n".join(lines)


def nothing_to_do_line(number: int) -> str:
    """After execution: a rule that found nothing at the simulation had nothing to do; not an « OK »."""
    return typeset(
        f"ℹ️ La règle {number} ne trouvait déjà aucun dossier lors de la simulation : elle n'avait rien à faire."
    )


def with_zero_match(simulation: Simulation, synthesis_text: str) -> str:
    """The synthesis (`render_synthesis`) led by the zero-match rules: the first thing anyone reads."""
    section = zero_match_section(simulation)
    return f"{section}\n\n{synthesis_text}" if section else synthesis_text
