"""A burst of runs while Glif fails some, hangs on others until the run timeout and is slow with
the rest: the queue drains, every member hears back exactly once, and nothing is left behind:
no task, no connection, no memory that a second identical burst would add to."""

from __future__ import annotations

import asyncio
import gc
import tracemalloc
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.runs.queue import QueueStats
from bot.settings import Settings
from tests import payloads
from tests.cogs.runs.support import (
    dispatch,
    result_edits,
    run_command,
    runs_settings,
    serve_glif,
    started,
)
from tests.fakes.discord import FLAG_EPHEMERAL, FakeDiscord
from tests.fakes.glif import CLIENT_WENT_AWAY, FakeGlif
from tests.harness import Harness

MEMBERS = 10
RUN_CONCURRENCY = 2
RUN_TIMEOUT_SECONDS = 0.5
FAILING, HANGING = 3, 3
SLOW = MEMBERS - FAILING - HANGING
SLOW_SECONDS = 0.05
# Every run of a burst has ended well within this, timeouts included (5 waves of 0.5 s at most).
BURST_SECONDS = 10.0
# What a second burst may add to what the first left. Caches fill during the first (about
# 250 KiB); the second adds about 15 KiB (the libraries' bounded caches), while ten runs that each
# kept 5 KiB would pass the limit.
SECOND_BURST_GROWTH_LIMIT = 64 * 1024
# Deep enough to see the fakes' frames above the allocations they cause, shallow enough that
# filtering the snapshot takes a second.
TRACED_FRAMES = 6
# Allocations of the fakes (the payloads they keep, the requests they serve: theirs are the only
# servers taking requests here) are not the bot's.
_NOT_THE_BOT = [
    tracemalloc.Filter(inclusive=False, filename_pattern="*/tests/fakes/*", all_frames=True),
    tracemalloc.Filter(inclusive=False, filename_pattern="*/tests/payloads.py", all_frames=True),
    tracemalloc.Filter(
        inclusive=False, filename_pattern="*/aiohttp/web_protocol.py", all_frames=True
    ),
    tracemalloc.Filter(inclusive=False, filename_pattern=tracemalloc.__file__),
]


@pytest.fixture
def settings(tmp_path: Path, fake_discord: FakeDiscord, fake_glif: FakeGlif) -> Settings:
    return runs_settings(
        tmp_path,
        fake_discord,
        fake_glif,
        run_concurrency=RUN_CONCURRENCY,
        glif_run_timeout=RUN_TIMEOUT_SECONDS,
    )


@pytest.fixture
async def harness(
    settings: Settings, fake_discord: FakeDiscord, fake_glif: FakeGlif
) -> AsyncIterator[Harness]:
    async with started(settings, fake_discord, fake_glif) as running:
        serve_glif(running.glif, run_response="simple-api-text")
        yield running


@dataclass(frozen=True)
class Answers:
    results: int
    timeouts: int
    other_errors: int


def glif_misbehaves(glif: FakeGlif) -> None:
    """The next runs, in the order Glif receives them: some fail, some hang, the rest are slow."""
    glif.clear_faults("run")
    glif.inject("run", status=500, json={"error": "Internal Server Error"}, times=FAILING)
    glif.inject("run", gate=asyncio.Event(), times=HANGING)
    glif.inject("run", delay=SLOW_SECONDS)


async def burst(harness: Harness) -> Answers:
    """`/glif run` from MEMBERS members at once; returns once every run has ended."""
    glif_misbehaves(harness.glif)
    commands = [
        run_command(harness, actor=payloads.Actor.member(), prompt="autumn rain")
        for _ in range(MEMBERS)
    ]
    handlers = set[asyncio.Task[Any]]()
    for command in commands:
        handlers |= dispatch(harness, command)
    async with asyncio.timeout(BURST_SECONDS):
        await asyncio.gather(*handlers)
    answers = answers_to(harness, commands)
    # Glif sees each hung run end: the bot closed the connection when its timeout came.
    await harness.glif.wait_for(
        lambda requests: all(r.status is not None for r in requests if r.route == "run")
    )
    abandoned = [r for r in harness.glif.requests_to("run") if r.status == CLIENT_WENT_AWAY]
    assert len(abandoned) == HANGING
    # What the fakes recorded would otherwise count as memory the burst kept.
    harness.discord.clear()
    harness.discord.messages.clear()
    harness.discord.interactions.clear()
    harness.glif.requests.clear()
    return answers


def answers_to(harness: Harness, commands: list[dict[str, Any]]) -> Answers:
    """What each member was told: the result in the run's message, or an error to them alone."""
    results = timeouts = other_errors = 0
    for command in commands:
        shown = [edit for edit in result_edits(harness, command) if edit.status == 200]
        notices = harness.discord.find("POST", rf"/webhooks/\d+/{command['token']}")
        assert len(shown) + len(notices) == 1, "a member heard nothing, or twice"
        if shown:
            results += 1
            continue
        [notice] = notices
        assert notice.json["flags"] & FLAG_EPHEMERAL
        if "so the run was stopped" in notice.json["content"]:
            timeouts += 1
        else:
            other_errors += 1
    return Answers(results, timeouts, other_errors)


async def nothing_left_running(harness: Harness, before: set[asyncio.Task[Any]]) -> None:
    """The queue is empty and every task the burst started has ended (`burst` has already seen
    Glif's connections of the hung runs closed)."""
    assert harness.services.run_queue.stats() == QueueStats(waiting=0, running=0)
    started_since = {
        task
        for task in asyncio.all_tasks() - before - {asyncio.current_task()}
        if not _serves_a_fake(task)
    }
    # Tasks that were finishing when the handlers returned may take a turn of the loop more.
    if started_since:
        _, still_running = await asyncio.wait(started_since, timeout=1.0)
        assert still_running == set(), f"tasks left running: {still_running}"
    # The connector's acquired set holds connections lent to requests and not yet given back;
    # a request abandoned without being closed would stay in it (and keep its socket) for good.
    connector = harness.services.http.connector
    assert connector is not None
    assert len(connector._acquired) == 0


def _serves_a_fake(task: asyncio.Task[Any]) -> bool:
    """The fakes' end of a keep-alive connection, open as long as a client pool keeps it for
    reuse: whether the bot's end is in use is what the connector check below tells."""
    return getattr(task.get_coro(), "__qualname__", "") == "RequestHandler.start"


@contextmanager
def tracing_memory() -> Iterator[None]:
    tracemalloc.start(TRACED_FRAMES)
    try:
        yield
    finally:
        tracemalloc.stop()


def bot_memory() -> int:
    """Bytes allocated and still held, leaving out what the fakes allocated."""
    gc.collect()
    snapshot = tracemalloc.take_snapshot().filter_traces(_NOT_THE_BOT)
    return sum(statistic.size for statistic in snapshot.statistics("filename"))


async def test_a_misbehaving_glif_burst_drains_answers_everyone_and_leaks_nothing(
    harness: Harness,
) -> None:
    before = asyncio.all_tasks()
    expected = Answers(results=SLOW, timeouts=HANGING, other_errors=FAILING)

    with tracing_memory():
        at_start = bot_memory()
        assert await burst(harness) == expected
        await nothing_left_running(harness, before)
        after_first = bot_memory()

        assert await burst(harness) == expected
        await nothing_left_running(harness, before)
        after_second = bot_memory()

    assert harness.glif.max_in_flight_runs == RUN_CONCURRENCY
    first_growth, second_growth = after_first - at_start, after_second - after_first
    assert second_growth < min(first_growth, SECOND_BURST_GROWTH_LIMIT), (
        first_growth,
        second_growth,
    )
