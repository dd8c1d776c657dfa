"""A finished run as a Discord message, within every Discord limit (pure: no I/O).

Results are one embed plus at most one attachment. An embed shows an image straight from its URL,
gives text up to 4096 characters (Components v2 allow 4000 for a whole message), keeps who ran it,
how long it took and what it cost in compact inline fields, and turns the live progress message
into the result with a single edit.
"""

from __future__ import annotations

import io
import json
import math
import time
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

import discord

from bot.errors import UserFacingError
from bot.glif.errors import (
    GlifError,
    GlifInvalidToken,
    GlifNotFound,
    GlifRateLimited,
    GlifRunFailed,
    GlifTimedOut,
    GlifUnavailable,
)
from bot.glif.models import GLIF_WEB_URL, RunResult
from bot.glif.outputs import OutputKind, is_url, parse_json_text
from bot.runs.media import FetchedMedia
from bot.runs.progress import format_duration
from bot.runs.queue import RunCancelled

MAX_CONTENT = 2000
MAX_TITLE = 256
MAX_DESCRIPTION = 4096
MAX_FIELD_VALUE = 1024
MAX_EMBED_TOTAL = 6000
MAX_URL = 2048
# Discord's upload limit in a server without boosts; callers pass the interaction's own.
DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024

_PREVIEW = 1500
_ERROR_NAME = 100
_COLOUR = discord.Colour(0x6B4EFF)
_FENCE = "```"
# Outside this range a price is shown in scientific notation rather than as a wall of digits.
_SENSIBLE_CREDITS = (Decimal("0.000001"), Decimal(10**9))


class RunFlag(StrEnum):
    NSFW_FLAGGED = "nsfw_flagged"
    NO_OUTPUT = "no_output"
    ATTACHED = "attached"
    MEDIA_LINKED = "media_linked"
    TRUNCATED = "truncated"


@dataclass(frozen=True, slots=True)
class RenderedFile:
    filename: str
    data: bytes

    def to_discord_file(self) -> discord.File:
        """A fresh `discord.File`: Discord consumes one per send, so build one per attempt."""
        return discord.File(io.BytesIO(self.data), filename=self.filename)


@dataclass(frozen=True, slots=True)
class RenderedRun:
    """What to send; mentions stay disabled by the sender (`allowed_mentions` none)."""

    content: str | None
    embeds: tuple[discord.Embed, ...]
    files: tuple[RenderedFile, ...]
    flags: frozenset[RunFlag]

    def discord_files(self) -> list[discord.File]:
        return [rendered.to_discord_file() for rendered in self.files]


@dataclass(frozen=True, slots=True)
class _Body:
    description: str | None = None
    image_url: str | None = None
    files: tuple[RenderedFile, ...] = ()
    flags: frozenset[RunFlag] = field(default_factory=frozenset)


def render_run(
    *,
    glif_name: str,
    glif_url: str | None,
    runner_name: str,
    duration_seconds: float,
    result: RunResult,
    media: FetchedMedia | None = None,
    notice: str | None = None,
    upload_limit: int = DEFAULT_UPLOAD_LIMIT,
) -> RenderedRun:
    """The message for a successful run; ``notice`` becomes the message text above it."""
    embed = _frame(glif_name, glif_url, runner_name, duration_seconds, result.price)
    budget = min(MAX_DESCRIPTION, MAX_EMBED_TOTAL - len(embed))
    body = _body(result, media, budget, upload_limit)
    embed.description = body.description
    if body.image_url is not None:
        embed.set_image(url=body.image_url)
    return RenderedRun(
        content=_clip(notice, MAX_CONTENT) if notice else None,
        embeds=(embed,),
        files=body.files,
        flags=body.flags,
    )


def render_run_error(
    glif_name: str,
    error: BaseException,
    *,
    timeout_seconds: float | None = None,
    now: float | None = None,
) -> str:
    """One sentence telling the member what went wrong and what to do next."""
    name = _clip(_plain(glif_name), _ERROR_NAME) or "The glif"
    if isinstance(error, GlifInvalidToken):
        return (
            f"{name} did not run: Glif refused the API token; set a new one with `/glif token set`."
        )
    if isinstance(error, GlifRateLimited):
        if error.retry_after is None:
            return f"{name} did not run: Glif is rate limiting runs; try again later."
        retry_at = math.ceil((time.time() if now is None else now) + error.retry_after)
        return f"{name} did not run: Glif is rate limiting runs; try again <t:{retry_at}:R>."
    if isinstance(error, GlifTimedOut | TimeoutError):
        took = f"longer than {format_duration(timeout_seconds)}" if timeout_seconds else "too long"
        return f"{name} took {took}, so the run was stopped; try again later."
    if isinstance(error, GlifRunFailed):
        if error.glif_text:
            return f"{name} failed; Glif said: {_plain(error.glif_text)}"
        return f"{name} failed; check the inputs and try again."
    if isinstance(error, GlifNotFound):
        return f"Glif could not find {name}; it may have been deleted or made private."
    if isinstance(error, GlifUnavailable):
        return f"{name} did not run: Glif could not be reached; try again in a few minutes."
    if isinstance(error, RunCancelled):
        return f"{name} was cancelled before it finished."
    if isinstance(error, UserFacingError):
        return error.message
    if isinstance(error, GlifError):
        return f"{name} did not run: {error}"
    return f"{name} did not run because of an unexpected error; try again later."


def format_credits(price: Decimal) -> str:
    """``"2.1 credits"`` for ``2.1000875``; tiny prices keep their digits instead of showing 0."""
    if price != 0 and not _SENSIBLE_CREDITS[0] <= abs(price) < _SENSIBLE_CREDITS[1]:
        return f"{price:.3g} credits"
    rounded = price.quantize(Decimal("0.01"))
    shown = price if rounded == 0 else rounded
    text = format(shown.normalize(), "f")
    return f"{text} credit" if shown == 1 else f"{text} credits"


