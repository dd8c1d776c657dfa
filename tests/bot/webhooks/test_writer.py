import asyncio
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import pytest

from bot.database import Database
from bot.webhooks.events import IDEMPOTENCY_RETENTION_SECONDS, NewEvent
from bot.webhooks.store import HookStore
from bot.webhooks.writer import EventWriter, HookGone, StoreOutcome, StoreUnavailable
from tests.bot.webhooks.conftest import GUILD_ID
from tests.fakes.discord_plugin import DiscordErrorCollector


class CountingDatabase(Database):
    """Counts write statements, each its own transaction, to see how many requests shared one."""

    statements = 0

    async def execute(self, sql: str, parameters: Iterable[Any] = ()) -> int:
        self.statements += 1
        return await super().execute(sql, parameters)


@pytest.fixture
async def counting_database(tmp_path: Path) -> AsyncIterator[CountingDatabase]:
    database = await CountingDatabase.open(tmp_path / "glifbot.sqlite3")
    assert isinstance(database, CountingDatabase)
    yield database
    await database.close()


@pytest.fixture
async def hook_ids(counting_database: CountingDatabase) -> list[str]:
    hooks = HookStore(counting_database)
    created = [
        await hooks.create_hook(guild_id=GUILD_ID, channel_id=1, name=name, created_by=1)
        for name in ("First", "Second")
    ]
    return [hook.id for hook, _ in created]


def event(hook_id: str, key: str, received_at: float = 1.0) -> NewEvent:
    return NewEvent(hook_id=hook_id, idempotency_key=key, received_at=received_at, body_json="{}")


async def stored_before_a_restart(database: Database, *events: NewEvent) -> None:
    """Store the events, one by one, through a writer that then stops, as at a shutdown."""
    earlier = EventWriter(database)
    await earlier.start()
    for new_event in events:
        assert await earlier.store(new_event) == StoreOutcome.ACCEPTED
    await earlier.stop()


async def stored(database: Database) -> list[tuple[str, str]]:
    rows = await database.fetch_all("SELECT hook_id, idempotency_key FROM hook_events ORDER BY id")
    return [(row[0], row[1]) for row in rows]


async def test_concurrent_events_share_one_transaction(
    counting_database: CountingDatabase, hook_ids: list[str]
) -> None:
    notified: list[None] = []
    writer = EventWriter(counting_database, on_stored=lambda: notified.append(None))
    await writer.start()
    before = counting_database.statements
    outcomes = await asyncio.gather(
        *(writer.store(event(hook_ids[n % 2], f"k{n}")) for n in range(50))
    )
    await writer.stop()
    assert outcomes == [StoreOutcome.ACCEPTED] * 50
    assert counting_database.statements - before == 1
    assert len(notified) == 1
    # Arrival order is the order of ids, which is the order of delivery.
    assert await stored(counting_database) == [(hook_ids[n % 2], f"k{n}") for n in range(50)]


async def test_copies_within_one_batch_store_the_first(
    counting_database: CountingDatabase, hook_ids: list[str]
) -> None:
    writer = EventWriter(counting_database)
    await writer.start()
    outcomes = await asyncio.gather(*(writer.store(event(hook_ids[0], "same")) for _ in range(20)))
    await writer.stop()
    assert outcomes == [StoreOutcome.ACCEPTED] + [StoreOutcome.DUPLICATE] * 19
    assert await stored(counting_database) == [(hook_ids[0], "same")]


async def test_a_batch_with_a_stored_key_stores_only_the_new_ones(
    counting_database: CountingDatabase, hook_ids: list[str]
) -> None:
    writer = EventWriter(counting_database)
    await writer.start()
    assert await writer.store(event(hook_ids[0], "k1")) == StoreOutcome.ACCEPTED
    before = counting_database.statements
    outcomes = await asyncio.gather(
        *(writer.store(event(hook_ids[0], key)) for key in ("k2", "k1", "k3"))
    )
    await writer.stop()
    assert outcomes == [StoreOutcome.ACCEPTED, StoreOutcome.DUPLICATE, StoreOutcome.ACCEPTED]
    assert await stored(counting_database) == [(hook_ids[0], key) for key in ("k1", "k2", "k3")]
    assert counting_database.statements - before == 1
    row = await counting_database.fetch_one(
        "SELECT received_count FROM hooks WHERE id = ?", (hook_ids[0],)
    )
    assert row is not None
    assert row[0] == 3


