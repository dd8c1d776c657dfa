"""What the fault tests share: sending app-actions and counting what Discord ended up with."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from bot.webhooks import Hook
from bot.webhooks.delivery import delivery_nonce
from tests.bot.webhooks.conftest import app_action, text
from tests.cogs.hooks.support import post_hook
from tests.fakes.discord import FakeDiscord
from tests.harness import Harness

Accepted = set[tuple[str, str]]
"""(hook id, idempotency key) of every app-action the endpoint answered 2xx."""


async def send_actions(
    harness: Harness, hook: Hook, secret: str, keys: list[str]
) -> list[tuple[int, dict[str, Any]]]:
    """POST one app-action per key, all at once, as a busy Glide app would."""
    return await asyncio.gather(
        *(post_hook(harness, hook.id, app_action(key, n=text(key)), secret) for key in keys)
    )


def messages_by_nonce(discord: FakeDiscord) -> Counter[str]:
    """How many messages Discord holds for each nonce (announcements carry one, run results do
    not): what members see, however often it was sent."""
    return Counter(message["nonce"] for message in discord.messages.values() if "nonce" in message)


def assert_announced_exactly_once(discord: FakeDiscord, accepted: Accepted) -> None:
    """Each accepted event is one message in Discord: none missing, none twice, none unasked."""
    held = messages_by_nonce(discord)
    assert set(held) == {delivery_nonce(hook_id, key) for hook_id, key in accepted}
    assert [nonce for nonce, count in held.items() if count > 1] == []
