import asyncio
from typing import Any

import pytest

from bot.runs.progress import (
    ProgressPacer,
    format_duration,
    progress_text,
    queued_text,
    running_text,
)
from bot.runs.queue import RunQueue, RunTicket, TicketState
from bot.runs.tracking import follow_progress


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"),
        (12.4, "12 s"),
        (59.6, "1 min"),
        (65, "1 min 5 s"),
        (3600, "1 h"),
        (7380, "2 h 3 min"),
        (-3, "0 s"),
        (float("nan"), "0 s"),
    ],
)
def test_durations_read_naturally(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_waiting_shows_the_position() -> None:
    assert queued_text(3) == "Queued: position 3"
    assert progress_text("Sticker Maker", TicketState.WAITING, 3, 0, 30_000) == "Queued: position 3"


def test_running_shows_elapsed_against_the_usual_duration() -> None:
    assert (
        running_text("Sticker Maker", 12, 30_000) == "Running Sticker Maker · 12 s (usually ~30 s)"
    )
    assert (
        progress_text("Sticker Maker", TicketState.RUNNING, 0, 95, 88_506)
        == "Running Sticker Maker · 1 min 35 s (usually ~1 min 29 s)"
    )


def test_running_without_a_known_duration_shows_only_elapsed() -> None:
    assert running_text("Sticker Maker", 4, None) == "Running Sticker Maker · 4 s"
    assert running_text("Sticker Maker", 4, 0) == "Running Sticker Maker · 4 s"


def test_glif_names_are_shown_as_typed_and_kept_short() -> None:
    text = running_text("**bold**\nname " + "x" * 500, 1, None)
    assert "\\*\\*bold\\*\\* name" in text
    assert len(text) < 250
    assert running_text("   ", 1, None) == "Running the glif · 1 s"


def test_pacer_allows_the_first_edit_at_once() -> None:
    pacer = ProgressPacer(5.0, clock=FakeClock())
    assert pacer.seconds_until_allowed() == 0
    assert pacer.should_edit("Queued: position 2")


def test_pacer_skips_unchanged_text() -> None:
    clock = FakeClock()
    pacer = ProgressPacer(5.0, clock=clock)
    pacer.edited("Queued: position 2")
    clock.now += 60
    assert not pacer.should_edit("Queued: position 2")
    assert pacer.should_edit("Queued: position 1")


def test_pacer_spaces_edits_by_the_interval() -> None:
    clock = FakeClock()
    pacer = ProgressPacer(5.0, clock=clock)
    pacer.edited("Running X · 1 s")

    clock.now += 2
    assert not pacer.should_edit("Running X · 3 s")
    assert pacer.seconds_until_allowed() == pytest.approx(3)

    clock.now += 3
    assert pacer.should_edit("Running X · 6 s")
    pacer.edited("Running X · 6 s")
    assert pacer.seconds_until_allowed() == pytest.approx(5)


async def test_follower_edits_on_each_change_and_stops_when_done() -> None:
    queue = RunQueue(concurrency=1, per_member=1)
    blocker_gate, run_gate = asyncio.Event(), asyncio.Event()
    blocker = queue.submit(9, blocker_gate.wait)
    ticket = queue.submit(1, run_gate.wait)
    edits: list[str] = []
    edited = asyncio.Event()

    async def edit(text: str) -> None:
        edits.append(text)
        edited.set()

    def describe(current: RunTicket[Any]) -> str:
        return progress_text("Haiku", current.state, current.position(), 0, None)

    follower = asyncio.create_task(
        follow_progress(ticket, describe, edit, ProgressPacer(0, clock=FakeClock()))
    )
    await edited.wait()
    assert edits == ["Queued: position 1"]

    edited.clear()
    blocker_gate.set()
    await blocker.result()
    await edited.wait()
    assert edits == ["Queued: position 1", "Running Haiku · 0 s"]

    run_gate.set()
    await ticket.result()
    await follower
    assert len(edits) == 2


async def test_follower_gives_up_when_an_edit_fails() -> None:
    queue = RunQueue(concurrency=1, per_member=1)
    gate = asyncio.Event()
    ticket = queue.submit(1, gate.wait)
    attempts: list[str] = []

    async def edit(text: str) -> None:
        attempts.append(text)
        raise ConnectionError("message deleted")

    await follow_progress(ticket, lambda _: "Running", edit, ProgressPacer(0, clock=FakeClock()))
    assert attempts == ["Running"]
    assert not ticket.done()
    gate.set()
    await ticket.result()
