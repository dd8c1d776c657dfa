"""Finding glifs, runs, users and spheres: the work behind /glif search, featured, info, runs,
user, /sphere list and show, and the autocomplete of every ``glif`` option.

Result cards are public, so that a member can show the channel what they found; whatever goes
wrong (nothing found, an unknown id, Glif failing) is told to that member alone. Glif may take
seconds to answer, so every command defers first; when it then fails, the public "thinking"
placeholder is withdrawn before the command tree tells the member privately.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar
from urllib.parse import quote

import discord
from discord import app_commands

from bot.errors import UserFacingError
from bot.glif import (
    GLIF_WEB_URL,
    Glif,
    GlifError,
    GlifNotFound,
    Run,
    Sphere,
    User,
    parse_sphere_reference,
)
from bot.services import Services
from cogs.discovery_cards import (
    glif_card,
    glif_card_view,
    glif_entry,
    run_entry,
    sphere_entry,
    sphere_intro,
    user_intro,
    user_title,
)
from cogs.discovery_paging import (
    PAGE_SIZE,
    Listing,
    ListingView,
    Page,
    fetched_page,
    held_page,
)
from cogs.discovery_references import parse_username
from cogs.discovery_suggestions import MAX_CHOICES, GlifSuggestions
from cogs.discovery_text import one_line, web_link
from cogs.glif_lookup import glif_id_from, read_glif
from cogs.ui import deferred

PAGING_TIMEOUT = 600.0
RECENT_RUNS = 5

Found = TypeVar("Found")
Read = Callable[[int, str | None], Awaitable[Sequence[Found]]]
"""Reads one page (numbered from 1) of something from Glif, with the caller's token or None."""


