"""`/glifadmin webhook create|list|delete|rotate`: server admins connect Glide to channels.

`GlifAdminCog` declares the commands and checks Manage Server; this does the work. Every reply is
ephemeral: the admin alone sees URLs and secrets.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.errors import UserFacingError
from bot.glif.references import parse_glif_reference
from bot.services import Services
from bot.webhooks import Hook, HookAdminError, hook_url
from cogs import hooks_replies as replies

if TYPE_CHECKING:
    from bot.discord_bot import GlifBot

log = logging.getLogger(__name__)

MessageableChannel = discord.TextChannel | discord.Thread | discord.VoiceChannel
MAX_CHOICES = 25
_MAX_CHOICE_NAME = 100


class HookAdmin:
    def __init__(self, bot: GlifBot, services: Services) -> None:
        self.services = services
        # The endpoint's own store: it caches hooks, so changes must go through it.
        self.hooks = bot.webhooks.hooks

    async def autocomplete_hook(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        wanted = current.strip().casefold()
        # Asked at every keystroke: the hooks alone, without list's counts over their events.
        hooks = await self.hooks.hooks_of(_guild_id(interaction))
        return [
            app_commands.Choice(name=hook.name[:_MAX_CHOICE_NAME], value=hook.id)
            for hook in hooks
            if wanted in hook.name.casefold()
        ][:MAX_CHOICES]

    async def create(
        self,
        interaction: discord.Interaction,
        channel: MessageableChannel,
        name: str,
        glif: str | None,
        secret: str | None,
    ) -> None:
        # Checking the glif asks Glif, which can take longer than Discord's 3 s to answer.
        await interaction.response.defer(ephemeral=True, thinking=True)
        missing = missing_permissions(channel, runs_glif=glif is not None)
        if missing:
            raise UserFacingError(replies.cannot_post(channel.id, missing))
        glif_id, glif_name = await self._checked_glif(interaction.user.id, glif)
        hook, secret = await self.hooks.create_hook(
            guild_id=_guild_id(interaction),
            channel_id=channel.id,
            name=name,
            created_by=interaction.user.id,
            glif_id=glif_id,
            secret=secret,
        )
        log.info("Webhook %s created in guild %s by %s", hook.id, hook.guild_id, hook.created_by)
        await interaction.followup.send(
            replies.created(hook, self._url(hook), self._shown(secret), glif_name), ephemeral=True
        )

    async def list(self, interaction: discord.Interaction) -> None:
        summaries = await self.hooks.list_hooks(_guild_id(interaction))
        await interaction.response.send_message(replies.listed(summaries), ephemeral=True)

    async def delete(self, interaction: discord.Interaction, hook: str) -> None:
        found = await self._find(interaction, hook)
        await self.hooks.delete_hook(found.guild_id, found.id)
        log.info("Webhook %s deleted by %s", found.id, interaction.user.id)
        await interaction.response.send_message(replies.deleted(found), ephemeral=True)

    async def rotate(self, interaction: discord.Interaction, hook: str, secret: str | None) -> None:
        found = await self._find(interaction, hook)
        secret = await self.hooks.rotate_secret(found.guild_id, found.id, secret)
        log.info("Webhook %s got a new secret from %s", found.id, interaction.user.id)
        await interaction.response.send_message(
            replies.rotated(found, self._url(found), self._shown(secret)), ephemeral=True
        )

    async def _checked_glif(
        self, member_id: int, reference: str | None
    ) -> tuple[str | None, str | None]:
        """The glif's id and name, read with the member's own token, which will pay its runs."""
        if reference is None:
            return None, None
        glif_id = parse_glif_reference(reference)
        token = await self.services.tokens.token_for_read(member_id)
        if token is None:
            raise UserFacingError(replies.OWN_GLIF_ACCOUNT_NEEDED)
        glif = await self.services.glif.get_glif(glif_id, token)
        return glif.id, glif.name

    async def _find(self, interaction: discord.Interaction, reference: str) -> Hook:
        found = await self.hooks.find_hook(_guild_id(interaction), reference)
        if found is None:
            raise HookAdminError(replies.no_such_hook(reference))
        return found

    def _url(self, hook: Hook) -> str:
        return hook_url(self.services.settings.public_url, hook.id)

    def _shown(self, secret: str) -> str:
        """The secret, from now on kept out of every log line, discord.py's debug output too."""
        self.services.redactor.add(secret)
        return secret


def missing_permissions(channel: MessageableChannel, *, runs_glif: bool) -> list[str]:
    """What the bot lacks in `channel` to post there: embeds always, files for glif outputs."""
    granted = channel.permissions_for(channel.guild.me)
    sending = (
        ("send_messages_in_threads", "Send Messages in Threads")
        if isinstance(channel, discord.Thread)
        else ("send_messages", "Send Messages")
    )
    needed = [("view_channel", "View Channel"), sending, ("embed_links", "Embed Links")]
    if runs_glif:
        needed.append(("attach_files", "Attach Files"))
    return [label for flag, label in needed if not getattr(granted, flag)]


def _guild_id(interaction: discord.Interaction) -> int:
    # `/glifadmin` is guild-only, so Discord never sends these commands from a DM.
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage
    return interaction.guild_id