def fence(code: str, language: str = "") -> str:
    """``code`` in a code block that nothing inside can close early."""
    # A zero-width space between adjacent backticks leaves no run of three to end the block.
    defused = code.replace("``", "`\u200b`").replace("``", "`\u200b`")
    return f"{_FENCE}{language}\n{defused}\n{_FENCE}"


def _frame(
    glif_name: str,
    glif_url: str | None,
    runner_name: str,
    duration_seconds: float,
    price: Decimal | None,
) -> discord.Embed:
    usable_url = glif_url if glif_url and is_url(glif_url) and len(glif_url) <= MAX_URL else None
    embed = discord.Embed(
        title=_clip(_plain(glif_name), MAX_TITLE) or "Untitled glif",
        url=usable_url,
        colour=_COLOUR,
    )
    embed.set_author(name="powered by glif.app", url=GLIF_WEB_URL)
    embed.add_field(name="Run by", value=_clip(_plain(runner_name), MAX_TITLE) or "someone")
    embed.add_field(name="Duration", value=format_duration(duration_seconds))
    if price is not None:
        embed.add_field(name="Credits", value=_clip(format_credits(price), MAX_FIELD_VALUE))
    return embed


def _body(result: RunResult, media: FetchedMedia | None, budget: int, upload_limit: int) -> _Body:
    output = result.output
    if result.is_nsfw_placeholder:
        return _Body(
            "Glif flagged this output as not safe for work, so it is not shown.",
            flags=frozenset({RunFlag.NSFW_FLAGGED}),
        )
    if output is None or not output.strip():
        return _Body(
            "The glif finished but returned no output.", flags=frozenset({RunFlag.NO_OUTPUT})
        )
    kind = result.output_kind
    if kind is OutputKind.IMAGE:
        return _image_body(output.strip())
    if kind is OutputKind.AUDIO or kind is OutputKind.VIDEO:
        return _media_body(kind, output.strip(), media, budget, upload_limit)
    if kind is OutputKind.HTML:
        return _html_body(output, budget, upload_limit)
    if kind is OutputKind.JSON:
        return _json_body(output, budget, upload_limit)
    return _text_body(output, budget, upload_limit)


def _image_body(url: str) -> _Body:
    if is_url(url) and len(url) <= MAX_URL:
        return _Body(image_url=url)
    return _Body("The glif returned an image that Discord cannot show.")


def _media_body(
    kind: OutputKind, url: str, media: FetchedMedia | None, budget: int, upload_limit: int
) -> _Body:
    label = "Audio" if kind is OutputKind.AUDIO else "Video"
    if media is not None and media.size <= upload_limit:
        return _Body(
            files=(RenderedFile(media.filename, media.data),),
            flags=frozenset({RunFlag.ATTACHED}),
        )
    if is_url(url):
        return _Body(_clip(f"{label}: {url}", budget), flags=frozenset({RunFlag.MEDIA_LINKED}))
    return _Body(f"The glif returned {label.lower()} that Discord cannot play.")


def _html_body(output: str, budget: int, upload_limit: int) -> _Body:
    if is_url(output):
        return _Body(_clip(f"Web page: {output.strip()}", budget))
    return _attached(
        "output.html",
        output,
        "The glif made a web page; open the attached output.html in a browser.",
        upload_limit,
    )


def _json_body(output: str, budget: int, upload_limit: int) -> _Body:
    value = _json_value(output)
    if value is None:
        return _text_body(output, budget, upload_limit, allow_json=False)
    pretty = json.dumps(value, indent=2, ensure_ascii=False)
    block = fence(pretty, "json")
    if len(block) <= budget:
        return _Body(block)
    return _attached(
        "output.json",
        pretty,
        "The JSON output is long, so it is attached as output.json.",
        upload_limit,
    )


def _text_body(output: str, budget: int, upload_limit: int, *, allow_json: bool = True) -> _Body:
    if allow_json and parse_json_text(output) is not None:
        return _json_body(output, budget, upload_limit)
    text = output.strip("\n").rstrip()
    if len(text) <= budget:
        return _Body(text)
    note = "\n\n*The full text is attached as output.txt.*"
    preview = _preview(text, min(_PREVIEW, budget - len(note)))
    return _attached("output.txt", text, preview + note, upload_limit)


def _attached(filename: str, text: str, description: str, upload_limit: int) -> _Body:
    data = text.encode("utf-8")
    flags = {RunFlag.ATTACHED}
    if len(data) > upload_limit:
        data = data[:upload_limit].decode("utf-8", errors="ignore").encode("utf-8")
        description += " It was cut to fit Discord's upload limit."
        flags.add(RunFlag.TRUNCATED)
    return _Body(description, files=(RenderedFile(filename, data),), flags=frozenset(flags))


def _json_value(output: str) -> Any:
    """Any JSON value ``output`` encodes (JSON-typed outputs may be scalars), else None."""
    try:
        return json.loads(output)
    except (ValueError, RecursionError):
        return None


def _preview(text: str, limit: int) -> str:
    """The start of ``text`` in at most ``limit`` characters, with any open code block closed."""
    closing = "\n" + _FENCE
    cut = text[: max(0, limit - 1 - len(closing))]
    if " " in cut[len(cut) // 2 :]:
        cut = cut[: cut.rindex(" ")]
    cut = cut.rstrip() + "…"
    if cut.count(_FENCE) % 2:
        cut += closing
    return cut


def _plain(text: str) -> str:
    """A name as one line with markdown neutralised, so it shows as typed."""
    return discord.utils.escape_markdown(" ".join(text.split()))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
