"""Driving the token commands through the fake Discord, and what their replies look like."""

from __future__ import annotations

from typing import Any

from bot.glif.models import Me
from bot.glif.parsers import parse_me
from tests import payloads
from tests.fakes.discord import NO_MENTIONS, RecordedRequest, is_ephemeral
from tests.fakes.glif import load_fixture
from tests.harness import Harness

ME: Me = parse_me(load_fixture("me"))
COMMAND_TIMEOUT = 5.0


def token_command(name: str) -> payloads.Part:
    return payloads.subcommand_group("token", payloads.subcommand(name))


def forget_command() -> payloads.Part:
    return payloads.subcommand("forget")


async def run_to_completion(
    harness: Harness, member: payloads.Actor, command: payloads.Part
) -> dict[str, Any]:
    """Runs `/glif <command>` and returns once its handler has finished.

    discord.py registers a modal or a view only after Discord has answered the callback, so a
    test that saw the callback could otherwise submit the form before the bot knows it.
    """
    payload = payloads.slash_command(harness.env, member, "glif", command)
    completed = harness.bot.wait_for(
        "app_command_completion",
        check=lambda interaction, _command: interaction.id == int(payload["id"]),
        timeout=COMMAND_TIMEOUT,
    )
    harness.dispatch(payload)
    await completed
    return payload


async def open_token_form(harness: Harness, member: payloads.Actor) -> RecordedRequest:
    payload = await run_to_completion(harness, member, token_command("set"))
    return await harness.discord.wait_for_callback(int(payload["id"]))


async def send_token(harness: Harness, member: payloads.Actor, token: str) -> dict[str, Any]:
    """Opens the form and submits `token` in it; returns the submit's payload."""
    form = await open_token_form(harness, member)
    return harness.dispatch(token_submission(harness, member, form, token))


def token_submission(
    harness: Harness, member: payloads.Actor, form: RecordedRequest, token: str
) -> dict[str, Any]:
    """The submit of `form` (the callback that showed it) with `token` typed in; not sent yet."""
    [label] = form.data["components"]
    field = payloads.label_text_input(label["component"]["custom_id"], token)
    return payloads.modal_submit(harness.env, member, form.data["custom_id"], field)


async def submit_token(harness: Harness, member: payloads.Actor, token: str) -> RecordedRequest:
    """Opens the form, types `token` into it, and returns the bot's private reply."""
    return await followup_of(harness, await send_token(harness, member, token))


async def followup_of(harness: Harness, payload: dict[str, Any]) -> RecordedRequest:
    return await harness.discord.wait_for_request(
        "POST", rf"/webhooks/\d+/{payload['token']}", timeout=COMMAND_TIMEOUT
    )


async def status_reply(harness: Harness, member: payloads.Actor) -> RecordedRequest:
    payload = harness.slash("glif", token_command("status"), actor=member)
    deferred = await harness.discord.wait_for_callback(int(payload["id"]))
    assert is_ephemeral(deferred.data)
    return await followup_of(harness, payload)


async def store_token(harness: Harness, member: payloads.Actor, token: str) -> None:
    await harness.services.tokens.store(member.user_id, token, ME.user.id, ME.user.username)


def is_private_message(data: dict[str, Any]) -> bool:
    """Seen by the member alone, and unable to ping anyone."""
    return is_ephemeral(data) and data["allowed_mentions"] == NO_MENTIONS
