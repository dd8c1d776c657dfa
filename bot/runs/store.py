"""The history of runs made through the bot (table ``runs``, migration 0004)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

import aiosqlite

from bot.clock import Clock, utc_now
from bot.database import Database
from bot.glif import Visibility
from bot.glif.models import RunResult
from bot.tokens.forget import MemberForgetter

_MAX_ERROR = 1000


class RunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class RunRecord:
    id: int
    glif_id: str
    glif_name: str
    inputs: dict[str, str]
    discord_user_id: int
    guild_id: int | None
    channel_id: int | None
    visibility: Visibility
    status: RunStatus
    output_type: str | None
    output: str | None
    error: str | None
    price: Decimal | None
    duration_ms: int | None
    message_id: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def is_finished(self) -> bool:
        return self.status in {RunStatus.SUCCEEDED, RunStatus.FAILED}

    def result(self) -> RunResult | None:
        """Glif's answer as stored, to show the result again; None unless the run succeeded."""
        if self.status is not RunStatus.SUCCEEDED:
            return None
        return RunResult.model_validate(
            {
                "id": self.glif_id,
                "inputs": self.inputs,
                "output": self.output,
                "outputFull": {"type": self.output_type, "value": self.output}
                if self.output_type
                else None,
                "price": str(self.price) if self.price is not None else None,
            }
        )


class RunStore:
    """Writes each run's life (queued → running → succeeded/failed) and reads it back."""

    def __init__(
        self,
        database: Database,
        forgetter: MemberForgetter,
        *,
        now: Clock = utc_now,
    ) -> None:
        self._database = database
        self._now = now
        forgetter.register(self.forget_member)

    async def create(
        self,
        *,
        glif_id: str,
        glif_name: str,
        inputs: Mapping[str, str],
        discord_user_id: int,
        guild_id: int | None,
        channel_id: int | None,
        visibility: Visibility,
    ) -> int:
        """Record a queued run; returns its id."""
        [row] = await self._database.execute_returning(
            "INSERT INTO runs (glif_id, glif_name, inputs, discord_user_id, guild_id, "
            "channel_id, visibility, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "RETURNING id",
            (
                glif_id,
                glif_name,
                json.dumps(dict(inputs), ensure_ascii=False),
                discord_user_id,
                guild_id,
                channel_id,
                visibility.value,
                RunStatus.QUEUED.value,
                self._timestamp(),
            ),
        )
        return int(row["id"])

    async def mark_running(self, run_id: int) -> bool:
        return await self._transition(
            run_id,
            (RunStatus.QUEUED,),
            "state = ?, started_at = ?",
            (RunStatus.RUNNING, self._timestamp()),
        )

    async def finish_success(self, run_id: int, result: RunResult, duration_seconds: float) -> bool:
        output = {
            "type": result.output_full.type if result.output_full is not None else None,
            "value": result.output,
        }
        return await self._transition(
            run_id,
            (RunStatus.QUEUED, RunStatus.RUNNING),
            "state = ?, output = ?, price = ?, duration_ms = ?, finished_at = ?",
            (
                RunStatus.SUCCEEDED,
                json.dumps(output, ensure_ascii=False),
                str(result.price) if result.price is not None else None,
                _milliseconds(duration_seconds),
                self._timestamp(),
            ),
        )

    async def finish_failure(
        self, run_id: int, message: str, duration_seconds: float | None = None
    ) -> bool:
        return await self._transition(
            run_id,
            (RunStatus.QUEUED, RunStatus.RUNNING),
            "state = ?, error = ?, duration_ms = ?, finished_at = ?",
            (
                RunStatus.FAILED,
                message[:_MAX_ERROR],
                None if duration_seconds is None else _milliseconds(duration_seconds),
                self._timestamp(),
            ),
        )

    async def fail_unfinished(self, message: str) -> int:
        """Mark runs a previous process left queued or running as failed; returns how many."""
        return await self._database.execute(
            "UPDATE runs SET state = ?, error = ?, finished_at = ? WHERE state IN (?, ?)",
            (
                RunStatus.FAILED,
                message[:_MAX_ERROR],
                self._timestamp(),
                RunStatus.QUEUED,
                RunStatus.RUNNING,
            ),
        )

    async def set_message(self, run_id: int, channel_id: int, message_id: int) -> None:
        await self._database.execute(
            "UPDATE runs SET channel_id = ?, message_id = ? WHERE id = ?",
            (channel_id, message_id, run_id),
        )

    async def get(self, run_id: int) -> RunRecord | None:
        row = await self._database.fetch_one("SELECT * FROM runs WHERE id = ?", (run_id,))
        return _record(row) if row is not None else None

    async def history(
        self, discord_user_id: int, page: int = 0, per_page: int = 10
    ) -> list[RunRecord]:
        """One page (0-based) of the member's runs, newest first."""
        if page < 0 or per_page < 1:
            raise ValueError("page must be 0 or more and per_page at least 1")
        rows = await self._database.fetch_all(
            "SELECT * FROM runs WHERE discord_user_id = ? ORDER BY id DESC LIMIT ? OFFSET ?",
            (discord_user_id, per_page, page * per_page),
        )
        return [_record(row) for row in rows]

    async def count_runs(self, discord_user_id: int) -> int:
        row = await self._database.fetch_one(
            "SELECT COUNT(*) FROM runs WHERE discord_user_id = ?", (discord_user_id,)
        )
        return int(row[0]) if row is not None else 0

    async def forget_member(self, connection: aiosqlite.Connection, discord_user_id: int) -> None:
        """Delete every run of the member: a `/glif forget` step, inside the forgetter's
        transaction (see `bot.tokens.forget`)."""
        await connection.execute("DELETE FROM runs WHERE discord_user_id = ?", (discord_user_id,))

    async def _transition(
        self,
        run_id: int,
        allowed_from: tuple[RunStatus, ...],
        assignments: str,
        values: tuple[Any, ...],
    ) -> bool:
        # A run only moves forward, so a late or repeated call cannot undo a finished run.
        placeholders = ", ".join("?" for _ in allowed_from)
        changed = await self._database.execute(
            f"UPDATE runs SET {assignments} WHERE id = ? AND state IN ({placeholders})",  # noqa: S608 - fixed fragments, values bound
            (*values, run_id, *allowed_from),
        )
        return changed == 1

    def _timestamp(self) -> str:
        return self._now().astimezone(UTC).isoformat()


def _milliseconds(seconds: float) -> int:
    return max(0, round(seconds * 1000))


def _record(row: aiosqlite.Row) -> RunRecord:
    output = json.loads(row["output"]) if row["output"] is not None else {}
    return RunRecord(
        id=row["id"],
        glif_id=row["glif_id"],
        glif_name=row["glif_name"],
        inputs=json.loads(row["inputs"]),
        discord_user_id=row["discord_user_id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        visibility=Visibility(row["visibility"]),
        status=RunStatus(row["state"]),
        output_type=output.get("type"),
        output=output.get("value"),
        error=row["error"],
        price=_decimal(row["price"]),
        duration_ms=row["duration_ms"],
        message_id=row["message_id"],
        created_at=datetime.fromisoformat(row["created_at"]),
        started_at=_moment(row["started_at"]),
        finished_at=_moment(row["finished_at"]),
    )


def _decimal(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text is not None else None
