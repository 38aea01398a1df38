"""The "walk" of one new card to its posted synthesis: how many functions of the bot's control flow a poll
visits, in how many rooms, and how often control climbs back into a module it had left.

Run: `.venv/bin/python tools/walk.py` (fakes of our own ports, no network, one poll of one new card). Counted
with `sys.setprofile`, for three layers (every `bot` module; the services `bot.app`; the services without the
side-effect primitives):
- stops: calls of the layer's functions (each entry into a function);
- functions, modules: the rooms — distinct functions entered, distinct modules entered;
- climbs back: returns from a function of the layer into a caller of the layer in another module (control
  going back up to a module it had left).
A fourth figure stops at the first journaled side effect (the first call into `bot.app.steps`): the walk a
reader makes to learn what the poll decided the card needs.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.adapters.store import Store  # noqa: E402
from bot.app.rounds import Lists  # noqa: E402
from bot.settings import Settings  # noqa: E402
from tests.support.fakes import LABEL_ID, LISTS, FakeBoard, FakeClock, FakeConsole  # noqa: E402

TICKET = (ROOT / "sandbox/tickets/runbook.txt").read_text(encoding="utf-8")
LAYER = "bot.app."


def build(store: Store, board: FakeBoard, clock: FakeClock):
    lists = Lists(
        todo=LISTS["À simuler"],
        waiting=LISTS["En attente validation PO"],
        fix=LISTS["À corriger"],
        approved=LISTS["Validé — à exécuter"],
        done=LISTS["Terminé"],
        label=LABEL_ID,
    )
    options = dict(
        board=board,
        console=FakeConsole(),
        store=store,
        settings=Settings(_env_file=None),
        lists=lists,
        clock=clock,
    )
    try:
        from bot.bootstrap import build_workflow
    except ImportError:  # before issue 18: the workflow built its own services
        from bot.app.workflow import Workflow

        return Workflow(**options)
    return build_workflow(**options)


def walk(*, layer: str = LAYER, skip: tuple[str, ...] = (), until: str | None = None) -> dict[str, int]:
    calls: list[str] = []
    functions: set[str] = set()
    modules: set[str] = set()
    climbs = 0

    stopped = False

    def profile(frame, event, arg):
        nonlocal climbs, stopped
        if event not in ("call", "return") or stopped:
            return
        module = frame.f_globals.get("__name__", "")
        if until is not None and module == until:
            stopped = True  # the first side effect: what the card needs has been decided
            return
        if not module.startswith(layer) or module in skip:
            return
        name = f"{module}.{frame.f_code.co_qualname}"
        if event == "call":
            calls.append(name)
            functions.add(name)
            modules.add(module)
            return
        caller = frame.f_back
        caller_module = caller.f_globals.get("__name__", "") if caller is not None else ""
        if caller_module.startswith(layer) and caller_module not in skip and caller_module != module:
            climbs += 1

    with tempfile.TemporaryDirectory() as directory:
        store = Store(Path(directory) / "state.sqlite3")
        board, clock = FakeBoard(), FakeClock()
        workflow = build(store, board, clock)
        card = board.add_card("Migration des dossiers usagers - France Fraternités", TICKET)
        sys.setprofile(profile)
        try:
            workflow.poll()
        finally:
            sys.setprofile(None)
        assert board.list_of(card) == "En attente validation PO", "the synthesis was not posted"
        store.close()
    return {"stops": len(calls), "functions": len(functions), "modules": len(modules), "climbs_back": climbs}


# The side-effect primitives (journaled steps, Slack requests, workbooks): the same under any control flow.
PRIMITIVES = ("bot.app.steps", "bot.app.requests", "bot.app.publication", "bot.app.simulation")

LAYERS = (
    ("bot (every module: domain, texts, app)", "bot.", (), None),
    ("bot.app (the services)", LAYER, (), None),
    ("control flow (bot.app without steps/requests/publication/simulation)", LAYER, PRIMITIVES, None),
    (
        "deciding what the card needs (bot, up to its first journaled side effect)",
        "bot.",
        (),
        "bot.app.steps",
    ),
)

if __name__ == "__main__":
    for title, layer, skip, until in LAYERS:
        figures = walk(layer=layer, skip=skip, until=until)
        print(f"{title}: " + " ".join(f"{name}={value}" for name, value in figures.items()))
