"""Keeping a run's live message in step with its ticket, without polling the queue."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.runs.progress import ProgressPacer
from bot.runs.queue import RunTicket

log = logging.getLogger(__name__)


async def follow_progress(
    ticket: RunTicket[Any],
    describe: Callable[[RunTicket[Any]], str],
    edit: Callable[[str], Awaitable[None]],
    pacer: ProgressPacer,
    *,
    refresh_every: float = 1.0,
) -> None:
    """Edit the live message with ``describe(ticket)`` until the ticket is done.

    Wakes on every queue change, and at least every ``refresh_every`` seconds so that elapsed
    time moves; ``pacer`` keeps edits rare. Returns when the ticket is done, or after an edit
    fails (the message is gone or the interaction expired): the result is posted either way.
    Await it before posting the result, so that no late progress edit overwrites the result.
    """
    while not ticket.done():
        text = describe(ticket)
        if pacer.should_edit(text):
            try:
                await edit(text)
            except Exception:
                # Progress is a courtesy: the result is posted whatever happens here.
                log.info("Stopped updating a run's progress message", exc_info=True)
                return
            pacer.edited(text)
        if ticket.done():
            return
        wait = pacer.seconds_until_allowed() or refresh_every
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(wait):
                await ticket.wait_changed()
