"""`/glif history`: the member's own runs, newest first, a page at a time, each with Re-run.

The message is ephemeral, so only its member can click it. Previous/Next live in memory and stop
after a while; the Re-run buttons are persistent items and keep working.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import discord
from typing_extensions import override

from bot.glif import GLIF_WEB_URL
from bot.glif.outputs import is_url
from bot.runs.progress import format_duration
from bot.runs.render import format_credits
from bot.runs.store import RunRecord, RunStatus, RunStore
from cogs.discovery_paging import GLIF_COLOUR
from cogs.discovery_text import attribute, joined, linked, one_line, plain, relative_time
from cogs.runs_buttons import RerunButton
from cogs.ui import PagedView

log = logging.getLogger(__name__)

PAGE_SIZE = 5
"""One row of Re-run buttons; with the limits below a page stays far under 4096 characters."""
HISTORY_TIMEOUT_SECONDS = 10 * 60
NO_HISTORY = "You have not run any glifs through this bot yet; try `/glif run`."
_NAME_LIMIT = 80
_DETAIL_LIMIT = 160
_URL_LIMIT = 300

ReadPage = Callable[[int], Awaitable["HistoryPage"]]


@dataclass(frozen=True, slots=True)
class HistoryPage:
    number: int
    """0-based."""
    runs: tuple[RunRecord, ...]
    total: int

    @property
    def page_count(self) -> int:
        return max(1, math.ceil(self.total / PAGE_SIZE))

    @property
    def first_position(self) -> int:
        return self.number * PAGE_SIZE + 1


async def read_history_page(store: RunStore, discord_user_id: int, number: int) -> HistoryPage:
    """Page ``number``, moved into range: runs may have been added or forgotten meanwhile."""
    total = await store.count_runs(discord_user_id)
    number = min(max(0, number), max(0, math.ceil(total / PAGE_SIZE) - 1))
    runs = await store.history(discord_user_id, number, PAGE_SIZE)
    return HistoryPage(number, tuple(runs), total)


def history_embed(page: HistoryPage) -> discord.Embed:
    entries = [
        history_entry(page.first_position + index, record) for index, record in enumerate(page.runs)
    ]
    embed = discord.Embed(
        title="Your runs",
        description="\n\n".join(entries) or NO_HISTORY,
        colour=GLIF_COLOUR,
    )
    embed.set_footer(text=f"Page {page.number + 1} of {page.page_count} · {page.total} runs")
    return attribute(embed)


def history_entry(position: int, record: RunRecord) -> str:
    name = plain(one_line(record.glif_name) or "Untitled glif", _NAME_LIMIT)
    title = linked(f"**{name}**", f"{GLIF_WEB_URL}/glifs/{record.glif_id}")
    when = relative_time(record.created_at)
    return f"**{position}.** {joined(title, when, record.visibility.lower())}\n{_outcome(record)}"


def _outcome(record: RunRecord) -> str:
    took = format_duration(record.duration_ms / 1000) if record.duration_ms is not None else None
    if record.status is RunStatus.SUCCEEDED:
        cost = format_credits(record.price) if record.price is not None else None
        return joined(f"succeeded in {took}" if took else "succeeded", cost, _output(record))
    if record.status is RunStatus.FAILED:
        return f"failed: {plain(one_line(record.error) or 'no reason given', _DETAIL_LIMIT)}"
    return "running" if record.status is RunStatus.RUNNING else "waiting in the queue"


def _output(record: RunRecord) -> str | None:
    output = (record.output or "").strip()
    if not output:
        return "no output"
    kind = (record.output_type or "output").lower()
    if is_url(output) and len(output) <= _URL_LIMIT:
        return linked(kind, output, _URL_LIMIT)
    return f"“{plain(one_line(output), _DETAIL_LIMIT)}”"


class HistoryView(PagedView):
    """Previous/Next for one history message, and a Re-run button per run shown."""

    def __init__(self, page: HistoryPage, read_page: ReadPage, *, editor: discord.Interaction):
        super().__init__(editor=editor, timeout=HISTORY_TIMEOUT_SECONDS)
        self.page = page
        self._read_page = read_page
        self._lay_out()

    def embed(self) -> discord.Embed:
        return history_embed(self.page)

    @override
    async def turn(self, interaction: discord.Interaction, step: int) -> None:
        self.page = await self._read_page(self.page.number + step)
        self.editor = interaction
        self._lay_out()
        await interaction.response.edit_message(embed=self.embed(), view=self)

    def _lay_out(self) -> None:
        for item in list(self.children):
            if isinstance(item, RerunButton):
                self.remove_item(item)
        for index, record in enumerate(self.page.runs):
            self.add_item(
                RerunButton(record.id, label=f"Re-run {self.page.first_position + index}")
            )
        self.previous_page.disabled = self.page.number <= 0
        self.next_page.disabled = self.page.number >= self.page.page_count - 1
