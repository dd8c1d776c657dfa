"""What the runs feature tells members, apart from results (`bot.runs.render`)."""

from __future__ import annotations

import discord

from cogs.discovery_text import clip, one_line

_NAME_LIMIT = 100

GLIF_SLOW = (
    "Glif is slow to answer right now, so the form could not open in time; "
    "press **Fill in inputs** to open it."
)
STILL_SLOW = "Glif is still slow to answer; press **Fill in inputs** again in a few seconds."
RUN_FORGOTTEN = "That run is no longer stored here; run the glif again with `/glif run`."
NOT_YOUR_RESULT = (
    "Only the member who ran this glif, or someone who can manage messages here, can delete it."
)
POSTED_LATER = "The result will be posted in this channel when the run ends."


def shared_token_refused(glif_name: str) -> str:
    return (
        f"{_name(glif_name)} did not run: the server's shared Glif token was refused; "
        "ask an admin, or set your own with `/glif token set`."
    )


def finished_for(member_name: str, glif_name: str) -> str:
    """Heads a result posted in the channel, once the command can no longer be answered."""
    return f"{_name(member_name)}: your run of {_name(glif_name)} is done."


def _name(text: str) -> str:
    return discord.utils.escape_markdown(clip(one_line(text), _NAME_LIMIT)) or "someone"
