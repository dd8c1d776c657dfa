"""Result cards that page: an embed of entries, Previous/Next buttons and a select to open one.

Anyone may open an entry from the select, because that answers only them; turning pages edits
the message everyone sees, so only the member who ran the command may do it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import discord
from typing_extensions import override

from cogs.discovery_text import attribute, clip, plain
from cogs.ui import PagedView

log = logging.getLogger(__name__)

PAGE_SIZE = 10
ENTRY_LIMIT = 320
INTRO_LIMIT = 600
"""With ten entries of at most 320 characters and a 600-character intro, a page's description
stays under Discord's 4096, and the whole embed under its 6000."""

SELECT_TEXT_LIMIT = 100
GLIF_COLOUR = discord.Colour(0x7C3AED)


@dataclass(frozen=True, slots=True)
class Pick:
    """How an entry is offered in the select menu; ``value`` is what gets opened."""

    label: str
    value: str
    description: str | None = None

    def option(self) -> discord.SelectOption:
        description = clip(self.description, SELECT_TEXT_LIMIT) if self.description else None
        return discord.SelectOption(
            label=clip(self.label, SELECT_TEXT_LIMIT) or self.value,
            value=self.value,
            description=description,
        )


@dataclass(frozen=True, slots=True)
class Entry:
    text: str
    """Markdown of at most ``ENTRY_LIMIT`` characters."""
    pick: Pick | None = None
    """None when the entry has nothing to open."""


@dataclass(frozen=True, slots=True)
class Page:
    number: int
    entries: tuple[Entry, ...]
    has_next: bool


def fetched_page(number: int, entries: Sequence[Entry]) -> Page:
    """A page read from Glif, which gives no totals: a full page may have a next one. Anything
    beyond a page (should Glif ignore ``limit``) is cut, to stay within Discord's limits."""
    return Page(number, tuple(entries[:PAGE_SIZE]), has_next=len(entries) >= PAGE_SIZE)


def held_page(number: int, entries: Sequence[Entry]) -> Page:
    """A page of a list held whole in memory."""
    start = (number - 1) * PAGE_SIZE
    return Page(
        number, tuple(entries[start : start + PAGE_SIZE]), len(entries) > number * PAGE_SIZE
    )


@dataclass(frozen=True, slots=True)
class Listing:
    """What a paged card shows, how it gets a page and what choosing an entry does."""

    title: str
    fetch: Callable[[int], Awaitable[Page]]
    open: Callable[[discord.Interaction, str], Awaitable[None]]
    empty_text: str
    """Told to the member (ephemeral) when there is nothing to list."""
    choose_placeholder: str = "Open a glif"
    url: str | None = None
    intro: str = ""
    """Markdown of at most ``INTRO_LIMIT`` characters shown above the entries."""
    thumbnail: str | None = None
    show_when_empty: bool = False
    """Show the card anyway, with ``empty_text`` in it (a profile with no glifs is still news)."""

    def embed(self, page: Page) -> discord.Embed:
        blocks = [self.intro] if self.intro else []
        first = (page.number - 1) * PAGE_SIZE + 1
        blocks += [f"**{first + index}.** {entry.text}" for index, entry in enumerate(page.entries)]
        if not page.entries:
            blocks.append(f"*{plain(self.empty_text, 300)}*")
        embed = discord.Embed(
            title=clip(self.title, 256),
            url=self.url,
            description="\n\n".join(blocks),
            colour=GLIF_COLOUR,
        )
        embed.set_footer(text=f"Page {page.number}")
        if self.thumbnail:
            embed.set_thumbnail(url=self.thumbnail)
        return attribute(embed)


class ListingView(PagedView):
    """The buttons and select of one paged card; only the member who asked may turn its pages."""

    def __init__(
        self,
        listing: Listing,
        page: Page,
        *,
        owner: discord.abc.User,
        editor: discord.Interaction,
        timeout: float,
    ) -> None:
        super().__init__(editor=editor, timeout=timeout)
        self.listing = listing
        self.page = page
        self.owner = owner
        self._turning = asyncio.Lock()
        self.choose.placeholder = clip(listing.choose_placeholder, 150)
        self._lay_out()

    def embed(self) -> discord.Embed:
        return self.listing.embed(self.page)

    @discord.ui.select(cls=discord.ui.Select, row=0, min_values=1, max_values=1)
    async def choose(
        self, interaction: discord.Interaction, select: discord.ui.Select[ListingView]
    ) -> None:
        await self.listing.open(interaction, select.values[0])

    @override
    async def turn(self, interaction: discord.Interaction, step: int) -> None:
        if interaction.user.id != self.owner.id:
            name = discord.utils.escape_markdown(self.owner.display_name)
            await interaction.response.send_message(
                f"Only {name} can page this; run the command yourself.", ephemeral=True
            )
            return
        await interaction.response.defer()
        # Clicks can overtake each other; one turn at a time keeps "next" relative to the page
        # actually shown.
        async with self._turning:
            number = self.page.number + step
            if number < 1:
                return
            page = await self.listing.fetch(number)
            self.editor = interaction
            if not page.entries:
                self.page = dataclasses.replace(self.page, has_next=False)
                self._lay_out()
                await interaction.edit_original_response(view=self)
                await interaction.followup.send("That was the last page.", ephemeral=True)
                return
            self.page = page
            self._lay_out()
            await interaction.edit_original_response(embed=self.embed(), view=self)

    def _lay_out(self) -> None:
        options = _distinct_options(self.page.entries)
        self.choose.options = options
        if options and self.choose not in self.children:
            self.add_item(self.choose)
        elif not options and self.choose in self.children:
            self.remove_item(self.choose)
        self.previous_page.disabled = self.page.number <= 1
        self.next_page.disabled = not self.page.has_next


def _distinct_options(entries: Sequence[Entry]) -> list[discord.SelectOption]:
    # Discord refuses a select whose options repeat a value (two runs of one glif, say).
    seen: set[str] = set()
    options = []
    for entry in entries:
        if entry.pick is not None and entry.pick.value not in seen:
            seen.add(entry.pick.value)
            options.append(entry.pick.option())
    return options
