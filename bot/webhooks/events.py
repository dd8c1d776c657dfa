"""Accepted app-actions in the database: inserted in batches, read and settled by delivery, pruned.

Times are unix seconds from the wall clock, because a retry time must survive a restart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import aiosqlite

from bot.database import Database
from bot.webhooks.accepted_keys import HookKey

# Glide retries for about half an hour; a day leaves a wide margin for late copies.
IDEMPOTENCY_RETENTION_SECONDS = 24 * 60 * 60
PRUNE_CHUNK = 2000
# SQLite allows 32766 bound values per statement; the writer's batches stay far below.
MAX_INSERT_ROWS = 1024


@dataclass(frozen=True, slots=True)
class NewEvent:
    hook_id: str
    idempotency_key: str
    received_at: float
    body_json: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class PendingHead:
    """A hook with pending events, and when its oldest one may be sent."""

    hook_id: str
    next_attempt_at: float


@dataclass(frozen=True, slots=True)
class PendingDelivery:
    """The oldest undelivered event of a hook, with what announcing it needs."""

    event_id: int
    hook_id: str
    hook_name: str
    channel_id: int
    glif_id: str | None
    # The member whose own Glif token runs the hook's glif.
    created_by: int
    idempotency_key: str
    received_at: float
    body_json: str = field(repr=False)
    attempts: int
    next_attempt_at: float
    # What the glif made of this event, once it ran (see `remember_glif_outcome`).
    glif_outcome: str | None = field(repr=False)


async def insert_events(database: Database, events: Sequence[NewEvent]) -> None:
    """Insert the events in one statement, in their order.

    Nothing here refuses a duplicate: only `EventWriter`, which leaves them out, may call this.
    """
    if not 1 <= len(events) <= MAX_INSERT_ROWS:
        raise ValueError(f"between 1 and {MAX_INSERT_ROWS} events per statement")
    placeholders = ", ".join(["(?, ?, ?, ?, ?)"] * len(events))
    values: list[object] = []
    for event in events:
        values += (
            event.hook_id,
            event.idempotency_key,
            event.received_at,
            event.body_json,
            event.received_at,
        )
    # Only "?" placeholders are formatted into the statement; every value is bound.
    head = "INSERT INTO hook_events (hook_id, idempotency_key, received_at, body, next_attempt_at)"
    await database.execute(f"{head} VALUES {placeholders}", values)


async def stored_keys(database: Database) -> list[tuple[HookKey, float]]:
    """Every stored event's hook and idempotency key, with when it was received, oldest first."""
    rows = await database.fetch_all(
        "SELECT hook_id, idempotency_key, received_at FROM hook_events ORDER BY id"
    )
    return [((row[0], row[1]), row[2]) for row in rows]


def _pending_from_row(row: aiosqlite.Row) -> PendingDelivery:
    return PendingDelivery(
        event_id=row[0],
        hook_id=row[1],
        hook_name=row[2],
        channel_id=row[3],
        glif_id=row[4],
        created_by=row[5],
        idempotency_key=row[6],
        received_at=row[7],
        body_json=row[8],
        attempts=row[9],
        next_attempt_at=row[10],
        glif_outcome=row[11],
    )


class EventStore:
    def __init__(self, database: Database) -> None:
        self._database = database

    def __repr__(self) -> str:
        return f"EventStore({self._database!r})"

    async def pending_heads(self) -> list[PendingHead]:
        """The oldest pending event of every hook: the only one of each that may be sent now.

        The delivery worker asks this whenever events arrive, so only what it decides on is read;
        the lane it starts reads the whole event with `pending_head`.
        """
        rows = await self._database.fetch_all(
            """
            SELECT hook_id, next_attempt_at FROM hook_events
            WHERE id IN (SELECT min(id) FROM hook_events WHERE state = 'pending' GROUP BY hook_id)
            ORDER BY id
            """
        )
        return [PendingHead(hook_id=row[0], next_attempt_at=row[1]) for row in rows]

    async def pending_head(self, hook_id: str) -> PendingDelivery | None:
        row = await self._database.fetch_one(
            """
            SELECT e.id, e.hook_id, h.name, h.channel_id, h.glif_id, h.created_by,
                   e.idempotency_key, e.received_at, e.body, e.attempts, e.next_attempt_at,
                   e.glif_outcome
            FROM hook_events AS e JOIN hooks AS h ON h.id = e.hook_id
            WHERE e.hook_id = ? AND e.state = 'pending'
            ORDER BY e.id LIMIT 1
            """,
            (hook_id,),
        )
        return _pending_from_row(row) if row is not None else None

    async def mark_delivered(self, event_id: int, message_id: int) -> None:
        await self._database.execute(
            "UPDATE hook_events SET state = 'delivered', attempts = attempts + 1, message_id = ? "
            "WHERE id = ? AND state = 'pending'",
            (message_id, event_id),
        )

    async def mark_failed(self, event_id: int, reason: str) -> None:
        await self._database.execute(
            "UPDATE hook_events SET state = 'failed', attempts = attempts + 1, failure_reason = ? "
            "WHERE id = ? AND state = 'pending'",
            (reason, event_id),
        )

    async def remember_glif_outcome(self, event_id: int, outcome_json: str) -> None:
        """Keep what the hook's glif made of the event, so that a retry posts it unchanged."""
        await self._database.execute(
            "UPDATE hook_events SET glif_outcome = ? WHERE id = ? AND state = 'pending'",
            (outcome_json, event_id),
        )

    async def schedule_retry(self, event_id: int, next_attempt_at: float, reason: str) -> None:
        await self._database.execute(
            "UPDATE hook_events SET attempts = attempts + 1, next_attempt_at = ?, "
            "failure_reason = ? WHERE id = ? AND state = 'pending'",
            (next_attempt_at, reason, event_id),
        )

    async def prune(
        self, now: float, retention_seconds: float = IDEMPOTENCY_RETENTION_SECONDS
    ) -> int:
        """Delete settled events received before the retention; pending ones are always kept.

        In chunks, each its own transaction, so that the event writer never waits long.
        """
        # The event writer reads a day of keys back from these rows when it starts.
        if retention_seconds < IDEMPOTENCY_RETENTION_SECONDS:
            raise ValueError("idempotency keys are kept at least 24 hours")
        pruned = 0
        while True:
            deleted = await self._database.execute(
                """
                DELETE FROM hook_events WHERE id IN (
                    SELECT id FROM hook_events
                    WHERE state <> 'pending' AND received_at < ? LIMIT ?
                )
                """,
                (now - retention_seconds, PRUNE_CHUNK),
            )
            pruned += deleted
            if deleted < PRUNE_CHUNK:
                return pruned
