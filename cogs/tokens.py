"""`/glif token set|status|remove` and `/glif forget`; every reply is for the member alone."""

from __future__ import annotations

import discord

from bot.errors import UserFacingError
from bot.glif.errors import GlifError, GlifInvalidToken, GlifUnavailable
from bot.services import Services
from bot.tokens import StoredTokenInfo
from cogs import tokens_replies as replies
from cogs.tokens_ui import ForgetConfirmation, TokenForm


class TokenCommands:
    forget_confirmation_timeout: float = 120.0

    def __init__(self, services: Services) -> None:
        self.services = services

    async def set(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(TokenForm(self._check_and_store))

    async def status(self, interaction: discord.Interaction) -> None:
        # Asking Glif for live credits can take longer than Discord's 3 s to answer.
        await interaction.response.defer(ephemeral=True, thinking=True)
        member = interaction.user.id
        stored = await self.services.tokens.status(member)
        if stored is None:
            text = replies.no_token(
                await self.services.tokens.shared_runs_left(member),
                self.services.settings.shared_token_daily_runs,
            )
        elif not stored.readable:
            text = replies.token_unreadable(stored)
        else:
            text = await self._live_status(member, stored)
        await interaction.followup.send(text, ephemeral=True)

    async def remove(self, interaction: discord.Interaction) -> None:
        removed = await self.services.tokens.remove(interaction.user.id)
        text = replies.TOKEN_REMOVED if removed else replies.NOTHING_TO_REMOVE
        await interaction.response.send_message(text, ephemeral=True)

    async def forget(self, interaction: discord.Interaction) -> None:
        confirmation = ForgetConfirmation(
            interaction,
            self.services.forgetter.forget_member,
            timeout=self.forget_confirmation_timeout,
        )
        await interaction.response.send_message(
            replies.FORGET_QUESTION, view=confirmation, ephemeral=True
        )

    async def _check_and_store(self, interaction: discord.Interaction, token: str) -> None:
        """Stores the token only once Glif has said which account it belongs to."""
        try:
            me = await self.services.glif.me(token)
        except GlifInvalidToken:
            raise UserFacingError(replies.TOKEN_REFUSED) from None
        except GlifUnavailable:
            raise UserFacingError(replies.GLIF_UNREACHABLE) from None
        await self.services.tokens.store(interaction.user.id, token, me.user.id, me.user.username)
        await interaction.followup.send(replies.token_saved(me), ephemeral=True)

    async def _live_status(self, member: int, stored: StoredTokenInfo) -> str:
        token = await self.services.tokens.token_for_read(member)
        if token is None:
            return replies.token_unreadable(stored)
        try:
            me = await self.services.glif.me(token)
        except GlifInvalidToken:
            return replies.token_no_longer_accepted(stored)
        except GlifError:
            # Rate limits and outages alike: the account is known from the database.
            return replies.credits_unavailable(stored)
        return replies.token_status(me, stored)
