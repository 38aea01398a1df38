"""What the bot writes on a Trello card (Markdown), chosen by outcome. Exact texts, tested as such.

Each comment ends with one short plain line, the same as the card's short fingerprint shown everywhere
(« migrabot · simulation n° 2 · empreinte 3f2a9c1d »): after a crash between posting and journaling, the bot
finds its own comment (its author, that line, the same first line, not journaled yet) instead of posting it
twice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.domain.console_output import keep_ends
from bot.domain.instances import HOST_CHARACTERS, Instance
from bot.domain.model import AccommodationConflict, DryRun, Notice, Plan, Problem, ProblemKind, Simulation
from bot.domain.names import inert
from bot.domain.records import RequestKind
from bot.domain.synthesis import Synthesis
from bot.texts.console import kept_cut
from bot.texts.french import french, plural, typeset
from bot.texts.markdown import (
    code_span,
    escape_markdown,
    escape_mrkdwn,
    fenced,
    markdown_link,
    mrkdwn_link,
)
from bot.texts.text import (
    ACCOMMODATION_CHECK,
    FENCE,
    conflict_table,
    crossing_instruction,
    crossing_pairs,
    describe_notice,
    render_accommodations,
    render_commands,
    render_projection,
    render_synthesis,
    shared_prefix,
    short_fingerprint,
    short_label,
    write_decision,
)
from bot.texts.ticket import MARK, problem_expected, problem_message
from bot.texts.zero_match import with_zero_match, zero_match_count

TRELLO_COMMENT_LIMIT = 16384
ATTACHMENT_MAX_CHARS = 4_000_000  # the outputs' attached file: each section gets its share
MARKER_PREFIX = "migrabot · "


def marker(*, round_: int, description_hash: str, instance: Instance | None = None) -> str:
    """The round's line; with `instance`, the instance that writes it (how another one on the board is seen).
    Without it: the line of the releases before instances, still recognised on cards in flight."""
    line = f"{MARKER_PREFIX}simulation n° {round_} · empreinte {short_fingerprint(description_hash)}"
    if instance is None:
        return line
    since = datetime.fromtimestamp(instance.since, UTC).strftime(_SINCE_FORMAT)
    return f"{line} · instance {instance.id} ({instance.host}, depuis {since})"


_SINCE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_MARK = re.compile(
    rf"{MARKER_PREFIX}simulation n° \d+ · empreinte [0-9a-f]{{8}} · instance (?P<id>[0-9a-f]{{8}}) "
    rf"\((?P<host>{HOST_CHARACTERS.pattern}), depuis (?P<since>\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\dZ)\)"
)


def marked_by(text: str) -> Instance | None:
    """The instance named by the mark on the last line of one of the bot's comments (None: no such line)."""
    lines = text.rstrip().rsplit("\n", 1)
    found = _MARK.fullmatch(lines[-1].strip())
    if found is None:
        return None
    since = datetime.strptime(found["since"], _SINCE_FORMAT).replace(tzinfo=UTC)
    return Instance(id=found["id"], host=found["host"], since=int(since.timestamp()))


def with_marker(text: str, marker_text: str) -> str:
    return f"{text.rstrip()}\n\n{marker_text}"


def is_marked_copy(text: str, *, marker_text: str, of: str, instance_id: str = "") -> bool:
    """`text` is `of` as the bot posted it: it starts with the same line and ends with the round's line —
    as written before marks named their instance, or naming `instance_id` (whatever host and date follow:
    a PostgreSQL replica, or a renamed instance, resumes what another process of the same state posted)."""
    if text.split("\n", 1)[0] != of.split("\n", 1)[0]:
        return False
    last = text.rstrip().rsplit("\n", 1)[-1]
    if last == marker_text:
        return True
    by = marked_by(text)
    return (
        bool(instance_id) and by is not None and by.id == instance_id and last.startswith(f"{marker_text} · ")
    )


