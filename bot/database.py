"""The SQLite database: one connection, WAL, versioned migrations, serialised transactions."""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class DatabaseError(Exception):
    """The database cannot be used as it is; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def bundled_migrations() -> list[Migration]:
    """The numbered `.sql` files shipped in `bot/migrations`, in order, without gaps."""
    found = []
    for entry in resources.files("bot.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort(key=lambda migration: migration.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise DatabaseError(f"migration {expected:04d} is missing before {migration.name}")
    return found


class Database:
    """The one database handle of the process.

    aiosqlite runs every statement on one connection, so two coroutines that each opened a
    transaction would share it: one's rollback would discard the other's rows. Every write
    therefore holds one lock: for the whole of a `transaction()`, or for a single statement
    (`execute`, `execute_returning`). The connection is in autocommit mode, so SQLite commits a
    single statement on its own as it completes, durably under synchronous=FULL, in one trip to
    the database thread instead of the three that BEGIN, the statement and COMMIT would take.
    """

    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self._connection = connection
        self._write_lock = asyncio.Lock()
        self.path = path

    def __repr__(self) -> str:
        return f"Database({str(self.path)!r})"

    @classmethod
    async def open(cls, path: Path, migrations: Iterable[Migration] | None = None) -> Database:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = await aiosqlite.connect(path, isolation_level=None)
        connection.row_factory = aiosqlite.Row
        database = cls(connection, path)
        try:
            await database._configure()
            await database.migrate(bundled_migrations() if migrations is None else migrations)
        except BaseException:
            await connection.close()
            raise
        return database

    async def _configure(self) -> None:
        try:
            await self._connection.execute("PRAGMA journal_mode=WAL")
        except sqlite3.DatabaseError as error:
            raise DatabaseError(f"{self.path} is not a usable SQLite database ({error})") from None
        # FULL: a committed row (a webhook event answered 2xx) must survive a power cut.
        await self._connection.execute("PRAGMA synchronous=FULL")
        await self._connection.execute("PRAGMA foreign_keys=ON")
        # Deleted rows (a removed Glif token) are overwritten, not left in free pages.
        await self._connection.execute("PRAGMA secure_delete=ON")
        await self._connection.execute("PRAGMA busy_timeout=5000")

    async def schema_version(self) -> int:
        row = await self.fetch_one("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def migrate(self, migrations: Iterable[Migration]) -> None:
        pending = list(migrations)
        current = await self.schema_version()
        latest = pending[-1].version if pending else 0
        if current > latest:
            raise DatabaseError(
                f"{self.path} has schema version {current}, newer than this glifbot knows "
                f"({latest}); run a newer glifbot or restore a backup"
            )
        for migration in pending:
            if migration.version <= current:
                continue
            log.info("Applying database migration %s", migration.name)
            async with self._write_lock:
                # executescript commits whatever is open first, so the whole file is wrapped in
                # one explicit transaction and rolled back by hand if any statement fails.
                script = (
                    f"BEGIN IMMEDIATE;\n{migration.sql}\n"
                    f"PRAGMA user_version = {migration.version};\nCOMMIT;"
                )
                try:
                    await self._connection.executescript(script)
                except sqlite3.Error as error:
                    if self._connection.in_transaction:
                        await self._connection.rollback()
                    raise DatabaseError(f"migration {migration.name} failed: {error}") from error

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """An exclusive write transaction: committed on success, rolled back on any error."""
        async with self._write_lock:
            await self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield self._connection
                await self._connection.commit()
            except BaseException:
                # COMMIT itself can fail (disk full): the transaction must not stay open, or
                # every later BEGIN would fail until a restart.
                if self._connection.in_transaction:
                    await self._connection.rollback()
                raise

    async def execute(self, sql: str, parameters: Iterable[Any] = ()) -> int:
        """One write statement in its own transaction; returns the number of rows changed."""
        async with self._write_lock:
            cursor = await self._connection.execute(sql, tuple(parameters))
            return cursor.rowcount

    async def execute_returning(
        self, sql: str, parameters: Iterable[Any] = ()
    ) -> list[aiosqlite.Row]:
        """One write statement in its own transaction; returns the rows of its RETURNING clause."""
        async with self._write_lock:
            return list(await self._connection.execute_fetchall(sql, tuple(parameters)))

    async def fetch_one(self, sql: str, parameters: Iterable[Any] = ()) -> aiosqlite.Row | None:
        async with self._connection.execute(sql, tuple(parameters)) as cursor:
            return await cursor.fetchone()

    async def fetch_all(self, sql: str, parameters: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        async with self._connection.execute(sql, tuple(parameters)) as cursor:
            return list(await cursor.fetchall())

    async def is_healthy(self) -> bool:
        try:
            await asyncio.wait_for(self.fetch_one("SELECT 1"), timeout=2)
        except (sqlite3.Error, ValueError, TimeoutError):
            return False
        return True

    async def close(self) -> None:
        await self._connection.close()
