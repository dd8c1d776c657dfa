"""The glif that a member's ``glif`` option names, and reading it from Glif; discovery and runs
both take a glif this way."""

from __future__ import annotations

from collections.abc import Callable

from bot.errors import UserFacingError
from bot.glif import Glif, GlifClient, GlifNotFound, InvalidReference, parse_glif_reference

# The id of a glif the bot has seen under exactly this name, if any.
GlifNamed = Callable[[str], str | None]


def no_such_glif(glif_id: str) -> str:
    return f"There is no glif with the id {glif_id}; check it, or pick one while typing."


def glif_id_from(text: str, glif_named: GlifNamed | None) -> str:
    """The glif a ``glif`` option names: an id, a link, or the exact name of a known glif."""
    try:
        return parse_glif_reference(text)
    except InvalidReference:
        named = glif_named(text) if glif_named is not None else None
        if named is None:
            raise
        return named


async def read_glif(glif: GlifClient, glif_id: str, token: str | None) -> Glif:
    try:
        return await glif.get_glif(glif_id, token=token)
    except GlifNotFound:
        raise UserFacingError(no_such_glif(glif_id)) from None
