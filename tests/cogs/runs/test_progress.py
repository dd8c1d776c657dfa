"""The queue and the live message: runs wait their turn, show where they stand, and a run that
outlives its interaction still reaches the channel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import discord

from bot.runs.store import RunStatus
from bot.services import INTERRUPTED_RUN
from bot.settings import Settings
from tests import payloads
from tests.cogs.runs.support import (
    TEST_GLIF_ID,
    WAIT,
    dispatch,
    edits_of,
    finished,
    handled,
    original_path,
    result_edits,
    result_of,
    run_command,
    runs_settings,
    serve_glif,
    started,
)
from tests.fakes.discord import NO_MENTIONS, FakeDiscord, RecordedRequest
from tests.fakes.glif import FakeGlif
from tests.harness import Harness

OTHER_GLIF_ID = "cmfaketestglif00000000002"


async def first_edit(harness: Harness, payload: dict[str, Any]) -> str:
    path = original_path(payload)
    edit = await harness.discord.wait_for_request("PATCH", path, timeout=WAIT)
    content: str = edit.json["content"]
    return content


async def edit_saying(harness: Harness, payload: dict[str, Any], start: str) -> RecordedRequest:
    path = original_path(payload)
    return await harness.discord.wait_for(
        lambda r: r.matches("PATCH", path) and (r.json.get("content") or "").startswith(start),
        WAIT,
    )


async def test_runs_beyond_the_concurrency_wait_and_all_finish(
    tmp_path: Path, fake_discord: FakeDiscord, fake_glif: FakeGlif
) -> None:
    settings = runs_settings(tmp_path, fake_discord, fake_glif, run_concurrency=2)
    async with started(settings, fake_discord, fake_glif) as harness:
        serve_glif(harness.glif, run_response="simple-api-text")
        gate = harness.glif.hold_runs(TEST_GLIF_ID)
        commands = [run_command(harness, prompt=f"run {number}") for number in range(5)]
        handlers = set().union(*(dispatch(harness, command) for command in commands))

        first = [await first_edit(harness, command) for command in commands]
        running = [text for text in first if text.startswith("Running Test Glif · ")]
        queued = sorted(text for text in first if text.startswith("Queued"))
        assert len(running) == 2
        assert queued == [f"Queued: position {position}" for position in (1, 2, 3)]
        await harness.glif.wait_for(lambda _: len(harness.glif.requests_to("run")) == 2, WAIT)

        gate.set()
        await finished(handlers)

    assert [len(result_edits(harness, command)) for command in commands] == [1] * 5
    assert harness.glif.max_in_flight_runs == 2
    assert len(harness.glif.requests_to("run")) == 5


async def test_the_message_shows_the_queue_position_then_the_running_time(
    tmp_path: Path, fake_discord: FakeDiscord, fake_glif: FakeGlif
) -> None:
    settings = runs_settings(tmp_path, fake_discord, fake_glif, run_concurrency=1)
    async with started(settings, fake_discord, fake_glif) as harness:
        serve_glif(harness.glif, run_response="simple-api-text")
        serve_glif(harness.glif, OTHER_GLIF_ID, name="Second Glif", run_response="simple-api-text")
        first_gate = harness.glif.hold_runs(TEST_GLIF_ID)
        second_gate = harness.glif.hold_runs(OTHER_GLIF_ID)
        first = run_command(harness, prompt="first")
        second = run_command(harness, OTHER_GLIF_ID, prompt="second")
        handlers = dispatch(harness, first)
        await edit_saying(harness, first, "Running")
        handlers |= dispatch(harness, second)

        await edit_saying(harness, second, "Queued: position 1")
        first_gate.set()
        running = await edit_saying(harness, second, "Running Second Glif · ")
        second_gate.set()
        await finished(handlers)
        result = await result_of(harness, second)

    assert running.json["content"].endswith("(usually ~4 s)")
    assert running.json["allowed_mentions"] == NO_MENTIONS
    contents = [edit.json.get("content") for edit in edits_of(harness, second)]
    assert contents[0] == "Queued: position 1"
    assert contents.index(running.json["content"]) < contents.index(result.json["content"])


def created_ago(payload: dict[str, Any], age: timedelta) -> dict[str, Any]:
    """The payload as if Discord had created the interaction ``age`` ago."""
    payload["id"] = str(discord.utils.time_snowflake(datetime.now(UTC) - age))
    return payload


async def test_a_run_that_outlives_its_interaction_posts_in_the_channel(harness: Harness) -> None:
    serve_glif(harness.glif, run_response="simple-api-text")
    member = payloads.Actor.member("ada", nick="Ada <@&1> Lovelace")
    payload = created_ago(run_command(harness, actor=member, prompt="x"), timedelta(minutes=16))

    await handled(harness, payload)

    posted = await harness.discord.wait_for_request(
        "POST", rf"/channels/{harness.env.channel_id}/messages", timeout=WAIT
    )
    assert posted.json["content"] == r"Ada <@&1> Lovelace: your run of Test Glif is done."
    assert posted.json["allowed_mentions"] == NO_MENTIONS
    [embed] = posted.json["embeds"]
    assert embed["fields"][0] == {"name": "Run by", "value": "Ada <@&1> Lovelace", "inline": True}
    assert [button.get("label") for button in posted.json["components"][0]["components"]] == [
        "Re-run",
        "Open on glif.app",
        "Delete",
    ]
    assert edits_of(harness, payload) == []
    [record] = await harness.services.runs.history(member.user_id)
    assert record.message_id == int(posted.response["id"])


async def test_near_the_interactions_end_the_message_says_where_the_result_will_go(
    harness: Harness,
) -> None:
    serve_glif(harness.glif, run_response="simple-api-text")
    gate = harness.glif.hold_runs(TEST_GLIF_ID)
    payload = created_ago(run_command(harness, prompt="x"), timedelta(minutes=14, seconds=30))
    handlers = dispatch(harness, payload)

    edit = await edit_saying(harness, payload, "Running Test Glif")
    gate.set()
    await finished(handlers)

    assert edit.json["content"].endswith(
        "\nThe result will be posted in this channel when the run ends."
    )


async def test_other_commands_are_answered_while_runs_are_in_flight(harness: Harness) -> None:
    serve_glif(harness.glif, run_response="simple-api-text")
    gate = harness.glif.hold_runs(TEST_GLIF_ID)
    commands = [run_command(harness, prompt="x") for _ in range(4)]
    handlers = set().union(*(dispatch(harness, command) for command in commands))
    await harness.glif.wait_for(lambda _: len(harness.glif.requests_to("run")) == 4, WAIT)

    history = payloads.slash_command(
        harness.env, payloads.Actor.member(), "glif", payloads.subcommand("history")
    )
    await handled(harness, history)

    answer = await harness.discord.wait_for_callback(int(history["id"]))
    assert answer.data["content"].startswith("You have not run any glifs")
    gate.set()
    await finished(handlers)
    assert all([await result_of(harness, command) for command in commands])


async def test_a_run_cut_short_by_a_shutdown_is_marked_interrupted_on_the_next_start(
    settings: Settings, fake_discord: FakeDiscord, fake_glif: FakeGlif
) -> None:
    member = payloads.Actor.member()
    async with started(settings, fake_discord, fake_glif) as harness:
        serve_glif(harness.glif, run_response="simple-api-text")
        harness.glif.hold_runs(TEST_GLIF_ID)
        handlers = dispatch(harness, run_command(harness, actor=member, prompt="x"))
        await harness.glif.wait_for(lambda _: len(harness.glif.requests_to("run")) == 1, WAIT)

    # The handler ends quietly: nobody can be told once the bot is closed.
    await finished(handlers)
    async with started(settings, fake_discord, fake_glif) as harness:
        [record] = await harness.services.runs.history(member.user_id)

    assert record.status is RunStatus.FAILED
    assert record.error == INTERRUPTED_RUN
