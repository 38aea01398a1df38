"""The ticket's errors and warnings in French: bot/domain/ticket.py says what is wrong (a kind, where, the
facts), this module says it to the person who wrote the card, with the expected form and an example."""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.model import Center, Notice, NoticeKind, Problem, ProblemKind, Rule
from bot.domain.ticket_reading import Reading, ReadingKind

EXAMPLE_ORIGIN = "Centre initial = France Fraternités - CHU 75 (ID 4537)"
EXAMPLE_RULE = "- lorsque le champ = CHU 77 → vers France Fraternités - CHU 77 (ID 5644)"
EXAMPLE_ALL = "- tous les dossiers → vers France Fraternités - CHU 77 (ID 5644)"
EXAMPLE_FIELD = "Champ : site-rattachement"
EXAMPLE_SWITCH = "Hébergements : oui"
EXAMPLE_DECISION = "Conflit hébergements : migrer quand même (ou : sans hébergements)"

# The example shown after a syntax error, by the form the line was heading for.
EXAMPLES = {
    "origin": f"{EXAMPLE_ORIGIN} - lorsque le champ = CHU 77 → vers France Fraternités - CHU 77 (ID 5644)",
    "all": EXAMPLE_ALL,
    "field": EXAMPLE_FIELD,
    "decision": EXAMPLE_DECISION,
    "switch": EXAMPLE_SWITCH,
    "rule": EXAMPLE_RULE,
}

_END_OF_RULE = "la fin de la ligne, une option (« , avec hébergements ») ou une autre règle après « - »"
_VALUE_THEN_ARROW = "la valeur du champ, puis une flèche « → vers » et le centre de destination"
_ARROW = "une flèche « → vers » suivie du centre de destination"
_CONDITION = "« lorsque le champ = … » ou « tous les dossiers »"
_OPTION = "« avec hébergements » ou « y compris supprimés »"

# What the grammar expected where a line stopped making sense, by terminal (bot/domain/ticket.py picks one).
EXPECTED_TERMINAL = {
    "_RPAR": "« ) » pour fermer la parenthèse des options",
    "NAME": "le nom du centre suivi de son identifiant, p. ex. « France Fraternités - CHU 77 (ID 5644) »",
    "ID_GROUP": "l'identifiant du centre entre parenthèses, p. ex. « (ID 5644) »",
    "_VALUE_OP": "« = », « : » ou « vaut » suivi de la valeur",
    "RAW_VALUE": _VALUE_THEN_ARROW,
    "QUOTED": _VALUE_THEN_ARROW,
    "ARROW": _ARROW,
    "VERS": _ARROW,
    "_CHAMP": "« le champ »",
    "_LE": "« le champ »",
    "COND_WORD": _CONDITION,
    "ALL_FILES": _CONDITION,
    "_SEP": _END_OF_RULE,
    "_LPAR": _END_OF_RULE,
    "$END": _END_OF_RULE,
    "ACCOMMODATIONS": _OPTION,
    "DELETED": _OPTION,
    "YES_NO": "« oui » ou « non »",
    "DECISION": "« migrer quand même » ou « sans hébergements »",
    "SLUG": "le nom du champ, p. ex. « site-rattachement »",
    "_ASSIGN": "« = » ou « : »",
}

_ID_EXPECTED = "l'identifiant numérique entre parenthèses, p. ex. « (ID 4537) »"

