"""Each kind of Glif failure reaches the member who asked, in words, and nobody else."""

from __future__ import annotations

from typing import Any

import pytest

from cogs.discovery import Discovery
from tests import payloads
from tests.cogs.discovery.support import STICKER_ID, TOKEN, private_reply
from tests.fakes.discord import FLAG_EPHEMERAL
from tests.harness import Harness

BAD_TOKEN = "Glif refused your Glif API token; set a new one with `/glif token set` and try again."
TOKEN_NEEDED = "Glif needs an API token for this; set yours with `/glif token set` and try again."
RATE_LIMITED = "Glif is rate limiting requests right now; try again in about 2 minutes."
UNAVAILABLE = "Glif is not answering properly right now; try again in a few minutes."

FAULTS: list[tuple[str, dict[str, Any], bool, str]] = [
    ("401 with the member's token", {"status": 401}, True, BAD_TOKEN),
    ("401 without a token", {"status": 401}, False, TOKEN_NEEDED),
    ("429", {"status": 429, "headers": {"Retry-After": "120"}}, False, RATE_LIMITED),
    (
        "200 saying rate limit",
        {"json": {"error": "Rate limit hit, try in 2 minutes"}},
        False,
        RATE_LIMITED,
    ),
    ("200 saying bad token", {"json": {"error": "Invalid API token"}}, True, BAD_TOKEN),
    ("200 with another error", {"json": {"error": "database on fire"}}, False, UNAVAILABLE),
    (
        "200 not JSON",
        {"body": b"<html>oops</html>", "content_type": "text/html"},
        False,
        UNAVAILABLE,
    ),
    ("503", {"status": 503}, False, UNAVAILABLE),
]

COMMANDS = [
    ("glif", payloads.subcommand("search", payloads.opt_string("query", "sticker"))),
    ("glif", payloads.subcommand("info", payloads.opt_string("glif", STICKER_ID))),
    ("glif", payloads.subcommand("user", payloads.opt_string("username", "stickerwizard"))),
    ("sphere", payloads.subcommand("list")),
]


def public_messages(harness: Harness) -> list[dict[str, Any]]:
    return [m for m in harness.discord.messages.values() if not m["flags"] & FLAG_EPHEMERAL]


@pytest.mark.parametrize(
    ("fault", "with_token", "message"), [f[1:] for f in FAULTS], ids=[f[0] for f in FAULTS]
)
async def test_glif_failures_are_told_privately(
    harness: Harness, discovery: Discovery, fault: dict[str, Any], with_token: bool, message: str
) -> None:
    actor = payloads.Actor.member()
    if with_token:
        await harness.services.tokens.store(actor.user_id, TOKEN, "glifuserid", "name")
    # Server errors are retried, so the fault stays for every attempt.
    harness.glif.inject("glifs", times=None, **fault)
    payload = harness.slash(
        "glif", payloads.subcommand("search", payloads.opt_string("query", "sticker")), actor=actor
    )

    reply = await private_reply(harness, payload)

    assert reply["content"] == message
    assert reply["flags"] & FLAG_EPHEMERAL
    assert harness.discord.find("DELETE", rf"/webhooks/\d+/{payload['token']}/messages/@original")
    assert public_messages(harness) == []


@pytest.mark.parametrize(("command", "subcommand"), COMMANDS, ids=lambda part: str(part)[:30])
async def test_every_command_reports_glif_failures_privately(
    harness: Harness, discovery: Discovery, command: str, subcommand: payloads.Part
) -> None:
    for route in ("glifs", "runs", "user", "spheres"):
        harness.glif.inject(route, status=429, headers={"Retry-After": "120"}, times=None)
    payload = harness.slash(command, subcommand)

    reply = await private_reply(harness, payload)

    assert reply["content"] == RATE_LIMITED
    assert reply["flags"] & FLAG_EPHEMERAL
    assert public_messages(harness) == []
