"""Project-wide pytest configuration."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.settings import Settings
from tests.fakes.discord import FakeDiscord
from tests.fakes.glif import FakeGlif
from tests.harness import Harness, make_settings, running_harness

if TYPE_CHECKING:
    # Imported for the annotation only: importing the plugin here would stop pytest from
    # rewriting its asserts.
    from tests.fakes.discord_plugin import DiscordErrorCollector

pytest_plugins = [
    "tests.fakes.discord_plugin",
    "tests.fakes.glif_plugin",
    "tests.cogs.hooks.delivery_plugin",
]


@pytest.fixture(autouse=True)
def _fail_on_logged_errors(
    fail_on_discord_errors: "DiscordErrorCollector",
) -> "DiscordErrorCollector":
    """discord.py and the bot's own error path only log handler errors: make them fail tests."""
    return fail_on_discord_errors


@pytest.fixture
def settings(tmp_path: Path, fake_discord: FakeDiscord, fake_glif: FakeGlif) -> Settings:
    return make_settings(tmp_path, fake_discord, fake_glif)


@pytest.fixture
async def harness(
    settings: Settings, fake_discord: FakeDiscord, fake_glif: FakeGlif
) -> AsyncIterator[Harness]:
    async with running_harness(settings, fake_discord, fake_glif) as running:
        yield running
