"""Driving the real `python -m bot` through a scenario: its output read as it comes, and members
and admins acting through the fake gateway, each action awaited by what it visibly does."""

from __future__ import annotations

import asyncio
import re
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bot.webhooks.store import HOOK_PATH_PREFIX
from tests import payloads
from tests.bot.webhooks.conftest import app_action, text
from tests.fakes.discord import FakeDiscord, RecordedRequest
from tests.fakes.glif import FakeGlif
from tests.test_process import SHUTDOWN_LIMIT, BotProcess, started_bot

WAIT = 10.0
CONNECTED = re.compile(rb"Connected to Discord as")
# discord.py logs this at DEBUG once a command's handler has returned: a form it opened is
# registered by then, and nothing of the command is still in flight.
COMMAND_COMPLETED = re.compile(rb"Dispatching event app_command_completion")
SECRET_BLOCK = re.compile(r"```\n(\S+)\n```")
HOOK_ID = re.compile(rf"{re.escape(HOOK_PATH_PREFIX)}([\w-]+)")


class DrainedBot:
    """The bot process with its output read as it comes: at DEBUG it writes so much that an
    unread pipe would fill up and block it."""

    def __init__(self, running: BotProcess) -> None:
        self.running = running
        self._changed = asyncio.Condition()
        self._reader = asyncio.create_task(self._drain())

    @property
    def output(self) -> bytes:
        return bytes(self.running.output)

    @property
    def port(self) -> int:
        return self.running.port

    def count(self, pattern: re.Pattern[bytes]) -> int:
        return len(pattern.findall(self.running.output))

    async def wait_for_output(self, pattern: re.Pattern[bytes], count: int = 1) -> None:
        async with asyncio.timeout(WAIT), self._changed:
            await self._changed.wait_for(lambda: self.count(pattern) >= count)

    async def stop(self) -> int:
        """SIGTERM, then the exit code once all output is read."""
        self.running.process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(SHUTDOWN_LIMIT):
            await self._reader
            return await self.running.process.wait()

    def stop_reading(self) -> None:
        self._reader.cancel()

    async def _drain(self) -> None:
        stdout = self.running.process.stdout
        assert stdout is not None
        while line := await stdout.readline():
            self.running.output += line
            async with self._changed:
                self._changed.notify_all()


@asynccontextmanager
async def listening_bot(environment: dict[str, str], cwd: Path) -> AsyncIterator[DrainedBot]:
    """The bot from the moment its endpoint listens, its output read as it comes."""
    async with started_bot(environment, cwd) as running:
        bot = DrainedBot(running)
        try:
            yield bot
        finally:
            # A scenario that failed midway leaves the reader on a process about to be killed.
            bot.stop_reading()


@asynccontextmanager
async def drained_bot(environment: dict[str, str], cwd: Path) -> AsyncIterator[DrainedBot]:
    """`listening_bot`, once connected to Discord."""
    async with listening_bot(environment, cwd) as bot:
        await bot.wait_for_output(CONNECTED)
        yield bot


@dataclass
class Scenario:
    bot: DrainedBot
    discord: FakeDiscord
    glif: FakeGlif
    pushed: list[dict[str, Any]] = field(default_factory=list)

    @property
    def env(self) -> payloads.InteractionEnv:
        return payloads.env_for(self.discord)

    async def push(self, payload: dict[str, Any]) -> dict[str, Any]:
        self.pushed.append(payload)
        assert await self.discord.push("INTERACTION_CREATE", payload) == 1
        return payload

    async def command(
        self, actor: payloads.Actor, name: str, *options: payloads.Part
    ) -> dict[str, Any]:
        return await self.push(payloads.slash_command(self.env, actor, name, *options))

    async def completed_command(
        self, actor: payloads.Actor, name: str, *options: payloads.Part
    ) -> dict[str, Any]:
        completed = self.bot.count(COMMAND_COMPLETED)
        payload = await self.command(actor, name, *options)
        await self.bot.wait_for_output(COMMAND_COMPLETED, completed + 1)
        return payload

    async def followup(self, payload: dict[str, Any]) -> RecordedRequest:
        return await self.discord.wait_for_request(
            "POST", rf"/webhooks/\d+/{re.escape(payload['token'])}", timeout=WAIT
        )

    async def set_token(self, member: payloads.Actor, token: str) -> RecordedRequest:
        """`/glif token set`, then `token` typed into its form; the member's private reply."""
        opened = await self.completed_command(member, "glif", token_command("set"))
        form = (await self.discord.wait_for_callback(int(opened["id"]), timeout=WAIT)).data
        [label] = form["components"]
        typed = payloads.label_text_input(label["component"]["custom_id"], token)
        submit = await self.push(payloads.modal_submit(self.env, member, form["custom_id"], typed))
        return await self.followup(submit)

    async def run_glif(self, member: payloads.Actor, glif_id: str) -> dict[str, Any]:
        """`/glif run` of a glif without inputs, once its handler is done."""
        run = payloads.subcommand("run", payloads.opt_string("glif", glif_id))
        return await self.completed_command(member, "glif", run)

    def result_of(self, run: dict[str, Any]) -> RecordedRequest:
        original = rf"/webhooks/\d+/{re.escape(run['token'])}/messages/@original"
        [result] = [
            edit for edit in self.discord.find("PATCH", original) if (edit.json or {}).get("embeds")
        ]
        return result

    async def create_hook(
        self, admin: payloads.Actor, name: str, *options: payloads.Part
    ) -> tuple[dict[str, Any], RecordedRequest]:
        """`/glifadmin webhook create` into the guild's channel; the payload and the reply."""
        channel = payloads.text_channel(channel_id=self.discord.channel_id)
        created = await self.command(
            admin,
            "glifadmin",
            webhook_command(
                "create",
                payloads.opt_channel("channel", channel),
                payloads.opt_string("name", name),
                *options,
            ),
        )
        return created, await self.followup(created)

    async def rotate_secret(
        self, admin: payloads.Actor, hook_id: str, secret: str
    ) -> tuple[dict[str, Any], RecordedRequest]:
        """`/glifadmin webhook rotate` to a chosen secret; the payload and the reply."""
        options = (payloads.opt_string("hook", hook_id), payloads.opt_string("secret", secret))
        rotated = await self.completed_command(
            admin, "glifadmin", webhook_command("rotate", *options)
        )
        return rotated, await self.discord.wait_for_callback(int(rotated["id"]), timeout=WAIT)

    async def announced(self, who: str) -> RecordedRequest:
        messages = rf"/channels/{self.discord.channel_id}/messages"
        return await self.discord.wait_for(
            lambda request: request.matches("POST", messages) and who in str(request.json), WAIT
        )


def token_command(name: str) -> payloads.Part:
    return payloads.subcommand_group("token", payloads.subcommand(name))


def webhook_command(name: str, *options: payloads.Part) -> payloads.Part:
    return payloads.subcommand_group("webhook", payloads.subcommand(name, *options))


def hook_id_in(reply: str) -> str:
    [hook_id] = HOOK_ID.findall(reply)
    return str(hook_id)


def secret_in(reply: str) -> str:
    [secret] = SECRET_BLOCK.findall(reply)
    return str(secret)


async def call_hook(port: int, hook_id: str, authorization: str, who: str) -> tuple[int, str]:
    """An app-action from Glide naming `who`; the endpoint's status and body."""
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"http://127.0.0.1:{port}{HOOK_PATH_PREFIX}{hook_id}",
            json=app_action(f"order-{who}", who=text(who)),
            headers={"Authorization": authorization},
        ) as response,
    ):
        return response.status, await response.text()