# --- outcomes --------------------------------------------------------------------------------------


def ticket_errors_comment(
    errors: Sequence[Problem], warnings: Sequence[Notice], *, fix_list: str, todo_list: str, reading: str = ""
) -> str:
    """The errors, then the bot's reading ready to paste back (bot/texts/ticket.py `reading_text`)."""
    lines = [
        french(
            "❌ **Ticket non compris** : {errors}, aucune commande n'a été lancée.",
            errors=plural(len(errors), "erreur", "erreurs"),
        ),
        "",
    ]
    for error in errors:
        where = ", ".join(
            part
            for part in (
                f"ligne {error.line}" if error.line is not None else "",
                f"colonne {error.column}" if error.column is not None else "",
            )
            if part
        )
        lines.append(
            french(
                "- **{where}** : {message}",
                where=where.capitalize() or "Ticket",
                message=escape_markdown(problem_message(error)),
            )
        )
        if error.source:
            lines.append(f"  {code_span(error.source)}")
        if expected := problem_expected(error):
            lines.append(french("  Attendu : {expected}", expected=expected))
    if warnings:
        lines += ["", typeset("Avertissements :"), *(f"- {describe_notice(w)}" for w in warnings)]
    if reading:
        lines += [
            "",
            french(
                "Ce que le bot a lu, prêt à recoller dans la description : les règles comprises y sont écrites "
                "sous leur forme canonique, et chaque ligne non comprise suit une ligne « {mark} » qui dit "
                "pourquoi. Corrigez ces lignes, supprimez les marques, puis recollez le bloc.",
                mark=MARK,
            ),
            "",
            *fenced(reading),
        ]
    lines += [
        "",
        french(
            "La carte est déplacée dans « {fix_list} ». Corrigez la description puis remettez-la dans « {todo_list} ».",
            fix_list=fix_list,
            todo_list=todo_list,
        ),
    ]
    return "\n".join(lines)


def started_comment(command_count: int, *, check_count: int = 0) -> str:
    return (
        f"⏳ Simulation en cours ({plural(command_count, 'commande', 'commandes')} en --dry-run sur la preprod"
        f"{_checks_counted(check_count)})…"
    )


def deferred_comment(*, needed: int, ran: int, budget: int) -> str:
    """A card put off to the next poll: the other cards used this poll's dry-runs."""
    return french(
        "⏳ En attente : {ran} déjà lancés à ce passage du bot (au plus {budget} par passage, réglage "
        "DRY_RUNS_PER_POLL). Cette carte ({needed}) sera simulée au prochain passage ; rien à faire.",
        ran=plural(ran, "dry-run", "dry-runs"),
        budget=budget,
        needed=plural(needed, "dry-run", "dry-runs"),
    )


def _checks_counted(check_count: int) -> str:
    """« , et jusqu'à 8 pour la vérification des hébergements »: the accommodation check's dry-runs, at most
    (a rule that finds no file, known only once it has run, is not checked)."""
    return f", et jusqu'à {check_count} pour la {ACCOMMODATION_CHECK}" if check_count else ""


def synthesis_comment(
    simulation: Simulation,
    synthesis: Synthesis,
    *,
    warnings: Sequence[Notice | str],
    po_usernames: Sequence[str] = (),
    drive_note: str = "",
) -> str:
    """What the PO reads first, in ten seconds: the verdict, the runbook's format A, the warnings (rules that
    move nobody first), then what to do. The commands, the projection and the console outputs follow in
    « Détails techniques »."""
    body = with_zero_match(
        simulation, render_synthesis(simulation, synthesis, ticket_warnings=warnings, brief=True)
    )
    lines = [
        ready_line(len(simulation.runs), blocked=zero_match_count(simulation) is not None),
        "",
        escape_markdown(body.rstrip()),
    ]
    if drive_note:
        lines += ["", drive_note]
    if po_usernames and (count := zero_match_count(simulation)):  # just above how to answer, as on Slack
        lines += ["", escape_markdown(count)]
    return "\n".join([*lines, "", call_to_action(po_usernames)])


