"""Running glifs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from bot.errors import UserFacingError
from bot.services import Services

if TYPE_CHECKING:
    from bot.discord_bot import GlifBot

NOT_YET = "Running glifs is not available yet."


class Runs:
    def __init__(self, bot: GlifBot, services: Services) -> None:
        self.bot = bot
        self.services = services

    async def run(
        self,
        interaction: discord.Interaction,
        glif: str,
        *,
        prompt: str | None,
        image: discord.Attachment | None,
        private: bool,
    ) -> None:
        raise UserFacingError(NOT_YET)

    async def history(self, interaction: discord.Interaction) -> None:
        raise UserFacingError(NOT_YET)
