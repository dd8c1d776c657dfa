"""What discovery shows: a glif's info card, and the entries of paged lists of glifs, runs and
spheres. Pure functions of Glif's models; nothing here talks to Glif or Discord.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import discord

from bot.glif import Glif, InputField, InputKind, Run, SphereSummary, User, input_fields
from cogs.discovery_paging import ENTRY_LIMIT, GLIF_COLOUR, INTRO_LIMIT, Entry, Pick
from cogs.discovery_text import (
    attribute,
    clip,
    count,
    creator_name,
    duration,
    joined,
    linked,
    one_line,
    plain,
    relative_time,
    web_link,
)

RUN_BUTTON_PREFIX = "glif:run:"
"""The runs feature answers this custom_id, ``glif:run:<glif id>``, with a persistent item."""
CUSTOM_ID_LIMIT = 100
UNTITLED = "Untitled glif"

SHOWN_INPUTS = 8
SHOWN_RUNS = 5
DESCRIPTION_LIMIT = 800
RECENT_RUNS_LIMIT = 800
"""With these limits (and at most 300 characters per input) the info card's worst case stays
under Discord's 6000 characters per embed."""

_KIND_WORDS = {
    InputKind.TEXT: "text",
    InputKind.CHOICE: "choice",
    InputKind.IMAGE: "image",
}
_MEDIA_WORDS = {"IMAGE": "image", "VIDEO": "video", "AUDIO": "audio", "HTML": "page"}


def glif_title(glif: Glif) -> str:
    return one_line(glif.name) or UNTITLED


def glif_entry(glif: Glif) -> Entry:
    name = plain(glif_title(glif), 80)
    creator = creator_name(glif.user)
    facts = joined(
        f"by {plain(creator, 40)}",
        count(glif.completed_run_count, "run"),
        (glif.output_type or "").lower() or None,
    )
    about = plain(one_line(glif.description), 110)
    text = _fitted(
        _lines(linked(f"**{name}**", glif.web_url), facts, about),
        _lines(f"**{name}**", facts, about),
        _lines(f"**{name}**", facts),
    )
    description = joined(f"by {creator}", count(glif.completed_run_count, "run"))
    return Entry(text, _pick(glif_title(glif), glif.id, description))


def run_entry(run: Run) -> Entry:
    glif_name = glif_title(run.glif) if run.glif is not None else "a glif"
    runner = creator_name(run.user)
    facts = joined(
        f"by {plain(runner, 40)}",
        relative_time(run.completed_at or run.created_at),
        duration(run.total_duration_ms),
        _run_output(run),
    )
    glif_url = run.glif.web_url if run.glif is not None else None
    text = _fitted(
        _lines(linked(f"**{plain(glif_name, 80)}**", glif_url), facts),
        _lines(f"**{plain(glif_name, 80)}**", facts),
        _lines(f"**{plain(glif_name, 80)}**", f"by {plain(runner, 40)}"),
    )
    glif_id = run.glif_id or (run.glif.id if run.glif is not None else None)
    pick = _pick(glif_name, glif_id, f"run by {runner}") if glif_id else None
    return Entry(text, pick)


def sphere_entry(sphere: SphereSummary) -> Entry:
    name = one_line(sphere.name) or sphere.reference
    about = plain(one_line(sphere.description), 150)
    text = _fitted(
        _lines(linked(f"**{plain(name, 80)}**", sphere.web_url), about),
        _lines(f"**{plain(name, 80)}**", about),
    )
    return Entry(text, _pick(name, sphere.reference, one_line(sphere.description) or None))


def sphere_intro(sphere: SphereSummary) -> str:
    return plain((sphere.description or "").strip(), INTRO_LIMIT)


def user_intro(user: User) -> str:
    """Bio, location and website in at most ``INTRO_LIMIT`` characters."""
    website = user.website and linked(plain(one_line(user.website), 50), user.website, 150)
    facts = joined(plain(one_line(user.location), 50), website or None)
    return _lines(plain((user.bio or "").strip(), 300), facts)


def user_title(user: User) -> str:
    if user.name and user.username and user.name != user.username:
        return f"{one_line(user.name)} (@{user.username})"
    return one_line(user.display_name)


