"""Views, modals and dynamic items whose errors take the command tree's one error path."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable
from typing import Any, cast

import discord
from discord.ui import DynamicItem
from typing_extensions import override

from bot.command_tree import GlifbotTree
from bot.interaction_replies import DISCORD_REQUEST_ERRORS

log = logging.getLogger(__name__)


def _tree(interaction: discord.Interaction) -> GlifbotTree:
    return cast(GlifbotTree, cast(Any, interaction.client).tree)


async def report_error(interaction: discord.Interaction, error: BaseException) -> None:
    await _tree(interaction).report(interaction, error)


async def reporting_errors(interaction: discord.Interaction, action: Awaitable[None]) -> None:
    """Await a dynamic item's work; discord.py would only log its errors, this tells the member."""
    try:
        await action
    except Exception as error:  # noqa: BLE001 - every error reaches the member and the log
        await report_error(interaction, error)


@contextlib.asynccontextmanager
async def deferred(
    interaction: discord.Interaction, *, private: bool = False
) -> AsyncIterator[None]:
    """Acknowledge at once, as Glif may be slow. If the work inside fails, a public placeholder
    is deleted so that the error, sent next as a followup, is not shown to the channel: Discord
    turns the first followup after a deferral into that placeholder, visibility included."""
    await interaction.response.defer(ephemeral=private, thinking=True)
    try:
        yield
    except Exception:
        if not private:
            with contextlib.suppress(*DISCORD_REQUEST_ERRORS):
                await interaction.delete_original_response()
        raise


class ReportingView(discord.ui.View):
    @override
    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any], /
    ) -> None:
        await report_error(interaction, error)


class PagedView(ReportingView):
    """Previous/Next on one message, edited through the latest interaction that can still edit it.

    Its state lives in memory only, so after ``timeout`` seconds without use it disables its
    components (persistent buttons excepted, which keep working) so that nobody clicks a dead one.
    Subclasses say what a turn does in `turn`.
    """

    def __init__(self, *, editor: discord.Interaction, timeout: float) -> None:
        super().__init__(timeout=timeout)
        # The interaction whose token can still edit the message: the command, then each turn.
        self.editor = editor

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary, row=1)
    async def previous_page(
        self, interaction: discord.Interaction, _button: discord.ui.Button[PagedView]
    ) -> None:
        await self.turn(interaction, -1)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.secondary, row=1)
    async def next_page(
        self, interaction: discord.Interaction, _button: discord.ui.Button[PagedView]
    ) -> None:
        await self.turn(interaction, +1)

    async def turn(self, interaction: discord.Interaction, step: int) -> None:
        raise NotImplementedError

    @override
    async def on_timeout(self) -> None:
        persistent = {type(item) for item in self.children if isinstance(item, DynamicItem)}
        # discord.py unregisters the dynamic item classes of a view that stops, even those the
        # bot registered for good at start-up: without this, no such button would answer again.
        self.editor.client.add_dynamic_items(*persistent)
        for item in self.children:
            if isinstance(item, discord.ui.Button | discord.ui.Select) and item.custom_id:
                item.disabled = True
        await edit_after_timeout(self.editor, view=self)


async def edit_after_timeout(interaction: discord.Interaction, **changes: Any) -> None:
    """Edit the message of a view that timed out, if it still can be; never raises.

    discord.py runs `on_timeout` as a task of its own, where an error reaches no one: it would
    only be logged as a task exception that was never retrieved.
    """
    if interaction.client.is_closed():
        # Timeouts keep firing while the bot shuts down; its session can no longer edit.
        log.info("A message timed out while the bot was shutting down; left as is")
        return
    if interaction.is_expired():
        log.info("A message timed out after its interaction expired; left as is")
        return
    try:
        await interaction.edit_original_response(**changes)
    except DISCORD_REQUEST_ERRORS:
        # The member may have dismissed an ephemeral message, Discord may be unreachable, or
        # the bot may have begun shutting down during the edit: the message stays as it is.
        log.info("Could not update a timed-out message", exc_info=True)


class ReportingModal(discord.ui.Modal):
    # discord.py's Modal itself drops the `item` parameter of its base class's on_error.
    @override
    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction, error: Exception, /
    ) -> None:
        await report_error(interaction, error)
