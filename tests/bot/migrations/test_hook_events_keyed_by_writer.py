"""Migration 0006 rebuilds `hook_events` without its UNIQUE index; nothing else may change."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.database import Database, bundled_migrations

BEFORE = 5
SELECT_EVENTS = (
    "SELECT id, hook_id, idempotency_key, received_at, body, state, attempts, next_attempt_at, "
    "message_id, failure_reason, glif_outcome FROM hook_events ORDER BY id"
)


async def counts(database: Database, hook_id: str) -> tuple[int, int, int]:
    row = await database.fetch_one(
        "SELECT received_count, delivered_count, failed_count FROM hooks WHERE id = ?", (hook_id,)
    )
    assert row is not None
    return (row[0], row[1], row[2])


@pytest.fixture
async def migrated(tmp_path: Path) -> AsyncIterator[tuple[Database, list[tuple[object, ...]]]]:
    """A database with a hook and events written under schema 5, then brought up to date."""
    path = tmp_path / "glifbot.sqlite3"
    old = await Database.open(path, bundled_migrations()[:BEFORE])
    await old.execute(
        "INSERT INTO hooks (id, guild_id, channel_id, name, secret_sha256, created_by, created_at) "
        "VALUES ('hook', 1, 2, 'Orders', zeroblob(32), 3, '2026-11-22T10:00:00Z')"
    )
    await old.execute(
        "INSERT INTO hook_events (id, hook_id, idempotency_key, received_at, body, next_attempt_at)"
        " VALUES (7, 'hook', 'k1', 10.5, '{}', 10.5), (9, 'hook', 'k2', 11.5, '{\"a\": 1}', 11.5)"
    )
    await old.execute(
        "UPDATE hook_events SET state = 'delivered', attempts = 1, message_id = 42, "
        'glif_outcome = \'{"output": "x"}\' WHERE id = 7'
    )
    rows = await old.fetch_all(SELECT_EVENTS)
    await old.close()

    database = await Database.open(path)
    yield database, [tuple(row) for row in rows]
    await database.close()


async def test_events_keep_their_ids_and_values_and_the_counts_are_not_redone(
    migrated: tuple[Database, list[tuple[object, ...]]],
) -> None:
    database, before = migrated
    assert await database.schema_version() == len(bundled_migrations())
    rows = await database.fetch_all(SELECT_EVENTS)
    assert [tuple(row) for row in rows] == before
    assert await counts(database, "hook") == (2, 1, 0)


async def test_the_key_index_is_gone_and_the_others_are_back(
    migrated: tuple[Database, list[tuple[object, ...]]],
) -> None:
    database, _ = migrated
    rows = await database.fetch_all(
        "SELECT name FROM sqlite_schema WHERE tbl_name = 'hook_events' AND type = 'index'"
    )
    assert sorted(row[0] for row in rows) == [
        "hook_events_by_hook",
        "hook_events_pending",
        "hook_events_settled",
    ]
    row = await database.fetch_one("PRAGMA foreign_key_check")
    assert row is None


async def test_counters_and_the_cascade_still_work(
    migrated: tuple[Database, list[tuple[object, ...]]],
) -> None:
    database, _ = migrated
    await database.execute(
        "INSERT INTO hook_events (hook_id, idempotency_key, received_at, body, next_attempt_at) "
        "VALUES ('hook', 'k3', 12.5, '{}', 12.5)"
    )
    await database.execute("UPDATE hook_events SET state = 'failed' WHERE id = 9")
    assert await counts(database, "hook") == (3, 1, 1)
    await database.execute("DELETE FROM hooks WHERE id = 'hook'")
    assert await database.fetch_one("SELECT id FROM hook_events") is None
