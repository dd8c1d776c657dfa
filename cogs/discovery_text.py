"""Turning Glif's untrusted text, numbers and times into short, safe Discord markdown."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import quote

import discord

from bot.glif import GLIF_WEB_URL, User

ATTRIBUTION = "powered by glif.app"
ATTRIBUTION_URL = GLIF_WEB_URL

_INLINE_MARK = re.compile(r"[\\*_~|`\[\]<]")
_BLOCK_MARK = re.compile(r"^([ \t]*)([>#-]|\d+\.)", re.MULTILINE)
_WEB_LINK = re.compile(r"https?://\S+", re.IGNORECASE)


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the cut marked with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rstrip() + "…"


def one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def plain(text: str, limit: int) -> str:
    """Glif's text shown as itself, in at most ``limit`` characters escapes included.

    Names and descriptions come from anyone on glif.app; unescaped they could fake links,
    mentions or formatting in the bot's cards.
    """
    allowed = limit
    shown = escape(clip(text, allowed))
    while len(shown) > limit:
        # An escape doubles a character at most, so this never cuts more than it must.
        allowed -= (len(shown) - limit + 1) // 2
        shown = escape(clip(text, allowed))
    return shown


def escape(text: str) -> str:
    """Escape markdown: everywhere for inline marks, at line starts for quotes, headings, lists."""
    return _BLOCK_MARK.sub(_escape_block_mark, _INLINE_MARK.sub(r"\\\g<0>", text))


def _escape_block_mark(match: re.Match[str]) -> str:
    indent, mark = match.groups()
    if mark[0].isdigit():
        return f"{indent}{mark[:-1]}\\."
    return f"{indent}\\{mark}"


def web_link(url: str | None, limit: int = 300) -> str | None:
    """``url`` if it is one http(s) address of at most ``limit`` characters, made safe to place
    inside ``[text](url)``; otherwise None, and the text is shown without a link."""
    if not url or len(url) > limit or not _WEB_LINK.fullmatch(url):
        return None
    safe = quote(url, safe=":/?#@!$&'*+,;=%~-._")
    return safe if len(safe) <= limit else None


def linked(text: str, url: str | None, limit: int = 300) -> str:
    """Markdown ``text`` (already escaped) linking to ``url``, or ``text`` alone."""
    target = web_link(url, limit)
    return f"[{text}]({target})" if target else text


def creator_name(user: User | None) -> str:
    """How a glif's author is named: the glif.app username people search by, else the name."""
    if user is None:
        return "unknown creator"
    return one_line(user.username or user.name) or "unknown creator"


def count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"


def duration(milliseconds: float | None) -> str | None:
    if milliseconds is None or milliseconds < 0:
        return None
    seconds = milliseconds / 1000
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, seconds = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def relative_time(moment: datetime | None) -> str | None:
    return discord.utils.format_dt(moment, "R") if moment is not None else None


def joined(*parts: str | None) -> str:
    return " · ".join(part for part in parts if part)


def attribute(embed: discord.Embed) -> discord.Embed:
    """Credit Glif on the card, with the link Glif asks API users to show."""
    return embed.set_author(name=ATTRIBUTION, url=ATTRIBUTION_URL)
