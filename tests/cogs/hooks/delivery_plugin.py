"""Fixtures for tests that watch webhook delivery, shared by `tests/cogs/hooks` and `tests/faults`
(registered in `tests/conftest.py`)."""

import pytest

from bot.webhooks import delivery
from tests.cogs.hooks.support import Settlements
from tests.harness import Harness

# Retries come this fast, so that a test can watch a few of them; the backoff doubles as ever.
FAST_FIRST_RETRY_SECONDS = 0.01


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(delivery, "FIRST_RETRY_SECONDS", FAST_FIRST_RETRY_SECONDS)


@pytest.fixture
def settlements(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> Settlements:
    watched = Settlements()
    watched.watch(harness.bot.webhooks.events, monkeypatch)
    return watched
