"""`/sphere`: public spheres (collections of glifs) and their glifs."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from cogs.discovery import Discovery
from cogs.glif import reads_per_minute


class SphereCog(
    commands.GroupCog, group_name="sphere", group_description="Spheres: collections of glifs"
):
    def __init__(self, discovery: Discovery) -> None:
        self.discovery = discovery
        super().__init__()

    @app_commands.command(name="list", description="Public spheres")
    @reads_per_minute
    async def list_spheres(self, interaction: discord.Interaction) -> None:
        await self.discovery.spheres(interaction)

    @app_commands.command(description="A sphere's glifs")
    @app_commands.describe(sphere="A sphere's name from glif.app/spheres, its id or its link")
    @reads_per_minute
    async def show(
        self, interaction: discord.Interaction, sphere: app_commands.Range[str, 1, 200]
    ) -> None:
        await self.discovery.sphere(interaction, sphere)
