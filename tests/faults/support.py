"""What the fault tests share: sending app-actions, counting what Discord ended up with, and
watching the delivery worker give up on an attempt."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import aiohttp
import pytest
from multidict import CIMultiDictProxy

from bot.webhooks import Hook, hook_url
from bot.webhooks.delivery import delivery_nonce
from bot.webhooks.events import EventStore
from tests.bot.webhooks.conftest import app_action, text
from tests.cogs.hooks.support import post_hook
from tests.fakes.discord import FakeDiscord
from tests.harness import Harness

WAIT = 5.0

Accepted = set[tuple[str, str]]
"""(hook id, idempotency key) of every app-action the endpoint answered 2xx."""


async def send_actions(
    harness: Harness, hook: Hook, secret: str, keys: list[str]
) -> list[tuple[int, dict[str, Any]]]:
    """POST one app-action per key, all at once, as a busy Glide app would."""
    return await asyncio.gather(
        *(post_hook(harness, hook.id, app_action(key, n=text(key)), secret) for key in keys)
    )


async def post_action(
    harness: Harness, hook: Hook, secret: str, body: object
) -> tuple[int, dict[str, Any], CIMultiDictProxy[str]]:
    """POST to the bot's endpoint; the answer's status, JSON body and headers."""
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            hook_url(harness.web_url, hook.id),
            json=body,
            headers={"Authorization": f"Basic {secret}"},
        ) as response,
    ):
        return response.status, await response.json(), response.headers


def messages_by_nonce(discord: FakeDiscord) -> Counter[str]:
    """How many messages Discord holds for each nonce (announcements carry one, run results do
    not): what members see, however often it was sent."""
    return Counter(message["nonce"] for message in discord.messages.values() if "nonce" in message)


def assert_announced_exactly_once(discord: FakeDiscord, accepted: Accepted) -> None:
    """Each accepted event is one message in Discord: none missing, none twice, none unasked."""
    held = messages_by_nonce(discord)
    assert set(held) == {delivery_nonce(hook_id, key) for hook_id, key in accepted}
    assert [nonce for nonce, count in held.items() if count > 1] == []


class FailedAttempts:
    """Counts attempts the delivery worker gave up on (and scheduled again), the moment the
    database says so: its store's `schedule_retry` is wrapped."""

    def __init__(self, events: EventStore, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        self._changed = asyncio.Condition()
        schedule_retry = events.schedule_retry

        async def counted(event_id: int, next_attempt_at: float, reason: str) -> None:
            await schedule_retry(event_id, next_attempt_at, reason)
            async with self._changed:
                self.count += 1
                self._changed.notify_all()

        monkeypatch.setattr(events, "schedule_retry", counted)

    async def wait(self, at_least: int) -> None:
        async with asyncio.timeout(WAIT), self._changed:
            await self._changed.wait_for(lambda: self.count >= at_least)
