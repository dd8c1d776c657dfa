"""How many runs each member may still make today on the shared Glif token."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import aiosqlite

from bot.clock import Clock
from bot.database import Database

_TAKE_ONE_RUN = """
INSERT INTO shared_token_usage (discord_user_id, utc_day, runs) VALUES (?, ?, 1)
ON CONFLICT (discord_user_id, utc_day) DO UPDATE SET runs = runs + 1 WHERE runs < ?
RETURNING runs
"""


class SharedRunQuota:
    """Runs per member per UTC day; a run is counted in the same statement that grants it."""

    def __init__(self, database: Database, daily_runs: int, clock: Clock) -> None:
        self._database = database
        self.daily_runs = daily_runs
        self._clock = clock

    def __repr__(self) -> str:
        return f"SharedRunQuota(daily_runs={self.daily_runs})"

    def today(self) -> date:
        return self._clock().astimezone(UTC).date()

    def next_reset(self) -> datetime:
        return datetime.combine(self.today() + timedelta(days=1), time(0), tzinfo=UTC)

    async def take(self, discord_user_id: int) -> date | None:
        """Counts one run and returns the UTC day it was counted on, or None when none is left."""
        if self.daily_runs < 1:
            return None
        day = self.today()
        async with self._database.transaction() as connection:
            # Earlier days limit nothing any more; dropping them keeps one row per member.
            await connection.execute(
                "DELETE FROM shared_token_usage WHERE discord_user_id = ? AND utc_day < ?",
                (discord_user_id, day.isoformat()),
            )
            async with connection.execute(
                _TAKE_ONE_RUN, (discord_user_id, day.isoformat(), self.daily_runs)
            ) as cursor:
                granted = await cursor.fetchall()
        return day if granted else None

    async def refund(self, discord_user_id: int, day: date) -> None:
        await self._database.execute(
            "UPDATE shared_token_usage SET runs = runs - 1 "
            "WHERE discord_user_id = ? AND utc_day = ? AND runs > 0",
            (discord_user_id, day.isoformat()),
        )

    async def runs_left(self, discord_user_id: int) -> int:
        row = await self._database.fetch_one(
            "SELECT runs FROM shared_token_usage WHERE discord_user_id = ? AND utc_day = ?",
            (discord_user_id, self.today().isoformat()),
        )
        used = int(row["runs"]) if row else 0
        return max(self.daily_runs - used, 0)

    async def forget_member(self, connection: aiosqlite.Connection, discord_user_id: int) -> None:
        await connection.execute(
            "DELETE FROM shared_token_usage WHERE discord_user_id = ?", (discord_user_id,)
        )
