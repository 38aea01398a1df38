"""`migrabot demo`: the whole product on loopback, in under 30 seconds.

The sandbox stack starts (Trello, Slack, Drive, the Reconnect console simulator with the runbook's data), then
the real service runs against it with the same jobs and the same default as `migrabot run` (Slack in Socket
Mode; `--http` for HTTP mode). The demo plays the people through the interfaces they would use: the team
edits and moves cards over Trello's REST API, Slack's side sends clicks as Socket Mode envelopes (or signed
HTTP requests). Its settings come from the sandbox alone, never from the environment or a `.env`. The final
verdict is each card's end state on the board. A French transcript is printed as it goes and written to `demo-output/`.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TextIO

import httpx

from bot.app.ports import CardSnapshot
from bot.bootstrap import Service, build_service
from bot.domain.command import FinalCommand
from bot.domain.plan import plan_ticket
from bot.domain.ticket import parse_ticket
from bot.scheduler import build_scheduler
from bot.settings import Settings
from bot.texts.french import decimal
from sandbox.slack_driver import SlackDriver
from sandbox.stack import DEMO_CARDS, DEVELOPER, PO, TEAM_CHANNEL, VALIDATION_CHANNEL, SandboxStack
from sandbox.tickets import ticket_text

STEP_TIMEOUT_S = 20.0
SYNTHESIS_HEAD = "✅ **Prêt pour validation**"
ACTORS = {
    "démo": "🎬 Démo",
    "bot": "🤖 Bot",
    "équipe": "👩‍💻 Équipe",
    "po": "🧑‍💼 PO",
    "slack": "💬 Slack",
    "drive": "📁 Drive",
}
EVENT_TEXTS = {
    "round": "prend la carte en charge",
    "simulating": "lance les simulations (--dry-run) sur la preprod",
    "invalid": "ticket non compris : commentaire d'erreurs, carte dans « À corriger »",
    "failed": "simulation en échec : commentaire, carte dans « À corriger »",
    "nothing_found": "aucune règle ne trouve de dossier : commentaire, carte dans « À corriger »",
    "conflict": "conflit d'hébergements : décision demandée à l'équipe",
    "simulated": "synthèse et Excel sur la carte, demande envoyée au PO, carte dans « En attente validation PO »",
    "obsolete": "carte modifiée : demande en cours rendue obsolète",
    "approved": "validation enregistrée : commandes finales et checklist sur la carte, carte dans « Validé — à exécuter »",
    "refused": "refus enregistré : raison sur la carte, carte dans « À corriger »",
    "verified": "groupe exécuté vérifié (--dry-run) : conforme à la simulation",
    "gap": "groupe exécuté vérifié (--dry-run) : écart avec la simulation",
}


class DemoFailed(Exception):
    """A step did not happen in time: the demo says which and stops."""


@dataclass
class Entry:
    at_s: float
    actor: str
    text: str
    card: str | None = None
    details: str | None = None


@dataclass
class Transcript:
    out: TextIO | None
    started: float = field(default_factory=time.monotonic)
    entries: list[Entry] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def say(self, actor: str, text: str, *, card: str | None = None, details: str | None = None) -> None:
        entry = Entry(round(time.monotonic() - self.started, 1), actor, text, card, details)
        with self._lock:
            self.entries.append(entry)
            if self.out is not None:
                self.out.write(render_entry(entry) + "\n")
                self.out.flush()

    def text(self) -> str:
        return "\n".join(render_entry(entry) for entry in self.entries) + "\n"


def render_entry(entry: Entry) -> str:
    card = f" — « {entry.card} »" if entry.card else ""  # a dash: the text may itself end with a quoted name
    at = format(entry.at_s, "5.1f").replace(".", ",")  # French decimal comma
    line = f"[{at} s] {ACTORS.get(entry.actor, entry.actor):<12} {entry.text}{card}"
    if entry.details:
        line += "\n" + "\n".join(f"                │ {detail}" for detail in entry.details.splitlines())
    return line


def short_title(name: str) -> str:
    return name.removeprefix("Migration des dossiers usagers - ")


APPROVED_LIST = "Validé — à exécuter"
# How a round of an extra card ends for the demo: waiting for the PO, or left for a person (as the bot says).
ROUND_ENDS = ("simulated", "invalid", "failed", "nothing_found", "conflict")


class Demo:
    def __init__(
        self, *, output: Path, out: TextIO | None, extra_tickets: list[Path], slack_mode: str = "socket"
    ) -> None:
        self.output = output
        self.transcript = Transcript(out)
        self.extra_tickets = extra_tickets
        self.slack_mode = slack_mode
        self.stack = SandboxStack(output / "sandbox")
        self.names: dict[str, str] = {}  # card id → title
        self.heard: list[tuple[str, str]] = []  # (card id, event) as the bot told them, in order
        self._told = threading.Condition()  # notified once the bot's line is in the transcript
        self.ok = False

    # --- the story ---------------------------------------------------------------------------------

    def run(self, *, keep_running: bool, wait_for_interrupt: Callable[[], None]) -> bool:
        """Play the story; True when every card ends approved. The sandbox stays up for `keep_running`."""
        settings = self._start_stack()
        service = build_service(settings, socket_ping_interval_s=1, listener=self._bot_event)
        scheduler = build_scheduler(service.jobs())  # the same jobs as `migrabot run`
        played = False
        try:
            driver = self._start_bot(service, settings)
            scheduler.start()
            self._story(driver)
            played = True
            self.ok = self._verdict()
        except DemoFailed as error:
            self.transcript.say("démo", f"❌ Échec de la démo : {error}")
        finally:
            if keep_running and played:
                self._keep_running(settings, wait_for_interrupt)
            scheduler.shutdown(wait=True)
            self._save()
            service.close()
            self.stack.stop()
        return self.ok

    def _start_stack(self) -> Settings:
        self.stack.start()
        for path in self.extra_tickets:
            card_id = self.stack.add_card(
                f"Migration des dossiers usagers - {path.stem}", path.read_text(encoding="utf-8")
            )
            self.stack.cards[path.name] = card_id
        self.names = {
            card_id: self.stack.trello.card(card_id)["name"] for card_id in self.stack.cards.values()
        }
        self.transcript.say(
            "démo",
            f"Tableau Trello « Reconnect Pro - Tech » : {len(self.stack.cards)} cartes dans « À simuler » ; "
            f"Slack : #{VALIDATION_CHANNEL[1]} (PO : {PO[1]}) et #{TEAM_CHANNEL[1]} ; preprod : simulateur de la "
            "console Reconnect (données du runbook).",
        )
        return self.stack.settings(poll_interval_seconds=0.5, slack_mode=self.slack_mode)

    def _start_bot(self, service: Service, settings: Settings) -> SlackDriver:
        assert service.slack is not None
        service.start_slack()
        if settings.slack_mode == "socket":
            self.stack.slack.socket_mode.wait_for_connection()
            driver = SlackDriver(sandbox=self.stack.slack, transport="socket")
            transport = "Slack en Socket Mode, comme `migrabot run`"
        else:
            driver = SlackDriver(
                events_url=f"http://127.0.0.1:{service.slack.port}/slack/events",
                signing_secret=self.stack.signing_secret,
                sandbox=self.stack.slack,
            )
            transport = "Slack en mode HTTP"
        self.transcript.say(
            "démo",
            f"Le bot démarre (relevé du tableau toutes les {decimal(settings.poll_interval_seconds)} s, {transport}).",
        )
        return driver

    def _keep_running(self, settings: Settings, wait_for_interrupt: Callable[[], None]) -> None:
        self.transcript.say(
            "démo",
            "Tout reste en marche (Ctrl-C pour arrêter) : "
            f"Trello {self.stack.trello.base_url} · Slack {self.stack.slack.base_url}. "
            "Pour y brancher un autre migrabot, mettez ces réglages dans son .env :",
            details=sandbox_env(
                settings, state=self.output.absolute() / "other-migrabot" / "migrabot.sqlite3"
            ),
        )
        wait_for_interrupt()

    def _story(self, driver: SlackDriver) -> None:
        runbook, conflict, mistaken = (self.stack.cards[ticket] for _, ticket in DEMO_CARDS)
        request = self._runbook_is_simulated(runbook)
        self._team_settles_the_conflict(driver, conflict)
        self._team_corrects_the_mistaken_ticket(mistaken)
        self._po_approves_the_runbook(driver, runbook, request)
        self._team_runs_group_one(runbook)
        self._po_approves_the_rest_in_threads(driver, [conflict, mistaken, *self._settle_extra_cards()])

    def _runbook_is_simulated(self, runbook: str) -> dict:
        """The runbook's card: its synthesis on Trello, its request to the PO on Slack."""
        say = self.transcript.say
        self._hear(runbook, "simulated", what="la simulation du ticket du runbook")
        say(
            "bot", "synthèse postée sur la carte", card=self._title(runbook), details=self._synthesis(runbook)
        )
        self._show_drive_file(runbook)
        request = self._wait(
            lambda: self._request(VALIDATION_CHANNEL[0], runbook), "la demande de validation"
        )
        say("slack", f"demande de validation dans #{VALIDATION_CHANNEL[1]}", details=slack_text(request))
        return request

    def _team_settles_the_conflict(self, driver: SlackDriver, conflict: str) -> None:
        say = self.transcript.say
        self._hear(conflict, "conflict", what="le conflit d'hébergements")
        conflict_request = self._wait(
            lambda: self._request(TEAM_CHANNEL[0], conflict), "la demande sur le conflit"
        )
        say("slack", f"conflit d'hébergements dans #{TEAM_CHANNEL[1]}", details=slack_text(conflict_request))
        say("équipe", f"{DEVELOPER[1]} clique « Sans hébergements »", card=self._title(conflict))
        driver.click(user_id=DEVELOPER[0], message=conflict_request, action_id="conflict_without")
        self._hear(conflict, "simulated", what="la simulation après la décision")

    def _team_corrects_the_mistaken_ticket(self, mistaken: str) -> None:
        say = self.transcript.say
        self._hear(mistaken, "invalid", what="le ticket erroné dans « À corriger »")
        say(
            "bot",
            "erreurs signalées sur la carte",
            card=self._title(mistaken),
            details=self._last_comment(mistaken),
        )
        fixed = ticket_text("erreur.txt").replace(
            "→ vers France Fraternités - TEH\n", "→ vers France Fraternités - TEH (ID 5645)\n"
        )
        say(
            "équipe",
            "corrige la description (ID manquant) et remet la carte dans « À simuler »",
            card=self._title(mistaken),
        )
        self._team_edits(mistaken, desc=fixed, list_name="À simuler")
        self._hear(mistaken, "simulated", what="la nouvelle simulation du ticket corrigé")
        say(
            "bot",
            "le ticket corrigé a été simulé",
            card=self._title(mistaken),
            details=self._synthesis(mistaken),
        )

    def _po_approves_the_runbook(self, driver: SlackDriver, runbook: str, request: dict) -> None:
        """A developer's click is refused (not a PO), then the PO's click approves."""
        say = self.transcript.say
        say("équipe", f"{DEVELOPER[1]} (pas PO) clique « Valider »", card=self._title(runbook))
        driver.click(user_id=DEVELOPER[0], message=request, action_id="approve")
        refusal = self._wait(
            lambda: self.stack.slack.ephemerals(user=DEVELOPER[0]), "le refus du clic non-PO"
        )
        say("slack", f"message éphémère pour {DEVELOPER[1]} : « {refusal[-1]['text']} »")

        say("po", f"{PO[1]} clique « Valider »", card=self._title(runbook))
        driver.click(user_id=PO[0], message=request, action_id="approve")
        self._hear(runbook, "approved", what="la validation du PO")
        say(
            "bot",
            "commandes finales écrites sur la carte",
            card=self._title(runbook),
            details=self._last_comment(runbook),
        )
        updated = self._wait(lambda: self._decided_request(runbook), "la mise à jour de la demande")
        say("slack", "demande mise à jour", details=slack_text(updated))

    def _team_runs_group_one(self, runbook: str) -> None:
        """The team runs group 1 for real on the preprod simulator, one command forgotten: the bot shows the
        gap; the command run, the group ticked again: verified."""
        say, item = self.transcript.say, "Preprod — groupe 1 :"
        commands = self._group_commands(group=1)
        say(
            "équipe",
            "lance sur la preprod 3 des 4 commandes du groupe 1 (la 4e est oubliée) et coche « Preprod — groupe 1 »",
            card=self._title(runbook),
        )
        self._run_for_real(commands[:3])
        self._tick(runbook, item)
        self._hear(runbook, "gap", what="l'écart du groupe 1")
        gap = self._comment_starting(runbook, "⚠️ **Vérification preprod — groupe 1")
        say("bot", "écart signalé sur la carte", card=self._title(runbook), details=gap)
        say(
            "équipe",
            "lance la commande oubliée, décoche puis recoche « Preprod — groupe 1 »",
            card=self._title(runbook),
        )
        self._run_for_real(commands[3:])
        self._tick(runbook, item, checked=False)
        self._tick(runbook, item)
        self._hear(runbook, "verified", what="la vérification du groupe 1")
        verified = self._comment_starting(runbook, "✅ **Vérification preprod — groupe 1")
        say(
            "bot",
            "groupe 1 vérifié, case « vérifier le groupe 1 » cochée",
            card=self._title(runbook),
            details=verified,
        )

    def _group_commands(self, *, group: int) -> list[tuple[str, ...]]:
        field = self.stack.settings().migration_field_slug
        plan, _ = plan_ticket(parse_ticket(ticket_text("runbook.txt"), default_field=field), field_slug=field)
        return [FinalCommand(plan.rules[i]).arguments() for i in plan.groups[group - 1].rule_indexes]

    def _run_for_real(self, commands: list[tuple[str, ...]]) -> None:
        """What a person types on preprod: the final commands, without --dry-run, on the simulator."""
        console = shlex.split(self.stack.settings().console_command)
        for arguments in commands:
            subprocess.run([*console, *arguments], check=True, capture_output=True, timeout=60)

    def _tick(self, card_id: str, prefix: str, *, checked: bool = True) -> None:
        [checklist] = self.stack.trello.checklists(card_id)
        name = next(
            i["name"] for i in checklist["checkItems"] if i["name"].replace("\xa0", " ").startswith(prefix)
        )
        self.stack.trello.tick(card_id, name, checked=checked)

    def _comment_starting(self, card_id: str, start: str) -> str | None:
        found = [c for c in self._comments(card_id) if c.replace("\xa0", " ").startswith(start)]
        return found[-1] if found else None

    def _po_approves_the_rest_in_threads(self, driver: SlackDriver, card_ids: list[str]) -> None:
        for card_id in card_ids:
            message = self._wait(
                lambda card_id=card_id: self._request(VALIDATION_CHANNEL[0], card_id), "une demande"
            )
            self.transcript.say(
                "po", f"{PO[1]} répond « ok » dans le fil de la demande", card=self._title(card_id)
            )
            driver.post_message(user_id=PO[0], channel=message["channel"], text="ok", thread_ts=message["ts"])
            self._hear(card_id, "approved", what="la validation par réponse")

    def _verdict(self) -> bool:
        """The end state of every card, as Trello shows it: all approved, or which are not and where."""
        waiting = {
            card_id: self._list(card_id) for card_id in self.names if self._list(card_id) != APPROVED_LIST
        }
        if not waiting:
            self.transcript.say(
                "démo",
                "Toutes les cartes sont validées : il reste à exécuter les commandes sur la preprod puis la prod.",
            )
            return True
        approved = len(self.names) - len(waiting)
        self.transcript.say(
            "démo",
            f"⚠️ {approved} carte(s) validée(s) sur {len(self.names)} ; pas encore validée(s) :",
            details="\n".join(
                f"« {self._title(card_id)} » : liste « {name} »" for card_id, name in waiting.items()
            ),
        )
        return False

    def _settle_extra_cards(self) -> list[str]:
        """Your own tickets (--ticket): those waiting for the PO get approved; the others are shown as they are."""
        ready = []
        for path in self.extra_tickets:
            card_id = self.stack.cards[path.name]
            told = self._hear(card_id, *ROUND_ENDS, what=f"le traitement de {path.name}")
            if told == "simulated":
                ready.append(card_id)
            else:
                self.transcript.say(
                    "bot",
                    "votre ticket attend une correction ou une décision",
                    card=self._title(card_id),
                    details=self._last_comment(card_id),
                )
        return ready

    # --- how people act ----------------------------------------------------------------------------

    def _team_edits(self, card_id: str, *, desc: str, list_name: str) -> None:
        """What a person does in Trello's web page, through Trello's REST API."""
        response = httpx.put(
            f"{self.stack.trello.base_url}/cards/{card_id}",
            params={"key": "sandbox-key", "token": self.stack.trello_token},
            data={"desc": desc, "idList": self.stack.board["lists"][list_name]},
            timeout=10,
        )
        response.raise_for_status()

    # --- what people see ---------------------------------------------------------------------------

    def _bot_event(self, event: str, card: CardSnapshot, details: dict) -> None:
        """The bot's listener (called on the bot's threads): its line first, then the demo may go on."""
        text = EVENT_TEXTS.get(event)
        if text:
            self.transcript.say("bot", text, card=short_title(card.name))
        with self._told:
            self.heard.append((card.id, str(event)))
            self._told.notify_all()

    def _hear(self, card_id: str, *events: str, what: str) -> str:
        """Wait until the bot tells one of `events` of the card (the first such, once told); which one.

        The demo goes on from what the bot says it did, never from what the board shows meanwhile: the bot
        moves a card, then posts its request, then says so; a step taken on the board's word alone lets
        the demo's next lines (and its verdict) come before the bot's own."""

        def told() -> str | None:
            return next((e for c, e in self.heard if c == card_id and e in events), None)

        with self._told:
            event = self._told.wait_for(told, timeout=STEP_TIMEOUT_S)
        if event is None:
            raise DemoFailed(f"rien après {decimal(STEP_TIMEOUT_S)} s en attendant {what}")
        return event

    def _title(self, card_id: str) -> str:
        return short_title(self.names.get(card_id, card_id))

    def _list(self, card_id: str) -> str:
        lists = {list_id: name for name, list_id in self.stack.board["lists"].items()}
        return lists.get(self.stack.trello.card(card_id)["idList"], "?")

    def _comments(self, card_id: str) -> list[str]:
        texts = [c["data"]["text"] for c in reversed(self.stack.trello.comments(card_id))]
        return [text.rsplit("\n\nmigrabot · ", 1)[0] for text in texts]

    def _last_comment(self, card_id: str) -> str:
        return self._comments(card_id)[-1]

    def _synthesis(self, card_id: str) -> str:
        return next(c for c in reversed(self._comments(card_id)) if c.startswith(SYNTHESIS_HEAD)).strip()

    def _show_drive_file(self, card_id: str) -> None:
        """The card's workbook in the team's folder, and the link the bot put on the card."""
        synthesis = next(c for c in self._comments(card_id) if c.startswith(SYNTHESIS_HEAD))
        [line] = [line for line in synthesis.splitlines() if "Drive" in line]
        names = [f["name"] for f in self.stack.drive.files_in(self.stack.drive_folder)]
        short_link = self.stack.trello.card(card_id)["shortLink"]
        [name] = [name for name in names if short_link in name]
        text = f"fichier « {name} » déposé dans le dossier « Migration des dossiers usagers »"
        self.transcript.say("drive", text, card=self._title(card_id), details=line)

    def _request(self, channel: str, card_id: str) -> dict | None:
        name = self.names[card_id]
        found = [
            m
            for m in self.stack.slack.messages(channel)
            if name in m.get("text", "") and m.get("thread_ts") in (None, m["ts"])
        ]
        return found[-1] if found else None

    def _decided_request(self, card_id: str) -> dict | None:
        request = self._request(VALIDATION_CHANNEL[0], card_id)
        decided = request and any(block.get("block_id") == "outcome" for block in request.get("blocks", []))
        return request if decided else None

    def _wait(self, condition: Callable[[], object], what: str) -> object:
        deadline = time.monotonic() + STEP_TIMEOUT_S
        while True:
            value = condition()
            if value:
                return value
            if time.monotonic() > deadline:
                raise DemoFailed(f"rien après {decimal(STEP_TIMEOUT_S)} s en attendant {what}")
            time.sleep(0.05)

    # --- what stays --------------------------------------------------------------------------------

    def cards_state(self) -> list[dict]:
        state = []
        for card_id, name in self.names.items():
            attachments = self.stack.trello.attachments(card_id)
            state.append(
                {
                    "name": name,
                    "list": self._list(card_id),
                    "comments": len(self.stack.trello.comments(card_id)),
                    "attachments": [a["name"] for a in attachments],
                    "checklists": [c["name"] for c in self.stack.trello.checklists(card_id)],
                }
            )
        return state

    def _save(self) -> None:
        self.output.mkdir(parents=True, exist_ok=True)
        for number, card_id in enumerate(self.names, start=1):
            for attachment in self.stack.trello.attachments(card_id):
                if attachment["name"].endswith(".xlsx") and attachment.get("bytes"):
                    (self.output / f"{number}-{attachment['name']}").write_bytes(attachment["bytes"])
        (self.output / "transcript.txt").write_text(self.transcript.text(), encoding="utf-8")
        (self.output / "transcript.json").write_text(
            json.dumps(self.document(), ensure_ascii=False, indent=2), encoding="utf-8"
        )

    def document(self) -> dict:
        return {
            "ok": self.ok,
            "duration_s": round(time.monotonic() - self.transcript.started, 1),
            "entries": [asdict(entry) for entry in self.transcript.entries],
            "cards": self.cards_state() if self.stack.trello.base_url else [],
        }


