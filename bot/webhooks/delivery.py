"""Announces stored events in Discord, in order per hook, exactly once.

Each hook with something to send gets a lane: a task that sends its oldest pending event, then
the next, until none is due. A transient failure (Discord down, rate limited) schedules that event
again with exponential backoff and holds the hook's later events behind it, so order is kept; a
permanent one (channel deleted, permissions missing) marks the event failed and moves on.

Exactly once: an event is marked delivered only after Discord took the message, and every send
carries a nonce derived from the event, which Discord uses (with `enforce_nonce`) to return the
existing message instead of posting again when a crash came between the send and the mark.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Protocol

from bot.metrics import DELIVERY_LAG_SECONDS
from bot.runs.render import RenderedRun
from bot.webhooks.announcement import Announcement, build_announcement
from bot.webhooks.events import EventStore, PendingDelivery
from bot.webhooks.metrics import DELIVERIES
from bot.webhooks.models import AppAction

log = logging.getLogger(__name__)

NONCE_LENGTH = 25
FIRST_RETRY_SECONDS = 5.0
MAX_RETRY_SECONDS = 600.0
# How long a lane waits before trying again when the database itself failed.
STORE_RETRY_SECONDS = 5.0
MAX_PARALLEL_HOOKS = 8
# What sends under way get to finish when the worker stops.
STOP_GRACE_SECONDS = 2.0


class TransientDeliveryError(Exception):
    """Sending failed but may work later; `retry_after` is Discord's hint when it gave one."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class PermanentDeliveryError(Exception):
    """Sending can never work (channel gone, no permission); the message is kept as the reason."""


Post = Announcement | RenderedRun
"""What an event becomes in Discord: its params announced, or the output of the hook's glif."""


class AnnouncementSender(Protocol):
    async def send(self, channel_id: int, announcement: Post, nonce: str) -> int:
        """Post the announcement with mentions disabled and return the message id; the nonce
        goes with `enforce_nonce`."""
        ...


Compose = Callable[[PendingDelivery], Awaitable[Post]]


async def compose_announcement(delivery: PendingDelivery) -> Announcement:
    received_at = datetime.fromtimestamp(delivery.received_at, UTC)
    body = AppAction.model_validate_json(delivery.body_json)
    return build_announcement(delivery.hook_name, body, received_at)


def delivery_nonce(hook_id: str, idempotency_key: str) -> str:
    """Discord's nonce for an event: at most 25 characters, the same on every attempt."""
    digest = hashlib.sha256(f"{hook_id}\n{idempotency_key}".encode()).hexdigest()
    return digest[:NONCE_LENGTH]


def retry_delay(attempts: int) -> float:
    """Seconds before the next try after `attempts` failed ones: 5, 10, 20, … up to 10 minutes."""
    return min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2.0 ** max(0, attempts - 1))


