"""Fixtures shared across test folders live in tests/support/ and are registered here."""

from collections.abc import Iterator

import pytest

pytest_plugins = [
    "tests.support.postgres",
    "tests.support.simulator",
    "tests.support.sshd",
    "tests.support.stack",
]


@pytest.fixture(autouse=True, scope="session")
def _state_home_outside_the_real_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The default state (and crash reports) live under XDG_STATE_HOME: never the real home's during tests.
    Tests that use the default set their own, in their tmp_path; this only catches one that forgot."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("xdg-state-home")))
        yield
