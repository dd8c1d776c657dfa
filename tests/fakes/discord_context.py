"""Point discord.py at a `FakeDiscord` for the duration of a `with` block."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

import discord.asset
import discord.gateway
import discord.http
import yarl

if TYPE_CHECKING:
    from tests.fakes.discord import FakeDiscord


@contextlib.contextmanager
def pointing_discord_at(fake: FakeDiscord) -> Iterator[FakeDiscord]:
    """Redirect discord.py's REST base, gateway and CDN to `fake`, then restore them.

    `Route.BASE` covers the bot's HTTP client and also interaction responses and
    followups: `discord.webhook.async_` imports that same `Route` class. Patching
    `Asset.BASE` keeps avatar/icon downloads offline too.
    """
    route_base = discord.http.Route.BASE
    gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    asset_base = discord.asset.Asset.BASE
    discord.http.Route.BASE = fake.api_url
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    discord.asset.Asset.BASE = fake.cdn_url
    try:
        yield fake
    finally:
        discord.http.Route.BASE = route_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway
        discord.asset.Asset.BASE = asset_base