def glif_card(glif: Glif, recent_runs: Sequence[Run] | None) -> discord.Embed:
    """The info card; ``recent_runs`` is None when they could not be read."""
    embed = discord.Embed(
        title=clip(glif_title(glif), 256),
        url=glif.web_url,
        description=plain((glif.description or "").strip(), DESCRIPTION_LIMIT) or None,
        colour=GLIF_COLOUR,
    )
    thumbnail = web_link(glif.image_url, 2000)
    if thumbnail:
        embed.set_thumbnail(url=thumbnail)
    embed.add_field(name="Creator", value=_creator(glif.user))
    embed.add_field(name="Runs", value=f"{glif.completed_run_count:,}")
    embed.add_field(name="Average duration", value=duration(glif.average_duration_ms) or "unknown")
    embed.add_field(name="Output", value=(glif.output_type or "unknown").lower())
    _add_inputs(embed, glif)
    embed.add_field(name="Recent runs", value=_recent_runs(recent_runs), inline=False)
    embed.set_footer(text=f"glif id {clip(glif.id, 100)}")
    return attribute(embed)


def glif_card_view(glif: Glif) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    run_id = f"{RUN_BUTTON_PREFIX}{glif.id}"
    if len(run_id) <= CUSTOM_ID_LIMIT:
        view.add_item(
            discord.ui.Button(label="Run", style=discord.ButtonStyle.primary, custom_id=run_id)
        )
    view.add_item(discord.ui.Button(label="Open on glif.app", url=glif.web_url))
    # Stopped before it is sent, the view only carries the components: discord.py keeps no
    # handler for it, so a click on Run reaches the runs feature's persistent item alone.
    view.stop()
    return view


def _creator(user: User | None) -> str:
    if user is None:
        return "unknown"
    shown = linked(plain(one_line(user.display_name), 80), user.profile_url)
    if user.username and user.name and user.name != user.username:
        return f"{shown} (@{plain(user.username, 40)})"
    return shown


def _add_inputs(embed: discord.Embed, glif: Glif) -> None:
    if glif.nodes is None:
        embed.add_field(name="Inputs", value="Glif did not list this glif's inputs.", inline=False)
        return
    fields = input_fields(glif.nodes)
    if not fields:
        embed.add_field(name="Inputs", value="None: it runs as it is.", inline=False)
        return
    for field in fields[:SHOWN_INPUTS]:
        embed.add_field(name=_input_name(field), value=_input_value(field), inline=False)
    hidden = len(fields) - SHOWN_INPUTS
    if hidden > 0:
        embed.add_field(
            name="More inputs", value=f"and {count(hidden, 'more input')} on glif.app", inline=False
        )


def _input_name(field: InputField) -> str:
    return f"Input: {plain(one_line(field.label), 100)}"


def _input_value(field: InputField) -> str:
    name = one_line(field.name)
    shown_name = f"`{clip(name, 60)}`" if "`" not in name else plain(name, 60)
    kind = _KIND_WORDS.get(field.kind) or plain(field.block_type, 40) or "other"
    parts = [shown_name, kind]
    if field.default:
        parts.append(f"default “{plain(one_line(field.default), 60)}”")
    if field.choices:
        parts.append("choices: " + plain(", ".join(map(one_line, field.choices)), 90))
    if field.randomize:
        parts.append("picked at random if left empty")
    return joined(*parts)


def _recent_runs(runs: Sequence[Run] | None) -> str:
    if runs is None:
        return "Could not read the recent runs from Glif right now."
    lines = [
        joined(
            relative_time(run.completed_at or run.created_at),
            f"by {plain(creator_name(run.user), 40)}",
            duration(run.total_duration_ms),
            _run_output(run),
        )
        for run in runs[:SHOWN_RUNS]
    ]
    return _lines_within(lines, RECENT_RUNS_LIMIT) or "No public runs yet."


def _run_output(run: Run) -> str:
    output = run.output
    if output is None:
        return "no output"
    link = web_link(output)
    if link is not None:
        word = _MEDIA_WORDS.get(run.output_type or "", "output")
        return f"[{word}]({link})"
    return f"“{plain(one_line(output), 60)}”"


def _pick(label: str, value: str | None, description: str | None) -> Pick | None:
    if not value or len(value) > CUSTOM_ID_LIMIT:
        return None
    return Pick(label=label, value=value, description=description)


def _lines(*lines: str | None) -> str:
    return "\n".join(line for line in lines if line)


def _lines_within(lines: Iterable[str], limit: int) -> str:
    kept: list[str] = []
    size = 0
    for line in lines:
        size += len(line) + 1
        if size > limit:
            break
        kept.append(line)
    return "\n".join(kept)


def _fitted(*variants: str) -> str:
    """The first variant that fits an entry; the last one, plain text, is clipped if need be."""
    for variant in variants:
        if len(variant) <= ENTRY_LIMIT:
            return variant
    return clip(variants[-1], ENTRY_LIMIT)
