"""Glide webhook administration."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.errors import UserFacingError
from bot.services import Services

if TYPE_CHECKING:
    from bot.discord_bot import GlifBot

NOT_YET = "Webhooks are not available yet."
MessageableChannel = discord.TextChannel | discord.Thread | discord.VoiceChannel


class HookAdmin:
    def __init__(self, bot: GlifBot, services: Services) -> None:
        self.bot = bot
        self.services = services

    async def autocomplete_hook(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return []

    async def create(
        self,
        interaction: discord.Interaction,
        channel: MessageableChannel,
        name: str,
        glif: str | None,
        secret: str | None,
    ) -> None:
        raise UserFacingError(NOT_YET)

    async def list(self, interaction: discord.Interaction) -> None:
        raise UserFacingError(NOT_YET)

    async def delete(self, interaction: discord.Interaction, hook: str) -> None:
        raise UserFacingError(NOT_YET)

    async def rotate(self, interaction: discord.Interaction, hook: str, secret: str | None) -> None:
        raise UserFacingError(NOT_YET)
