"""Each way a run can fail is told to its member alone, in one sentence saying what to do."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from bot.runs.store import RunStatus
from tests import payloads
from tests.bot.tokens.support import new_member_token
from tests.cogs.runs.support import (
    SHARED_DAILY_RUNS,
    handled,
    original_path,
    private_notice,
    run_command,
    runs_settings,
    serve_glif,
    started,
)
from tests.fakes.discord import FakeDiscord, is_ephemeral
from tests.fakes.glif import FakeGlif, load_fixture
from tests.harness import Harness


async def failed_run(
    harness: Harness, member: payloads.Actor | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Runs the test glif and returns the command and the private notice about its failure."""
    member = member or payloads.Actor.member()
    serve_glif(harness.glif, run_response="simple-api-text")
    payload = await handled(harness, run_command(harness, actor=member, prompt="autumn rain"))
    notice = await private_notice(harness, payload)
    # The public message that showed the run's progress is gone: the failure concerns the member.
    assert harness.discord.find("DELETE", original_path(payload))
    return payload, notice


async def stored_error(harness: Harness, member: payloads.Actor) -> str | None:
    [record] = await harness.services.runs.history(member.user_id)
    assert record.status is RunStatus.FAILED
    return record.error


async def test_a_refused_own_token_says_to_set_a_new_one(harness: Harness) -> None:
    member = payloads.Actor.member()
    await harness.services.tokens.store(member.user_id, new_member_token(), "glif-id", "ada")
    harness.glif.inject("run", status=401, json=load_fixture("unauthorized-401"))

    _, notice = await failed_run(harness, member)

    assert notice["content"] == (
        "Test Glif did not run: Glif refused the API token; set a new one with `/glif token set`."
    )
    assert await stored_error(harness, member) == notice["content"]


async def test_a_refused_shared_token_says_to_ask_an_admin_and_gives_the_run_back(
    harness: Harness,
) -> None:
    member = payloads.Actor.member()
    harness.glif.inject("run", status=401, json=load_fixture("unauthorized-401"))

    _, notice = await failed_run(harness, member)

    assert notice["content"] == (
        "Test Glif did not run: the server's shared Glif token was refused; ask an admin, "
        "or set your own with `/glif token set`."
    )
    assert await harness.services.tokens.shared_runs_left(member.user_id) == SHARED_DAILY_RUNS


async def test_a_rate_limit_says_when_to_try_again(harness: Harness) -> None:
    member = payloads.Actor.member()
    harness.glif.inject(
        "run", status=429, json=load_fixture("rate-limited-429"), headers={"Retry-After": "60"}
    )
    before = time.time()

    _, notice = await failed_run(harness, member)

    match = re.fullmatch(
        r"Test Glif did not run: Glif is rate limiting runs; try again <t:(\d+):R>\.",
        notice["content"],
    )
    assert match is not None
    assert before + 60 <= int(match[1]) <= time.time() + 61
    assert await harness.services.tokens.shared_runs_left(member.user_id) == SHARED_DAILY_RUNS


async def test_an_error_glif_reports_with_http_200_is_quoted(harness: Harness) -> None:
    serve_glif(harness.glif, run_response="simple-api-error-strict")
    member = payloads.Actor.member()
    payload = await handled(harness, run_command(harness, actor=member, prompt="x"))

    notice = await private_notice(harness, payload)

    assert notice["content"] == ("Test Glif failed; Glif said: Missing required input(s): subject")
    assert await stored_error(harness, member) == notice["content"]


async def test_a_server_error_says_glif_could_not_be_reached(harness: Harness) -> None:
    harness.glif.inject("run", status=502, body=b"Bad Gateway", content_type="text/plain")

    _, notice = await failed_run(harness)

    assert notice["content"] == (
        "Test Glif did not run: Glif could not be reached; try again in a few minutes."
    )


async def test_a_run_over_the_time_limit_is_stopped_and_said(
    tmp_path: Path, fake_discord: FakeDiscord, fake_glif: FakeGlif
) -> None:
    settings = runs_settings(tmp_path, fake_discord, fake_glif, glif_run_timeout=0.5)
    async with started(settings, fake_discord, fake_glif) as harness:
        harness.glif.hold_runs()

        _, notice = await failed_run(harness)

    assert notice["content"].startswith("Test Glif took longer than ")
    assert notice["content"].endswith(", so the run was stopped; try again later.")


async def test_without_any_token_the_member_is_told_how_to_set_one(
    tmp_path: Path, fake_discord: FakeDiscord, fake_glif: FakeGlif
) -> None:
    settings = runs_settings(tmp_path, fake_discord, fake_glif, glif_api_token=None)
    async with started(settings, fake_discord, fake_glif) as harness:
        member = payloads.Actor.member()

        _, notice = await failed_run(harness, member)

        assert "/glif token set" in notice["content"]
        assert harness.glif.requests_to("run") == []
        assert await harness.services.runs.history(member.user_id) == []


async def test_an_unknown_glif_is_told_before_anything_is_acknowledged(harness: Harness) -> None:
    payload = await handled(harness, run_command(harness, "cm0doesnotexist0000000000"))

    callback = await harness.discord.wait_for_callback(int(payload["id"]))
    assert is_ephemeral(callback.data)
    assert callback.data["content"] == (
        "There is no glif with the id cm0doesnotexist0000000000; check it, or pick one while "
        "typing."
    )


async def test_a_progress_message_discord_cannot_delete_still_leaves_the_member_the_reason(
    harness: Harness,
) -> None:
    member = payloads.Actor.member()
    await harness.services.tokens.store(member.user_id, new_member_token(), "glif-id", "ada")
    harness.glif.inject("run", status=401, json=load_fixture("unauthorized-401"))
    serve_glif(harness.glif, run_response="simple-api-text")
    command = run_command(harness, actor=member, prompt="autumn rain")
    harness.discord.hang_up("DELETE", original_path(command), times=None)

    await handled(harness, command)
    notice = await private_notice(harness, command)

    assert harness.discord.find("DELETE", original_path(command))
    assert notice["content"] == (
        "Test Glif did not run: Glif refused the API token; set a new one with `/glif token set`."
    )
    assert is_ephemeral(notice)
