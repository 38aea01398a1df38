"""The one place where adapters are plugged in: settings → store, board, console, workflow (and Slack)."""

from __future__ import annotations

import logging
import socket
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from bot.adapters.console import build_prod_runner, build_runner
from bot.adapters.drive import GoogleDrive
from bot.adapters.leadership import PostgresLeadership
from bot.adapters.lock import ActiveLock
from bot.adapters.metrics import HealthEndpoint, Metrics
from bot.adapters.schema import SchemaTooNew
from bot.adapters.slack import ListenerPool, SlackChat, SlackEndpoint, build_app, build_client
from bot.adapters.sql import connect, database_errors, redact, shown
from bot.adapters.store import Store
from bot.adapters.systemd import Watchdog
from bot.adapters.trello import TrelloBoard, TrelloError, TrelloHttp
from bot.app.alerts import Alerts
from bot.app.decisions import Decisions
from bot.app.events import Emitter, Listener
from bot.app.execution import ExecutionFollowUp
from bot.app.instances import MarksWatched, OtherInstances, Telling
from bot.app.launch import GroupLaunch
from bot.app.leadership import (
    BOARD_WRITES,
    CHAT_WRITES,
    CONSOLE_WRITES,
    DRIVE_WRITES,
    Guarded,
    Leadership,
)
from bot.app.monitoring import Call, LivenessTracker, Observed, ObservedConsole, fan_out, watched_poll
from bot.app.ports import Board, Chat, Clock, Console, Drive, Lists, Member
from bot.app.ports import Store as StorePort
from bot.app.replies import Replies
from bot.app.requests import Requests
from bot.app.rounds import Rounds
from bot.app.steps import CardSteps
from bot.app.trello_comments import TrelloComments
from bot.app.workflow import Workflow
from bot.domain.health import Role, Verdict, responsive, verdict
from bot.domain.incidents import System
from bot.domain.instances import Instance, safe_host
from bot.domain.verification import PREPROD, PROD
from bot.settings import Settings, apply_problems, slack_problems, trello_problems
from bot.texts import doctor as texts
from bot.texts import setup as setup_texts
from bot.texts import state as state_texts

log = logging.getLogger("migrabot")

REMINDER_CHECK_SECONDS = 300


class SetupError(Exception):
    """The board or a setting is not ready; the message says what to do, in French."""


@dataclass
class Monitoring:
    """The process's view of itself: role and polls (`/healthz`, the systemd watchdog) and its metrics."""

    settings: Settings
    clock: Clock = time.time
    liveness: LivenessTracker = field(init=False)
    metrics: Metrics = field(init=False)
    endpoint: HealthEndpoint | None = field(init=False, default=None)
    watchdog: Watchdog = field(init=False)
    alerts: Alerts | None = None  # once the ports it writes with exist (`build_service`)

    def __post_init__(self) -> None:
        self.liveness = LivenessTracker(clock=self.clock)
        self.metrics = Metrics(is_leader=lambda: self.liveness.current().role is Role.LEADER)
        self.watchdog = Watchdog(responsive=self.responsive)
        if self.settings.metrics_port is not None:
            self.endpoint = HealthEndpoint(
                host=self.settings.metrics_host,
                port=self.settings.metrics_port,
                metrics=self.metrics,
                verdict=self.verdict,
                responsive=self.responsive,
            )

    def report(self, call: Call) -> None:
        """Every call of the observed ports: metrics, liveness, alerts."""
        for record in (self.metrics.record_call, self.liveness.record_call):
            record(call)
        if self.alerts is not None:
            self.alerts.record(call)

    def verdict(self) -> Verdict:
        return verdict(self.liveness.current(), **self._timing())

    def responsive(self) -> bool:
        return responsive(self.liveness.current(), **self._timing())

    def _timing(self) -> dict[str, float]:
        """What both health answers are judged against: now, the poll's pace, the console's timeout."""
        return {
            "now": self.clock(),
            "interval_s": self.settings.poll_interval_seconds,
            "console_timeout_s": self.settings.console_timeout_seconds,
        }

    def start(self) -> None:
        if self.endpoint is not None:
            self.endpoint.start()
        self.watchdog.start()

    def stop(self) -> None:
        self.watchdog.stop()
        if self.endpoint is not None:
            self.endpoint.stop()


