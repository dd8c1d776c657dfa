"""pytest fixtures for the fake Discord.

Register with `pytest_plugins = ["tests.fakes.discord_plugin"]` in tests/conftest.py.

- `fake_discord`: a started `FakeDiscord` that discord.py is pointed at; after the
  test it fails if the fake itself hit a bug.
- `fail_on_discord_errors`: fails the test if a `discord.*`, `bot.*` or `cogs.*` logger
  emitted an ERROR record (discord.py reports exceptions in handlers, views, modals and app
  commands only by logging them). Make it autouse in a conftest with
  `@pytest.fixture(autouse=True)` wrapping it, and opt a test out with
  `@pytest.mark.allow_discord_errors`, or call `expect(pattern)` on the fixture
  value for errors the test provokes on purpose.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterator

import pytest

from tests.fakes.discord import FakeDiscord
from tests.fakes.discord_context import pointing_discord_at

ALLOW_MARKER = "allow_discord_errors"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{ALLOW_MARKER}: do not fail the test on ERROR logs from discord.*"
    )


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    await fake.start()
    try:
        with pointing_discord_at(fake):
            yield fake
    finally:
        await fake.close()
    assert not fake.internal_errors, f"fake Discord failed: {fake.internal_errors}"


class DiscordErrorCollector(logging.Handler):
    """Collects ERROR records from discord.* loggers, minus expected ones."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []
        self._expected: list[re.Pattern[str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def expect(self, pattern: str) -> None:
        """Tolerate error records whose message matches `pattern` (regex search)."""
        self._expected.append(re.compile(pattern))

    def unexpected(self) -> list[logging.LogRecord]:
        return [
            r for r in self.records if not any(p.search(r.getMessage()) for p in self._expected)
        ]


# The bot's own error path (its command tree, views and workers) logs under these too.
WATCHED_LOGGERS = ("discord", "bot", "cogs")


@pytest.fixture
def fail_on_discord_errors(request: pytest.FixtureRequest) -> Iterator[DiscordErrorCollector]:
    collector = DiscordErrorCollector()
    loggers = [logging.getLogger(name) for name in WATCHED_LOGGERS]
    previous_levels = [logger.level for logger in loggers]
    for logger in loggers:
        if not logger.isEnabledFor(logging.ERROR):
            logger.setLevel(logging.ERROR)
        logger.addHandler(collector)
    try:
        yield collector
    finally:
        for logger, level in zip(loggers, previous_levels, strict=True):
            logger.removeHandler(collector)
            logger.setLevel(level)
    if request.node.get_closest_marker(ALLOW_MARKER) is None and collector.unexpected():
        report = "\n".join(_describe(r) for r in collector.unexpected())
        pytest.fail(f"errors were logged:\n{report}", pytrace=False)


def _describe(record: logging.LogRecord) -> str:
    text = f"{record.name}: {record.getMessage()}"
    if record.exc_info and record.exc_info[1] is not None:
        text += f" ({record.exc_info[1]!r})"
    return text
