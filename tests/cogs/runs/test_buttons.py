"""Re-run and Delete under a result: they work from the run id alone, after a restart too."""

from __future__ import annotations

from typing import Any

import discord

from bot.settings import Settings
from tests import payloads
from tests.cogs.runs.support import (
    button_id,
    click,
    handled,
    original_path,
    result_of,
    run_command,
    serve_glif,
    started,
)
from tests.fakes.discord import (
    CALLBACK_DEFERRED_UPDATE,
    CALLBACK_MESSAGE,
    FakeDiscord,
    is_ephemeral,
)
from tests.fakes.glif import FakeGlif
from tests.harness import Harness

MANAGE_MESSAGES = payloads.MEMBER_PERMISSIONS | discord.Permissions(manage_messages=True).value


async def posted_result(harness: Harness, runner: payloads.Actor, **options: Any) -> dict[str, Any]:
    """Runs the test glif for ``runner`` and returns the result message as Discord keeps it."""
    serve_glif(harness.glif, run_response="simple-api-text")
    payload = await handled(harness, run_command(harness, actor=runner, **options))
    await result_of(harness, payload)
    return harness.discord.original_message(payload["token"])


async def test_rerun_after_a_restart_runs_the_same_inputs_again(
    settings: Settings, fake_discord: FakeDiscord, fake_glif: FakeGlif
) -> None:
    runner, clicker = payloads.Actor.member("ada"), payloads.Actor.member("bob")
    async with started(settings, fake_discord, fake_glif) as harness:
        message = await posted_result(harness, runner, prompt="first light", private=False)

    async with started(settings, fake_discord, fake_glif) as harness:
        serve_glif(harness.glif, run_response="simple-api-text")
        pressed = await handled(
            harness, click(harness, message, button_id(message, "Re-run"), clicker)
        )
        result = await result_of(harness, pressed)

        first, again = harness.glif.requests_to("run")
        assert (
            again.json
            == first.json
            == {
                "inputs": {"topic": "first light"},
                "visibility": "PUBLIC",
            }
        )
        assert result.json["embeds"][0]["fields"][0]["value"] == "bob"
        [rerun] = await harness.services.runs.history(clicker.user_id)
        assert rerun.inputs == {"topic": "first light"}


async def test_rerun_of_a_run_no_longer_stored_says_so(harness: Harness) -> None:
    member = payloads.Actor.member()
    stale = payloads.message(harness.env, components=[payloads.button_row("glif:rerun:999")])

    pressed = await handled(harness, click(harness, stale, "glif:rerun:999", member))

    notice = await harness.discord.wait_for_request("POST", rf"/webhooks/\d+/{pressed['token']}")
    assert is_ephemeral(notice.json)
    assert notice.json["content"] == (
        "That run is no longer stored here; run the glif again with `/glif run`."
    )
    assert harness.discord.find("DELETE", original_path(pressed))
    assert harness.glif.requests_to("run") == []


async def test_the_runner_can_delete_the_result(harness: Harness) -> None:
    runner = payloads.Actor.member()
    message = await posted_result(harness, runner, prompt="x")

    pressed = await handled(harness, click(harness, message, button_id(message, "Delete"), runner))

    answer = await harness.discord.wait_for_callback(int(pressed["id"]))
    assert answer.json["type"] == CALLBACK_DEFERRED_UPDATE
    assert harness.discord.find("DELETE", original_path(pressed))
    assert int(message["id"]) not in harness.discord.messages


async def test_another_member_cannot_delete_the_result(harness: Harness) -> None:
    runner, stranger = payloads.Actor.member(), payloads.Actor.member()
    message = await posted_result(harness, runner, prompt="x")

    pressed = await handled(
        harness, click(harness, message, button_id(message, "Delete"), stranger)
    )

    refusal = await harness.discord.wait_for_callback(int(pressed["id"]))
    assert refusal.json["type"] == CALLBACK_MESSAGE
    assert is_ephemeral(refusal.data)
    assert refusal.data["content"] == (
        "Only the member who ran this glif, or someone who can manage messages here, can delete it."
    )
    assert int(message["id"]) in harness.discord.messages


async def test_a_member_who_manages_messages_can_delete_the_result(harness: Harness) -> None:
    runner = payloads.Actor.member()
    moderator = payloads.Actor(username="mod", permissions=MANAGE_MESSAGES)
    message = await posted_result(harness, runner, prompt="x")

    pressed = await handled(
        harness, click(harness, message, button_id(message, "Delete"), moderator)
    )

    await harness.discord.wait_for_callback(int(pressed["id"]))
    assert int(message["id"]) not in harness.discord.messages