async def test_keys_stored_before_a_restart_are_duplicates_after_it(
    counting_database: CountingDatabase, hook_ids: list[str]
) -> None:
    await stored_before_a_restart(counting_database, event(hook_ids[0], "k1"))

    writer = EventWriter(counting_database)
    await writer.start()
    outcomes = [
        await writer.store(event(hook_ids[0], "k1")),
        await writer.store(event(hook_ids[1], "k1")),
    ]
    await writer.stop()
    # The key is the hook's own: the same key on another hook is a new event.
    assert outcomes == [StoreOutcome.DUPLICATE, StoreOutcome.ACCEPTED]
    assert await stored(counting_database) == [(hook_ids[0], "k1"), (hook_ids[1], "k1")]


async def test_a_key_is_a_duplicate_for_a_day_then_new_again(
    counting_database: CountingDatabase, hook_ids: list[str]
) -> None:
    writer = EventWriter(counting_database)
    await writer.start()
    first = await writer.store(event(hook_ids[0], "k1", received_at=1000.0))
    within_a_day = 1000.0 + IDEMPOTENCY_RETENTION_SECONDS
    retried = await writer.store(event(hook_ids[0], "k1", received_at=within_a_day))
    after_a_day = within_a_day + 1
    await writer.store(event(hook_ids[0], "k2", received_at=after_a_day))
    late_copy = await writer.store(event(hook_ids[0], "k1", received_at=after_a_day))
    await writer.stop()
    assert (first, retried, late_copy) == (
        StoreOutcome.ACCEPTED,
        StoreOutcome.DUPLICATE,
        StoreOutcome.ACCEPTED,
    )


async def test_batches_are_capped(counting_database: CountingDatabase, hook_ids: list[str]) -> None:
    writer = EventWriter(counting_database, max_batch=8)
    await writer.start()
    before = counting_database.statements
    await asyncio.gather(*(writer.store(event(hook_ids[0], f"k{n}")) for n in range(20)))
    await writer.stop()
    assert counting_database.statements - before == 3


async def test_one_bad_event_does_not_cost_the_others_their_place(
    counting_database: CountingDatabase, hook_ids: list[str]
) -> None:
    await counting_database.execute("DELETE FROM hooks WHERE id = ?", (hook_ids[1],))
    writer = EventWriter(counting_database)
    await writer.start()
    results = await asyncio.gather(
        writer.store(event(hook_ids[0], "a")),
        writer.store(event(hook_ids[1], "orphan")),
        writer.store(event(hook_ids[0], "b")),
        return_exceptions=True,
    )
    await writer.stop()
    assert results[0] == results[2] == StoreOutcome.ACCEPTED
    assert isinstance(results[1], HookGone)
    assert await stored(counting_database) == [(hook_ids[0], "a"), (hook_ids[0], "b")]


async def test_copies_of_an_event_that_cannot_be_stored_fail_with_it(
    counting_database: CountingDatabase, hook_ids: list[str]
) -> None:
    await counting_database.execute("DELETE FROM hooks WHERE id = ?", (hook_ids[1],))
    writer = EventWriter(counting_database)
    await writer.start()
    before = counting_database.statements
    results = await asyncio.gather(
        writer.store(event(hook_ids[1], "orphan")),
        writer.store(event(hook_ids[0], "a")),
        writer.store(event(hook_ids[1], "orphan")),
        writer.store(event(hook_ids[0], "a")),
        return_exceptions=True,
    )
    # The batch, then each of its two keys alone.
    assert counting_database.statements - before == 3
    # Answered "duplicate", the copy would tell Glide that an event no one stored was stored.
    assert isinstance(results[0], HookGone)
    assert isinstance(results[2], HookGone)
    assert [results[1], results[3]] == [StoreOutcome.ACCEPTED, StoreOutcome.DUPLICATE]
    assert await stored(counting_database) == [(hook_ids[0], "a")]
    # The key was not stored, so a later copy is tried again, not taken for a duplicate.
    before = counting_database.statements
    with pytest.raises(HookGone):
        await writer.store(event(hook_ids[1], "orphan"))
    await writer.stop()
    assert counting_database.statements - before == 1


