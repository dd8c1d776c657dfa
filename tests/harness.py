"""A real GlifBot, logged in against the fake Discord and the fake Glif, on a temp database, with
its web app (the webhook endpoint among it) served on 127.0.0.1 at `harness.web_url`.

async def test_something(harness: Harness) -> None:
    payload = harness.slash("glif", subcommand("featured"))
    callback = await harness.discord.wait_for_callback(int(payload["id"]))

Commands whose options resolve to channels or members need the guild in discord.py's cache, which
only the gateway fills: `await harness.connect_gateway()` first.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from cryptography.fernet import Fernet
from pydantic import SecretStr

from bot.__main__ import EXTENSIONS, build_web_app
from bot.database import Database
from bot.discord_bot import GlifBot
from bot.encryption import build_cipher
from bot.redaction import Redactor
from bot.services import Services, build_services
from bot.settings import Settings
from bot.web.server import WebServer
from tests import payloads
from tests.fakes.discord import FakeDiscord
from tests.fakes.glif import FakeGlif

DISCORD_TOKEN = "fake-discord-bot-token.abcdef.ghijkl"
GATEWAY_TIMEOUT = 10.0


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
    return Settings(_env_file=None, **values)


@dataclass
class Harness:
    bot: GlifBot
    services: Services
    discord: FakeDiscord
    glif: FakeGlif
    env: payloads.InteractionEnv
    web_url: str
    _gateway: asyncio.Task[None] | None = field(default=None, repr=False)

    async def connect_gateway(self) -> None:
        """Connect to the fake gateway and wait until the fake's guild is cached.

        Waiting for the guild rather than for ready: discord.py declares itself ready only
        after two quiet seconds without more guilds.
        """
        guild_cached = self.bot.wait_for(
            "guild_available",
            check=lambda guild: guild.id == self.discord.guild_id,
            timeout=GATEWAY_TIMEOUT,
        )
        self._gateway = asyncio.create_task(self.bot.connect(reconnect=False))
        await guild_cached

    async def gateway_closed(self) -> None:
        """Once the bot is closed: collect the gateway connection, which ended with it."""
        if self._gateway is not None:
            await self._gateway

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
    """Services built as `python -m bot` builds them, a bot logged in (setup_hook run), and the
    web app served; stopped in the order `python -m bot` stops them."""
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
                    web_app = build_web_app(services, bot)
                    server = WebServer(web_app, settings.http_host, settings.http_port)
                    await server.start()
                    running = Harness(
                        bot,
                        services,
                        discord,
                        glif,
                        payloads.env_for(discord),
                        web_url=f"http://{settings.http_host}:{server.port}",
                    )
                    try:
                        yield running
                    finally:
                        await server.stop()
                        await bot.close()
                        await running.gateway_closed()
            finally:
                await services.close()
    finally:
        await database.close()
