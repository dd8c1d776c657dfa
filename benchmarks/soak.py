"""Soak: mixed load on the real `python -m bot` process against the fakes, memory and sockets.

    .venv/bin/python -m benchmarks.soak [seconds]          (default 1200)

Every second: 20 webhook app-actions (some repeated), 3 slash commands (search, featured, info)
and one `/glif run` pushed through the fake gateway. Every 30 s it samples the process's resident
memory and open sockets, and prints them; at the end it compares the first sample after the
warm-up (11 minutes, past the 10-minute life of paging views) with the last, and counts what
was accepted against what was announced.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

from bot.database import Database
from bot.webhooks.store import HookStore
from tests import payloads
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord_context import pointing_discord_at
from tests.fakes.glif import FakeGlif
from tests.scenario.driver import drained_bot
from tests.test_process import bot_environment

# Paging cards keep their views for 10 minutes: only then is the working set complete.
WARM_UP_SECONDS = 660
SAMPLE_EVERY = 30
ACTIONS_PER_SECOND = 20
STICKER_GLIF = "cmfakeglif1sticker0000000"


def resident_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def open_sockets(pid: int) -> int:
    descriptors = Path(f"/proc/{pid}/fd")
    return sum(1 for fd in descriptors.iterdir() if str(fd.readlink()).startswith("socket:"))


async def create_hook(database_path: Path, discord: FakeDiscord) -> tuple[str, str]:
    database = await Database.open(database_path)
    try:
        hook, secret = await HookStore(database).create_hook(
            guild_id=discord.guild_id, channel_id=discord.channel_id, name="Soak", created_by=1
        )
    finally:
        await database.close()
    return hook.id, secret


def app_action(key: str, number: int) -> dict[str, object]:
    return {
        "hookKind": "app-action",
        "appID": "soak-app",
        "idempotencyKey": key,
        "timestamp": "2026-11-22T10:00:00.000Z",
        "params": {
            "name": {"type": "string", "value": f"member {number} @everyone"},
            "score": {"type": "number", "value": number},
            "paid": {"type": "boolean", "value": number % 2 == 0},
        },
    }


class Load:
    def __init__(self, port: int, discord: FakeDiscord, hook_id: str, secret: str) -> None:
        self.discord = discord
        self.url = f"http://127.0.0.1:{port}/hooks/glide/{hook_id}"
        self.auth = "Basic " + base64.b64encode(f"glide:{secret}".encode()).decode()
        self.env = payloads.env_for(discord)
        self.accepted: set[str] = set()
        self.answers: dict[int, int] = {}
        self.commands = 0

    async def webhooks(self, http: aiohttp.ClientSession, second: int) -> None:
        keys = [uuid.uuid4().hex for _ in range(ACTIONS_PER_SECOND)]
        keys[-1] = keys[0]  # Glide's retries: one repeat a second
        await asyncio.gather(
            *(self.post(http, key, second * 100 + number) for number, key in enumerate(keys))
        )

    async def post(self, http: aiohttp.ClientSession, key: str, number: int) -> None:
        headers = {"Authorization": self.auth}
        async with http.post(self.url, json=app_action(key, number), headers=headers) as response:
            self.answers[response.status] = self.answers.get(response.status, 0) + 1
            if response.status == 200:
                self.accepted.add(key)

    async def commands_and_runs(self) -> None:
        member = payloads.Actor.member()
        for command in (
            payloads.subcommand("search", payloads.opt_string("query", "sticker")),
            payloads.subcommand("featured"),
            payloads.subcommand("info", payloads.opt_string("glif", STICKER_GLIF)),
            payloads.subcommand(
                "run",
                payloads.opt_string("glif", "cmfakeglif2haiku000000000"),
                payloads.opt_string("prompt", "a cat"),
            ),
        ):
            await self.discord.push(
                "INTERACTION_CREATE", payloads.slash_command(self.env, member, "glif", command)
            )
            self.commands += 1


async def soak(seconds: int) -> None:
    async with FakeGlif() as glif:
        discord = FakeDiscord()
        await discord.start()
        try:
            with pointing_discord_at(discord), tempfile.TemporaryDirectory() as directory:
                environment = bot_environment(Path(directory), discord, glif)
                environment["LOG_LEVEL"] = "INFO"
                hook_id, secret = await create_hook(Path(environment["DATABASE_PATH"]), discord)
                async with drained_bot(environment, Path(directory)) as bot:
                    load = Load(bot.port, discord, hook_id, secret)
                    await run_load(bot.running.process.pid, load, seconds)
                    print(f"exit code {await bot.stop()}")
                lines = bot.output.decode().splitlines()
                # With the traceback that follows: asyncio's own errors say little on one line.
                errors = [
                    "\n".join(lines[index : index + 30])
                    for index, line in enumerate(lines)
                    if " ERROR " in line
                ]
                print(f"ERROR lines in the bot's log: {len(errors)}", *errors, sep="\n")
        finally:
            await discord.close()


async def run_load(pid: int, load: Load, seconds: int) -> None:
    discord = load.discord
    samples: list[tuple[int, float, int]] = []
    started = time.monotonic()
    next_sample = 0.0
    async with aiohttp.ClientSession() as http:
        for second in itertools.count():
            elapsed = time.monotonic() - started
            if elapsed >= seconds:
                break
            await asyncio.gather(load.webhooks(http, second), load.commands_and_runs())
            if elapsed >= next_sample:
                sample = (int(elapsed), resident_mib(pid), open_sockets(pid))
                samples.append(sample)
                print(f"t={sample[0]:4d}s  RSS {sample[1]:6.1f} MiB  sockets {sample[2]}")
                next_sample += SAMPLE_EVERY
            await asyncio.sleep(max(0.0, started + second + 1 - time.monotonic()))
    print(f"load rounds: {second} in {time.monotonic() - started:.0f} s")
    announced = await wait_for_announcements(discord, len(load.accepted))
    settled = [s for s in samples if s[0] >= WARM_UP_SECONDS] or samples
    first, last = settled[0], samples[-1]
    print(f"after warm-up: RSS {first[1]:.1f} MiB, sockets {first[2]}")
    print(f"at the end:    RSS {last[1]:.1f} MiB, sockets {last[2]}")
    print(f"webhook answers by status: {dict(sorted(load.answers.items()))}")
    print(f"accepted app-actions {len(load.accepted)}, announced {announced}")
    print(f"slash commands and runs pushed: {load.commands}")


async def wait_for_announcements(discord: FakeDiscord, expected: int) -> int:
    deadline = time.monotonic() + 60
    while True:
        nonces = {
            request.json.get("nonce")
            for request in discord.find("POST", r"/channels/\d+/messages")
            if request.json and request.json.get("nonce")
        }
        if len(nonces) >= expected or time.monotonic() > deadline:
            return len(nonces)
        await asyncio.sleep(1)


if __name__ == "__main__":
    asyncio.run(soak(int(sys.argv[1]) if len(sys.argv) > 1 else 1200))
