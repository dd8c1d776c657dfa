"""The live text of a run's message while it waits or runs, and when to edit it."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import discord

from bot.runs.queue import TicketState

_MAX_NAME = 100


def format_duration(seconds: float) -> str:
    """A short duration: ``"12 s"``, ``"1 min 5 s"``, ``"2 h 3 min"``."""
    whole = max(0, round(seconds)) if math.isfinite(seconds) else 0
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def queued_text(position: int) -> str:
    return f"Queued: position {position}"


def running_text(glif_name: str, elapsed_seconds: float, average_duration_ms: float | None) -> str:
    name = discord.utils.escape_markdown(" ".join(glif_name.split())[:_MAX_NAME]) or "the glif"
    text = f"Running {name} · {format_duration(elapsed_seconds)}"
    if average_duration_ms is not None and average_duration_ms > 0:
        text += f" (usually ~{format_duration(average_duration_ms / 1000)})"
    return text


def progress_text(
    glif_name: str,
    state: TicketState,
    position: int,
    elapsed_seconds: float,
    average_duration_ms: float | None,
) -> str:
    """What the run's message says now; a finished run's message is replaced by its result."""
    if state is TicketState.WAITING:
        return queued_text(position)
    return running_text(glif_name, elapsed_seconds, average_duration_ms)


class ProgressPacer:
    """Decides when a live message may be edited: only new text, and not too often.

    Discord allows about five edits per five seconds per interaction and shares that budget
    with the final result, so progress edits stay well below it.
    """

    def __init__(
        self, min_interval: float = 5.0, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.min_interval = min_interval
        self._clock = clock
        self._last_text: str | None = None
        self._last_edit_at: float | None = None

    def should_edit(self, text: str) -> bool:
        return text != self._last_text and self.seconds_until_allowed() == 0

    def edited(self, text: str) -> None:
        """Record an edit that went through."""
        self._last_text = text
        self._last_edit_at = self._clock()

    def seconds_until_allowed(self) -> float:
        if self._last_edit_at is None:
            return 0.0
        return max(0.0, self._last_edit_at + self.min_interval - self._clock())
