import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.database import Database
from bot.webhooks.delivery import (
    FIRST_RETRY_SECONDS,
    MAX_RETRY_SECONDS,
    NONCE_LENGTH,
    DeliveryWorker,
    PermanentDeliveryError,
    TransientDeliveryError,
    delivery_nonce,
    retry_delay,
)
from bot.webhooks.events import EventStore, NewEvent
from bot.webhooks.models import parse_glide_body
from bot.webhooks.store import Hook, HookStore
from bot.webhooks.writer import EventWriter
from tests.bot.webhooks.conftest import GUILD_ID, FakeClock, FakeSender, app_action, text


def new_event(hook: Hook, key: str, clock: FakeClock) -> NewEvent:
    body = parse_glide_body(json.dumps(app_action(key, item=text(key))))
    return NewEvent(hook.id, key, clock(), body.model_dump_json(by_alias=True))


async def store(database: Database, events: list[NewEvent]) -> None:
    writer = EventWriter(database)
    await writer.start()
    for event in events:
        await writer.store(event)
    await writer.stop()


@dataclass
class Rig:
    """Two hooks (channels 10 and 20), a fake clock, and workers stopped after the test."""

    database: Database
    hooks: HookStore
    alpha: Hook
    beta: Hook
    clock: FakeClock = field(default_factory=FakeClock)
    workers: list[DeliveryWorker] = field(default_factory=list)

    async def store(self, *pairs: tuple[Hook, str]) -> None:
        await store(self.database, [new_event(hook, key, self.clock) for hook, key in pairs])

    async def start_worker(self, sender: FakeSender) -> DeliveryWorker:
        worker = DeliveryWorker(
            EventStore(self.database), sender, clock=self.clock, sleep=self.clock.sleep
        )
        self.workers.append(worker)
        await worker.start()
        return worker

    async def rows(self) -> list[dict[str, object]]:
        rows = await self.database.fetch_all(
            "SELECT idempotency_key, state, attempts, message_id, failure_reason "
            "FROM hook_events ORDER BY id"
        )
        return [dict(row) for row in rows]


@pytest.fixture
async def rig(database: Database, hooks: HookStore) -> AsyncIterator[Rig]:
    alpha, _ = await hooks.create_hook(guild_id=GUILD_ID, channel_id=10, name="Alpha", created_by=1)
    beta, _ = await hooks.create_hook(guild_id=GUILD_ID, channel_id=20, name="Beta", created_by=1)
    rig = Rig(database, hooks, alpha, beta)
    yield rig
    for worker in rig.workers:
        await worker.stop()


async def test_a_stored_event_wakes_the_worker_and_is_delivered_once(rig: Rig) -> None:
    sender = FakeSender()
    worker = await rig.start_worker(sender)
    writer = EventWriter(rig.database, on_stored=worker.notify)
    await writer.start()
    await writer.store(new_event(rig.alpha, "k1", rig.clock))
    await sender.wait_for_deliveries(1)
    await writer.stop()
    await worker.stop()

    [sent] = sender.attempts
    assert sent.channel_id == 10
    assert sent.announcement.title == "Alpha"
    assert sent.announcement.fields == (("item", "k1"),)
    assert sent.nonce == delivery_nonce(rig.alpha.id, "k1")
    assert await rig.rows() == [
        {
            "idempotency_key": "k1",
            "state": "delivered",
            "attempts": 1,
            "message_id": 900_001,
            "failure_reason": None,
        }
    ]
    assert rig.clock.sleeps == []


async def test_events_go_out_in_order_per_hook(rig: Rig) -> None:
    await rig.store(*((rig.alpha if n % 2 == 0 else rig.beta, f"k{n}") for n in range(6)))
    sender = FakeSender()
    await rig.start_worker(sender)
    await sender.wait_for_deliveries(6)
    by_channel: dict[int, list[str]] = {}
    for sent in sender.delivered:
        by_channel.setdefault(sent.channel_id, []).append(sent.announcement.fields[0][1])
    assert by_channel == {10: ["k0", "k2", "k4"], 20: ["k1", "k3", "k5"]}


async def test_events_arriving_during_delivery_are_each_sent_once_in_order(rig: Rig) -> None:
    sender = FakeSender()
    worker = await rig.start_worker(sender)
    writer = EventWriter(rig.database, on_stored=worker.notify)
    await writer.start()
    keys = [(rig.alpha if n % 3 else rig.beta, f"k{n}") for n in range(40)]
    await asyncio.gather(*(writer.store(new_event(hook, key, rig.clock)) for hook, key in keys))
    await sender.wait_for_deliveries(40)
    await writer.stop()
    await worker.stop()

    sent = [(s.channel_id, s.announcement.fields[0][1]) for s in sender.attempts]
    assert len(sent) == 40
    for hook in (rig.alpha, rig.beta):
        expected = [key for owner, key in keys if owner is hook]
        assert [key for channel, key in sent if channel == hook.channel_id] == expected


