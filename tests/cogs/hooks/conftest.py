import pytest

from bot.webhooks import delivery
from tests.cogs.hooks.support import Settlements
from tests.harness import Harness

# Retries come this fast, so that a test can watch a few of them; the backoff doubles as ever.
FAST_FIRST_RETRY_SECONDS = 0.01


@pytest.fixture
async def admin_harness(harness: Harness) -> Harness:
    """A harness connected to the gateway: `channel` options resolve from the guild's cache."""
    await harness.connect_gateway()
    return harness


@pytest.fixture
def settlements(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> Settlements:
    watched = Settlements()
    watched.watch(harness.bot.webhooks.events, monkeypatch)
    return watched


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(delivery, "FIRST_RETRY_SECONDS", FAST_FIRST_RETRY_SECONDS)
