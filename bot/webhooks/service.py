"""The webhook feature assembled: one place to build it, start it and stop it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from bot.database import Database
from bot.settings import Settings
from bot.webhooks.api_column import CreatorsApiColumns, RunGlifAs
from bot.webhooks.delivery import (
    AnnouncementSender,
    Compose,
    DeliveryWorker,
    compose_announcement,
)
from bot.webhooks.events import EventStore
from bot.webhooks.intake import HookIntake
from bot.webhooks.store import HookStore
from bot.webhooks.writer import EventWriter

log = logging.getLogger(__name__)

PRUNE_INTERVAL_SECONDS = 60 * 60


class Webhooks:
    """`sender` posts announcements to Discord; `run_glif_as` runs a glif for an API column on
    the hook creator's token; `compose` turns a stored event into what is posted (the default
    lists the params)."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        *,
        sender: AnnouncementSender,
        run_glif_as: RunGlifAs,
        compose: Compose = compose_announcement,
    ) -> None:
        self.hooks = HookStore(database)
        self.events = EventStore(database)
        self.delivery = DeliveryWorker(self.events, sender, compose=compose)
        self.writer = EventWriter(database, on_stored=self.delivery.notify)
        self.api_column = CreatorsApiColumns(
            run_glif_as,
            runs_per_hook=settings.hook_run_concurrency,
            deadline_seconds=settings.api_column_deadline,
        )
        self.intake = HookIntake(hooks=self.hooks, events=self.writer, api_column=self.api_column)
        self._pruner: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"Webhooks({self.writer!r}, {self.delivery!r})"

    async def start(self) -> None:
        """Start storing and announcing; events left pending by a previous run go out first."""
        await self.writer.start()
        await self.delivery.start()
        if self._pruner is None:
            self._pruner = asyncio.create_task(self._prune_forever(), name="webhook-pruner")

    async def stop(self) -> None:
        """Call after the web server has stopped: queued events are written, then all ends."""
        if self._pruner is not None:
            self._pruner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pruner
            self._pruner = None
        await self.writer.stop()
        await self.delivery.stop()
        await self.api_column.close()

    async def _prune_forever(self) -> None:
        while True:
            try:
                pruned = await self.events.prune(time.time())
            except Exception:
                log.exception("Could not prune old webhook events")
            else:
                if pruned:
                    log.info("Pruned %d settled webhook events older than a day", pruned)
            await asyncio.sleep(PRUNE_INTERVAL_SECONDS)
