"""`/glif history`: the member's own runs, newest first, paged, each with Re-run; and forgetting."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from bot.glif import Visibility
from bot.glif.models import RunResult
from tests import payloads
from tests.cogs.runs.support import (
    TEST_GLIF_ID,
    button_id,
    buttons,
    click,
    handled,
    result_of,
    serve_glif,
)
from tests.fakes.discord import (
    CALLBACK_MESSAGE,
    CALLBACK_UPDATE_MESSAGE,
    RecordedRequest,
    is_ephemeral,
)
from tests.fakes.glif import load_fixture
from tests.harness import Harness


async def store_runs(harness: Harness, member: payloads.Actor, count: int) -> list[int]:
    """``count`` finished runs of the member, oldest first, named "Glif 1" to "Glif <count>"."""
    store = harness.services.runs
    result = RunResult.model_validate(load_fixture("simple-api-text"))
    run_ids = []
    for number in range(1, count + 1):
        run_id = await store.create(
            glif_id=TEST_GLIF_ID,
            glif_name=f"Glif {number}",
            inputs={"topic": f"topic {number}"},
            discord_user_id=member.user_id,
            guild_id=harness.env.guild_id,
            channel_id=harness.env.channel_id,
            visibility=Visibility.PRIVATE,
        )
        await store.finish_success(run_id, result, 4.2)
        run_ids.append(run_id)
    return run_ids


async def show_history(harness: Harness, member: payloads.Actor) -> dict[str, Any]:
    payload = payloads.slash_command(harness.env, member, "glif", payloads.subcommand("history"))
    await handled(harness, payload)
    answer = await harness.discord.wait_for_callback(int(payload["id"]))
    assert answer.json["type"] == CALLBACK_MESSAGE
    assert is_ephemeral(answer.data)
    return harness.discord.original_message(payload["token"])


def names_listed(message: dict[str, Any]) -> list[str]:
    description = message["embeds"][0]["description"]
    return [line.split("**")[3] for line in description.split("\n\n")]


async def turn(
    harness: Harness, message: dict[str, Any], label: str, member: payloads.Actor
) -> dict[str, Any]:
    pressed = await handled(harness, click(harness, message, button_id(message, label), member))
    answer = await harness.discord.wait_for_callback(int(pressed["id"]))
    assert answer.json["type"] == CALLBACK_UPDATE_MESSAGE
    return harness.discord.get_message(int(message["id"]))


async def test_history_pages_through_the_members_own_runs_newest_first(harness: Harness) -> None:
    member = payloads.Actor.member()
    run_ids = await store_runs(harness, member, 7)
    await store_runs(harness, payloads.Actor.member(), 2)

    first = await show_history(harness, member)

    assert names_listed(first) == ["Glif 7", "Glif 6", "Glif 5", "Glif 4", "Glif 3"]
    assert first["embeds"][0]["footer"]["text"] == "Page 1 of 2 · 7 runs"
    assert "succeeded in 4 s · 0.05 credits" in first["embeds"][0]["description"]
    labels = {button["label"]: button for button in buttons(first)}
    assert labels["Re-run 1"]["custom_id"] == f"glif:rerun:{run_ids[6]}"
    assert labels["Previous"].get("disabled") is True

    second = await turn(harness, first, "Next", member)

    assert names_listed(second) == ["Glif 2", "Glif 1"]
    assert second["embeds"][0]["footer"]["text"] == "Page 2 of 2 · 7 runs"
    assert button_id(second, "Re-run 7") == f"glif:rerun:{run_ids[0]}"
    assert {button["label"]: button.get("disabled") for button in buttons(second)}["Next"]

    back = await turn(harness, second, "Previous", member)

    assert names_listed(back) == names_listed(first)


async def test_rerun_from_history_runs_those_inputs_again(harness: Harness) -> None:
    serve_glif(harness.glif, run_response="simple-api-text")
    member = payloads.Actor.member()
    await store_runs(harness, member, 2)
    history = await show_history(harness, member)

    pressed = await handled(
        harness, click(harness, history, button_id(history, "Re-run 2"), member)
    )

    await result_of(harness, pressed)
    [sent] = harness.glif.requests_to("run")
    assert sent.json == {"inputs": {"topic": "topic 1"}, "visibility": "PRIVATE"}
    assert await harness.services.runs.count_runs(member.user_id) == 3


async def test_forgetting_deletes_the_run_history(harness: Harness) -> None:
    member, neighbour = payloads.Actor.member(), payloads.Actor.member()
    await store_runs(harness, member, 3)
    await store_runs(harness, neighbour, 1)
    forget = payloads.slash_command(harness.env, member, "glif", payloads.subcommand("forget"))
    await handled(harness, forget)
    question = harness.discord.original_message(forget["token"])

    await handled(
        harness, click(harness, question, button_id(question, "Delete everything"), member)
    )

    assert await harness.services.runs.count_runs(member.user_id) == 0
    assert await harness.services.runs.count_runs(neighbour.user_id) == 1
    empty = payloads.slash_command(harness.env, member, "glif", payloads.subcommand("history"))
    await handled(harness, empty)
    answer = await harness.discord.wait_for_callback(int(empty["id"]))
    assert answer.data["content"] == (
        "You have not run any glifs through this bot yet; try `/glif run`."
    )


def paging_disabled(request: RecordedRequest) -> bool:
    """Whether ``request`` is an edit that draws Previous and Next disabled."""
    if request.method != "PATCH" or "components" not in (request.json or {}):
        return False
    paging = [item for item in buttons(request.json) if item["label"] in {"Previous", "Next"}]
    return bool(paging) and all(item["disabled"] for item in paging)


async def history_timing_out(
    harness: Harness, member: payloads.Actor, monkeypatch: pytest.MonkeyPatch
) -> RecordedRequest:
    """Shows the member's history and returns the edit its timeout made to it."""
    # The module the running bot loaded: discord.py drops extension modules when a bot closes,
    # so each harness imports `cogs` afresh.
    loaded = importlib.import_module("cogs.runs_history")
    monkeypatch.setattr(loaded, "HISTORY_TIMEOUT_SECONDS", 0.2)
    await show_history(harness, member)
    return await harness.discord.wait_for(paging_disabled)


async def test_history_stops_paging_after_its_timeout_but_leaves_rerun_enabled(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = payloads.Actor.member()
    await store_runs(harness, member, 7)

    timed_out = await history_timing_out(harness, member, monkeypatch)

    reruns = [item for item in buttons(timed_out.json) if item["label"].startswith("Re-run")]
    assert len(reruns) == 5
    assert not any(item.get("disabled") for item in reruns)


async def test_rerun_from_history_still_runs_after_the_history_timed_out(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve_glif(harness.glif, run_response="simple-api-text")
    member = payloads.Actor.member()
    await store_runs(harness, member, 7)
    timed_out = await history_timing_out(harness, member, monkeypatch)
    history = harness.discord.get_message(int(timed_out.response["id"]))

    await handled(harness, click(harness, history, button_id(history, "Re-run 1"), member))

    # The click's handler has ended, so a run it started has asked Glif already.
    [sent] = harness.glif.requests_to("run")
    assert sent.json == {"inputs": {"topic": "topic 7"}, "visibility": "PRIVATE"}