@dataclass
class Service:
    settings: Settings
    store: Store
    board: TrelloBoard
    console: Console
    workflow: Workflow
    prod_console: Console | None = None
    slack: SlackEndpoint | None = None
    listeners: ThreadPoolExecutor | None = None
    drive: GoogleDrive | None = None
    monitoring: Monitoring | None = None
    leadership: Leadership | None = None
    slack_wanted: bool = False  # `start_slack` was asked: connected unless this instance stands down
    slack_connected: bool = False

    def start_slack(self) -> None:
        """Slack's listeners start listening (Socket Mode: connected; HTTP: serving)."""
        if self.slack is not None:
            self.slack_wanted = True
            self._follow_stand_down()

    def _follow_stand_down(self) -> None:
        """Slack spreads an app's Socket Mode events over all its connections: an instance that stands down
        for another closes its own, so that every click reaches the instance that acts, and opens it again
        when it acts again. In HTTP mode Slack calls the one configured address: nothing to follow."""
        if self.slack is None or not self.slack_wanted:
            return
        others = self.workflow.others
        stood_down = others is not None and others.stood_down_before is not None
        socket = self.settings.slack_mode == "socket"
        if self.slack_connected and stood_down and socket:
            self.slack.stop()
            self.slack_connected = False
            log.warning("slack: Socket Mode closed while another instance acts on the board")
        elif not self.slack_connected and not (stood_down and socket):
            self.slack.start()
            self.slack_connected = True

    def jobs(self) -> list[tuple[str, Callable[[], object], float]]:
        """What the scheduler runs: the poll, and the reminders and expiry of requests."""
        return [
            ("poll", self.poll, self.settings.poll_interval_seconds),
            ("reminders", self.workflow.remind_and_expire, REMINDER_CHECK_SECONDS),
        ]

    def poll(self) -> int:
        """A poll, once this process knows it still leads (an idle poll writes nothing: asked here too),
        watched: its outcome feeds `/healthz` and the metrics, then alerts are due."""
        if self.leadership is not None:
            self.leadership.ensure()
        try:
            return self._watched_poll()
        finally:
            self._follow_stand_down()

    def _watched_poll(self) -> int:
        if self.monitoring is None or self.monitoring.alerts is None:
            return self.workflow.poll()
        metrics, alerts = self.monitoring.metrics, self.monitoring.alerts

        def record_poll(ok: bool) -> None:
            states = Counter(record.state.value for record in self.store.cards()) if ok else Counter()
            metrics.record_poll(ok=ok, at=time.time(), cards_by_state=states)

        def review() -> None:  # a stood-down instance writes nothing: its alerts would be lost half-said
            if self.workflow.others is None or self.workflow.others.stood_down_before is None:
                alerts.review()

        return watched_poll(
            self.workflow.poll, liveness=self.monitoring.liveness, record_poll=record_poll, review=review
        )()

    def close(self) -> None:
        """Slack first (no new clicks), then the clicks in progress finish, then the rest."""
        if self.slack is not None:
            self.slack.stop()
        if self.listeners is not None:
            self.listeners.shutdown(wait=True)
        self.console.close()
        if self.drive is not None:
            self.drive.close()
        if self.prod_console is not None:
            self.prod_console.close()
        self.board.http.close()
        self.store.close()


def check_settings(settings: Settings) -> None:
    """The same rules and words as `migrabot doctor`'s settings lines, before anything is opened."""
    for subject, problems in (
        ("Trello", trello_problems(settings)),
        ("Slack", slack_problems(settings)),
        (texts.APPLY_SUBJECT, apply_problems(settings)),
    ):
        if problems:
            raise SetupError(texts.setup_refused(*texts.settings_report(subject, problems)))


