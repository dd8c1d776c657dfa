"""The command tree: one error path for every application command."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import discord
from discord import app_commands

from bot.errors import UserFacingError
from bot.interaction_replies import send_notice

log = logging.getLogger(__name__)

UNEXPECTED_ERROR = "Something went wrong on our side. Please try again in a moment."
STORAGE_UNAVAILABLE = "The bot cannot save anything right now. Please try again in a few minutes."

E = TypeVar("E", bound=BaseException)
# A handler turns an error into the sentence shown to the member, or None to fall through.
ErrorHandler = Callable[[discord.Interaction, Any], Awaitable[str | None] | str | None]


class ErrorHandlerRegistry:
    """Maps exception types to handlers; the most specific registered type wins."""

    def __init__(self) -> None:
        self._handlers: dict[type[BaseException], ErrorHandler] = {}

    def register(self, error_type: type[E], handler: Callable[..., Any]) -> None:
        self._handlers[error_type] = handler

    async def message_for(
        self, interaction: discord.Interaction, error: BaseException
    ) -> str | None:
        for error_type in type(error).__mro__:
            handler = self._handlers.get(error_type)
            if handler is None:
                continue
            message = handler(interaction, error)
            if isinstance(message, Awaitable):
                message = await message
            if message is not None:
                return message
        return None


def _user_facing(_: discord.Interaction, error: UserFacingError) -> str:
    return error.message


def _storage_failed(_: discord.Interaction, error: sqlite3.Error) -> str:
    # Handled, so not logged as a bug; the operator still needs the details of a full disk.
    log.warning("The database failed during a command", exc_info=error)
    return STORAGE_UNAVAILABLE


def _check_failed(_: discord.Interaction, error: app_commands.CheckFailure) -> str:
    if isinstance(error, app_commands.MissingPermissions | app_commands.NoPrivateMessage):
        return str(error)
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"You are using this command too often; try again in {error.retry_after:.0f} s."
    return "You can't use this command here."


class GlifbotTree(app_commands.CommandTree[Any]):
    """A tree whose errors reach the member as one short ephemeral sentence and the log in full."""

    def __init__(self, client: discord.Client) -> None:
        super().__init__(client)
        self.error_handlers = ErrorHandlerRegistry()
        self.error_handlers.register(UserFacingError, _user_facing)
        self.error_handlers.register(app_commands.CheckFailure, _check_failed)
        self.error_handlers.register(sqlite3.Error, _storage_failed)

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        await self.report(interaction, error)

    async def report(self, interaction: discord.Interaction, error: BaseException) -> None:
        """The one error path, shared by commands, buttons and modals."""
        cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        if interaction.client.is_closed():
            # Shutting down: work cut short fails on a closed session, and nobody can be told.
            log.info("Not reporting %s: the bot is shutting down", type(cause).__name__)
            return
        message = await self.error_handlers.message_for(interaction, cause)
        if message is None:
            command = interaction.command.qualified_name if interaction.command else "component"
            log.error("Unhandled error in %s", command, exc_info=cause)
            message = UNEXPECTED_ERROR
        else:
            log.info("Told %s: %s (%s)", interaction.user.id, message, type(cause).__name__)
        await send_notice(interaction, message)
