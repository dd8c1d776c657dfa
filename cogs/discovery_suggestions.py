"""Autocomplete for ``glif`` options, answered from memory well within Discord's 3 seconds.

An answer never waits for Glif. It is made of what the bot already knows: Glif's search results
for the typed text (or for the longest shorter text already searched, filtered further), the
featured glifs for an empty box, and every glif a card has shown. Each answer also asks Glif, in
the background, for the typed text's results, so the next keystroke or the next member finds
them. Background reads are few (a small pool, newest text first, older ones dropped) and stop for
a while when Glif fails or rate-limits.

Reads here are made without any member's token: the results serve every member, and public glifs
are the same for all.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial

from discord import app_commands

from bot.glif import Glif, GlifError, GlifRateLimited, InvalidReference, parse_glif_reference
from cogs.discovery_cards import glif_title
from cogs.discovery_text import clip, creator_name

log = logging.getLogger(__name__)

MAX_CHOICES = 25
CHOICE_LIMIT = 100
SEPARATOR = " · "
CREATOR_LIMIT = 32

FRESH_FOR = 600.0
"""Seconds an answer from Glif is used without asking again; older ones are used and renewed."""
PAUSE_AFTER_FAILURE = 30.0
MAX_ANSWERS = 512
MAX_GLIFS = 4096
CONCURRENT_READS = 2
QUEUED_READS = 8

Search = Callable[[str], Awaitable[Sequence[Glif]]]
Featured = Callable[[], Awaitable[Sequence[Glif]]]
Choice = app_commands.Choice[str]


@dataclass(frozen=True, slots=True)
class Suggestion:
    glif_id: str
    name: str
    creator: str
    runs: int
    searchable: str

    @classmethod
    def of(cls, glif: Glif) -> Suggestion:
        name, creator = glif_title(glif), creator_name(glif.user)
        return cls(glif.id, name, creator, glif.completed_run_count, f"{name} {creator}".casefold())

    def choice(self) -> Choice:
        creator = clip(self.creator, CREATOR_LIMIT)
        name = clip(self.name, CHOICE_LIMIT - len(SEPARATOR) - len(creator))
        return app_commands.Choice(name=f"{name}{SEPARATOR}{creator}", value=self.glif_id)

    def matches(self, words: Sequence[str]) -> bool:
        return all(word in self.searchable for word in words)


@dataclass(frozen=True, slots=True)
class _Answer:
    glif_ids: tuple[str, ...]
    fetched_at: float


class GlifSuggestions:
    def __init__(self, *, search: Search, featured: Featured) -> None:
        self._search = search
        self._featured = featured
        # Keyed by normalised typed text; "" holds the featured glifs.
        self._answers: OrderedDict[str, _Answer] = OrderedDict()
        self._glifs: OrderedDict[str, Suggestion] = OrderedDict()
        self._reading: dict[str, asyncio.Task[None]] = {}
        self._queued: OrderedDict[str, None] = OrderedDict()
        self._paused_until = float("-inf")

    def suggest(self, typed: str) -> list[Choice]:
        """At most 25 choices for ``typed``, from memory; asks Glif for more in the background."""
        referenced = _referenced_glif(typed)
        if referenced is not None:
            known = self._glifs.get(referenced)
            return [
                known.choice() if known else app_commands.Choice(name=referenced, value=referenced)
            ]
        query = normalise(typed)
        if "/" not in query:
            self._want(query)
        words = query.split()
        chosen: dict[str, Suggestion] = {}
        for suggestion in self._answered(query, words):
            chosen.setdefault(suggestion.glif_id, suggestion)
            if len(chosen) == MAX_CHOICES:
                return [suggestion.choice() for suggestion in chosen.values()]
        for suggestion in self._best_known(query, words):
            chosen.setdefault(suggestion.glif_id, suggestion)
        return [suggestion.choice() for suggestion in list(chosen.values())[:MAX_CHOICES]]

    def warm(self) -> None:
        """Start reading the featured glifs, the answer to an empty box."""
        self._want("")

    def remember(self, glifs: Iterable[Glif]) -> None:
        """Keep glifs a card has shown, so that typing part of their name finds them."""
        for glif in glifs:
            if len(glif.id) > CHOICE_LIMIT:
                continue
            self._glifs[glif.id] = Suggestion.of(glif)
            self._glifs.move_to_end(glif.id)
        while len(self._glifs) > MAX_GLIFS:
            self._glifs.popitem(last=False)

    def name_of(self, glif_id: str) -> str | None:
        known = self._glifs.get(glif_id)
        return known.name if known is not None else None

    def glif_named(self, name: str) -> str | None:
        """The id of the one known glif called exactly ``name`` (any case), if there is one."""
        wanted = normalise(name)
        found = {s.glif_id for s in self._glifs.values() if normalise(s.name) == wanted}
        return found.pop() if len(found) == 1 else None

    async def settle(self) -> None:
        """Wait until no background read is running or queued."""
        while self._reading:
            await asyncio.wait(list(self._reading.values()))

    async def close(self) -> None:
        self._queued.clear()
        for task in self._reading.values():
            task.cancel()
        await self.settle()

    def _answered(self, query: str, words: Sequence[str]) -> Iterable[Suggestion]:
        """Glif's own results for the text, else for its longest already-searched prefix."""
        exact = self._answers.get(query)
        if exact is not None:
            return self._known(exact.glif_ids)
        prefixes = [text for text in self._answers if text and query.startswith(text)]
        if not prefixes:
            return ()
        broader = self._answers[max(prefixes, key=len)]
        return (s for s in self._known(broader.glif_ids) if s.matches(words))

    def _known(self, glif_ids: Iterable[str]) -> Iterable[Suggestion]:
        return (self._glifs[glif_id] for glif_id in glif_ids if glif_id in self._glifs)

    def _best_known(self, query: str, words: Sequence[str]) -> list[Suggestion]:
        """Known glifs matching every word: names starting with the text first, then most run."""
        matching = (s for s in self._glifs.values() if s.matches(words))
        return heapq.nsmallest(
            MAX_CHOICES,
            matching,
            key=lambda s: (not s.searchable.startswith(query), -s.runs, s.name),
        )

    def _want(self, query: str) -> None:
        if query in self._reading or query in self._queued or self._is_fresh(query):
            return
        if time.monotonic() < self._paused_until:
            return
        if len(self._reading) < CONCURRENT_READS:
            self._start(query)
            return
        self._queued[query] = None
        while len(self._queued) > QUEUED_READS:
            self._queued.popitem(last=False)

    def _is_fresh(self, query: str) -> bool:
        answer = self._answers.get(query)
        return answer is not None and time.monotonic() - answer.fetched_at < FRESH_FOR

    def _start(self, query: str) -> None:
        task = asyncio.get_running_loop().create_task(
            self._read(query), name=f"glif-suggestions:{query[:40]}"
        )
        self._reading[query] = task
        task.add_done_callback(partial(self._finished, query))

    async def _read(self, query: str) -> None:
        try:
            glifs = await (self._search(query) if query else self._featured())
        except GlifError as error:
            pause = PAUSE_AFTER_FAILURE
            if isinstance(error, GlifRateLimited) and error.retry_after:
                pause = max(pause, error.retry_after)
            self._paused_until = time.monotonic() + pause
            self._queued.clear()
            log.info(
                "Autocomplete reads paused for %.0f s: %s (%s)",
                pause,
                type(error).__name__,
                error.detail or error,
            )
            return
        self.remember(glifs)
        self._answers[query] = _Answer(tuple(glif.id for glif in glifs), time.monotonic())
        self._answers.move_to_end(query)
        while len(self._answers) > MAX_ANSWERS:
            self._answers.popitem(last=False)

    def _finished(self, query: str, task: asyncio.Task[None]) -> None:
        del self._reading[query]
        if not task.cancelled() and (error := task.exception()) is not None:
            log.warning("An autocomplete read failed", exc_info=error)
        while self._queued and len(self._reading) < CONCURRENT_READS:
            newest, _ = self._queued.popitem(last=True)
            self._want(newest)


def normalise(text: str) -> str:
    return " ".join(text.casefold().split())[:CHOICE_LIMIT]


def _referenced_glif(typed: str) -> str | None:
    try:
        return parse_glif_reference(typed)
    except InvalidReference:
        return None
