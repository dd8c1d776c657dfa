"""Fixtures for the core's tests."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.database import Database


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "glifbot.sqlite3")
    yield database
    await database.close()
