"""How fast `/glif run` is acknowledged while the bot is busy with runs.

    .venv/bin/python -m benchmarks.run_ack_latency [acks] [in_flight]

A real GlifBot, logged in against the fake Discord and the fake Glif, first starts ``in_flight``
runs (20 by default, RUN_CONCURRENCY as large) that the fake Glif holds open. Then ``acks``
members (200 by default) each send `/glif run glif:<id> prompt:<text>` one after the other;
their runs queue behind the held ones, each with its own live message. A sample is the time from
handing the INTERACTION_CREATE payload to discord.py to the fake Discord receiving the
interaction's callback: discord.py's dispatch, the handler up to its deferral (the glif read from
the client's cache, the member's token looked up in SQLite) and the local HTTP round trip.
Discord allows 3 s; the goal is a p99 under 50 ms. Finally the held runs are released and every
run must finish with a result.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from benchmarks.figures import latency_summary, percentile
from tests.cogs.runs.support import TEST_GLIF_ID, dispatch, run_command, serve_glif
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord_context import pointing_discord_at
from tests.fakes.glif import FakeGlif
from tests.harness import Harness, make_settings, running_harness

GOAL_P99_MS = 50.0


async def acknowledgement_time(
    harness: Harness, payload: dict[str, Any], handlers: set[asyncio.Task[Any]]
) -> float:
    """Sends ``payload`` (its handler tasks join ``handlers``); returns the time to its callback."""
    prefix = f"/interactions/{payload['id']}/"
    start = harness.discord.mark()
    started = time.perf_counter()
    handlers |= dispatch(harness, payload)
    await harness.discord.wait_for(
        lambda request: request.path.startswith(prefix), timeout=10, start=start, answered=False
    )
    return time.perf_counter() - started


async def wait_for_runs_at_glif(glif: FakeGlif, count: int) -> None:
    await glif.wait_for(lambda _: len(glif.requests_to("run")) >= count, within=30)


async def all_queued(harness: Harness, count: int) -> None:
    """Wait until ``count`` runs wait in the queue: each is queued after its acknowledgement."""
    queue, discord = harness.services.run_queue, harness.discord
    await discord.wait_for(
        lambda _: queue.stats().waiting >= count,
        timeout=60,
        start=max(0, discord.mark() - 1),
        answered=False,
    )


def report(samples: Sequence[float], in_flight: int) -> None:
    verdict = "meets" if percentile(samples, 0.99) * 1000 < GOAL_P99_MS else "MISSES"
    print(
        f"/glif run acknowledged with {in_flight} runs in flight: {latency_summary(samples)} "
        f"({verdict} the p99 < {GOAL_P99_MS:g} ms goal)"
    )


async def main(acks: int = 200, in_flight: int = 20) -> None:
    async with FakeGlif() as glif:
        discord = FakeDiscord()
        await discord.start()
        try:
            with pointing_discord_at(discord), tempfile.TemporaryDirectory() as directory:
                settings = make_settings(
                    Path(directory),
                    discord,
                    glif,
                    run_concurrency=in_flight,
                    glif_api_token=SecretStr("benchmark-shared-token"),
                    shared_token_daily_runs=10,
                )
                async with running_harness(settings, discord, glif) as harness:
                    serve_glif(glif, run_response="simple-api-text")
                    gate = glif.hold_runs(TEST_GLIF_ID)
                    handlers: set[asyncio.Task[Any]] = set()
                    for number in range(in_flight):
                        handlers |= dispatch(harness, run_command(harness, prompt=f"held {number}"))
                    await wait_for_runs_at_glif(glif, in_flight)

                    samples = [
                        await acknowledgement_time(
                            harness, run_command(harness, prompt=f"run {number}"), handlers
                        )
                        for number in range(acks)
                    ]
                    await all_queued(harness, acks)
                    assert harness.services.run_queue.stats().running == in_flight

                    gate.set()
                    await asyncio.gather(*handlers)
                    row = await harness.services.database.fetch_one(
                        "SELECT COUNT(*) FROM runs WHERE state = 'succeeded'"
                    )
                    assert row is not None
                    assert row[0] == in_flight + acks, f"only {row[0]} runs succeeded"
        finally:
            await discord.close()
    report(samples, in_flight)


if __name__ == "__main__":
    asyncio.run(main(*(int(argument) for argument in sys.argv[1:3])))