def build_board(settings: Settings, **http_options: object) -> TrelloBoard:
    """The Trello adapter; the settings have been checked (`check_settings`)."""
    http = TrelloHttp(base_url=settings.trello_api_base_url, **http_options)  # type: ignore[arg-type]
    return TrelloBoard(
        http=http,
        api_key=settings.trello_api_key,
        token=settings.trello_token.get_secret_value(),
        board_id=settings.trello_board_id,
    )


def resolve_lists(board: Board, settings: Settings) -> Lists:
    layout = board.layout()
    wanted = settings.board_lists()
    missing = [(name, setting) for setting, name in wanted if name not in layout.lists]
    if missing:
        raise SetupError(setup_texts.missing_lists(missing))
    label = layout.labels.get(settings.trello_card_label)
    if label is None:
        log.warning(
            "label %r not found: migration cards are recognised by their title only",
            settings.trello_card_label,
        )
    return Lists(
        todo=layout.lists[settings.trello_list_todo],
        waiting=layout.lists[settings.trello_list_waiting],
        fix=layout.lists[settings.trello_list_fix],
        approved=layout.lists[settings.trello_list_approved],
        done=layout.lists[settings.trello_list_done],
        label=label,
    )


def build_leadership(settings: Settings) -> Leadership:
    """Who may act on the board: an advisory lock where the state is in PostgreSQL (replicas on several
    machines), a `flock` beside the SQLite file otherwise (one machine)."""
    if settings.state_in_postgres:
        return PostgresLeadership(settings.state_location, board_id=settings.trello_board_id)
    return ActiveLock(settings.state_path)


def guard_writes(ensure: Callable[[], None], **ports: Any) -> dict[str, Any]:
    """Each port (None stays None) behind a guard that asks `ensure` (the leadership, or whether another
    instance acts on the board) before every write."""
    writes = {
        "board": BOARD_WRITES,
        "chat": CHAT_WRITES,
        "drive": DRIVE_WRITES,
        "console": CONSOLE_WRITES,
        "prod_console": CONSOLE_WRITES,
    }
    return {
        name: None if port is None else Guarded(port, ensure=ensure, writes=writes[name])
        for name, port in ports.items()
    }


def build_service(
    settings: Settings,
    *,
    socket_ping_interval_s: float = 10,
    listener: Listener | None = None,
    monitoring: Monitoring | None = None,
    leadership: Leadership | None = None,
    **http_options: object,
) -> Service:
    """With `leadership` (`migrabot run`), every write to Trello, Slack, the console and Drive asks it first."""
    check_settings(settings)
    store = open_store(settings)  # first: a state too new stops us before we talk to anybody
    monitoring = monitoring or Monitoring(settings)
    report = fan_out(monitoring.report)
    try:
        raw_board = build_board(settings, **http_options)
        board = Observed(raw_board, system=System.TRELLO, report=report)
        lists = resolve_lists(board, settings)
    except BaseException:
        store.close()
        raise
    console = ObservedConsole(build_runner(settings), report=report, busy=monitoring.liveness.console_busy)
    prod_console = build_prod_runner(settings)
    chat = client = None
    if settings.slack_enabled:
        client = build_client(settings)
        chat = Observed(SlackChat(client), system=System.SLACK, report=report)
    trello_pos = resolve_trello_pos(board, settings)
    log_decision_mode(settings, trello_pos)
    ports = {"board": board, "console": console, "chat": chat, "prod_console": prod_console}
    ports = ports | {"drive": build_drive(settings)}
    ports, others = _guarded(ports, leadership=leadership, store=store, settings=settings)
    monitoring.metrics.watch_stand_down(lambda: others.stood_down_before is not None)
    monitoring.alerts = Alerts(
        board=ports["board"], chat=ports["chat"], store=store, settings=settings, clock=time.time
    )
    workflow = build_workflow(
        store=store,
        settings=settings,
        lists=lists,
        listener=listener,
        trello_pos=trello_pos,
        others=others,
        **ports,
    )
    service = Service(
        settings=settings,
        store=store,
        board=raw_board,
        console=console,
        prod_console=prod_console,
        workflow=workflow,
        drive=ports["drive"],
        monitoring=monitoring,
        leadership=leadership,
    )
    if chat is not None and client is not None:
        _listen_to_slack(service, client, chat=ports["chat"], socket_ping_interval_s=socket_ping_interval_s)
    return service