def slack_text(message: dict) -> str:
    """A Block Kit message as a person reads it (enough for a transcript)."""
    lines = []
    for block in message.get("blocks", []):
        kind = block.get("type")
        if kind == "header":
            lines.append(f"== {block['text']['text']} ==")
        elif kind == "section":
            lines.append(block["text"]["text"].replace("```", ""))
        elif kind == "context":
            lines.append(" ".join(e.get("text", "") for e in block.get("elements", [])))
        elif kind == "actions":
            lines.append("   ".join(f"[ {e['text']['text']} ]" for e in block.get("elements", [])))
    return "\n".join(lines)


SANDBOX_ENV = (
    "trello_api_base_url",
    "trello_api_key",
    "trello_token",
    "trello_board_id",
    "console_command",
    "slack_mode",
    "slack_api_base_url",
    "slack_bot_token",
    "slack_app_token",
    "slack_po_user_ids",
    "slack_channel_id",
    "slack_team_channel_id",
)


def sandbox_env(settings: Settings, *, state: Path) -> str:
    """`.env` lines pointing another migrabot at this sandbox. Its own state file, so that the two do not mix
    (nor wait for each other's lock), absolute in the demo's output folder: whichever directory it starts
    from, and gone with the output, like the sandbox's board."""
    lines = []
    for name in SANDBOX_ENV:
        value = getattr(settings, name)
        value = value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)
        lines.append(f"{name.upper()}={shlex.quote(value)}")
    return "\n".join([*lines, f"STATE_DB={shlex.quote(str(state))}"])


def run_demo(
    *,
    output: Path,
    out: TextIO,
    as_json: bool,
    extra_tickets: list[Path],
    keep_running: bool,
    wait_for_interrupt: Callable[[], None],
    slack_mode: str = "socket",
) -> int:
    shutil.rmtree(output / "sandbox", ignore_errors=True)
    demo = Demo(
        output=output, out=None if as_json else out, extra_tickets=extra_tickets, slack_mode=slack_mode
    )
    ok = demo.run(keep_running=keep_running, wait_for_interrupt=wait_for_interrupt)
    if as_json:
        out.write((output / "transcript.json").read_text(encoding="utf-8") + "\n")
    else:
        out.write(f"\nTranscription, fichiers Excel et état dans {output}/\n")
    return 0 if ok else 1
