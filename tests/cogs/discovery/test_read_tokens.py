"""Every Glif read made for a command carries the member's own token, and only theirs."""

from __future__ import annotations

import pytest

from cogs.discovery import Discovery
from tests import payloads
from tests.cogs.discovery.support import STICKER_ID, TOKEN, run_command
from tests.harness import Harness

COMMANDS = {
    "search": ("glif", "search", payloads.opt_string("query", "sticker")),
    "featured": ("glif", "featured"),
    "info": ("glif", "info", payloads.opt_string("glif", STICKER_ID)),
    "runs of a glif": ("glif", "runs", payloads.opt_string("glif", STICKER_ID)),
    "runs by a user": ("glif", "runs", payloads.opt_string("user", "pixelpal")),
    "user": ("glif", "user", payloads.opt_string("username", "stickerwizard")),
    "sphere list": ("sphere", "list"),
    "sphere show": ("sphere", "show", payloads.opt_string("sphere", "memes")),
}


@pytest.mark.parametrize("with_token", [True, False], ids=["own token", "no token"])
@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
async def test_reads_send_authorization_only_with_the_members_token(
    harness: Harness,
    discovery: Discovery,
    command: tuple[str, str, *tuple[payloads.Part, ...]],
    with_token: bool,
) -> None:
    actor = payloads.Actor.member()
    if with_token:
        await harness.services.tokens.store(actor.user_id, TOKEN, "glifuserid", "name")
    before = len(harness.glif.requests)

    group, subcommand, *options = command
    await run_command(harness, group, subcommand, *options, actor=actor)

    reads = harness.glif.requests[before:]
    assert reads
    expected = f"Bearer {TOKEN}" if with_token else None
    assert [read.authorization for read in reads] == [expected] * len(reads)
