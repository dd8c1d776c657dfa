from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.settings import Settings
from tests.cogs.runs.support import runs_settings, started
from tests.fakes.discord import FakeDiscord
from tests.fakes.glif import FakeGlif
from tests.harness import Harness


@pytest.fixture
def settings(tmp_path: Path, fake_discord: FakeDiscord, fake_glif: FakeGlif) -> Settings:
    return runs_settings(tmp_path, fake_discord, fake_glif)


@pytest.fixture
async def harness(
    settings: Settings, fake_discord: FakeDiscord, fake_glif: FakeGlif
) -> AsyncIterator[Harness]:
    async with started(settings, fake_discord, fake_glif) as running:
        yield running
