"""Driving runs through the fakes as members would, and reading what the bot sent back."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, cast

from pydantic import SecretStr

from bot.settings import Settings
from cogs.runs import Runs
from tests import payloads
from tests.fakes.discord import FLAG_EPHEMERAL, NO_MENTIONS, FakeDiscord, RecordedRequest
from tests.fakes.glif import STICKER_GLIF_ID, FakeGlif
from tests.harness import Harness, make_settings, running_harness

SHARED_TOKEN = "shared-glif-token-of-the-server"
TEST_GLIF_ID = "cmfaketestglif00000000000"
STICKER_ID = STICKER_GLIF_ID
WAIT = 5.0
# What `runs_settings` lets each member run a day on the shared token.
SHARED_DAILY_RUNS = 100


def runs_settings(
    tmp_path: Path, discord: FakeDiscord, glif: FakeGlif, **overrides: Any
) -> Settings:
    """Settings of a server with a shared Glif token, so that any member can run glifs."""
    values: dict[str, Any] = {
        "glif_api_token": SecretStr(SHARED_TOKEN),
        "shared_token_daily_runs": SHARED_DAILY_RUNS,
    }
    return make_settings(tmp_path, discord, glif, **(values | overrides))


@asynccontextmanager
async def started(
    settings: Settings, discord: FakeDiscord, glif: FakeGlif
) -> AsyncIterator[Harness]:
    """The bot, with progress edits unthrottled so that tests see every change."""
    async with running_harness(settings, discord, glif) as harness:
        runs_of(harness).progress_interval = 0
        yield harness


def runs_of(harness: Harness) -> Runs:
    # Not an isinstance check: each bot loads its extension afresh, classes included.
    cog = harness.bot.get_cog("GlifCog")
    assert cog is not None
    runs: Runs = cast(Any, cog).runs_feature
    return runs


# --------------------------------------------------------------------------- glifs Glif knows


def text_node(name: str, label: str | None = None, default: str | None = None) -> dict[str, Any]:
    return {"name": name, "type": "TextInputBlock", "params": {"label": label, "value": default}}


def choice_node(
    name: str,
    options: Sequence[str],
    *,
    default: str | None = None,
    randomize: bool = False,
    label: str | None = None,
) -> dict[str, Any]:
    params = {"label": label, "value": default, "options": list(options), "randomize": randomize}
    return {"name": name, "type": "MultipickBlock", "params": params}


def image_node(name: str, label: str | None = None) -> dict[str, Any]:
    params = {"label": label, "value": None, "source": "upload"}
    return {"name": name, "type": "ImageInputBlock", "params": params}


def serve_glif(
    glif: FakeGlif,
    glif_id: str = TEST_GLIF_ID,
    *,
    name: str = "Test Glif",
    nodes: Sequence[dict[str, Any]] = (text_node("topic", "Topic", "autumn rain"),),
    run_response: str | dict[str, Any] | None = None,
    average_ms: float = 4210,
) -> None:
    """Make Glif know a glif with these input blocks, and how its runs answer."""
    detail = {
        "id": glif_id,
        "name": name,
        "averageDuration": average_ms,
        "user": {"id": "cmfakeusertester000000000", "name": "Tester", "username": "tester"},
        "data": {"nodes": list(nodes)},
    }
    glif.inject("glifs", json=[detail], glif_id=glif_id)
    if run_response is not None:
        glif.set_run_response(glif_id, run_response)


def glif_url(glif_id: str = TEST_GLIF_ID) -> str:
    return f"https://glif.app/@tester/glifs/{glif_id}"


# --------------------------------------------------------------------------- members acting


def run_command(
    harness: Harness,
    glif: str = TEST_GLIF_ID,
    *,
    actor: payloads.Actor | None = None,
    prompt: str | None = None,
    image: dict[str, Any] | None = None,
    private: bool | None = None,
) -> dict[str, Any]:
    """A `/glif run` payload (not sent yet)."""
    options = [payloads.opt_string("glif", glif)]
    if prompt is not None:
        options.append(payloads.opt_string("prompt", prompt))
    if image is not None:
        options.append(payloads.opt_attachment("image", image))
    if private is not None:
        options.append(payloads.opt_bool("private", private))
    return payloads.slash_command(
        harness.env, actor or payloads.Actor.member(), "glif", payloads.subcommand("run", *options)
    )


def dispatch(harness: Harness, payload: dict[str, Any]) -> set[asyncio.Task[Any]]:
    """Hand ``payload`` to discord.py; returns the tasks that handle it.

    discord.py starts its handlers while the payload is parsed, so the tasks that appear during
    this call are exactly this interaction's.
    """
    before = asyncio.all_tasks()
    harness.dispatch(payload)
    return asyncio.all_tasks() - before


async def handled(harness: Harness, payload: dict[str, Any]) -> dict[str, Any]:
    """Send ``payload`` and return once the bot has finished handling it (a form it opened is
    then registered, ready for a submission)."""
    await finished(dispatch(harness, payload))
    return payload


async def finished(tasks: set[asyncio.Task[Any]]) -> None:
    """Wait for handlers started by `dispatch`; a run's handler ends once its result is stored."""
    async with asyncio.timeout(WAIT):
        await asyncio.gather(*tasks)


def click(
    harness: Harness, message: dict[str, Any], custom_id: str, actor: payloads.Actor
) -> dict[str, Any]:
    return payloads.button_click(harness.env, actor, custom_id, source=message)


# --------------------------------------------------------------------------- what the bot sent


def original_path(payload: dict[str, Any]) -> str:
    return rf"/webhooks/\d+/{re.escape(payload['token'])}/messages/@original"


def edits_of(harness: Harness, payload: dict[str, Any]) -> list[RecordedRequest]:
    return harness.discord.find("PATCH", original_path(payload))


def result_edits(harness: Harness, payload: dict[str, Any]) -> list[RecordedRequest]:
    """Attempts to turn the run's message into its result (progress edits carry no embed)."""
    return [edit for edit in edits_of(harness, payload) if (edit.json or {}).get("embeds")]


async def result_of(harness: Harness, payload: dict[str, Any]) -> RecordedRequest:
    """The edit that turned the run's message into its result."""
    path = original_path(payload)
    return await harness.discord.wait_for(
        lambda r: r.matches("PATCH", path) and bool((r.json or {}).get("embeds")), WAIT
    )


async def private_notice(harness: Harness, payload: dict[str, Any]) -> dict[str, Any]:
    """The followup that told the member alone what went wrong."""
    path = rf"/webhooks/\d+/{re.escape(payload['token'])}"
    sent = await harness.discord.wait_for_request("POST", path, timeout=WAIT)
    assert sent.json["flags"] & FLAG_EPHEMERAL
    assert sent.json["allowed_mentions"] == NO_MENTIONS
    body: dict[str, Any] = sent.json
    return body


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [child for row in message["components"] for child in row["components"]]


def button_id(message: dict[str, Any], label: str) -> str:
    [found] = [b for b in buttons(message) if b.get("label") == label]
    custom_id: str = found["custom_id"]
    return custom_id