_MESSAGES: dict[ProblemKind, Callable[[dict], str]] = {
    ProblemKind.NO_RULES: lambda p: "aucune règle de migration trouvée dans le ticket",
    ProblemKind.RULE_WITHOUT_ORIGIN: lambda p: "règle sans centre d'origine",
    ProblemKind.MISSING_ID: lambda p: "identifiant du centre manquant",
    ProblemKind.NON_NUMERIC_ID: lambda p: f"identifiant du centre non numérique : « {p['written']} »",
    ProblemKind.NON_ASCII_DIGITS: lambda p: (
        f"identifiant du centre écrit avec d'autres chiffres que 0 à 9 : « {p['written']} »"
    ),
    ProblemKind.INVALID_ID: lambda p: f"identifiant du centre invalide : « {p['written']} »",
    ProblemKind.TWO_ID_GROUPS: lambda p: f"deux identifiants pour un seul centre : « {p['written']} »",
    ProblemKind.AMBIGUOUS_NAME: lambda p: (
        f"valeur ou nom ambigu : « {p['name']} » contient une flèche ou « vers »"
    ),
    ProblemKind.EMPTY_VALUE: lambda p: "valeur vide",
    ProblemKind.CONTROL_CHARACTER: lambda p: "caractère de contrôle dans la valeur",
    ProblemKind.DOUBLED_OPERATOR: lambda p: f"opérateur en double devant la valeur : « {p['value']} »",
    ProblemKind.OPTIONS_IN_VALUE: lambda p: f"options collées à la valeur : « {p['value']} »",
    ProblemKind.SECOND_CONDITION: lambda p: f"deux conditions dans une seule valeur : « {p['value']} »",
    ProblemKind.INVALID_FIELD: lambda p: f"nom de champ invalide : « {p['slug']} »",
    ProblemKind.TWO_FIELDS: lambda p: (
        f"deux champs différents pour tout le ticket : « {p['first']} » (ligne {p['first_line']}) "
        f"et « {p['second']} »"
    ),
    ProblemKind.SAME_CENTRE: lambda p: (
        f"le centre d'origine et le centre de destination sont le même (ID {p['origin']})"
    ),
    ProblemKind.TWO_DESTINATIONS: lambda p: (
        (
            f"tous les dossiers du centre {p['origin']} sont déjà envoyés"
            if p["value"] is None
            else f"les dossiers « {p['value']} » du centre {p['origin']} sont déjà envoyés"
        )
        + f" vers le centre {p['destination']} (ligne {p['earlier_line']}) : un dossier ne peut aller qu'à un endroit"
    ),
    ProblemKind.OTHER_OPTIONS: lambda p: f"règle déjà donnée ligne {p['earlier_line']} avec d'autres options",
    ProblemKind.ALL_FILES_MIXED: lambda p: (
        f"« tous les dossiers » du centre {p['origin']} ne peut pas être combiné avec d'autres règles "
        f"du même centre (ligne {p['other_line']})"
    ),
    ProblemKind.DIRECTION_MARK: lambda p: (
        f"marque de direction invisible dans la ligne ({', '.join(p['marks'])}) : "
        "elle peut changer l'ordre dans lequel le texte s'affiche"
    ),
    ProblemKind.INVISIBLE_CHARACTER: lambda p: (
        f"caractère invisible dans la ligne ({', '.join(p['marks'])}) : "
        "il peut cacher du texte ou faire se ressembler deux valeurs différentes"
    ),
    ProblemKind.TYPO: lambda p: f"« {p['written']} » non compris : vouliez-vous dire « {p['suggestion']} » ?",
    ProblemKind.NUMBER_WITHOUT_ID: lambda p: (
        f"« ({p['number']}) » : le numéro du centre doit être écrit « (ID {p['number']}) »"
    ),
    ProblemKind.ORIGIN_IN_PROSE: lambda p: "centre d'origine écrit comme une phrase",
    ProblemKind.TOO_MANY_RULES: lambda p: (
        f"trop de règles : {p['count']} sur cette carte, au plus {p['limit']} par carte "
        "(réglage MAX_RULES_PER_CARD) ; découpez la migration en plusieurs cartes"
    ),
    ProblemKind.MARKED_LINE: lambda p: f"ligne encore marquée « {MARK} » par le bot",
    ProblemKind.PLACEHOLDER: lambda p: (
        f"cellule « {p['cell']} » vide : la règle n'est pas complète"
        if p.get("cell")
        else f"« {p['written']} » n'est pas une valeur : la règle attend d'être complétée"
    ),
    ProblemKind.MISSING_ARROW: lambda p: "flèche manquante après la valeur",
    ProblemKind.INCOMPLETE_LINE: lambda p: "ligne incomplète",
    ProblemKind.UNEXPECTED: lambda p: f"« {p['found']} » inattendu ici",
}