async def test_transient_failure_is_retried_with_backoff_and_holds_later_events(
    rig: Rig,
) -> None:
    await rig.store((rig.alpha, "first"), (rig.alpha, "second"))
    sender = FakeSender(
        TransientDeliveryError("Discord is unavailable"), TransientDeliveryError("still down")
    )
    await rig.start_worker(sender)
    await sender.wait_for_deliveries(2)

    assert [sent.announcement.fields[0][1] for sent in sender.attempts] == [
        "first",
        "first",
        "first",
        "second",
    ]
    assert len({sent.nonce for sent in sender.attempts[:3]}) == 1
    assert rig.clock.sleeps == [FIRST_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2]
    rows = await rig.rows()
    assert [(row["state"], row["attempts"]) for row in rows] == [("delivered", 3), ("delivered", 1)]


async def test_a_hook_waiting_to_retry_does_not_hold_other_hooks(rig: Rig) -> None:
    await rig.store((rig.alpha, "a"), (rig.beta, "b"))
    sender = FakeSender(TransientDeliveryError("Alpha's channel is rate limited", retry_after=60))
    await rig.start_worker(sender)
    await sender.wait_for_deliveries(2)
    assert [sent.announcement.fields[0][1] for sent in sender.attempts] == ["a", "b", "a"]


async def test_discords_retry_after_is_respected(rig: Rig) -> None:
    await rig.store((rig.alpha, "k"))
    sender = FakeSender(TransientDeliveryError("rate limited", retry_after=42.0))
    await rig.start_worker(sender)
    await sender.wait_for_deliveries(1)
    assert rig.clock.sleeps == [42.0]


async def test_unknown_errors_are_retried_not_dropped(rig: Rig) -> None:
    await rig.store((rig.alpha, "k"))
    sender = FakeSender(OSError("connection reset"))
    await rig.start_worker(sender)
    await sender.wait_for_deliveries(1)
    assert len(sender.attempts) == 2


async def test_permanent_failure_marks_failed_and_the_hook_moves_on(rig: Rig) -> None:
    await rig.store((rig.alpha, "doomed"), (rig.alpha, "fine"))
    sender = FakeSender(PermanentDeliveryError("the channel was deleted"))
    worker = await rig.start_worker(sender)
    await sender.wait_for_deliveries(1)
    await worker.stop()

    rows = await rig.rows()
    assert [(row["state"], row["failure_reason"]) for row in rows] == [
        ("failed", "the channel was deleted"),
        ("delivered", None),
    ]
    assert rig.clock.sleeps == []
    summaries = {summary.hook.name: summary for summary in await rig.hooks.list_hooks(GUILD_ID)}
    alpha = summaries["Alpha"]
    assert (alpha.received, alpha.delivered, alpha.pending, alpha.failed) == (2, 1, 0, 1)


async def test_restart_resumes_pending_events_with_the_same_nonce(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "glifbot.sqlite3"
    database = await Database.open(path)
    hook, _ = await HookStore(database).create_hook(
        guild_id=GUILD_ID, channel_id=10, name="Alpha", created_by=1
    )
    await store(database, [new_event(hook, "k", clock)])

    # The first process sends, then dies before it can mark the event delivered.
    first_sender = FakeSender(hang=True)
    first = DeliveryWorker(EventStore(database), first_sender, clock=clock, sleep=clock.sleep)
    await first.start()
    await first_sender.wait_for_attempts(1)
    await first.stop(grace_seconds=0)
    await database.close()

    database = await Database.open(path)
    try:
        second_sender = FakeSender()
        second = DeliveryWorker(EventStore(database), second_sender, clock=clock, sleep=clock.sleep)
        await second.start()
        await second_sender.wait_for_deliveries(1)
        await second.stop()
        assert second_sender.delivered[0].nonce == first_sender.attempts[0].nonce
        rows = await database.fetch_all("SELECT state FROM hook_events")
        assert [row[0] for row in rows] == ["delivered"]
    finally:
        await database.close()


def test_nonce_is_short_deterministic_and_distinct() -> None:
    nonce = delivery_nonce("hook", "key")
    assert nonce == delivery_nonce("hook", "key")
    assert len(nonce) <= NONCE_LENGTH
    assert nonce != delivery_nonce("hook", "key2")
    assert nonce != delivery_nonce("hook2", "key")
    # The separator keeps ("ab", "c") and ("a", "bc") apart.
    assert delivery_nonce("ab", "c") != delivery_nonce("a", "bc")


def test_backoff_doubles_up_to_a_cap() -> None:
    delays = [retry_delay(attempts) for attempts in range(1, 12)]
    assert delays[:4] == [5.0, 10.0, 20.0, 40.0]
    assert delays[-1] == MAX_RETRY_SECONDS
    assert delays == sorted(delays)
