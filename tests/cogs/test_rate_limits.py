import asyncio

import discord

from tests import payloads
from tests.fakes.discord import FLAG_EPHEMERAL
from tests.harness import Harness


async def test_reads_share_one_budget_per_member(harness: Harness) -> None:
    completed: asyncio.Queue[int] = asyncio.Queue()

    async def on_app_command_completion(interaction: discord.Interaction, _: object) -> None:
        completed.put_nowait(interaction.id)

    harness.bot.add_listener(on_app_command_completion)
    member, other = payloads.Actor.member(), payloads.Actor.member()
    for index in range(20):
        command = "featured" if index % 2 else "search"
        options = () if command == "featured" else (payloads.opt_string("query", "sticker"),)
        harness.slash("glif", payloads.subcommand(command, *options), actor=member)
        await completed.get()
    glif_requests = len(harness.glif.requests)

    refused = harness.slash("glif", payloads.subcommand("featured"), actor=member)
    callback = await harness.discord.wait_for_callback(int(refused["id"]))
    assert callback.data["content"].startswith("You are using this command too often")
    assert callback.data["flags"] & FLAG_EPHEMERAL
    assert len(harness.glif.requests) == glif_requests

    allowed = harness.slash("glif", payloads.subcommand("featured"), actor=other)
    assert await completed.get() == int(allowed["id"])
