import asyncio
from datetime import UTC, datetime, timedelta

import discord
import pytest
from discord import app_commands

from bot.command_tree import UNEXPECTED_ERROR
from bot.errors import UserFacingError
from tests import payloads
from tests.fakes.discord import FLAG_EPHEMERAL, NO_MENTIONS
from tests.fakes.discord_plugin import DiscordErrorCollector
from tests.harness import Harness
from tests.logs import waiting_for_log


def add_failing_command(harness: Harness, error: Exception, *, defer_first: bool) -> None:
    async def fail(interaction: discord.Interaction) -> None:
        if defer_first:
            await interaction.response.defer(ephemeral=True, thinking=True)
        raise error

    harness.bot.tree.add_command(app_commands.Command(name="fail", description="x", callback=fail))


async def test_user_facing_error_is_the_first_response_ephemeral(harness: Harness) -> None:
    add_failing_command(harness, UserFacingError("That glif does not exist."), defer_first=False)
    payload = harness.slash("fail")
    callback = await harness.discord.wait_for_callback(int(payload["id"]))
    assert callback.json["type"] == 4
    assert callback.data["content"] == "That glif does not exist."
    assert callback.data["flags"] & FLAG_EPHEMERAL
    assert callback.data["allowed_mentions"] == NO_MENTIONS


async def test_error_after_defer_is_a_followup(harness: Harness) -> None:
    add_failing_command(harness, UserFacingError("Glif is unreachable."), defer_first=True)
    payload = harness.slash("fail")
    followup = await harness.discord.wait_for_request("POST", rf"/webhooks/\d+/{payload['token']}")
    assert followup.json["content"] == "Glif is unreachable."
    assert followup.json["flags"] & FLAG_EPHEMERAL
    assert followup.json["allowed_mentions"] == NO_MENTIONS


async def test_unexpected_error_is_logged_and_told_briefly(
    harness: Harness,
    fail_on_discord_errors: DiscordErrorCollector,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fail_on_discord_errors.expect("Unhandled error in fail")
    add_failing_command(harness, RuntimeError("database exploded at row 7"), defer_first=False)
    payload = harness.slash("fail")
    callback = await harness.discord.wait_for_callback(int(payload["id"]))
    assert callback.data["content"] == UNEXPECTED_ERROR
    assert "database exploded" not in callback.data["content"]
    assert "database exploded at row 7" in caplog.text


async def test_expired_interaction_is_answered_in_the_channel(harness: Harness) -> None:
    add_failing_command(harness, UserFacingError("The run failed."), defer_first=False)
    actor = payloads.Actor(username="ada")
    payload = payloads.slash_command(harness.env, actor, "fail")
    sixteen_minutes_ago = datetime.now(UTC) - timedelta(minutes=16)
    payload["id"] = str(discord.utils.time_snowflake(sixteen_minutes_ago))
    harness.dispatch(payload)
    sent = await harness.discord.wait_for_request(
        "POST", rf"/channels/{harness.env.channel_id}/messages"
    )
    assert sent.json["content"] == "ada: The run failed."
    assert sent.json["allowed_mentions"] == NO_MENTIONS
    assert harness.discord.callbacks() == []


async def test_errors_while_shutting_down_are_not_reported(harness: Harness) -> None:
    started, release = asyncio.Event(), asyncio.Event()

    async def slow(interaction: discord.Interaction) -> None:
        started.set()
        await release.wait()
        await interaction.response.send_message("too late")

    harness.bot.tree.add_command(app_commands.Command(name="slow", description="x", callback=slow))
    harness.slash("slow")
    await started.wait()
    with waiting_for_log("bot.command_tree", "the bot is shutting down") as logged:
        await harness.bot.close()
        release.set()
        await asyncio.wait_for(logged.wait(), 5)
    assert harness.discord.callbacks() == []
