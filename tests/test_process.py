"""The real `python -m bot` process against the fakes: start, health, metrics, one sync, SIGTERM."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from tests.fakes.discord import FakeDiscord
from tests.fakes.glif import FakeGlif

REPO_ROOT = Path(__file__).resolve().parents[1]
DISCORD_TOKEN = "process-test-discord-token.XYZ.123456"
SHARED_GLIF_TOKEN = "process-test-shared-glif-token"
LISTENING = re.compile(rb"Webhook endpoint listening on [\d.]+:(\d+)")
GLOBAL_SYNC = r"/applications/\d+/commands"
STARTUP_TIMEOUT = 30
SHUTDOWN_LIMIT = 5
# The imports alone build some 70,000 objects that the collector tracks.
FROZEN_AT_LEAST = 10_000


@dataclass
class BotProcess:
    process: asyncio.subprocess.Process
    output: bytearray = field(default_factory=bytearray)
    port: int = 0

    async def read_until(self, pattern: re.Pattern[bytes]) -> re.Match[bytes]:
        assert self.process.stdout is not None
        while (match := pattern.search(self.output)) is None:
            line = await asyncio.wait_for(self.process.stdout.readline(), STARTUP_TIMEOUT)
            assert line, f"bot exited early:\n{self.output.decode()}"
            self.output += line
        return match

    async def stop(self) -> float:
        assert self.process.stdout is not None
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        self.output += await asyncio.wait_for(self.process.stdout.read(), SHUTDOWN_LIMIT)
        await asyncio.wait_for(self.process.wait(), SHUTDOWN_LIMIT)
        return time.monotonic() - started


def bot_environment(tmp_path: Path, discord: FakeDiscord, glif: FakeGlif) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(REPO_ROOT),
        "DISCORD_TOKEN": DISCORD_TOKEN,
        "GLIF_API_TOKEN": SHARED_GLIF_TOKEN,
        "DATABASE_PATH": str(tmp_path / "data" / "glifbot.sqlite3"),
        "DISCORD_API_URL": discord.api_url,
        "DISCORD_GATEWAY_URL": discord.gateway_url,
        "GLIF_API_URL": glif.api_url,
        "GLIF_SIMPLE_API_URL": glif.simple_api_url,
        "HTTP_HOST": "127.0.0.1",
        "HTTP_PORT": "0",
        "LOG_LEVEL": "DEBUG",
    }


@asynccontextmanager
async def bot_subprocess(
    environment: dict[str, str], cwd: Path, *arguments: str, stderr: int
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`python -m bot <arguments>`, stdout piped; killed on the way out if still running."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *arguments,
        cwd=cwd,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=stderr,
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


@asynccontextmanager
async def started_bot(environment: dict[str, str], cwd: Path) -> AsyncIterator[BotProcess]:
    async with bot_subprocess(environment, cwd, stderr=asyncio.subprocess.STDOUT) as process:
        running = BotProcess(process)
        running.port = int((await running.read_until(LISTENING)).group(1))
        yield running


async def run_to_end(
    environment: dict[str, str], cwd: Path, *arguments: str
) -> tuple[int, str, str]:
    """`python -m bot <arguments>` to its end: exit code, stdout and stderr."""
    async with bot_subprocess(
        environment, cwd, *arguments, stderr=asyncio.subprocess.PIPE
    ) as process:
        stdout, stderr = await asyncio.wait_for(process.communicate(), STARTUP_TIMEOUT)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


async def healthz(port: int) -> tuple[int, dict[str, str]]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{port}/healthz") as response,
    ):
        return response.status, await response.json()


async def get_text(port: int, path: str) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{port}{path}") as response,
    ):
        return response.status, await response.text()


async def test_process_connects_syncs_once_and_stops_on_sigterm(
    tmp_path: Path, fake_discord: FakeDiscord, fake_glif: FakeGlif
) -> None:
    environment = bot_environment(tmp_path, fake_discord, fake_glif)

    async with started_bot(environment, tmp_path) as first:
        connected = await first.read_until(re.compile(rb"Connected to Discord as"))
        synced = await first.read_until(re.compile(rb"Synced \d+ commands"))
        frozen = await first.read_until(re.compile(rb"Set up; (\d+) objects from start-up"))
        assert synced.start() < frozen.start() < connected.start()
        assert int(frozen.group(1)) > FROZEN_AT_LEAST
        assert fake_discord.identify_payloads[0]["token"] == DISCORD_TOKEN
        assert await healthz(first.port) == (
            200,
            {"status": "ok", "database": "ok", "discord": "connected"},
        )
        assert len(fake_discord.find("PUT", GLOBAL_SYNC)) == 1
        assert (await get_text(first.port, "/openapi.json"))[0] == 200
        status, metrics = await get_text(first.port, "/metrics")
        assert status == 200
        assert "glifbot_discord_connected 1.0" in metrics.splitlines()
        assert await first.stop() < SHUTDOWN_LIMIT
        assert first.process.returncode == 0

    async with started_bot(environment, tmp_path) as second:
        await second.read_until(re.compile(rb"Connected to Discord as"))
        await second.stop()
        assert second.process.returncode == 0
    assert len(fake_discord.find("PUT", GLOBAL_SYNC)) == 1

    for output in (first.output, second.output):
        text = output.decode()
        assert "Stopped cleanly" in text
        assert "Traceback" not in text
        assert DISCORD_TOKEN not in text
        assert SHARED_GLIF_TOKEN not in text
        assert DISCORD_TOKEN.split(".", maxsplit=1)[0] not in text


async def test_missing_token_is_one_line_and_exit_2(tmp_path: Path) -> None:
    environment = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO_ROOT)}
    exit_code, stdout, stderr = await run_to_end(environment, tmp_path)
    assert exit_code == 2
    assert stdout == ""
    lines = stderr.splitlines()
    assert len(lines) == 1
    assert "DISCORD_TOKEN" in lines[0]
