"""The Discord client: loads the given extensions, syncs commands only when they changed, and runs
the webhook feature, whose announcements it posts."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import cast

import discord
import yarl
from discord.ext import commands

from bot.command_sync import sync_if_changed
from bot.command_tree import GlifbotTree
from bot.services import Services
from bot.settings import Settings
from bot.webhooks import Webhooks
from bot.webhooks.discord_sender import DiscordSender
from bot.webhooks.events import EventStore
from bot.webhooks.glif_posts import GlifPoster
from bot.webhooks.hook_glifs import HookGlifRunner

log = logging.getLogger(__name__)


def point_discord_at(settings: Settings) -> None:
    """Send REST calls (interaction webhooks included) and the gateway through configured proxies.

    discord.py keeps both as class attributes, so this is process-wide; it runs once at start-up.
    """
    discord.http.Route.BASE = settings.discord_api_url
    if settings.discord_gateway_url is not None:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


class GlifBot(commands.Bot):
    def __init__(self, services: Services, extensions: Sequence[str]) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            # Guilds alone: interactions arrive without any intent, and no member list is needed.
            intents=discord.Intents(guilds=True),
            tree_cls=GlifbotTree,
            # Glif outputs and webhook params are untrusted text: nothing the bot posts may ping.
            allowed_mentions=discord.AllowedMentions.none(),
            chunk_guilds_at_startup=False,
            max_messages=None,
        )
        self.services = services
        self.webhooks = _webhooks_posting_through(self, services)
        self._extension_names = tuple(extensions)

    @property
    def command_tree(self) -> GlifbotTree:
        return cast(GlifbotTree, self.tree)

    async def setup_hook(self) -> None:
        for name in self._extension_names:
            await self.load_extension(name)
        # Logged in, so announcements can be sent: events left pending by the last run go first.
        await self.webhooks.start()
        settings = self.services.settings
        await sync_if_changed(self.tree, self.services.database, settings.dev_guild_id)

    async def close(self) -> None:
        """Stop the webhook feature while Discord is still reachable, then disconnect.

        Call it once the web server has stopped, so that no request is still queueing events.
        """
        await self.webhooks.stop()
        await super().close()

    async def on_ready(self) -> None:
        log.info("Connected to Discord as %s (id %s)", self.user, self.application_id)

    def connection_state(self) -> str:
        """What `/healthz` reports: closed, connecting (or reconnecting), or connected."""
        if self.is_closed():
            return "closed"
        socket = self.ws
        if not self.is_ready() or socket is None or socket.socket.closed:
            return "connecting"
        return "connected"


def _webhooks_posting_through(client: discord.Client, services: Services) -> Webhooks:
    runner = HookGlifRunner(services.glif, services.tokens)
    poster = GlifPoster(runner, EventStore(services.database), services.media)
    return Webhooks(
        services.database,
        services.settings,
        sender=DiscordSender(client),
        run_glif_as=runner.output_as,
        compose=poster.compose,
    )
