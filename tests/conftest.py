"""Fixtures shared across test folders live in tests/support/ and are registered here."""

pytest_plugins = [
    "tests.support.postgres",
    "tests.support.simulator",
    "tests.support.sshd",
    "tests.support.stack",
]
