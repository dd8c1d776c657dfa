"""The form that takes a member's Glif token, and the confirmation of `/glif forget`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import discord
from typing_extensions import override

from bot.tokens.vault import GLIF_API_SETTINGS_URL
from cogs import tokens_replies as replies
from cogs.ui import ReportingModal, ReportingView, edit_after_timeout

SaveToken = Callable[[discord.Interaction, str], Awaitable[None]]
ForgetMember = Callable[[int], Awaitable[None]]

# A form still open after the interaction's 15 minutes could not be answered anyway.
FORM_TIMEOUT_SECONDS = 15 * 60
TOKEN_MAX_LENGTH = 200


class TokenForm(ReportingModal, title="Your Glif API token"):
    def __init__(self, save: SaveToken) -> None:
        super().__init__(timeout=FORM_TIMEOUT_SECONDS)
        self._save = save
        self._token: discord.ui.TextInput[TokenForm] = discord.ui.TextInput(
            style=discord.TextStyle.short,
            placeholder="Paste your token here",
            required=True,
            max_length=TOKEN_MAX_LENGTH,
        )
        self.add_item(
            discord.ui.Label(
                text="Glif API token",
                description=f"From {GLIF_API_SETTINGS_URL}. Only you see this form.",
                component=self._token,
            )
        )

    @override
    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        # Checking the token with Glif can take longer than Discord's 3 s to answer.
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            await self._save(interaction, self._token.value.strip())
        finally:
            # discord.py keeps a form whose submission failed until it times out, and with it
            # the typed token; a submitted form is closed on Discord's side, so drop it now.
            self.stop()


class ForgetConfirmation(ReportingView):
    """Asks the member who ran `/glif forget` to confirm; nobody else may answer."""

    def __init__(self, asked: discord.Interaction, forget: ForgetMember, *, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self._asked = asked
        self._forget = forget

    @override
    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        if interaction.user.id == self._asked.user.id:
            return True
        await interaction.response.send_message(replies.NOT_YOUR_CONFIRMATION, ephemeral=True)
        return False

    @discord.ui.button(label="Delete everything", style=discord.ButtonStyle.danger)
    async def confirm(
        self, interaction: discord.Interaction, _: discord.ui.Button[ForgetConfirmation]
    ) -> None:
        # Stopping first keeps a second click from running the deletion twice.
        self.stop()
        await self._forget(interaction.user.id)
        await interaction.response.edit_message(content=replies.FORGOTTEN, view=None)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(
        self, interaction: discord.Interaction, _: discord.ui.Button[ForgetConfirmation]
    ) -> None:
        self.stop()
        await interaction.response.edit_message(content=replies.FORGET_CANCELLED, view=None)

    @override
    async def on_timeout(self) -> None:
        await edit_after_timeout(self._asked, content=replies.FORGET_EXPIRED, view=None)
