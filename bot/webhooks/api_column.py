"""Answers Glide API-column requests with a glif's output, without flooding Glif.

A sheet's API column fires one request per row, hundreds at once and with no caching of its own.
Identical requests (same hook, same inputs) therefore share one run while it is in flight and
its result for ten minutes after; distinct ones run at most `runs_per_hook` at a time per hook,
with a bounded queue behind them. A request that waits past the deadline is told to come back:
its run goes on and fills the cache for that later request.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from bot.glif.errors import GlifError
from bot.webhooks.metrics import API_COLUMN_ANSWERS, GLIF_RUNS
from bot.webhooks.models import AnyParam, param_as_text
from bot.webhooks.store import Hook

log = logging.getLogger(__name__)

RunGlif = Callable[[str, dict[str, str]], Awaitable[str]]
"""Runs a glif by id with named text inputs and returns its output; raises `GlifError`."""

RunGlifAs = Callable[[int], RunGlif]
"""The `RunGlif` that pays with this Discord member's own Glif token."""

CACHE_SECONDS = 600.0
RETRY_AFTER_SECONDS = 10
_UNEXPLAINED_FAILURE = "The glif run failed; check the hook's glif and try again."


class NoGlifBound(Exception):
    """The hook has no glif, so it cannot answer an API column."""


class ApiColumnRunFailed(Exception):
    """The glif run failed; the message is Glif's explanation, fit for the response body."""


class ApiColumnBusy(Exception):
    """Too much is in flight for this hook, or the run outlasted the deadline: retry later."""

    def __init__(self, reason: str, retry_after: int = RETRY_AFTER_SECONDS) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class ApiColumnAnswerer(Protocol):
    async def answer(self, hook: Hook, params: Mapping[str, AnyParam]) -> str:
        """The glif's output for these params, or `NoGlifBound`, `ApiColumnRunFailed`,
        `ApiColumnBusy`."""
        ...


_RunKey = tuple[str, str, tuple[tuple[str, str], ...]]


@dataclass(slots=True)
class _HookRuns:
    slots: asyncio.Semaphore
    flights: int = 0


@dataclass(slots=True)
class _Cache:
    ttl: float
    capacity: int
    clock: Callable[[], float]
    entries: OrderedDict[_RunKey, tuple[float, str]] = field(default_factory=OrderedDict)

    def get(self, key: _RunKey) -> str | None:
        entry = self.entries.get(key)
        if entry is None:
            return None
        expires_at, value = entry
        if self.clock() >= expires_at:
            del self.entries[key]
            return None
        return value

    def put(self, key: _RunKey, value: str) -> None:
        self.entries[key] = (self.clock() + self.ttl, value)
        self.entries.move_to_end(key)
        while len(self.entries) > self.capacity:
            self.entries.popitem(last=False)