class Discovery:
    """Built once and shared by the /glif and /sphere cogs, so that one autocomplete cache
    learns from every card either of them shows.

    ``paging_timeout`` is how long, in seconds since their last use, result cards can be paged.
    """

    def __init__(self, services: Services, *, paging_timeout: float = PAGING_TIMEOUT) -> None:
        self.services = services
        self.paging_timeout = paging_timeout
        self.suggestions = GlifSuggestions(search=self._search_anonymously, featured=self._featured)
        self.suggestions.warm()

    async def close(self) -> None:
        """Stop the autocomplete cache's background reads."""
        await self.suggestions.close()

    async def autocomplete_glif(
        self, _interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return self.suggestions.suggest(current)

    async def search(self, interaction: discord.Interaction, query: str) -> None:
        words = one_line(query)
        if not words:
            raise UserFacingError("Type a word or two to search for.")
        glif = self.services.glif

        def read(number: int, token: str | None) -> Awaitable[list[Glif]]:
            return glif.search_glifs(words, page=number, limit=PAGE_SIZE, token=token)

        listing = Listing(
            title=f"Glifs matching “{words}”",
            fetch=self._glif_pages(interaction.user.id, read),
            open=self._open_glif,
            empty_text=f"No public glifs match “{words}”; try other words.",
        )
        await self._show(interaction, listing)

    async def featured(self, interaction: discord.Interaction) -> None:
        glif = self.services.glif

        def read(number: int, token: str | None) -> Awaitable[list[Glif]]:
            return glif.featured_glifs(page=number, limit=PAGE_SIZE, token=token)

        listing = Listing(
            title="Featured glifs",
            url=GLIF_WEB_URL,
            fetch=self._glif_pages(interaction.user.id, read),
            open=self._open_glif,
            empty_text="Glif features no glifs right now; try /glif search instead.",
        )
        await self._show(interaction, listing)

    async def info(self, interaction: discord.Interaction, glif: str) -> None:
        glif_id = glif_id_from(glif, self.suggestions.glif_named)
        async with deferred(interaction):
            card, view = await self._glif_card(glif_id, interaction.user.id)
        await interaction.edit_original_response(embed=card, view=view)

    async def runs(
        self, interaction: discord.Interaction, glif: str | None, user: str | None
    ) -> None:
        if glif and user:
            raise UserFacingError("Give a glif or a Glif user, not both.")
        if glif:
            await self._glif_runs(interaction, glif_id_from(glif, self.suggestions.glif_named))
        elif user:
            await self._user_runs(interaction, parse_username(user))
        else:
            raise UserFacingError("Give a glif or a Glif username to see recent runs.")

    async def user(self, interaction: discord.Interaction, username: str) -> None:
        name = parse_username(username)
        glif = self.services.glif

        def read(number: int, token: str | None) -> Awaitable[list[Glif]]:
            return glif.user_glifs(name, page=number, limit=PAGE_SIZE, token=token)

        fetch = self._glif_pages(interaction.user.id, read)
        async with deferred(interaction):
            token = await self._token(interaction.user.id)
            profile, first = await asyncio.gather(self._read_user(name, token), fetch(1))
        listing = Listing(
            title=user_title(profile),
            url=profile.profile_url,
            intro=user_intro(profile),
            thumbnail=web_link(profile.image_url, 2000),
            fetch=fetch,
            open=self._open_glif,
            empty_text=f"{profile.display_name} has published no glifs yet.",
            show_when_empty=True,
        )
        await self._present(interaction, listing, first)

    async def spheres(self, interaction: discord.Interaction) -> None:
        glif = self.services.glif
        owner = interaction.user.id

        async def fetch(number: int) -> Page:
            token = await self._token(owner)
            found = await glif.list_spheres(page=number, limit=PAGE_SIZE, token=token)
            return fetched_page(number, [sphere_entry(sphere) for sphere in found])

        listing = Listing(
            title="Spheres",
            url=f"{GLIF_WEB_URL}/spheres",
            fetch=fetch,
            open=self._open_sphere,
            empty_text="Glif lists no public spheres right now.",
            choose_placeholder="Open a sphere",
        )
        await self._show(interaction, listing)

    async def sphere(self, interaction: discord.Interaction, sphere: str) -> None:
        await self._show_sphere(interaction, parse_sphere_reference(sphere), private=False)

    async def _glif_runs(self, interaction: discord.Interaction, glif_id: str) -> None:
        glif = self.services.glif

        def read(number: int, token: str | None) -> Awaitable[list[Run]]:
            return glif.glif_runs(glif_id, page=number, limit=PAGE_SIZE, token=token)

        fetch = self._run_pages(interaction.user.id, read)
        async with deferred(interaction):
            first = await fetch(1)
            if not first.entries:
                raise UserFacingError(
                    "That glif has no public runs yet, or there is no glif with that id."
                )
        name = self.suggestions.name_of(glif_id)
        listing = Listing(
            title=f"Recent runs of {name}" if name else "Recent runs of this glif",
            url=f"{GLIF_WEB_URL}/glifs/{glif_id}",
            fetch=fetch,
            open=self._open_glif,
            empty_text="No public runs yet.",
        )
        await self._present(interaction, listing, first)

    async def _user_runs(self, interaction: discord.Interaction, username: str) -> None:
        glif = self.services.glif

        def read(number: int, token: str | None) -> Awaitable[list[Run]]:
            return glif.user_runs(username, page=number, limit=PAGE_SIZE, token=token)

        listing = Listing(
            title=f"Recent runs by {username}",
            url=f"{GLIF_WEB_URL}/@{quote(username, safe='')}",
            fetch=self._run_pages(interaction.user.id, read),
            open=self._open_glif,
            empty_text=f"No public runs by {username}; check the username on glif.app.",
        )
        await self._show(interaction, listing)

    async def _show_sphere(
        self, interaction: discord.Interaction, reference: str, *, private: bool
    ) -> None:
        async with deferred(interaction, private=private):
            token = await self._token(interaction.user.id)
            found = await self._read_sphere(reference, token)
            self.suggestions.remember(found.glifs)
            entries = [glif_entry(glif) for glif in found.glifs]
            name = one_line(found.name) or found.reference
            if not entries:
                raise UserFacingError(f"The sphere {name} has no public glifs yet.")

        async def fetch(number: int) -> Page:
            return held_page(number, entries)

        listing = Listing(
            title=f"Sphere: {name}",
            url=found.web_url,
            intro=sphere_intro(found),
            thumbnail=web_link(found.image_url, 2000),
            fetch=fetch,
            open=self._open_glif,
            empty_text=f"The sphere {name} has no public glifs yet.",
        )
        await self._present(interaction, listing, held_page(1, entries))

    async def _open_glif(self, interaction: discord.Interaction, glif_id: str) -> None:
        """The info card of a glif picked from a result card, shown to the member who picked."""
        async with deferred(interaction, private=True):
            card, view = await self._glif_card(glif_id, interaction.user.id)
        await interaction.edit_original_response(embed=card, view=view)

    async def _open_sphere(self, interaction: discord.Interaction, reference: str) -> None:
        await self._show_sphere(interaction, reference, private=True)

    async def _show(self, interaction: discord.Interaction, listing: Listing) -> None:
        async with deferred(interaction):
            first = await listing.fetch(1)
            if not first.entries and not listing.show_when_empty:
                raise UserFacingError(listing.empty_text)
        await self._present(interaction, listing, first)

    async def _present(
        self, interaction: discord.Interaction, listing: Listing, first: Page
    ) -> None:
        view = ListingView(
            listing,
            first,
            owner=interaction.user,
            editor=interaction,
            timeout=self.paging_timeout,
        )
        await interaction.edit_original_response(embed=view.embed(), view=view)

    async def _glif_card(
        self, glif_id: str, discord_user_id: int
    ) -> tuple[discord.Embed, discord.ui.View]:
        token = await self._token(discord_user_id)
        glif, recent_runs = await asyncio.gather(
            read_glif(self.services.glif, glif_id, token), self._recent_runs(glif_id, token)
        )
        self.suggestions.remember([glif])
        return glif_card(glif, recent_runs), glif_card_view(glif)

    def _glif_pages(self, owner: int, read: Read[Glif]) -> Callable[[int], Awaitable[Page]]:
        async def fetch(number: int) -> Page:
            glifs = await read(number, await self._token(owner))
            self.suggestions.remember(glifs)
            return fetched_page(number, [glif_entry(glif) for glif in glifs])

        return fetch

    def _run_pages(self, owner: int, read: Read[Run]) -> Callable[[int], Awaitable[Page]]:
        async def fetch(number: int) -> Page:
            runs = await read(number, await self._token(owner))
            self.suggestions.remember(run.glif for run in runs if run.glif is not None)
            return fetched_page(number, [run_entry(run) for run in runs])

        return fetch

    async def _recent_runs(self, glif_id: str, token: str | None) -> list[Run] | None:
        """The info card can do without its recent runs: a failure to read them shows as such."""
        try:
            return await self.services.glif.glif_runs(glif_id, limit=RECENT_RUNS, token=token)
        except GlifError:
            return None

    async def _read_user(self, username: str, token: str | None) -> User:
        try:
            return await self.services.glif.get_user(username, token=token)
        except GlifNotFound:
            raise UserFacingError(
                f"There is no Glif user named {username}; check the name on glif.app."
            ) from None

    async def _read_sphere(self, reference: str, token: str | None) -> Sphere:
        try:
            return await self.services.glif.get_sphere(reference, token=token)
        except GlifNotFound:
            raise UserFacingError(
                f"There is no public sphere {reference}; /sphere list shows them all."
            ) from None

    async def _token(self, discord_user_id: int) -> str | None:
        return await self.services.tokens.token_for_read(discord_user_id)

    async def _search_anonymously(self, query: str) -> list[Glif]:
        return await self.services.glif.search_glifs(query, limit=MAX_CHOICES)

    async def _featured(self) -> list[Glif]:
        return await self.services.glif.featured_glifs(limit=MAX_CHOICES)
