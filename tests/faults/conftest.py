import asyncio
import types
from pathlib import Path

import discord.webhook.async_
import pytest

from bot.settings import Settings
from tests.cogs.runs.support import runs_settings
from tests.fakes.discord import FakeDiscord
from tests.fakes.glif import FakeGlif


@pytest.fixture
def settings(tmp_path: Path, fake_discord: FakeDiscord, fake_glif: FakeGlif) -> Settings:
    return runs_settings(tmp_path, fake_discord, fake_glif)


async def _no_pause(_seconds: float, result: object = None) -> object:
    await asyncio.sleep(0)
    return result


@pytest.fixture
def instant_interaction_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """discord.py retries a 5xx from an interaction webhook after 1, 3, 5 and 7 s, with
    `asyncio.sleep` looked up in its module: that module gets an asyncio whose sleep is a
    mere yield, so a test sees all five attempts at once."""
    hurried = types.SimpleNamespace(**vars(asyncio))
    hurried.sleep = _no_pause
    monkeypatch.setattr(discord.webhook.async_, "asyncio", hurried)
