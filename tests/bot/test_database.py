import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from bot.database import Database, DatabaseError, Migration, bundled_migrations


async def test_new_database_is_migrated_in_wal_mode(tmp_path: Path) -> None:
    database = await Database.open(tmp_path / "nested" / "glifbot.sqlite3")
    try:
        assert await database.schema_version() == len(bundled_migrations())
        row = await database.fetch_one("PRAGMA journal_mode")
        assert row is not None
        assert row[0] == "wal"
        assert await database.fetch_one("SELECT * FROM command_sync") is None
    finally:
        await database.close()


async def test_reopening_applies_nothing_twice(tmp_path: Path) -> None:
    path = tmp_path / "glifbot.sqlite3"
    await (await Database.open(path)).close()
    database = await Database.open(path)
    try:
        assert await database.schema_version() == len(bundled_migrations())
    finally:
        await database.close()


async def test_database_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "glifbot.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA user_version = 999")
    with pytest.raises(DatabaseError, match="newer than this glifbot knows"):
        await Database.open(path)


async def test_failing_migration_leaves_nothing_behind(tmp_path: Path) -> None:
    path = tmp_path / "glifbot.sqlite3"
    broken = [
        Migration(1, "0001_ok.sql", "CREATE TABLE first (id INTEGER);"),
        Migration(
            2, "0002_bad.sql", "CREATE TABLE second (id INTEGER); INSERT INTO nowhere VALUES (1);"
        ),
    ]
    with pytest.raises(DatabaseError, match=r"0002_bad\.sql"):
        await Database.open(path, broken)
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == 1
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert tables == {"first"}


async def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "glifbot.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(DatabaseError, match="not a usable SQLite database"):
        await Database.open(path)


@pytest.mark.parametrize("write", ["execute", "execute_returning"])
async def test_one_transactions_rollback_keeps_anothers_rows(tmp_path: Path, write: str) -> None:
    database = await Database.open(tmp_path / "glifbot.sqlite3")
    await database.execute("CREATE TABLE items (name TEXT)")
    inside_failing = asyncio.Event()

    async def failing() -> None:
        async with database.transaction() as connection:
            await connection.execute("INSERT INTO items VALUES ('lost')")
            inside_failing.set()
            await asyncio.sleep(0)
            raise RuntimeError("boom")

    async def succeeding() -> None:
        await inside_failing.wait()
        await getattr(database, write)("INSERT INTO items VALUES ('kept')")

    try:
        results = await asyncio.gather(failing(), succeeding(), return_exceptions=True)
        assert isinstance(results[0], RuntimeError)
        rows = await database.fetch_all("SELECT name FROM items")
        assert [row["name"] for row in rows] == ["kept"]
    finally:
        await database.close()


async def test_a_single_statement_is_committed_when_it_returns(tmp_path: Path) -> None:
    path = tmp_path / "glifbot.sqlite3"
    database = await Database.open(path)
    try:
        await database.execute("CREATE TABLE items (name TEXT)")
        rows = await database.execute_returning(
            "INSERT INTO items VALUES (?), (?) RETURNING name", ("one", "two")
        )
        changed = await database.execute("UPDATE items SET name = 'three' WHERE name = 'two'")
        # Another connection sees only what is committed.
        with closing(sqlite3.connect(path)) as other:
            seen = [row[0] for row in other.execute("SELECT name FROM items ORDER BY rowid")]
    finally:
        await database.close()
    assert [row["name"] for row in rows] == ["one", "two"]
    assert changed == 1
    assert seen == ["one", "three"]


async def test_a_failed_statement_changes_nothing_and_leaves_no_transaction(
    tmp_path: Path,
) -> None:
    database = await Database.open(tmp_path / "glifbot.sqlite3")
    try:
        await database.execute("CREATE TABLE items (name TEXT UNIQUE)")
        await database.execute("INSERT INTO items VALUES ('taken')")
        with pytest.raises(sqlite3.IntegrityError):
            await database.execute_returning(
                "INSERT INTO items VALUES ('new'), ('taken') RETURNING name"
            )
        async with database.transaction() as connection:
            await connection.execute("INSERT INTO items VALUES ('later')")
        rows = await database.fetch_all("SELECT name FROM items ORDER BY rowid")
    finally:
        await database.close()
    assert [row["name"] for row in rows] == ["taken", "later"]


async def test_health_reflects_a_closed_connection(tmp_path: Path) -> None:
    database = await Database.open(tmp_path / "glifbot.sqlite3")
    assert await database.is_healthy()
    await database.close()
    assert not await database.is_healthy()