def _listen_to_slack(service: Service, client: Any, *, chat: Chat, socket_ping_interval_s: float) -> None:
    """Slack's clicks and messages reach the workflow through a bounded pool of listener threads."""
    service.listeners = ListenerPool(max_workers=5, thread_name_prefix="slack-listener")
    app = build_app(
        settings=service.settings,
        client=client,
        workflow=service.workflow,
        chat=chat,
        executor=service.listeners,
    )
    service.slack = SlackEndpoint(app, service.settings, socket_ping_interval_s=socket_ping_interval_s)


def open_store(settings: Settings) -> Store:
    """The state's engine, chosen here: a `postgresql://` URL, or a SQLite file (the embedded default).
    SetupError (French) when the schema is newer than this release or the database is out of reach."""
    try:
        return Store(connect(settings.state_location))
    except SchemaTooNew as error:
        raise SetupError(str(error)) from None
    except database_errors() as error:
        reason = redact(str(error), settings.state_location)
        raise SetupError(state_texts.unreachable(shown(settings.state_location), reason)) from None


def _guarded(
    ports: dict[str, Any], *, leadership: Leadership | None, store: StorePort, settings: Settings
) -> tuple[dict[str, Any], OtherInstances]:
    """The ports behind the leadership's guard (`migrabot run`), then behind another instance's: nothing is
    written once another instance acts on the board (it is told with the leadership's guard alone)."""
    ports = guard_writes(leadership.ensure, **ports) if leadership else ports
    others = build_others(store, settings, board=ports["board"], chat=ports["chat"])
    return guard_writes(others.ensure, **ports), others


def build_others(store: StorePort, settings: Settings, *, board: Board, chat: Chat | None) -> OtherInstances:
    """This instance (its state's identity, its host's name) and what it does when another acts on the
    board. Its ports are guarded by the leadership only: it says it stands down before it stops writing."""
    instance_id, since = store.instance()
    me = Instance(id=instance_id, host=safe_host(settings.instance_name or socket.gethostname()), since=since)
    channel = settings.slack_team_channel_id or settings.slack_channel_id
    return OtherInstances(
        me=me,
        board=board,
        store=store,
        clock=time.time,
        telling=Telling(chat=chat, channel=channel, zone=settings.zone),
        grace_s=settings.other_instance_grace_seconds,
    )


def build_workflow(
    *,
    board: Board,
    console: Console,
    store: StorePort,
    settings: Settings,
    lists: Lists,
    clock: Clock = time.time,
    listener: Listener | None = None,
    chat: Chat | None = None,
    prod_console: Console | None = None,
    drive: Drive | None = None,
    trello_pos: Sequence[Member] = (),
    others: OtherInstances | None = None,
) -> Workflow:
    """The services the workflow's entries use, each given its ports (real adapters here, fakes in tests).
    With `others`, every comment read is checked for another instance's marks and the bot's name its own."""
    emit = Emitter(listener)
    if others is not None:
        board = MarksWatched(board, others)
    steps = CardSteps(board=board, store=store, clock=clock, chat=chat, instance=others and others.me)
    requests = Requests(chat=chat, store=store, settings=settings) if chat is not None else None
    shared = {"board": board, "store": store, "settings": settings, "lists": lists, "clock": clock}
    rounds = Rounds(
        **shared,
        console=console,
        steps=steps,
        requests=requests,
        emit=emit,
        trello_pos=trello_pos,
        drive=drive,
        others=others,
    )
    decisions = Decisions(
        **shared, steps=steps, requests=requests, chat=chat, emit=emit, trello_pos=trello_pos
    )
    execution = build_execution(shared, steps, requests, emit, (console, prod_console))
    workflow: Workflow
    # A person's reply, from a card's comment or a Slack thread: read and decided the one way.
    replies = Replies(store=store, decisions=decisions, apply=lambda decision: workflow.apply(decision))
    trello_comments = None
    if trello_pos:
        trello_comments = build_trello_comments(
            shared, steps, trello_pos, replies, apply=lambda d: workflow.apply(d)
        )
    workflow = Workflow(
        **shared,
        rounds=rounds,
        decisions=decisions,
        execution=execution,
        requests=requests,
        chat=chat,
        replies=replies,
        trello_comments=trello_comments,
        others=others,
    )
    return workflow


