from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from tests.fakes.discord import FakeDiscord
from tests.fakes.glif import FakeGlif
from tests.harness import Harness, make_settings, running_harness

StartHarness = Callable[..., AbstractAsyncContextManager[Harness]]


@pytest.fixture
def start_harness(tmp_path: Path, fake_discord: FakeDiscord, fake_glif: FakeGlif) -> StartHarness:
    """A harness whose settings differ from the default ones by the given overrides."""

    def start(**overrides: Any) -> AbstractAsyncContextManager[Harness]:
        settings = make_settings(tmp_path, fake_discord, fake_glif, **overrides)
        return running_harness(settings, fake_discord, fake_glif)

    return start


SHARED_TOKEN = "shared-token-of-the-server"
SHARED_DAILY_RUNS = 3


@pytest.fixture
async def shared_token_harness(start_harness: StartHarness) -> AsyncIterator[Harness]:
    """A harness whose server has a shared Glif token for three runs a day per member."""
    async with start_harness(
        glif_api_token=SecretStr(SHARED_TOKEN), shared_token_daily_runs=SHARED_DAILY_RUNS
    ) as harness:
        yield harness
