"""The captured Symfony renderings of tests/fixtures/console and the figures each must read back as.

`scenarios.json` is the data render.php fed to the real Symfony classes; the expected `Figures` are built
from it here, independently of the reader under test.
"""

from __future__ import annotations

import json
from pathlib import Path

from bot.domain.model import AccommodationConflict, Accommodations, CenterCount, Figures

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "console"
RENDER_SCRIPT = FIXTURES / "render.php"


def _count(data: dict) -> CenterCount:
    return CenterCount(
        id=data["id"], name=data["name"], before=data["before"], after=data["after"], moved=data["moved"]
    )


def _accommodations(data: dict | None) -> Accommodations | None:
    if data is None:
        return None
    conflicts = tuple(
        AccommodationConflict(
            center_id=c["center_id"],
            accommodation_id=c["accommodation_id"],
            not_migrated=tuple(c["not_migrated"]),
            migrated=tuple(c["migrated"]),
        )
        for c in data["conflicts"]
    )
    return Accommodations(to_migrate=data["to_migrate"], conflicts=conflicts)


def expected_figures() -> dict[str, Figures]:
    """Scenario name → the figures its renderings hold."""
    scenarios = json.loads((FIXTURES / "scenarios.json").read_text(encoding="utf-8"))
    return {
        name: Figures(_count(s["origin"]), _count(s["destination"]), _accommodations(s["accommodations"]))
        for name, s in scenarios.items()
    }


def scenario_of(fixture: Path) -> str:
    """`summary-runbook-accommodations.box.ansi.txt` → `runbook-accommodations`."""
    return fixture.name.split(".", 1)[0].removeprefix("summary-")


def summary_fixtures(directory: Path = FIXTURES) -> list[Path]:
    return sorted(directory.glob("summary-*.txt"))


def read_text(path: Path) -> str:
    # newline="" keeps the CRLF variants' line ends as captured
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()