async def test_a_key_older_than_a_day_when_the_writer_starts_is_new(
    counting_database: CountingDatabase, hook_ids: list[str]
) -> None:
    await stored_before_a_restart(
        counting_database,
        event(hook_ids[0], "old", received_at=1000.0),
        event(hook_ids[0], "recent", received_at=1001.0 + IDEMPOTENCY_RETENTION_SECONDS),
    )

    writer = EventWriter(counting_database)
    await writer.start()
    now = 1002.0 + IDEMPOTENCY_RETENTION_SECONDS
    outcomes = [
        await writer.store(event(hook_ids[0], key, received_at=now)) for key in ("old", "recent")
    ]
    await writer.stop()
    assert outcomes == [StoreOutcome.ACCEPTED, StoreOutcome.DUPLICATE]


async def test_starting_twice_at_once_starts_one_writer(
    counting_database: CountingDatabase, hook_ids: list[str]
) -> None:
    writer = EventWriter(counting_database)
    await asyncio.gather(writer.start(), writer.start())
    running = [task for task in asyncio.all_tasks() if task.get_name() == "webhook-event-writer"]
    await writer.stop()
    assert len(running) == 1
    assert running[0].done()


async def test_full_disk_fails_the_whole_batch_and_keeps_nothing(
    counting_database: CountingDatabase,
    hook_ids: list[str],
    fail_on_discord_errors: DiscordErrorCollector,
) -> None:
    fail_on_discord_errors.expect("database or disk is full")
    writer = EventWriter(counting_database)
    await writer.start()
    row = await counting_database.fetch_one("PRAGMA page_count")
    assert row is not None
    await counting_database.fetch_one(f"PRAGMA max_page_count = {row[0]}")
    big = NewEvent(hook_ids[0], "big", 1.0, '{"pad": "' + "x" * 20_000 + '"}')
    results = await asyncio.gather(
        writer.store(big), writer.store(event(hook_ids[0], "small")), return_exceptions=True
    )
    await writer.stop()
    assert isinstance(results[0], StoreUnavailable)
    # The small one fits in a free page: retried alone, it is stored.
    assert results[1] == StoreOutcome.ACCEPTED
    assert await stored(counting_database) == [(hook_ids[0], "small")]
    # The error says nothing of what was stored or where.
    assert str(results[0]) == "the event store is unavailable"


async def test_stop_writes_what_is_queued_then_refuses(
    counting_database: CountingDatabase, hook_ids: list[str]
) -> None:
    writer = EventWriter(counting_database)
    await writer.start()
    queued = [asyncio.create_task(writer.store(event(hook_ids[0], f"k{n}"))) for n in range(5)]
    await asyncio.sleep(0)  # let the requests queue their events
    await writer.stop()
    assert [task.result() for task in queued] == [StoreOutcome.ACCEPTED] * 5
    with pytest.raises(StoreUnavailable):
        await writer.store(event(hook_ids[0], "late"))


async def test_abandoned_request_is_not_written(
    counting_database: CountingDatabase, hook_ids: list[str]
) -> None:
    writer = EventWriter(counting_database)
    await writer.start()
    abandoned = asyncio.create_task(writer.store(event(hook_ids[0], "gone")))
    await asyncio.sleep(0)
    abandoned.cancel()
    kept = await writer.store(event(hook_ids[0], "kept"))
    await writer.stop()
    assert kept == StoreOutcome.ACCEPTED
    assert await stored(counting_database) == [(hook_ids[0], "kept")]