def build_trello_comments(
    shared: dict, steps: CardSteps, pos: Sequence[Member], replies: Replies, *, apply: Callable
) -> TrelloComments:
    """POs on Trello: their comments on the cards are one more channel of replies."""
    ports = {name: shared[name] for name in ("board", "store", "settings", "clock")}
    return TrelloComments(**ports, steps=steps, pos=pos, apply=apply, replies=replies)


def build_execution(
    shared: dict,
    steps: CardSteps,
    requests: Requests | None,
    emit: Emitter,
    consoles: tuple[Console, Console | None],
) -> ExecutionFollowUp:
    """The follow-up of approved cards. PREPROD_APPLY's launches go through the dry-runs' runner and transport;
    its launchers (APPLY_MEMBERS) are resolved here, once at start-up."""
    launchers = resolve_launchers(shared["board"], shared["settings"])
    preprod, prod = consoles
    by_environment = {PREPROD: preprod} | ({PROD: prod} if prod is not None else {})
    launch = GroupLaunch(**shared, steps=steps, console=preprod, launchers=launchers, requests=requests)
    return ExecutionFollowUp(
        **shared, steps=steps, requests=requests, consoles=by_environment, emit=emit, launch=launch
    )


def resolve_trello_pos(board: TrelloBoard, settings: Settings) -> tuple[Member, ...]:
    """TRELLO_PO_MEMBERS (usernames or ids) → members, once at start-up: comments carry ids, mentions names."""
    return _members(board, settings.trello_po_refs, unknown=texts.unknown_trello_po)


def resolve_launchers(board: Board, settings: Settings) -> tuple[Member, ...]:
    """APPLY_MEMBERS (usernames or ids) → members, like TRELLO_PO_MEMBERS: ticks carry ids, comments names."""
    if not settings.preprod_apply:
        return ()
    found = _members(board, settings.apply_member_refs, unknown=texts.unknown_apply_member)
    log.info("PREPROD_APPLY on: %d member(s) may launch preprod groups; prod stays manual", len(found))
    return found


def _members(board: Board, refs: Sequence[str], *, unknown: Callable[[str], str]) -> tuple[Member, ...]:
    """Trello members from the usernames or ids a setting lists; SetupError (French) for one Trello lacks."""
    found = []
    for ref in refs:
        try:
            found.append(board.member(ref))
        except TrelloError:
            raise SetupError(unknown(ref)) from None
    return tuple(found)


def log_decision_mode(settings: Settings, trello_pos: tuple[Member, ...]) -> None:
    channels = [name for name, on in (("Slack", settings.slack_enabled), ("Trello", trello_pos)) if on]
    if channels:
        log.info("the PO decides on %s", " and ".join(channels))
    else:
        log.warning(
            "Slack disabled and TRELLO_PO_MEMBERS empty: simulated cards wait, nobody can approve them"
        )


def build_drive(settings: Settings) -> GoogleDrive | None:
    """The team's Drive folder, when both its id and the key are set (runbook step 3, option B)."""
    if not settings.drive_enabled:
        if settings.drive_folder_id or settings.google_application_credentials:
            log.warning("Drive disabled: DRIVE_FOLDER_ID and GOOGLE_APPLICATION_CREDENTIALS go together")
        return None
    return GoogleDrive(
        folder_id=settings.drive_folder_id,
        credentials_path=settings.google_application_credentials,
        base_url=settings.drive_api_base_url,
    )
