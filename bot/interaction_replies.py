"""Short notices to the member behind an interaction, by whichever route is still open."""

from __future__ import annotations

import logging

import aiohttp
import discord

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
# What a request to Discord raises when no answer came at all: Discord unreachable, or the bot's
# own session closed under it while shutting down.
DISCORD_UNREACHABLE = (aiohttp.ClientError, OSError)
# What a request to Discord raises once discord.py gives up: a refusal, or no answer at all.
DISCORD_REQUEST_ERRORS = (discord.HTTPException, *DISCORD_UNREACHABLE)


async def send_notice(interaction: discord.Interaction, text: str) -> None:
    """Tell the member `text`: privately while the interaction lives, in the channel after.

    The first response must use the callback, later ones a followup; once the interaction's 15
    minutes are over neither works, and the channel is the only way left to reach the member.
    """
    try:
        if interaction.is_expired():
            await _send_in_channel(interaction, text)
        elif interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.send_message(
                text, ephemeral=True, allowed_mentions=NO_MENTIONS
            )
    # Discord may refuse the message, or not be reachable at all: a connection error here
    # would escape the command tree's error path, which relies on this function to end it.
    except DISCORD_REQUEST_ERRORS:
        log.warning("Could not tell the member about an error", exc_info=True)


async def _send_in_channel(interaction: discord.Interaction, text: str) -> None:
    channel = interaction.channel
    if isinstance(channel, discord.abc.Messageable):
        await channel.send(f"{interaction.user.display_name}: {text}", allowed_mentions=NO_MENTIONS)
