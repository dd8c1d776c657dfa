"""Members' Glif tokens."""

from __future__ import annotations

import discord

from bot.errors import UserFacingError
from bot.services import Services

NOT_YET = "This command is not available yet."


class TokenCommands:
    def __init__(self, services: Services) -> None:
        self.services = services

    async def set(self, interaction: discord.Interaction) -> None:
        raise UserFacingError(NOT_YET)

    async def status(self, interaction: discord.Interaction) -> None:
        raise UserFacingError(NOT_YET)

    async def remove(self, interaction: discord.Interaction) -> None:
        raise UserFacingError(NOT_YET)

    async def forget(self, interaction: discord.Interaction) -> None:
        raise UserFacingError(NOT_YET)
