"""`/glifadmin`: server admins connect Glide webhooks to channels."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.webhooks.auth import MAX_SECRET_LENGTH, MIN_SECRET_LENGTH
from bot.webhooks.store import MAX_HOOK_NAME_LENGTH
from cogs.glif import GlifReference
from cogs.hooks_admin import HookAdmin, MessageableChannel

HookName = app_commands.Range[str, 1, MAX_HOOK_NAME_LENGTH]
HookSecret = app_commands.Range[str, MIN_SECRET_LENGTH, MAX_SECRET_LENGTH]


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class GlifAdminCog(
    commands.GroupCog, group_name="glifadmin", group_description="Server settings for glifbot"
):
    webhook = app_commands.Group(
        name="webhook", description="Glide webhooks announced in a channel"
    )

    def __init__(self, hooks: HookAdmin) -> None:
        self.hooks = hooks
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        # Default permissions are only a hint that server admins can change: this is the rule.
        if not interaction.permissions.manage_guild:
            raise app_commands.MissingPermissions(["manage_guild"])
        return True

    async def _autocomplete_hook(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self.hooks.autocomplete_hook(interaction, current)

    @webhook.command(name="create", description="Create a webhook that posts to a channel")
    @app_commands.describe(
        channel="Where its announcements go",
        name="A name shown on each announcement",
        glif="Run this glif with the webhook's params instead of announcing them",
        secret="Glide's password for this webhook (default: a new random one)",  # noqa: S106
    )
    async def webhook_create(
        self,
        interaction: discord.Interaction,
        channel: MessageableChannel,
        name: HookName,
        glif: GlifReference | None = None,
        secret: HookSecret | None = None,
    ) -> None:
        await self.hooks.create(interaction, channel, name, glif, secret)

    @webhook.command(name="list", description="This server's webhooks and their delivery counts")
    async def webhook_list(self, interaction: discord.Interaction) -> None:
        await self.hooks.list(interaction)

    @webhook.command(name="delete", description="Delete a webhook; its URL stops working")
    @app_commands.describe(hook="The webhook to delete")
    @app_commands.autocomplete(hook=_autocomplete_hook)
    async def webhook_delete(
        self, interaction: discord.Interaction, hook: app_commands.Range[str, 1, 100]
    ) -> None:
        await self.hooks.delete(interaction, hook)

    @webhook.command(name="rotate", description="Replace a webhook's secret")
    @app_commands.describe(
        hook="The webhook whose secret to replace",
        secret="The new secret (default: a new random one)",  # noqa: S106
    )
    @app_commands.autocomplete(hook=_autocomplete_hook)
    async def webhook_rotate(
        self,
        interaction: discord.Interaction,
        hook: app_commands.Range[str, 1, 100],
        secret: HookSecret | None = None,
    ) -> None:
        await self.hooks.rotate(interaction, hook, secret)
