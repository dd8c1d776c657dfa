"""The Discord layer: turns interactions into calls on the core and results into messages.

Loaded as one extension so that the features are built once and shared between the cogs that
declare their commands (the autocomplete cache of `Discovery` serves `/glif` and `/sphere`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.glif.errors import GlifError, GlifInvalidToken, GlifTokenRequired
from bot.glif.references import InvalidReference
from cogs.discovery import Discovery
from cogs.glif import GlifCog
from cogs.glifadmin import GlifAdminCog
from cogs.hooks_admin import HookAdmin
from cogs.runs import Runs
from cogs.runs_buttons import RUN_BUTTONS
from cogs.sphere import SphereCog
from cogs.tokens import TokenCommands

if TYPE_CHECKING:
    from bot.discord_bot import GlifBot


def _glif_error(_: object, error: GlifError) -> str:
    return error.user_message


def _invalid_token(_: object, __: GlifInvalidToken) -> str:
    return "Glif refused your Glif API token; set a new one with `/glif token set` and try again."


def _token_required(_: object, __: GlifTokenRequired) -> str:
    return "Glif needs an API token for this; set yours with `/glif token set` and try again."


def _invalid_reference(_: object, error: InvalidReference) -> str:
    return str(error)


async def setup(bot: GlifBot) -> None:
    bot.command_tree.error_handlers.register(GlifError, _glif_error)
    bot.command_tree.error_handlers.register(GlifInvalidToken, _invalid_token)
    bot.command_tree.error_handlers.register(GlifTokenRequired, _token_required)
    bot.command_tree.error_handlers.register(InvalidReference, _invalid_reference)
    discovery = Discovery(bot.services)
    runs = Runs(bot, bot.services, glif_named=discovery.suggestions.glif_named)
    bot.add_dynamic_items(*RUN_BUTTONS)
    await bot.add_cog(GlifCog(discovery, runs, TokenCommands(bot.services)))
    await bot.add_cog(SphereCog(discovery))
    await bot.add_cog(GlifAdminCog(HookAdmin(bot, bot.services)))