_EXPECTED: dict[ProblemKind, Callable[[dict], str]] = {
    ProblemKind.NO_RULES: lambda p: f"une ligne « {EXAMPLE_ORIGIN} » suivie de règles « {EXAMPLE_RULE} »",
    ProblemKind.RULE_WITHOUT_ORIGIN: lambda p: (
        f"une ligne « {EXAMPLE_ORIGIN} » avant les règles de ce centre"
    ),
    ProblemKind.MISSING_ID: lambda p: _ID_EXPECTED,
    ProblemKind.NON_NUMERIC_ID: lambda p: _ID_EXPECTED,
    ProblemKind.NON_ASCII_DIGITS: lambda p: "l'identifiant en chiffres de 0 à 9, p. ex. « (ID 4537) »",
    ProblemKind.INVALID_ID: lambda p: "un identifiant entre 1 et 2147483647, p. ex. « (ID 4537) »",
    ProblemKind.TWO_ID_GROUPS: lambda p: (
        "un seul identifiant après le centre de destination, p. ex. « (ID 5644) »"
    ),
    ProblemKind.AMBIGUOUS_NAME: lambda p: (
        "la valeur entre guillemets quand elle contient « vers » ou une flèche, "
        "p. ex. « lorsque le champ = « Le Clos vers la mer » → vers Foyer (ID 12) »"
    ),
    ProblemKind.EMPTY_VALUE: lambda p: (
        f"la valeur du champ telle qu'elle est saisie dans les dossiers, p. ex. « {EXAMPLE_RULE} »"
    ),
    ProblemKind.CONTROL_CHARACTER: lambda p: "une valeur lisible, sans caractère invisible de contrôle",
    ProblemKind.DOUBLED_OPERATOR: lambda p: (
        "un seul « = », « : » ou « vaut » entre le champ et la valeur, p. ex. « lorsque le champ vaut CHU 77 → … »"
    ),
    ProblemKind.OPTIONS_IN_VALUE: lambda p: (
        "les options après le centre de destination, p. ex. « … → vers CHU 77 (ID 5644), avec hébergements »"
    ),
    ProblemKind.SECOND_CONDITION: lambda p: (
        "une règle par valeur, chacune sur sa ligne, p. ex. « - lorsque le champ = A1 → vers … » puis "
        "« - lorsque le champ = A2 → vers … » ; une valeur qui contient vraiment ces mots s'écrit entre guillemets"
    ),
    ProblemKind.INVALID_FIELD: lambda p: (
        "un identifiant de champ en minuscules, chiffres et tirets, p. ex. « site-rattachement »"
    ),
    ProblemKind.TWO_FIELDS: lambda p: "une seule ligne « Champ : … », ou le champ nommé dans chaque règle",
    ProblemKind.SAME_CENTRE: lambda p: "un centre de destination différent du centre d'origine",
    ProblemKind.TWO_DESTINATIONS: lambda p: "une seule destination par valeur et par centre d'origine",
    ProblemKind.OTHER_OPTIONS: lambda p: "une seule règle par valeur, avec toutes ses options",
    ProblemKind.ALL_FILES_MIXED: lambda p: (
        "soit « tous les dossiers → … », soit des règles « lorsque le champ = … »"
    ),
    ProblemKind.DIRECTION_MARK: lambda p: (
        "la ligne sans marque de direction (U+200E, U+200F, U+061C, U+202A à U+202E, U+2066 à U+2069) : "
        "retapez-la ou collez-la en texte brut"
    ),
    ProblemKind.INVISIBLE_CHARACTER: lambda p: (
        "la ligne sans caractère invisible (U+E0000 à U+E007F, U+FE00 à U+FE0F, U+3164, U+115F, U+1160, "
        "U+FFA0, U+200D hors émoji) : retapez-la ou collez-la en texte brut"
    ),
    ProblemKind.TYPO: lambda p: f"« {p['suggestion']} », p. ex. « {EXAMPLES[p.get('example', 'rule')]} »",
    ProblemKind.NUMBER_WITHOUT_ID: lambda p: f"« (ID {p['number']}) », p. ex. « → vers CHU 77 (ID 5644) »",
    ProblemKind.ORIGIN_IN_PROSE: lambda p: f"« Centre d'origine : {p['name']} (ID {p['number']}) »",
    ProblemKind.MARKED_LINE: lambda p: "la ligne qui suit corrigée, et cette ligne de marque supprimée",
    ProblemKind.PLACEHOLDER: lambda p: (
        "la valeur exacte telle qu'elle est saisie dans les dossiers, et l'identifiant numérique du centre ; "
        "tant qu'ils ne sont pas connus, laissez la règle hors de la carte"
    ),
}


# Syntax errors say what the grammar expected where the line stopped making sense, with an example.
_SYNTAX_HINTED = frozenset(
    {
        ProblemKind.EMPTY_VALUE,
        ProblemKind.MISSING_ID,
        ProblemKind.MISSING_ARROW,
        ProblemKind.INCOMPLETE_LINE,
        ProblemKind.UNEXPECTED,
    }
)


def problem_message(problem: Problem) -> str:
    """What is wrong, e.g. « identifiant du centre manquant »."""
    return _MESSAGES[problem.kind](problem.params)


def problem_expected(problem: Problem) -> str | None:
    """The right form, with an example."""
    if "example" in problem.params and problem.kind in _SYNTAX_HINTED:  # the form the line was heading for
        hint = EXPECTED_TERMINAL.get(problem.params.get("expected") or "", "une règle complète")
        return f"{hint}. Exemple : « {EXAMPLES[problem.params['example']]} »"
    expected = _EXPECTED.get(problem.kind)
    return expected(problem.params) if expected else None


