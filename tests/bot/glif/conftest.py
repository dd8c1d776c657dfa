from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest

from bot.glif.client import GlifClient
from tests.fakes.glif import FakeGlif

ClientFactory = Callable[..., GlifClient]


class ManualClock:
    """A monotonic clock that only moves when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def make_client(fake_glif: FakeGlif) -> AsyncIterator[ClientFactory]:
    """Build clients on the fake with chosen options; retries never wait."""
    async with aiohttp.ClientSession() as session:

        def build(**options: Any) -> GlifClient:
            settings: dict[str, Any] = {
                "api_url": fake_glif.api_url,
                "simple_api_url": fake_glif.simple_api_url,
                "backoff_base": 0,
            }
            return GlifClient(session, **(settings | options))

        yield build
