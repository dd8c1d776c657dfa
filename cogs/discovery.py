"""Finding glifs, runs, users and spheres."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.errors import UserFacingError
from bot.services import Services

NOT_YET = "This command is not available yet."


class Discovery:
    def __init__(self, services: Services) -> None:
        self.services = services

    async def autocomplete_glif(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return []

    async def search(self, interaction: discord.Interaction, query: str) -> None:
        raise UserFacingError(NOT_YET)

    async def featured(self, interaction: discord.Interaction) -> None:
        raise UserFacingError(NOT_YET)

    async def info(self, interaction: discord.Interaction, glif: str) -> None:
        raise UserFacingError(NOT_YET)

    async def runs(
        self, interaction: discord.Interaction, glif: str | None, user: str | None
    ) -> None:
        raise UserFacingError(NOT_YET)

    async def user(self, interaction: discord.Interaction, username: str) -> None:
        raise UserFacingError(NOT_YET)

    async def spheres(self, interaction: discord.Interaction) -> None:
        raise UserFacingError(NOT_YET)

    async def sphere(self, interaction: discord.Interaction, sphere: str) -> None:
        raise UserFacingError(NOT_YET)
