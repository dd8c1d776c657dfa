"""What reading back a day of idempotency keys costs the event writer at start.

    .venv/bin/python -m benchmarks.writer_start [events]

Stores ``events`` app-actions (100,000 by default) with random keys in a real SQLite file, as a
day of traffic would leave them, then times `EventWriter.start()` on a fresh writer, which reads
every key back before it takes requests; then, on another fresh writer, measures the memory the
keys hold (tracemalloc, which would slow the timed start).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

from bot.database import Database
from bot.webhooks.events import (
    IDEMPOTENCY_RETENTION_SECONDS,
    MAX_INSERT_ROWS,
    NewEvent,
    insert_events,
)
from bot.webhooks.store import HookStore
from bot.webhooks.writer import EventWriter


async def main(event_count: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        database = await Database.open(Path(directory) / "bench.sqlite3")
        hook, _ = await HookStore(database).create_hook(
            guild_id=1, channel_id=1, name="Bench", created_by=1
        )
        # Spread over the last day, so that the writer keeps every key.
        day_began = time.time() - IDEMPOTENCY_RETENTION_SECONDS
        spacing = IDEMPOTENCY_RETENTION_SECONDS / event_count
        for first in range(0, event_count, MAX_INSERT_ROWS):
            chunk = range(first, min(first + MAX_INSERT_ROWS, event_count))
            events = [
                NewEvent(hook.id, uuid.uuid4().hex, day_began + n * spacing, "{}") for n in chunk
            ]
            await insert_events(database, events)

        timed = EventWriter(database)
        began = time.perf_counter()
        await timed.start()
        elapsed = time.perf_counter() - began
        await timed.stop()

        weighed = EventWriter(database)
        tracemalloc.start()
        await weighed.start()
        # The rows read are freed by now; what is left is the keys.
        held, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        await weighed.stop()
        await database.close()
    print(
        f"read back {event_count} keys in {elapsed * 1000:.0f} ms; "
        f"they hold {held / 2**20:.1f} MiB, {held / event_count:.0f} bytes a key"
    )


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
