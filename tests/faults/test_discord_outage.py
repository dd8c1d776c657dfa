"""Discord failing for a while (5xx, lost answers, refused connections, slow answers, a long rate
limit), then coming back: every app-action accepted meanwhile is announced exactly once, a run
that ends during the outage gets its result through or is settled and told, and the bot goes on."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import discord
import pytest

from bot.runs.store import RunStatus
from bot.settings import Settings
from bot.webhooks.delivery import STOP_GRACE_SECONDS
from tests import payloads
from tests.cogs.hooks.support import Settlements, channel_messages, make_hook, messages_path
from tests.cogs.runs.support import (
    dispatch,
    finished,
    original_path,
    result_edits,
    run_command,
    serve_glif,
)
from tests.fakes.discord import NO_MENTIONS, FakeDiscord
from tests.fakes.discord_plugin import DiscordErrorCollector
from tests.fakes.glif import FakeGlif
from tests.faults.support import (
    Accepted,
    assert_announced_exactly_once,
    send_actions,
)
from tests.harness import Harness, running_harness
from tests.ports import closed_port

pytestmark = pytest.mark.usefixtures("fast_retries")

ACCEPTED = (200, {"status": "accepted"})
DUPLICATE = (200, {"status": "duplicate"})
# Long enough that only a restart, never the test, outlives it.
LONG_RATE_LIMIT_SECONDS = 3600.0
SLOW_DISCORD_SECONDS = 1.0


async def test_actions_accepted_during_server_errors_are_each_announced_once(
    harness: Harness, settlements: Settlements
) -> None:
    orders, orders_secret = await make_hook(harness, name="Orders")
    signups, signups_secret = await make_hook(harness, name="Signups")
    path = messages_path(harness.discord)
    outage = harness.discord.fail("POST", path, status=503, times=None)

    order_keys = [f"order-{n}" for n in range(5)]
    signup_keys = [f"signup-{n}" for n in range(5)]
    answers = await send_actions(harness, orders, orders_secret, order_keys)
    answers += await send_actions(harness, signups, signups_secret, signup_keys)
    assert answers == [ACCEPTED] * 10
    # Both hooks' lanes keep trying through the outage, and Glide's own retries stay duplicates.
    await settlements.wait(retried=6)
    assert await send_actions(harness, orders, orders_secret, order_keys[:2]) == [DUPLICATE] * 2
    harness.discord.faults.remove(outage)
    # Coming back, Discord makes one message but the bot hears only an error.
    harness.discord.fail("POST", path, status=503, after_effects=True)
    await settlements.wait(delivered=10)

    accepted: Accepted = {(orders.id, key) for key in order_keys}
    accepted |= {(signups.id, key) for key in signup_keys}
    assert_announced_exactly_once(harness.discord, accepted)
    for summary in await harness.bot.webhooks.hooks.list_hooks(harness.discord.guild_id):
        counts = (summary.received, summary.delivered, summary.pending, summary.failed)
        assert counts == (5, 5, 0, 0)


async def test_actions_accepted_while_discord_refuses_connections_are_announced_once(
    harness: Harness, settlements: Settlements, monkeypatch: pytest.MonkeyPatch
) -> None:
    hook, secret = await make_hook(harness)
    # discord.py builds every request's URL from Route.BASE when the request is made.
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{closed_port()}/api/v10")

    keys = [f"refused-{n}" for n in range(3)]
    assert await send_actions(harness, hook, secret, keys) == [ACCEPTED] * 3
    await settlements.wait(retried=3)
    # Each refusal was taken for a passing outage: every event is still waiting, none given up.
    [summary] = await harness.bot.webhooks.hooks.list_hooks(harness.discord.guild_id)
    assert (summary.received, summary.delivered, summary.pending, summary.failed) == (3, 0, 3, 0)
    monkeypatch.setattr(discord.http.Route, "BASE", harness.discord.api_url)
    await settlements.wait(delivered=3)

    assert_announced_exactly_once(harness.discord, {(hook.id, key) for key in keys})
    assert len(channel_messages(harness)) == 3


async def test_a_slow_discord_does_not_hold_up_the_endpoint(
    harness: Harness, settlements: Settlements
) -> None:
    hook, secret = await make_hook(harness)
    path = messages_path(harness.discord)
    harness.discord.delay("POST", path, SLOW_DISCORD_SECONDS)

    assert await send_actions(harness, hook, secret, ["first"]) == [ACCEPTED]
    slow = await harness.discord.wait_for(lambda r: r.matches("POST", path), answered=False)
    later_keys = [f"later-{n}" for n in range(10)]
    assert await send_actions(harness, hook, secret, later_keys) == [ACCEPTED] * 10
    # Accepting did not wait for Discord: the first announcement is still on its way.
    assert slow.status is None
    await settlements.wait(delivered=11)

    assert_announced_exactly_once(harness.discord, {(hook.id, k) for k in ["first", *later_keys]})
    fields = [m.json["embeds"][0]["fields"][0]["value"] for m in channel_messages(harness)]
    assert fields == ["first", *later_keys]


async def test_events_held_by_a_long_rate_limit_are_announced_once_after_a_restart(
    settings: Settings,
    fake_discord: FakeDiscord,
    fake_glif: FakeGlif,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = messages_path(fake_discord)
    fake_discord.rate_limit("POST", path, retry_after=LONG_RATE_LIMIT_SECONDS)
    async with running_harness(settings, fake_discord, fake_glif) as first:
        hook, secret = await make_hook(first)
        assert await send_actions(first, hook, secret, ["held-1"]) == [ACCEPTED]
        await fake_discord.wait_for(lambda r: r.matches("POST", path) and r.status == 429)
        # discord.py sits out the rate limit inside the send; the endpoint goes on accepting.
        assert await send_actions(first, hook, secret, ["held-2", "held-3"]) == [ACCEPTED] * 2
        stopping_from = time.monotonic()
    # The send still waiting was cancelled after the grace, its event left pending.
    assert time.monotonic() - stopping_from < STOP_GRACE_SECONDS + 1
    assert len(fake_discord.find("POST", path)) == 1

    async with running_harness(settings, fake_discord, fake_glif) as second:
        settlements = Settlements()
        settlements.watch(second.bot.webhooks.events, monkeypatch)
        await settlements.wait(delivered=3)

    assert_announced_exactly_once(fake_discord, {(hook.id, f"held-{n}") for n in (1, 2, 3)})
    assert [request.status for request in fake_discord.find("POST", path)] == [429, 200, 200, 200]


# --------------------------------------------------------------------------- runs


@dataclass(frozen=True)
class HeldRun:
    """A run under way at Glif, its progress shown; Glif answers once `release` is set."""

    command: dict[str, Any]
    handlers: set[asyncio.Task[Any]]
    release: asyncio.Event

    @classmethod
    async def start(cls, harness: Harness, member: payloads.Actor) -> HeldRun:
        serve_glif(harness.glif, run_response="simple-api-text")
        release = harness.glif.hold_runs()
        command = run_command(harness, actor=member, prompt="autumn rain")
        handlers = dispatch(harness, command)
        await harness.glif.wait_for(lambda requests: any(r.route == "run" for r in requests))
        # The progress edit is done: the next edit of the message is the result.
        await harness.discord.wait_for_request("PATCH", original_path(command))
        return cls(command, handlers, release)

    async def finish(self) -> None:
        self.release.set()
        await finished(self.handlers)


@pytest.mark.usefixtures("instant_interaction_retries")
async def test_a_result_edit_refused_for_a_while_is_retried_until_it_lands(
    harness: Harness,
) -> None:
    member = payloads.Actor.member()
    run = await HeldRun.start(harness, member)
    harness.discord.fail("PATCH", original_path(run.command), status=503, times=2)

    await run.finish()

    assert [edit.status for edit in result_edits(harness, run.command)] == [503, 503, 200]
    shown = harness.discord.original_message(run.command["token"])
    assert shown["embeds"]
    [record] = await harness.services.runs.history(member.user_id)
    assert record.status is RunStatus.SUCCEEDED
    assert record.message_id == int(shown["id"])


@pytest.mark.usefixtures("instant_interaction_retries")
async def test_a_result_edit_refused_past_every_retry_is_posted_in_the_channel(
    harness: Harness,
) -> None:
    member = payloads.Actor.member()
    run = await HeldRun.start(harness, member)
    outage = harness.discord.fail("PATCH", original_path(run.command), status=503, times=None)

    await run.finish()

    [posted] = channel_messages(harness)
    assert posted.json["embeds"]
    assert posted.json["allowed_mentions"] == NO_MENTIONS
    [record] = await harness.services.runs.history(member.user_id)
    assert record.status is RunStatus.SUCCEEDED
    assert record.message_id == int(posted.response["id"])
    harness.discord.faults.remove(outage)

    again = run_command(harness, actor=payloads.Actor.member(), prompt="autumn rain")
    await finished(dispatch(harness, again))
    assert [edit.status for edit in result_edits(harness, again)] == [200]


async def test_a_run_ending_while_discord_is_unreachable_ends_cleanly_and_the_bot_goes_on(
    harness: Harness, fail_on_discord_errors: DiscordErrorCollector, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_on_discord_errors.expect(r"^Unhandled error in glif run$")
    member = payloads.Actor.member()
    run = await HeldRun.start(harness, member)
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{closed_port()}/api/v10")

    # Nothing can reach the member, and nothing escapes the handler either.
    await run.finish()

    [record] = await harness.services.runs.history(member.user_id)
    assert record.is_finished
    monkeypatch.setattr(discord.http.Route, "BASE", harness.discord.api_url)
    again = run_command(harness, actor=payloads.Actor.member(), prompt="autumn rain")
    await finished(dispatch(harness, again))
    assert [edit.status for edit in result_edits(harness, again)] == [200]
