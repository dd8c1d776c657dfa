from collections.abc import Iterable

import pytest

from bot.database import Database
from bot.webhooks.events import (
    IDEMPOTENCY_RETENTION_SECONDS,
    EventStore,
    NewEvent,
    PendingHead,
)
from bot.webhooks.writer import EventWriter, StoreOutcome
from tests.bot.webhooks.conftest import Created

DAY = 86_400.0
NOW = 1_800_000_000.0


async def store_all(database: Database, events: list[NewEvent]) -> list[StoreOutcome]:
    writer = EventWriter(database)
    await writer.start()
    try:
        return [await writer.store(event) for event in events]
    finally:
        await writer.stop()


async def keys(database: Database) -> list[str]:
    rows = await database.fetch_all("SELECT idempotency_key FROM hook_events ORDER BY id")
    return [row[0] for row in rows]


async def test_prune_drops_settled_events_older_than_a_day_only(
    database: Database, events: EventStore, created: Created
) -> None:
    hook_id = created.hook.id
    await store_all(
        database,
        [
            NewEvent(hook_id, "old-delivered", NOW - 2 * DAY, "{}"),
            NewEvent(hook_id, "old-failed", NOW - 2 * DAY, "{}"),
            NewEvent(hook_id, "old-pending", NOW - 2 * DAY, "{}"),
            NewEvent(hook_id, "recent-delivered", NOW - DAY + 60, "{}"),
        ],
    )
    rows = await database.fetch_all("SELECT id, idempotency_key FROM hook_events")
    ids = {row[1]: row[0] for row in rows}
    await events.mark_delivered(ids["old-delivered"], 1)
    await events.mark_failed(ids["old-failed"], "channel gone")
    await events.mark_delivered(ids["recent-delivered"], 2)

    assert await events.prune(NOW) == 2
    assert await keys(database) == ["old-pending", "recent-delivered"]
    # Within the day a late copy is still recognised.
    outcomes = await store_all(database, [NewEvent(hook_id, "recent-delivered", NOW, "{}")])
    assert outcomes == [StoreOutcome.DUPLICATE]


async def test_retention_below_a_day_is_refused(events: EventStore) -> None:
    with pytest.raises(ValueError, match="24 hours"):
        await events.prune(NOW, retention_seconds=IDEMPOTENCY_RETENTION_SECONDS - 1)


async def test_pending_heads_are_the_oldest_pending_per_hook(
    database: Database, events: EventStore, created: Created
) -> None:
    await store_all(database, [NewEvent(created.hook.id, key, NOW, "{}") for key in "abc"])
    assert await events.pending_heads() == [PendingHead(created.hook.id, NOW)]
    head = await events.pending_head(created.hook.id)
    assert head is not None
    assert head.idempotency_key == "a"
    await events.schedule_retry(head.event_id, NOW + 30, "Discord is down")
    assert await events.pending_heads() == [PendingHead(created.hook.id, NOW + 30)]
    head = await events.pending_head(created.hook.id)
    assert head is not None
    assert (head.idempotency_key, head.attempts, head.next_attempt_at) == ("a", 1, NOW + 30)
    await events.mark_delivered(head.event_id, 7)
    next_head = await events.pending_head(created.hook.id)
    assert next_head is not None
    assert next_head.idempotency_key == "b"
    assert "{}" not in repr(next_head)


async def test_prune_works_in_chunks(
    database: Database, events: EventStore, created: Created, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.webhooks.events.PRUNE_CHUNK", 3)
    await store_all(
        database, [NewEvent(created.hook.id, f"k{n}", NOW - 2 * DAY, "{}") for n in range(7)]
    )
    await database.execute("UPDATE hook_events SET state = 'delivered'")
    deleted_per_statement: list[int] = []
    execute = database.execute

    async def counting_execute(sql: str, parameters: Iterable[object] = ()) -> int:
        changed = await execute(sql, parameters)
        deleted_per_statement.append(changed)
        return changed

    monkeypatch.setattr(database, "execute", counting_execute)
    assert await events.prune(NOW) == 7
    assert await keys(database) == []
    assert deleted_per_statement == [3, 3, 1]