def ready_line(count: int, *, blocked: bool = False) -> str:
    """The verdict: ready for the PO, or what to check first (rules that move nobody)."""
    verdict = "⚠️ **À vérifier avant validation**" if blocked else "✅ **Prêt pour validation**"
    return french(
        "{verdict} : {count} sur la preprod, rien n'a été modifié.",
        verdict=verdict,
        count=plural(count, "commande simulée", "commandes simulées"),
    )


def details_sections(simulation: Simulation, synthesis: Synthesis) -> list[list[str]]:
    """The lead of « Détails techniques »: the dry-run commands, the accommodation check's, the detail of the
    accommodations and the projection; each command's output follows, headed by its number."""
    commands = [typeset("**Commandes simulées** (en --dry-run) :"), *fenced(_numbered(simulation.runs))]
    sections = [commands]
    checks = check_commands_section(simulation.accommodation_checks or ())
    if checks:
        sections.append(checks[1:])
    sections.append(escape_markdown(render_accommodations(simulation)).splitlines())
    sections.append(escape_markdown(render_projection(synthesis)).splitlines())
    return sections


def _numbered(runs: Sequence[DryRun]) -> str:
    return "\n".join(f"# {run.rule_index + 1}\n{run.command}" for run in runs)


def check_commands_section(checks: Sequence[DryRun]) -> list[str]:
    """The accommodation check's commands, apart: they only measure, the final commands stay the ticket's."""
    if not checks:
        return []
    return [
        "",
        typeset(
            "**Vérification des hébergements** (mêmes commandes avec --withAccommodations, en --dry-run "
            "seulement ; les commandes finales n'en auront pas)"
        ),
        *fenced("\n".join(check.command for check in checks)),
    ]


def mentions(usernames: Sequence[str]) -> str:
    return " ".join(f"@{name}" for name in usernames)


TRELLO_HOW_TO_DECIDE = typeset(
    "répondez sur cette carte « validé » (ou « ok », « go ») pour valider, ou « refusé : » suivi de la raison "
    "pour refuser."
)
SLACK_HOW_TO_DECIDE = typeset(
    "👉 Décision du PO attendue sur Slack : boutons « Valider » ou « Refuser » de la demande, ou réponse dans son fil."
)


def call_to_action(po_usernames: Sequence[str]) -> str:
    """The last words of the synthesis: the POs on Trello by @mention; otherwise where the PO decides."""
    return trello_decision_help(po_usernames) if po_usernames else SLACK_HOW_TO_DECIDE


def trello_decision_help(po_usernames: Sequence[str]) -> str:
    return french(
        "👉 {who}, la simulation est prête : {how}", who=mentions(po_usernames), how=TRELLO_HOW_TO_DECIDE
    )


def trello_reminder(po_usernames: Sequence[str], *, hours: int) -> str:
    return french(
        "⏰ Rappel : {who}, cette carte attend une décision depuis {hours} h. Pour décider, {how}",
        who=mentions(po_usernames),
        hours=hours,
        how=TRELLO_HOW_TO_DECIDE,
    )


def too_many_rules(count: int, *, limit: int) -> Problem:
    return Problem(ProblemKind.TOO_MANY_RULES, params={"count": count, "limit": limit})


NOT_RUN = typeset("non lancée : la simulation s'est arrêtée après des échecs répétés de la console")


def not_run_line(numbers: Sequence[int], *, after: int) -> str:
    """One line for every command a stopped round did not run (numbers from 1)."""
    count = plural(len(numbers), "commande non lancée", "commandes non lancées")
    return french(
        "⏹️ {count} (n° {numbers}) : la console a échoué {after} fois de suite sans pouvoir "
        "s'exécuter (lancement impossible, connexion SSH refusée ou délai dépassé) ; la simulation s'est arrêtée "
        "là pour ne pas insister sur la preprod.",
        count=count,
        numbers=number_ranges(numbers),
        after=after,
    )


