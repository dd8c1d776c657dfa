"""A real GlifBot, logged in against the fake Discord and the fake Glif, on a temp database.

async def test_something(harness: Harness) -> None:
    payload = harness.slash("glif", subcommand("featured"))
    callback = await harness.discord.wait_for_callback(int(payload["id"]))
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from cryptography.fernet import Fernet
from pydantic import SecretStr

from bot.__main__ import EXTENSIONS
from bot.database import Database
from bot.discord_bot import GlifBot
from bot.encryption import build_cipher
from bot.redaction import Redactor
from bot.services import Services, build_services
from bot.settings import Settings
from tests import payloads
from tests.fakes.discord import FakeDiscord
from tests.fakes.glif import FakeGlif

DISCORD_TOKEN = "fake-discord-bot-token.abcdef.ghijkl"


def make_settings(
    tmp_path: Path, discord: FakeDiscord, glif: FakeGlif, **overrides: Any
) -> Settings:
    values: dict[str, Any] = {
        "discord_token": SecretStr(DISCORD_TOKEN),
        "database_path": tmp_path / "data" / "glifbot.sqlite3",
        "encryption_keys": (SecretStr(Fernet.generate_key().decode()),),
        "glif_api_url": glif.api_url,
        "glif_simple_api_url": glif.simple_api_url,
        "discord_api_url": discord.api_url,
        "discord_gateway_url": discord.gateway_url,
        "http_host": "127.0.0.1",
        "http_port": 0,
        "media_hosts": ("127.0.0.1",),
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class Harness:
    bot: GlifBot
    services: Services
    discord: FakeDiscord
    glif: FakeGlif
    env: payloads.InteractionEnv

    def dispatch(self, payload: dict[str, Any]) -> dict[str, Any]:
        self.discord.dispatch_interaction(self.bot, payload)
        return payload

    def slash(
        self, name: str, *options: payloads.Part, actor: payloads.Actor | None = None
    ) -> dict[str, Any]:
        actor = actor or payloads.Actor.member()
        return self.dispatch(payloads.slash_command(self.env, actor, name, *options))


@asynccontextmanager
async def running_harness(
    settings: Settings, discord: FakeDiscord, glif: FakeGlif
) -> AsyncIterator[Harness]:
    """Services built as `python -m bot` builds them, and a bot logged in (setup_hook run)."""
    redactor = Redactor(settings.secrets())
    keys = [key.get_secret_value() for key in settings.encryption_keys]
    database = await Database.open(settings.database_path)
    try:
        async with aiohttp.ClientSession() as http:
            services = await build_services(
                settings, database, http, redactor, build_cipher(keys), allow_private_media=True
            )
            try:
                bot = GlifBot(services, EXTENSIONS)
                async with bot:
                    await bot.login(settings.discord_token.get_secret_value())
                    yield Harness(bot, services, discord, glif, payloads.env_for(discord))
            finally:
                await services.close()
    finally:
        await database.close()