class ApiColumnCoordinator:
    """The `ApiColumnAnswerer` of the bot: single-flight, cached and capped per hook."""

    def __init__(
        self,
        run_glif: RunGlif,
        *,
        runs_per_hook: int,
        deadline_seconds: float,
        queued_runs_per_hook: int = 64,
        cache_seconds: float = CACHE_SECONDS,
        cache_capacity: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._run_glif = run_glif
        self._runs_per_hook = runs_per_hook
        self._max_flights_per_hook = runs_per_hook + queued_runs_per_hook
        self._deadline = deadline_seconds
        self._cache = _Cache(cache_seconds, cache_capacity, clock)
        self._flights: dict[_RunKey, asyncio.Task[str]] = {}
        self._hooks: dict[str, _HookRuns] = {}

    def __repr__(self) -> str:
        return f"ApiColumnCoordinator(flights={len(self._flights)})"

    async def answer(self, hook: Hook, params: Mapping[str, AnyParam]) -> str:
        if hook.glif_id is None:
            raise NoGlifBound("this hook has no glif to answer API columns; bind one to it")
        inputs = {name: param_as_text(param) for name, param in params.items()}
        key: _RunKey = (hook.id, hook.glif_id, tuple(sorted(inputs.items())))
        cached = self._cache.get(key)
        if cached is not None:
            API_COLUMN_ANSWERS.labels("cache").inc()
            return cached
        flight = self._flights.get(key)
        if flight is None:
            flight = self._launch(key, hook.id, hook.glif_id, inputs)
            API_COLUMN_ANSWERS.labels("run").inc()
        else:
            API_COLUMN_ANSWERS.labels("shared").inc()
        try:
            # shield: a request that gives up must not cancel the run others share.
            return await asyncio.wait_for(asyncio.shield(flight), self._deadline)
        except TimeoutError:
            raise ApiColumnBusy("the glif is still running; try again shortly") from None
        except GlifError as error:
            raise ApiColumnRunFailed(str(error)) from None
        except Exception:  # noqa: BLE001 - the caller gets a sentence, the log the details
            raise ApiColumnRunFailed(_UNEXPLAINED_FAILURE) from None

    def _launch(
        self, key: _RunKey, hook_id: str, glif_id: str, inputs: dict[str, str]
    ) -> asyncio.Task[str]:
        runs = self._hooks.get(hook_id)
        if runs is None:
            runs = self._hooks[hook_id] = _HookRuns(asyncio.Semaphore(self._runs_per_hook))
        if runs.flights >= self._max_flights_per_hook:
            raise ApiColumnBusy("too many glif runs are waiting for this hook; try again later")
        runs.flights += 1
        flight = asyncio.create_task(self._fly(key, runs, glif_id, inputs))
        self._flights[key] = flight
        # A callback rather than `finally`: it also runs for a run cancelled before it began.
        flight.add_done_callback(lambda _: self._land(key, hook_id, runs))
        return flight

    def _land(self, key: _RunKey, hook_id: str, runs: _HookRuns) -> None:
        del self._flights[key]
        runs.flights -= 1
        if runs.flights == 0:
            del self._hooks[hook_id]

    async def _fly(
        self, key: _RunKey, runs: _HookRuns, glif_id: str, inputs: dict[str, str]
    ) -> str:
        try:
            async with runs.slots:
                output = await self._run_glif(glif_id, inputs)
        except GlifError as error:
            GLIF_RUNS.labels("failed").inc()
            log.info("An API-column glif run failed: %s", error.detail or error)
            raise
        except Exception:
            GLIF_RUNS.labels("error").inc()
            log.exception("An API-column glif run raised unexpectedly")
            raise
        GLIF_RUNS.labels("succeeded").inc()
        # Failures are not cached: the next request runs the glif again.
        self._cache.put(key, output)
        return output

    async def close(self) -> None:
        """Cancel the runs in flight; call it once the endpoint has stopped taking requests."""
        flights = list(self._flights.values())
        for flight in flights:
            flight.cancel()
        await asyncio.gather(*flights, return_exceptions=True)


class CreatorsApiColumns:
    """The `ApiColumnAnswerer` of the bot: a hook's glif runs on its creator's Glif token.

    One coordinator per creator, each with a runner paying with that member's token; a hook
    never changes creator, so each hook's runs, cache and cap stay in a single coordinator.
    """

    def __init__(
        self, run_glif_as: RunGlifAs, *, runs_per_hook: int, deadline_seconds: float
    ) -> None:
        self._run_glif_as = run_glif_as
        self._runs_per_hook = runs_per_hook
        self._deadline_seconds = deadline_seconds
        self._coordinators: dict[int, ApiColumnCoordinator] = {}

    def __repr__(self) -> str:
        return f"CreatorsApiColumns(creators={len(self._coordinators)})"

    async def answer(self, hook: Hook, params: Mapping[str, AnyParam]) -> str:
        coordinator = self._coordinators.get(hook.created_by)
        if coordinator is None:
            coordinator = self._coordinators[hook.created_by] = ApiColumnCoordinator(
                self._run_glif_as(hook.created_by),
                runs_per_hook=self._runs_per_hook,
                deadline_seconds=self._deadline_seconds,
            )
        return await coordinator.answer(hook, params)

    async def close(self) -> None:
        """Cancel the runs in flight; call it once the endpoint has stopped taking requests."""
        for coordinator in self._coordinators.values():
            await coordinator.close()