_NOTICES: dict[NoticeKind, Callable[[dict], str]] = {
    NoticeKind.NO_BREAK_SPACE: lambda p: (
        f"espace insécable remplacée par une espace ordinaire dans la valeur « {p['value']} »"
    ),
    NoticeKind.INVISIBLE_REMOVED: lambda p: (
        f"caractère invisible retiré de la valeur « {p['value']} » (espace sans largeur, trait d'union conditionnel)"
    ),
    NoticeKind.NAME_DIFFERS: lambda p: (
        f"le centre {p['id']} est nommé « {p['name']} » ici et « {p['known']} » plus haut"
    ),
    NoticeKind.ORIGIN_WITHOUT_RULES: lambda p: (
        f"le centre initial {p['origin'].label()} n'a aucune règle : rien ne partira de ce bloc"
    ),
    NoticeKind.DUPLICATE: lambda p: (
        f"règle en double de la ligne {p['earlier_line']} : gardée une seule fois"
    ),
    NoticeKind.MOVES_TWICE: lambda p: (
        f"les dossiers « {p['value']} » envoyés du centre {p['origin']} vers le centre {p['destination']} "
        f"seraient repris par la règle de la ligne {p['other_line']} vers le centre {p['other_destination']} : "
        "ils bougeraient deux fois"
    ),
    NoticeKind.NOT_UNDERSTOOD: lambda p: (
        f"consigne non comprise : « {p['text']} » — la migration n'en tiendra pas compte ; "
        "écrivez-la comme une règle ou une option si elle doit s'appliquer"
    ),
    NoticeKind.LINES_JOINED: lambda p: (
        f"lignes {_numbers(p['lines'])} lues comme une seule règle coupée par le retour à la ligne : « {p['text']} »"
    ),
    NoticeKind.ONE_VALUE_PER_RULE: lambda p: (
        f"une seule valeur par règle : « {p['value']} » sera cherchée telle quelle"
    ),
}


def _numbers(numbers: tuple[int, ...]) -> str:
    """« 4 et 5 », « 4, 5 et 6 »."""
    written = [str(number) for number in numbers]
    return ", ".join(written[:-1]) + " et " + written[-1] if len(written) > 1 else "".join(written)


def notice_message(notice: Notice) -> str:
    return _NOTICES[notice.kind](notice.params)


# --- the bot's reading of a refused card, ready to paste back --------------------------------------------

MARK = "⛔ À CORRIGER"  # bot/domain/ticket.py refuses a line that still starts with it (MARKED)
_QUOTE_PAIRS = (("« ", " »"), ("“", "”"), ('"', '"'), ("‘", "’"))


def canonical_origin(origin: Center) -> str:
    return f"Centre initial = {origin.name + ' ' if origin.name else ''}(ID {origin.id})"


def canonical_rule(rule: Rule, *, default_field: str, explicit_no_accommodations: bool = False) -> str:
    """The rule in the ticket language's one canonical form: the value quoted (kept exactly), every option
    said, the field named when it is not the default."""
    if rule.no_field:
        condition = "tous les dossiers"
    else:
        value = rule.value or ""
        # « … » give their inner spaces to the typography: a value with spaces at its edges takes a pair
        # that keeps them (an exact value is the runbook's main risk).
        pairs = _QUOTE_PAIRS[1:] if value != value.strip() else _QUOTE_PAIRS
        opening, closing = next(
            (pair for pair in pairs if pair[0].strip() not in value and pair[1].strip() not in value),
            ("", ""),
        )
        field = f" « {rule.field} »" if rule.field != default_field else ""
        condition = f"lorsque le champ{field} = {opening}{value}{closing}"
    options = []
    if rule.with_accommodations:
        options.append("avec hébergements")
    elif explicit_no_accommodations:
        options.append("sans hébergements")
    if rule.with_deleted:
        options.append("y compris supprimés")
    destination = rule.destination
    name = f"{destination.name} " if destination.name else ""
    return f"- {condition} → vers {name}(ID {destination.id})" + "".join(f", {o}" for o in options)


def reading_text(reading: Reading, *, default_field: str) -> str:
    """The card as the bot read it: canonical rules, each unread line after a mark that says why."""
    lines = []
    for entry in reading.lines:
        if entry.kind is ReadingKind.ORIGIN and entry.origin is not None:
            lines.append(canonical_origin(entry.origin))
        elif entry.kind is ReadingKind.RULE and entry.rule is not None:
            lines.append(
                canonical_rule(
                    entry.rule,
                    default_field=default_field,
                    explicit_no_accommodations=reading.options_as_written,
                )
            )
        elif entry.kind is ReadingKind.AS_WRITTEN:
            lines.append(entry.text)
        elif entry.kind is ReadingKind.UNREAD and entry.line is not None:
            reasons = " ; ".join(problem_message(problem) for problem in entry.problems)
            lines += [f"{MARK} (ligne {entry.line}) : {reasons}", entry.text]
    return "\n".join(lines)
