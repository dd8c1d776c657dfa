"""`/glif`: every subcommand declared in one place; the work is done by the feature objects."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from cogs.discovery import Discovery
from cogs.runs import Runs
from cogs.tokens import TokenCommands

GLIF_DESCRIPTION = "A glif id, a glif.app link, or start typing a name"
Query = app_commands.Range[str, 1, 100]
GlifReference = app_commands.Range[str, 1, 200]
GlifUsername = app_commands.Range[str, 1, 64]
Prompt = app_commands.Range[str, 1, 4000]

# Per member, so that one member cannot spend the bot's Glif rate limit or the shared token.
# Each is one budget shared by every command it decorates (discord.py keeps one mapping per
# `cooldown()` call). Buttons are bounded elsewhere: the run queue's per-member cap, the quota.
reads_per_minute = app_commands.checks.cooldown(20, 60.0)
runs_per_minute = app_commands.checks.cooldown(6, 60.0)
token_checks_per_minute = app_commands.checks.cooldown(5, 60.0)


class GlifCog(
    commands.GroupCog, group_name="glif", group_description="Find and run glifs from glif.app"
):
    token = app_commands.Group(
        name="token", description="Your own Glif API token, which your runs are billed to"
    )

    def __init__(self, discovery: Discovery, runs: Runs, tokens: TokenCommands) -> None:
        self.discovery = discovery
        self.runs_feature = runs
        self.tokens = tokens
        super().__init__()

    async def cog_unload(self) -> None:
        await self.discovery.close()

    async def _autocomplete_glif(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self.discovery.autocomplete_glif(interaction, current)

    @app_commands.command(description="Search public glifs")
    @app_commands.describe(query="Words to look for in glif names")
    @reads_per_minute
    async def search(self, interaction: discord.Interaction, query: Query) -> None:
        await self.discovery.search(interaction, query)

    @app_commands.command(description="The glifs featured on glif.app")
    @reads_per_minute
    async def featured(self, interaction: discord.Interaction) -> None:
        await self.discovery.featured(interaction)

    @app_commands.command(description="A glif's details, inputs and recent runs")
    @app_commands.describe(glif=GLIF_DESCRIPTION)
    @app_commands.autocomplete(glif=_autocomplete_glif)
    @reads_per_minute
    async def info(self, interaction: discord.Interaction, glif: GlifReference) -> None:
        await self.discovery.info(interaction, glif)

    @app_commands.command(description="Run a glif and post its output here")
    @app_commands.describe(
        glif=GLIF_DESCRIPTION,
        prompt="Text for the glif's first text input",
        image="An image for the glif's first image input",
        private="Keep the run private on glif.app (default: yes)",
    )
    @app_commands.autocomplete(glif=_autocomplete_glif)
    @runs_per_minute
    async def run(
        self,
        interaction: discord.Interaction,
        glif: GlifReference,
        prompt: Prompt | None = None,
        image: discord.Attachment | None = None,
        private: bool = True,
    ) -> None:
        await self.runs_feature.run(interaction, glif, prompt=prompt, image=image, private=private)

    @app_commands.command(description="Recent public runs of a glif or of a Glif user")
    @app_commands.describe(glif=GLIF_DESCRIPTION, user="A glif.app username")
    @app_commands.autocomplete(glif=_autocomplete_glif)
    @reads_per_minute
    async def runs(
        self,
        interaction: discord.Interaction,
        glif: GlifReference | None = None,
        user: GlifUsername | None = None,
    ) -> None:
        await self.discovery.runs(interaction, glif, user)

    @app_commands.command(description="A Glif user's profile and glifs")
    @app_commands.describe(username="A glif.app username")
    @reads_per_minute
    async def user(self, interaction: discord.Interaction, username: GlifUsername) -> None:
        await self.discovery.user(interaction, username)

    @app_commands.command(description="Your runs made through this bot")
    async def history(self, interaction: discord.Interaction) -> None:
        await self.runs_feature.history(interaction)

    @app_commands.command(description="Delete everything this bot stores about you")
    async def forget(self, interaction: discord.Interaction) -> None:
        await self.tokens.forget(interaction)

    @token.command(name="set", description="Set your Glif API token (opens a private form)")
    @token_checks_per_minute
    async def token_set(self, interaction: discord.Interaction) -> None:
        await self.tokens.set(interaction)

    @token.command(name="status", description="Whether you have a token, and its credits")
    @token_checks_per_minute
    async def token_status(self, interaction: discord.Interaction) -> None:
        await self.tokens.status(interaction)

    @token.command(name="remove", description="Delete your Glif API token from this bot")
    async def token_remove(self, interaction: discord.Interaction) -> None:
        await self.tokens.remove(interaction)