class DeliveryWorker:
    def __init__(
        self,
        events: EventStore,
        sender: AnnouncementSender,
        *,
        compose: Compose = compose_announcement,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        max_parallel_hooks: int = MAX_PARALLEL_HOOKS,
    ) -> None:
        self._events = events
        self._sender = sender
        self._compose = compose
        self._clock = clock
        self._sleep = sleep
        self._max_parallel_hooks = max_parallel_hooks
        self._wake = asyncio.Event()
        self._lanes: dict[str, asyncio.Task[None]] = {}
        self._supervisor: asyncio.Task[None] | None = None
        self._stopping = False

    def __repr__(self) -> str:
        return f"DeliveryWorker(lanes={len(self._lanes)})"

    def notify(self) -> None:
        """New events were stored: look for work now rather than at the next timer."""
        self._wake.set()

    async def start(self) -> None:
        """Start delivering, beginning with whatever was left pending before a restart."""
        if self._supervisor is None:
            self._stopping = False
            self._supervisor = asyncio.create_task(self._supervise(), name="webhook-delivery")

    async def stop(self, grace_seconds: float = STOP_GRACE_SECONDS) -> None:
        """Let sends under way finish for a moment, then cancel; unsent events stay pending."""
        if self._supervisor is None:
            return
        self._stopping = True
        self._wake.set()
        with contextlib.suppress(asyncio.CancelledError):
            await self._supervisor
        self._supervisor = None
        lanes = list(self._lanes.values())
        if lanes:
            _, late = await asyncio.wait(lanes, timeout=grace_seconds)
            for lane in late:
                lane.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    async def _supervise(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                heads = await self._events.pending_heads()
            except Exception:
                log.exception("Could not read pending webhook events")
                await self._wait(STORE_RETRY_SECONDS)
                continue
            now = self._clock()
            next_due: float | None = None
            for head in heads:
                if head.hook_id in self._lanes:
                    continue
                if head.next_attempt_at > now:
                    if next_due is None or head.next_attempt_at < next_due:
                        next_due = head.next_attempt_at
                elif len(self._lanes) < self._max_parallel_hooks:
                    self._lanes[head.hook_id] = asyncio.create_task(self._run_lane(head.hook_id))
            await self._wait(None if next_due is None else next_due - now)

    async def _wait(self, seconds: float | None) -> None:
        """Until woken (new events, a lane done, stopping) or `seconds` have passed."""
        if seconds is None:
            await self._wake.wait()
            return
        woken = asyncio.create_task(self._wake.wait())
        slept = asyncio.ensure_future(self._sleep(seconds))
        try:
            await asyncio.wait({woken, slept}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in (woken, slept):
                waiter.cancel()

    async def _run_lane(self, hook_id: str) -> None:
        try:
            while not self._stopping:
                # Read afresh rather than trust the supervisor's list: while it was read, an
                # earlier lane of this hook may have sent that very event.
                delivery = await self._events.pending_head(hook_id)
                if delivery is None or delivery.next_attempt_at > self._clock():
                    break
                if not await self._deliver(delivery):
                    break
        except Exception:
            log.exception("Delivery of webhook events stopped after a database error")
            # Held here, the lane keeps the supervisor from restarting it in a tight loop.
            await self._sleep(STORE_RETRY_SECONDS)
        finally:
            del self._lanes[hook_id]
            self._wake.set()

    async def _deliver(self, delivery: PendingDelivery) -> bool:
        """Try to send the event; True when it is settled (delivered or failed for good)."""
        try:
            announcement = await self._compose(delivery)
        except Exception as error:
            log.exception(
                "Could not compose the announcement of webhook event %d", delivery.event_id
            )
            await self._events.mark_failed(delivery.event_id, f"could not be composed: {error}")
            DELIVERIES.labels("failed").inc()
            return True
        nonce = delivery_nonce(delivery.hook_id, delivery.idempotency_key)
        try:
            message_id = await self._sender.send(delivery.channel_id, announcement, nonce)
        except PermanentDeliveryError as error:
            log.warning("Webhook event %d cannot be delivered: %s", delivery.event_id, error)
            await self._events.mark_failed(delivery.event_id, str(error))
            DELIVERIES.labels("failed").inc()
            return True
        except Exception as error:  # noqa: BLE001 - logged below with the retry
            # Anything not known to be permanent is retried: an event must not be lost.
            attempts = delivery.attempts + 1
            delay = retry_delay(attempts)
            if isinstance(error, TransientDeliveryError) and error.retry_after is not None:
                delay = max(delay, error.retry_after)
            log.warning(
                "Webhook event %d was not sent (%s); retrying in %.0f s",
                delivery.event_id,
                error,
                delay,
            )
            await self._events.schedule_retry(
                delivery.event_id, self._clock() + delay, str(error) or type(error).__name__
            )
            DELIVERIES.labels("retry").inc()
            return False
        await self._events.mark_delivered(delivery.event_id, message_id)
        DELIVERIES.labels("delivered").inc()
        DELIVERY_LAG_SECONDS.observe(max(0.0, self._clock() - delivery.received_at))
        return True
