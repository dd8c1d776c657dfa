"""An app-action over real HTTP becomes exactly one message in the hook's channel, whatever
Glide repeats and however long Discord fails."""

import asyncio
from datetime import UTC, datetime

import pytest

from tests.bot.webhooks.conftest import app_action, text
from tests.cogs.hooks.support import (
    Settlements,
    admin_reply,
    channel_messages,
    make_hook,
    messages_path,
    post_hook,
    posted_message_ids,
    webhook,
)
from tests.fakes.discord import NO_MENTIONS, new_snowflake
from tests.harness import Harness

pytestmark = pytest.mark.usefixtures("fast_retries")


def discord_time(year: int, month: int, day: int, hour: int, minute: int = 0) -> str:
    return f"<t:{int(datetime(year, month, day, hour, minute, tzinfo=UTC).timestamp())}:f>"


async def test_an_accepted_action_is_announced_once_without_mentions(
    harness: Harness, settlements: Settlements
) -> None:
    hook, secret = await make_hook(harness)
    body = app_action(
        who=text("@everyone Ada"),
        score={"type": "number", "value": 12},
        paid={"type": "boolean", "value": True},
        due={"type": "date-time", "value": "2026-11-23T09:30:00.000Z"},
    )

    assert await post_hook(harness, hook.id, body, secret) == (200, {"status": "accepted"})
    await settlements.wait(delivered=1)

    [sent] = channel_messages(harness)
    assert sent.json["allowed_mentions"] == NO_MENTIONS
    assert sent.json["enforce_nonce"] is True
    assert len(sent.json["nonce"]) == 25
    [embed] = sent.json["embeds"]
    assert embed["title"] == "Orders"
    # The action's own time, which app_action() sets to 2026-11-22T10:00:00Z.
    assert embed["description"] == f"From Glide app `app-123` at {discord_time(2026, 11, 22, 10)}"
    assert [(field["name"], field["value"]) for field in embed["fields"]] == [
        ("who", "@everyone Ada"),
        ("score", "12"),
        ("paid", "yes"),
        ("due", discord_time(2026, 11, 23, 9, 30)),
    ]


async def test_a_repeated_key_is_a_duplicate_and_announced_once(
    harness: Harness, settlements: Settlements
) -> None:
    hook, secret = await make_hook(harness)
    assert await post_hook(harness, hook.id, app_action("k"), secret) == (
        200,
        {"status": "accepted"},
    )
    await settlements.wait(delivered=1)

    assert await post_hook(harness, hook.id, app_action("k"), secret) == (
        200,
        {"status": "duplicate"},
    )

    [summary] = await harness.bot.webhooks.hooks.list_hooks(harness.discord.guild_id)
    assert (summary.received, summary.delivered, summary.pending) == (1, 1, 0)
    assert len(channel_messages(harness)) == 1


async def test_twenty_concurrent_copies_make_one_announcement(
    harness: Harness, settlements: Settlements
) -> None:
    hook, secret = await make_hook(harness)

    answers = await asyncio.gather(
        *(post_hook(harness, hook.id, app_action("same"), secret) for _ in range(20))
    )

    assert sorted(body["status"] for _, body in answers) == ["accepted"] + ["duplicate"] * 19
    await settlements.wait(delivered=1)
    assert len(channel_messages(harness)) == 1


async def test_discord_failing_for_a_while_still_gives_exactly_one_message(
    harness: Harness, settlements: Settlements
) -> None:
    hook, secret = await make_hook(harness)
    path = messages_path(harness.discord)
    harness.discord.server_error("POST", path, status=503, times=2)
    # Then a lost answer: Discord made the message, the bot heard only an error.
    harness.discord.fail("POST", path, status=503, after_effects=True)

    assert (await post_hook(harness, hook.id, app_action(), secret))[0] == 200
    await settlements.wait(delivered=1)

    attempts = channel_messages(harness)
    assert [attempt.status for attempt in attempts] == [503, 503, 503, 200]
    assert len({attempt.json["nonce"] for attempt in attempts}) == 1
    [made] = harness.discord.messages
    assert posted_message_ids(harness) == {str(made)}


async def test_announcements_of_a_hook_keep_their_order_through_failures(
    harness: Harness, settlements: Settlements
) -> None:
    hook, secret = await make_hook(harness)
    harness.discord.server_error("POST", messages_path(harness.discord), status=503, times=2)

    for key in ("first", "second", "third"):
        assert (await post_hook(harness, hook.id, app_action(key, n=text(key)), secret))[0] == 200
    await settlements.wait(delivered=3)

    delivered = [m for m in channel_messages(harness) if m.status == 200]
    assert [m.json["embeds"][0]["fields"][0]["value"] for m in delivered] == [
        "first",
        "second",
        "third",
    ]


async def test_a_deleted_channel_fails_the_event_with_its_reason(
    admin_harness: Harness, settlements: Settlements
) -> None:
    harness = admin_harness
    hook, secret = await make_hook(harness, name="Gone", channel_id=new_snowflake())

    assert (await post_hook(harness, hook.id, app_action(), secret))[0] == 200
    await settlements.wait(failed=1)

    reply = await admin_reply(harness, webhook("list"))
    assert "0 delivered, 0 pending, 1 failed (last failure: the channel is gone" in reply["content"]
    assert len(channel_messages(harness, hook.channel_id)) == 1


async def test_missing_permissions_fail_the_event_at_once(
    harness: Harness, settlements: Settlements
) -> None:
    hook, secret = await make_hook(harness)
    harness.discord.forbidden("POST", messages_path(harness.discord))

    assert (await post_hook(harness, hook.id, app_action(), secret))[0] == 200
    await settlements.wait(failed=1)

    [summary] = await harness.bot.webhooks.hooks.list_hooks(harness.discord.guild_id)
    assert summary.last_failure == (
        "the bot may not post in the channel (Discord 403 50013: Missing Permissions)"
    )