def number_ranges(numbers: Sequence[int]) -> str:
    """[4, 5, 6, 9] → « 4 à 6, 9 »."""
    spans: list[list[int]] = []
    for number in sorted(numbers):
        if spans and number == spans[-1][1] + 1:
            spans[-1][1] = number
        else:
            spans.append([number, number])
    return ", ".join(str(a) if a == b else f"{a} à {b}" for a, b in spans)


def failure_comment(simulation: Simulation, *, fix_list: str, todo_list: str, stopped_after: int = 3) -> str:
    failed = [run for run in simulation.failed_runs if not run.not_run]
    not_run = [run.rule_index + 1 for run in simulation.failed_runs if run.not_run]
    lines = [
        french(
            "⚠️ **La simulation a échoué** ({failed} en erreur) : rien n'a été envoyé au PO.",
            failed=plural(len(failed), "commande", "commandes"),
        ),
        "",
    ]
    for run in failed:
        number = run.rule_index + 1
        error = escape_markdown(run.error or "sortie illisible")
        lines += [french("**Commande {number}** :", number=number), *fenced(run.command), f"> {error}", ""]
    if not_run:
        lines += [not_run_line(not_run, after=stopped_after), ""]
    lines.append(
        french(
            "La carte est déplacée dans « {fix_list} ». Corrigez la carte (ou la preprod) puis remettez-la dans « {todo_list} ».",
            fix_list=fix_list,
            todo_list=todo_list,
        )
    )
    return "\n".join(lines)


def conflict_comment(
    conflicts: Sequence[tuple[int, AccommodationConflict]], *, to_migrate: int, slack: bool = True
) -> str:
    how = typeset(
        "Pour décider : le bouton dans Slack, ou ici, sur la carte : ajoutez à sa description la ligne "
        if slack
        else "Pour décider, l'équipe répond ici, sur la carte : ajoutez à sa description la ligne "
    )
    table = conflict_table([conflict for _, conflict in conflicts])
    return "\n".join(
        [
            typeset("🏠 **Conflit d'hébergements** : une décision est nécessaire avant la validation PO."),
            "",
            french(
                "{to_migrate} ; {conflicts} entre des dossiers migrés et des dossiers qui restent :",
                to_migrate=plural(to_migrate, "hébergement à migrer", "hébergements à migrer"),
                conflicts=plural(len(conflicts), "hébergement partagé", "hébergements partagés"),
            ),
            FENCE,
            *table,
            FENCE,
            typeset("Deux décisions possibles :"),
            typeset(
                "1. **Migrer l'hébergement quand même** (garder --withAccommodations) : les dossiers non migrés se "
                "retrouveront sans hébergement dans le centre d'origine."
            ),
            typeset(
                "2. **Sans hébergements** (retirer --withAccommodations des règles concernées) : les hébergements seront "
                "traités à la main."
            ),
            "",
            write_decision(how),
        ]
    )


def obsolete_comment(
    *, old_fingerprint: str, new_fingerprint: str, kind: RequestKind, todo_list: str, moved: bool
) -> str:
    """`kind`: « approval » (the PO's request) or « conflict » (the team's); `moved`: back to « À simuler »."""
    what = (
        "la demande de décision sur le conflit d'hébergements"
        if kind is RequestKind.CONFLICT
        else "la demande de validation"
    )
    then = (
        french("La carte revient dans « {todo_list} » pour une nouvelle simulation.", todo_list=todo_list)
        if moved
        else french(
            "Une fois la correction finie, remettez la carte dans « {todo_list} » pour une nouvelle simulation.",
            todo_list=todo_list,
        )
    )
    return french(
        "🔄 La description a changé depuis la simulation (empreinte {old_fingerprint} → {new_fingerprint}) : {what} en cours est **obsolète**. {then}",
        old_fingerprint=short_fingerprint(old_fingerprint),
        new_fingerprint=short_fingerprint(new_fingerprint),
        what=what,
        then=then,
    )


