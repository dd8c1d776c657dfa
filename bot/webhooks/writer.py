"""Group commit: one task writes every accepted event, many per transaction.

With synchronous=FULL each commit waits for the disk, and the shared connection allows one
transaction at a time, so committing per request would serialise requests behind fsyncs. Requests
instead queue their event and wait on a future; the writer takes everything queued (while it was
busy, more arrived), writes it in one statement inside one transaction and answers each future.

As the only code that inserts events, it also tells duplicates apart: a key it stored in the last
day (`AcceptedKeys`, read back from the database on start) is answered as a duplicate, unwritten.
Copies of one key within a batch share the fate of the first: the others are duplicates once it
is stored, and fail with it if it is not.

If a batch fails, each key is retried in a transaction of its own, so that one bad event (its
hook deleted a moment ago) does not cost the others their place; when the store itself is broken
(disk full, database closed) every event of the batch fails on its own and is answered 503.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from bot.database import Database
from bot.webhooks.accepted_keys import AcceptedKeys, HookKey
from bot.webhooks.events import (
    IDEMPOTENCY_RETENTION_SECONDS,
    MAX_INSERT_ROWS,
    NewEvent,
    insert_events,
    stored_keys,
)
from bot.webhooks.metrics import WRITE_BATCH_SIZE

log = logging.getLogger(__name__)


class StoreOutcome(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"


class StoreUnavailable(Exception):
    """The event could not be stored now; the sender should try again later."""


class HookGone(Exception):
    """The event's hook was deleted before the event could be stored."""


@dataclass(slots=True)
class _Write:
    event: NewEvent
    answer: asyncio.Future[StoreOutcome] = field(repr=False)

    @property
    def key(self) -> HookKey:
        return (self.event.hook_id, self.event.idempotency_key)


class EventWriter:
    def __init__(
        self,
        database: Database,
        *,
        on_stored: Callable[[], None] = lambda: None,
        max_batch: int = 256,
    ) -> None:
        if not 1 <= max_batch <= MAX_INSERT_ROWS:
            raise ValueError(f"max_batch must be between 1 and {MAX_INSERT_ROWS}")
        self._database = database
        self._on_stored = on_stored
        self._max_batch = max_batch
        self._queue: asyncio.Queue[_Write | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._accepting = False
        self._accepted = AcceptedKeys(IDEMPOTENCY_RETENTION_SECONDS)

    def __repr__(self) -> str:
        return f"EventWriter({self._database!r}, queued={self._queue.qsize()})"

    async def start(self) -> None:
        """Read back the keys already stored, then take events."""
        if self._task is not None:
            return
        accepted = AcceptedKeys(IDEMPOTENCY_RETENTION_SECONDS)
        for key, received_at in await stored_keys(self._database):
            accepted.add(key, received_at)
        # Another call may have started the writer while this one read.
        if self._task is not None:
            return
        self._accepted = accepted
        self._accepting = True
        self._task = asyncio.create_task(self._run(), name="webhook-event-writer")

    async def stop(self) -> None:
        """Write what is already queued, then stop; later `store` calls are refused."""
        if self._task is None:
            return
        self._accepting = False
        self._queue.put_nowait(None)
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def store(self, event: NewEvent) -> StoreOutcome:
        """Store the event durably; raises `StoreUnavailable` or `HookGone` when it was not."""
        if not self._accepting:
            raise StoreUnavailable("the event writer is not running")
        answer: asyncio.Future[StoreOutcome] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Write(event, answer))
        return await answer

    async def _run(self) -> None:
        while True:
            first = await self._queue.get()
            if first is None:
                return
            batch = [first]
            stopping = False
            while len(batch) < self._max_batch and not self._queue.empty():
                queued = self._queue.get_nowait()
                if queued is None:
                    stopping = True
                    break
                batch.append(queued)
            await self._write_batch(batch)
            if stopping:
                return

    async def _write_batch(self, batch: list[_Write]) -> None:
        # A request that gave up (its client went away) no longer needs its event written.
        batch = [write for write in batch if not write.answer.done()]
        if not batch:
            return
        # Duplicates included: they are requests the batch answered.
        WRITE_BATCH_SIZE.observe(len(batch))
        writes_by_key: dict[HookKey, list[_Write]] = {}
        for write in batch:
            key = write.key
            if key in self._accepted:
                _answer(write, StoreOutcome.DUPLICATE)
            else:
                writes_by_key.setdefault(key, []).append(write)
        if writes_by_key:
            await self._insert(writes_by_key)

    async def _insert(self, writes_by_key: dict[HookKey, list[_Write]]) -> None:
        """Store the first write of each key; the others of that key get its outcome."""
        firsts = [writes[0] for writes in writes_by_key.values()]
        try:
            await insert_events(self._database, [write.event for write in firsts])
        except Exception as error:  # noqa: BLE001 - every failure is answered, none kills the writer
            if len(writes_by_key) == 1:
                for write in next(iter(writes_by_key.values())):
                    _fail(write, error)
                return
            log.warning("A batch of %d webhook events failed; writing them one by one", len(firsts))
            for key, writes in writes_by_key.items():
                await self._insert({key: writes})
            return
        for key, (first, *others) in writes_by_key.items():
            self._accepted.add(key, first.event.received_at)
            _answer(first, StoreOutcome.ACCEPTED)
            for other in others:
                _answer(other, StoreOutcome.DUPLICATE)
        self._on_stored()


def _answer(write: _Write, outcome: StoreOutcome) -> None:
    if not write.answer.done():
        write.answer.set_result(outcome)


def _fail(write: _Write, error: Exception) -> None:
    if write.answer.done():
        return
    if getattr(error, "sqlite_errorname", None) == "SQLITE_CONSTRAINT_FOREIGNKEY":
        write.answer.set_exception(HookGone())
        return
    # The database's words go to the log only; the caller learns that it should retry.
    log.error("Could not store a webhook event: %s", error)
    write.answer.set_exception(StoreUnavailable("the event store is unavailable"))
