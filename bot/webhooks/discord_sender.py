"""Posts webhook announcements through discord.py and sorts Discord's refusals: those that a
later attempt may overcome (outages, rate limits) from those it never will (channel gone, no
permission, a message Discord rejects)."""

from __future__ import annotations

from http import HTTPStatus

import aiohttp
import discord

from bot.interaction_replies import NO_MENTIONS
from bot.webhooks.announcement import Announcement
from bot.webhooks.delivery import PermanentDeliveryError, Post, TransientDeliveryError

_MAX_DISCORD_TEXT = 200
# 401 (the bot token) and 408 are the bot's or the network's trouble, not the message's.
_RETRIED_CLIENT_ERRORS = frozenset(
    {HTTPStatus.UNAUTHORIZED, HTTPStatus.REQUEST_TIMEOUT, HTTPStatus.TOO_MANY_REQUESTS}
)


class DiscordSender:
    """The `AnnouncementSender` of the bot: one REST call per attempt, by channel id alone, so
    that it works whether or not the channel is in the gateway cache."""

    def __init__(self, client: discord.Client) -> None:
        self._client = client

    def __repr__(self) -> str:
        return "DiscordSender()"

    async def send(self, channel_id: int, announcement: Post, nonce: str) -> int:
        if self._client.is_closed():
            raise TransientDeliveryError("the bot is not connected to Discord")
        channel = self._client.get_partial_messageable(channel_id)
        try:
            if isinstance(announcement, Announcement):
                message = await channel.send(
                    embed=announcement_embed(announcement),
                    nonce=nonce,
                    allowed_mentions=NO_MENTIONS,
                )
            else:
                message = await channel.send(
                    announcement.content,
                    embeds=list(announcement.embeds),
                    files=announcement.discord_files(),
                    nonce=nonce,
                    allowed_mentions=NO_MENTIONS,
                )
        except discord.RateLimited as error:
            raise TransientDeliveryError(
                "Discord is rate limiting the bot", error.retry_after
            ) from None
        except discord.HTTPException as error:
            raise delivery_error(error) from None
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            raise TransientDeliveryError(
                f"Discord could not be reached ({type(error).__name__})"
            ) from None
        return message.id


def announcement_embed(announcement: Announcement) -> discord.Embed:
    embed = discord.Embed(
        title=announcement.title,
        description=announcement.description,
        timestamp=announcement.timestamp,
    )
    for name, value in announcement.fields:
        embed.add_field(name=name, value=value, inline=False)
    embed.set_footer(text=announcement.footer)
    return embed


def delivery_error(error: discord.HTTPException) -> TransientDeliveryError | PermanentDeliveryError:
    """Discord's answer as a reason an admin can read in `/glifadmin webhook list`."""
    said = f"Discord {error.status}" + (f" {error.code}" if error.code else "")
    if error.text:
        said += f": {error.text[:_MAX_DISCORD_TEXT]}"
    if error.status >= HTTPStatus.INTERNAL_SERVER_ERROR or error.status in _RETRIED_CLIENT_ERRORS:
        return TransientDeliveryError(said)
    if error.status == HTTPStatus.NOT_FOUND:
        return PermanentDeliveryError(f"the channel is gone or hidden from the bot ({said})")
    if error.status == HTTPStatus.FORBIDDEN:
        return PermanentDeliveryError(f"the bot may not post in the channel ({said})")
    return PermanentDeliveryError(f"Discord refused the message ({said})")
