"""Views, modals and dynamic items whose errors take the command tree's one error path."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, cast

import discord
from typing_extensions import override

from bot.command_tree import GlifbotTree


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


class ReportingView(discord.ui.View):
    @override
    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any], /
    ) -> None:
        await report_error(interaction, error)


class ReportingLayoutView(discord.ui.LayoutView):
    @override
    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[Any], /
    ) -> None:
        await report_error(interaction, error)


class ReportingModal(discord.ui.Modal):
    # discord.py's Modal itself drops the `item` parameter of its base class's on_error.
    @override
    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction, error: Exception, /
    ) -> None:
        await report_error(interaction, error)