def internal_error_comment(error_type: str) -> str:
    return french(
        "🐞 **Erreur interne de migrabot** sur cette carte ({error_type}). Ce n'est pas une erreur du ticket : les détails sont dans le journal du bot, et la carte sera reprise au prochain passage.",
        error_type=error_type,
    )


def lock_warning(*, centre: str, other_name: str, other_url: str) -> str:
    return french(
        "le centre {centre} figure aussi dans la carte « {other_name} » ({other_url}), encore en cours : les chiffres de l'une changeront quand l'autre sera exécutée",
        centre=centre,
        other_name=other_name,
        other_url=other_url,
    )


# --- long texts ------------------------------------------------------------------------------------


def split_comment(text: str, *, limit: int = TRELLO_COMMENT_LIMIT - 200) -> list[str]:
    """Trello caps a comment: split on line boundaries, closing and reopening code blocks; never cut a line
    unless it alone exceeds the cap (then it is cut into pieces, each on its own line, nothing dropped)."""
    lines: list[str] = []
    for line in text.splitlines():
        while len(line) > limit // 2:
            lines.append(line[: limit // 2])
            line = line[limit // 2 :]
        lines.append(line)
    return _pack([lines], limit=limit)


# --- raw outputs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutputsPlan:
    """Raw console outputs: in comments split on line boundaries, or one text file when too long."""

    comments: tuple[str, ...]
    attachment: bytes | None


OUTPUTS_TITLE = "📄 **Sorties de la console**"
DETAILS_TITLE = "🔧 **Détails techniques**"


def outputs_plan(
    runs: Sequence[DryRun],
    *,
    checks: Sequence[DryRun] = (),
    tries: Sequence[DryRun] = (),
    lead: Sequence[list[str]] = (),
    title: str = OUTPUTS_TITLE,
    limit: int = TRELLO_COMMENT_LIMIT - 200,
    max_comments: int = 3,
) -> OutputsPlan:
    """`checks`: the accommodation check's dry-runs, after the rules' own, each labelled as such; `tries`:
    the near-miss dry-runs (variants of a value that found no file), last, labelled as tries; `lead`:
    sections before the outputs (« Détails techniques »). A section is never cut unless it alone is too long;
    then each part starts with its heading again, and no part ends on an empty code block."""
    titled = [(run, _command_title(run)) for run in runs] + [(c, _check_title(c)) for c in checks]
    titled += _try_titles(tries)
    sections = [*lead, *(_output_section(run, heading) for run, heading in titled)]
    fits_lines = all(len(line) < limit // 2 for section in sections for line in section)
    chunks = _pack(sections, limit=limit - 80) if fits_lines else []
    if fits_lines and len(chunks) <= max_comments:
        total = len(chunks)
        return OutputsPlan(
            comments=tuple(
                f"{title} ({number}/{total})\n\n{chunk}" for number, chunk in enumerate(chunks, 1)
            ),
            attachment=None,
        )
    room = max(ATTACHMENT_MAX_CHARS // max(len(titled), 1), 4096)  # the attached file stays bounded too
    text = "\n\n".join(_plain_section(run, heading, room=room) for run, heading in titled) + "\n"
    attached = typeset(
        "📄 **Sorties de la console** : trop longues pour des commentaires, elles sont jointes en entier dans "
        "le fichier « sorties_console.txt »."
    )
    head = ["\n".join(lines) for lines in lead] if fits_lines and lead else []
    comment = f"{title}\n\n" + "\n\n".join([*head, attached]) if head else attached
    return OutputsPlan(comments=(comment,), attachment=text.encode("utf-8"))


def _command_title(run: DryRun) -> str:
    return f"Commande {run.rule_index + 1}"


def _check_title(run: DryRun) -> str:
    """« Vérification des hébergements, commande 3 »: a measure, not one of the ticket's commands."""
    return f"{ACCOMMODATION_CHECK.capitalize()}, commande {run.rule_index + 1}"


def _try_titles(tries: Sequence[DryRun]) -> list[tuple[DryRun, str]]:
    """« Valeur proche essayée pour la commande 2 (essai 1) »: not one of the ticket's commands, a search for
    the value its rule probably meant; grouped by rule, in the order they were tried."""
    numbers: dict[int, int] = {}
    titled = []
    for run in sorted(tries, key=lambda run: run.rule_index):
        numbers[run.rule_index] = numbers.get(run.rule_index, 0) + 1
        titled.append((run, _try_title(run.rule_index + 1, numbers[run.rule_index])))
    return titled


def _try_title(command: int, number: int) -> str:
    return f"Valeur proche essayée pour la commande {command} (essai {number})"


def _output_section(run: DryRun, title: str) -> list[str]:
    """A section as lines: title, then the output in a code block; a long output is cut into several blocks.
    The console's words are made inert: a code block does not stop a direction mark, nor every mention."""
    output = (run.result.stdout + ("\n" + run.result.stderr if run.result.stderr.strip() else "")).strip("\n")
    return [french("**{title}** :", title=title), *fenced(run.command), *fenced(inert(output))]


def _plain_section(run: DryRun, title: str, *, room: int) -> str:
    output = (run.result.stdout + ("\n" + run.result.stderr if run.result.stderr.strip() else "")).strip("\n")
    output = keep_ends(output, limit=room, cut_line=kept_cut)
    return french("=== {title} : {command}\n{output}", title=title, command=run.command, output=output)


def _pack(sections: Sequence[list[str]], *, limit: int) -> list[str]:
    """Fill comments section by section; a section too long for one comment is cut on line boundaries."""
    chunks: list[list[str]] = []
    size = limit + 1  # no comment open yet
    for section in sections:
        for piece in _cut(section, limit=limit):
            needed = sum(len(line) + 1 for line in piece) + 1
            if size + needed > limit:
                chunks.append([])
                size = 0
            elif chunks[-1]:
                chunks[-1].append("")
            chunks[-1] += piece
            size += needed
    return ["\n".join(chunk) for chunk in chunks]


def _cut(section: list[str], *, limit: int) -> list[list[str]]:
    """A section in pieces that each fit: a code block cut in two is closed and reopened with its own fence
    (longer than ``` when the text holds backticks), and each piece after the first repeats the heading."""
    if sum(len(line) + 1 for line in section) <= limit:
        return [section]
    heading = section[0] if section and not _is_fence(section[0]) else None
    again = [_continued(heading)] if heading else []
    pieces: list[list[str]] = []
    current: list[str] = []
    size = 0
    fence: str | None = None  # the fence of the code block the current line is in
    for line in section:
        closes = fence is not None and line == fence
        needed = len(line) + 1 + (len(fence) + 1 if fence and not closes else 0)
        if size + needed > limit and len(current) > len(again) + 1:
            opened_last = fence is not None and current[-1] == fence  # an empty block: open it next time
            pieces.append(current[:-1] if opened_last else [*current, fence] if fence else current)
            current = [*again, *([fence] if fence and not closes else [])]
            size = sum(len(part) + 1 for part in current)
            if closes:
                fence = None
                continue
        current.append(line)
        size += len(line) + 1
        if closes:
            fence = None
        elif fence is None and _is_fence(line):
            fence = line
    return [*pieces, current] if current else pieces


def _continued(heading: str) -> str:
    """« **Commande 3** : » → « **Commande 3** (suite) : »."""
    if heading.endswith(":"):
        return heading[:-1].rstrip(" \u00a0") + typeset(" (suite) :")
    return f"{heading} (suite)"


def _is_fence(line: str) -> bool:
    return len(line) >= len(FENCE) and set(line) == {"`"}


# --- approval (runbook step 4) ---------------------------------------------------------------------


def final_commands_comment(plan: Plan, *, approver: str, when: str, console_command: str) -> str:
    """The commands to run without --dry-run, preprod first then prod, in the plan's order."""
    commands = render_commands(
        plan,
        console=console_command,
        crossing_note=[crossing_instruction(*pair) for pair in crossing_pairs(plan)],
        markdown=True,
    ).rstrip()
    return "\n".join(
        [
            french(
                "✅ **Validé par {approver}** le {when} : commandes finales à exécuter (sans --dry-run).",
                approver=escape_markdown(approver),
                when=when,
            ),
            "",
            "Toujours exécuter et vérifier sur la **preprod en premier**, puis reproduire sur la prod.",
            "",
            "## Preprod",
            "",
            commands,
            "",
            "## Prod",
            "",
            commands,
        ]
    )


def execution_checklist(plan: Plan, synthesis: Synthesis, *, launch: bool = False) -> list[str]:
    """« Exécution »: each preprod group and its verification, then each prod group and its verification.
    With `launch` (PREPROD_APPLY), a preprod group's item reads « Preprod — lancer le groupe N »: ticking it
    has the bot run the group.

    The preprod count a group is checked against includes what earlier groups sent into its centre (a
    crossing's second group starts with the first group's arrivals); prod has its own figures."""
    prefix = shared_prefix([p.center.name or "" for p in synthesis.projections])
    expected = group_counts(plan, synthesis)
    items = []
    for environment in ("Preprod", "Prod"):
        for number, group in enumerate(plan.groups, start=1):
            count = len(group.rule_indexes)
            label = escape_markdown(short_label(group.origin, prefix))
            verb = "lancer le " if launch and environment == "Preprod" else ""
            items.append(
                french(
                    "{environment} — {verb}groupe {number} : {label}, {count}",
                    verb=verb,
                    environment=environment,
                    number=number,
                    label=label,
                    count=plural(count, "commande", "commandes"),
                )
            )
            check = f"{environment} — vérifier le groupe {number}"
            if environment == "Preprod" and number - 1 in expected:
                before, after = expected[number - 1]
                check += french(
                    " ({label} : {before} → {after})",
                    label=label,
                    before=before,
                    after=plural(after, "suivi", "suivis"),
                )
            items.append(check)
    return items


def group_counts(plan: Plan, synthesis: Synthesis) -> dict[int, tuple[int, int]]:
    """(count before, count after) of each group's origin, groups run one after the other in plan order."""
    summaries = {summary.origin.id: summary for summary in synthesis.origins}
    arrived: dict[int, int] = {}
    counts = {}
    for index, group in enumerate(plan.groups):
        summary = summaries.get(group.origin.id)
        if summary is None:
            continue
        before = summary.total + arrived.get(group.origin.id, 0)
        counts[index] = (before, before - sum(line.migrated for line in summary.lines))
        for line in summary.lines:
            arrived[line.destination.id] = arrived.get(line.destination.id, 0) + line.migrated
    return counts


def refusal_comment(*, by: str, when: str, reason: str, fix_list: str, todo_list: str) -> str:
    # Every line of the reason, as the PO wrote it: shown as text, never as Markdown.
    quoted = "\n".join(f"> {escape_markdown(line)}" for line in reason.splitlines() or [""])
    return french(
        "❌ **Refusé par {by}** (PO) le {when} :\n\n{quoted}\n\nLa carte est déplacée dans « {fix_list} ». Une fois corrigée, remettez-la dans « {todo_list} ».",
        by=escape_markdown(by),
        when=when,
        quoted=quoted,
        fix_list=fix_list,
        todo_list=todo_list,
    )


def resimulation_comment(*, by: str, todo_list: str) -> str:
    return french(
        "🔄 **Nouvelle simulation demandée** par {by} via Slack : la carte revient dans « {todo_list} ».",
        by=escape_markdown(by),
        todo_list=todo_list,
    )


def conflict_decision_comment(*, decision: str, by: str) -> str:
    return french(
        "🏠 **Conflit d'hébergements tranché** par {by} via Slack : {decision}.",
        by=escape_markdown(by),
        decision=decision,
    )


def expired_comment(
    *, days: int, fix_list: str, todo_list: str, kind: RequestKind = RequestKind.APPROVAL
) -> str:
    what = (
        "Demande de décision sur le conflit d'hébergements expirée"
        if kind is RequestKind.CONFLICT
        else "Demande de validation expirée"
    )
    return french(
        "⌛ **{what}** : pas de décision en {days}. La carte passe dans « {fix_list} » et n'est plus simulée. Pour demander à nouveau, remettez-la dans « {todo_list} » : elle sera simulée à nouveau (les chiffres de preprod ont pu changer).",
        what=what,
        days=plural(days, "jour", "jours"),
        fix_list=fix_list,
        todo_list=todo_list,
    )


# --- the team's Drive (runbook step 3, option B) ---------------------------------------------------


def drive_link_line(link: str, *, filename: str) -> str:
    """Trello: the Drive file as a link (its address is never read as Markdown)."""
    return french("📁 Fichier Excel sur le Drive : {link}", link=markdown_link(filename, link))


def drive_failed_line(reason: str, *, slack: bool = False) -> str:
    """Why the file is not on the Drive; the reason may quote Drive's own words: escaped for its target."""
    return french(
        "⚠️ Dépôt sur le Drive impossible : {reason}. Le fichier est joint à la carte ; nouvel essai au prochain passage du bot.",
        reason=escape_mrkdwn(reason) if slack else escape_markdown(reason),
    )


def drive_link_slack(link: str, *, filename: str) -> str:
    return french("📁 Fichier Excel sur le Drive : {link}", link=mrkdwn_link(filename, link))


def drive_retried_comment(link: str, *, filename: str) -> str:
    return french(
        "📁 Fichier Excel déposé sur le Drive (nouvel essai réussi) : {link}",
        link=markdown_link(filename, link),
    )


# --- cards where the bot does not expect them (triage) -----------------------------------------------


def label_missing_comment(*, label: str, todo_list: str) -> str:
    return french(
        "🏷️ **Étiquette manquante** : cette carte de « {todo_list} » ressemble à une migration des dossiers usagers, mais elle n'a pas l'étiquette « {label} » (et son titre ne commence pas par « {label} »). Le bot ne la simule pas : ajoutez l'étiquette (ou commencez le titre par « {label} ») et la simulation démarre au passage suivant. Rien à faire si ce n'est pas une migration.",
        label=label,
        todo_list=todo_list,
    )


def misplaced_comment(*, moved_to: str, back_to: str, waiting: bool, todo_list: str) -> str:
    """A person moved the card into « Validé — à exécuter » (or « Terminé ») without a PO decision."""
    said = french(
        "↩️ **Carte remise dans « {back_to} »** : elle a été déplacée à la main dans « {moved_to} », mais le PO n'a pas validé sa simulation.",
        back_to=back_to,
        moved_to=moved_to,
    )
    if waiting:
        then = typeset(
            "La validation vient du PO (Slack ou cette carte) ; le bot déplace la carte lui-même une fois validée."
        )
    else:
        then = french(
            "Corrigez la carte puis remettez-la dans « {todo_list} » : elle sera simulée et le PO sollicité.",
            todo_list=todo_list,
        )
    return f"{said} {then}"


def misplaced_note(*, moved_to: str, back_to: str) -> str:
    """What `migrabot status` shows of it, until the card's next step."""
    return french(
        "déplacée à la main dans « {moved_to} » sans décision du PO : remise dans « {back_to} »",
        moved_to=moved_to,
        back_to=back_to,
    )
