"""Driving `/glifadmin webhook ...` and the webhook endpoint of a running harness, and watching the
delivery worker settle events."""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ParamSpec

import aiohttp
import pytest
from multidict import CIMultiDictProxy

from bot.webhooks import Hook, hook_url
from bot.webhooks.events import EventStore
from tests import payloads
from tests.fakes.discord import (
    CALLBACK_MESSAGE,
    FLAG_EPHEMERAL,
    NO_MENTIONS,
    FakeDiscord,
    RecordedRequest,
)
from tests.harness import Harness

ADMIN = payloads.Actor.admin()
COMMAND_TIMEOUT = 5.0
HAIKU_GLIF_ID = "cmfakeglif2haiku000000000"
HAIKU_OUTPUT = "autumn rain whispers\non the tin roof of the shed\nthe cat does not care"
_SECRET_BLOCK = re.compile(r"```\n(\S+)\n```")


def webhook(subcommand: str, *options: payloads.Part) -> payloads.Part:
    return payloads.subcommand_group("webhook", payloads.subcommand(subcommand, *options))


def channel_option(channel_id: int) -> payloads.Part:
    return payloads.opt_channel("channel", payloads.text_channel(channel_id=channel_id))


async def admin_reply(
    harness: Harness, command: payloads.Part, *, actor: payloads.Actor = ADMIN
) -> dict[str, Any]:
    """The reply to `/glifadmin <command>`: the callback's message, or the followup after a
    deferral. Asserts that only the caller sees it and that it can ping no one."""
    payload = harness.slash("glifadmin", command, actor=actor)
    callback = await harness.discord.wait_for_callback(int(payload["id"]), timeout=COMMAND_TIMEOUT)
    if callback.json["type"] == CALLBACK_MESSAGE:
        reply = callback.data
    else:
        assert callback.data["flags"] & FLAG_EPHEMERAL
        followup = await harness.discord.wait_for_request(
            "POST", rf"/webhooks/\d+/{payload['token']}", timeout=COMMAND_TIMEOUT
        )
        reply = followup.json
    assert reply["flags"] & FLAG_EPHEMERAL
    assert reply["allowed_mentions"] == NO_MENTIONS
    return reply


def secret_in(reply: dict[str, Any]) -> str:
    [secret] = _SECRET_BLOCK.findall(reply["content"])
    return str(secret)


def sha256(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


async def only_hook(harness: Harness) -> Hook:
    [summary] = await harness.bot.webhooks.hooks.list_hooks(harness.discord.guild_id)
    return summary.hook


async def make_hook(
    harness: Harness,
    *,
    name: str = "Orders",
    channel_id: int | None = None,
    glif_id: str | None = None,
    created_by: int = ADMIN.user_id,
) -> tuple[Hook, str]:
    """A hook made as the admin command makes it, straight in the bot's own store."""
    return await harness.bot.webhooks.hooks.create_hook(
        guild_id=harness.discord.guild_id,
        channel_id=channel_id or harness.discord.channel_id,
        name=name,
        created_by=created_by,
        glif_id=glif_id,
    )


async def post_app_action(
    web_url: str, hook_id: str, body: object, secret: str
) -> tuple[int, dict[str, Any], CIMultiDictProxy[str]]:
    """POST to the endpoint of the bot served at `web_url`, with the secret the way Glide sends
    it; the answer's status, JSON body and headers."""
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            hook_url(web_url, hook_id),
            json=body,
            headers={"Authorization": f"Basic {secret}"},
        ) as response,
    ):
        return response.status, await response.json(), response.headers


async def post_hook(
    harness: Harness, hook_id: str, body: object, secret: str
) -> tuple[int, dict[str, Any]]:
    """POST to the harness's endpoint; the answer's status and JSON body."""
    status, answer, _ = await post_app_action(harness.web_url, hook_id, body, secret)
    return status, answer


def messages_path(discord: FakeDiscord, channel_id: int | None = None) -> str:
    """Where the bot posts into a channel: the guild's own unless another is named."""
    return rf"/channels/{channel_id or discord.channel_id}/messages"


def channel_messages(harness: Harness, channel_id: int | None = None) -> list[RecordedRequest]:
    return harness.discord.find("POST", messages_path(harness.discord, channel_id))


def posted_message_ids(harness: Harness, channel_id: int | None = None) -> set[str]:
    """Distinct messages Discord answered with: a resend with the same nonce gets the same one."""
    return {
        request.response["id"]
        for request in channel_messages(harness, channel_id)
        if request.status == 200
    }


_Params = ParamSpec("_Params")


@dataclass
class Settlements:
    """Counts what the delivery worker made of its attempts: events settled (delivered or failed)
    and attempts given up on, to be tried again. Its store's methods that record these are
    wrapped, so a count moves once the database says so, the moment `list` would show it."""

    delivered: int = 0
    failed: int = 0
    retried: int = 0

    def __post_init__(self) -> None:
        self._changed = asyncio.Condition()

    def watch(self, events: EventStore, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(
            events, "mark_delivered", self._counting(events.mark_delivered, "delivered")
        )
        monkeypatch.setattr(events, "mark_failed", self._counting(events.mark_failed, "failed"))
        monkeypatch.setattr(
            events, "schedule_retry", self._counting(events.schedule_retry, "retried")
        )

    def _counting(
        self, record: Callable[_Params, Awaitable[None]], outcome: str
    ) -> Callable[_Params, Awaitable[None]]:
        async def counted(*args: _Params.args, **kwargs: _Params.kwargs) -> None:
            await record(*args, **kwargs)
            async with self._changed:
                setattr(self, outcome, getattr(self, outcome) + 1)
                self._changed.notify_all()

        return counted

    async def wait(self, *, delivered: int = 0, failed: int = 0, retried: int = 0) -> None:
        async with asyncio.timeout(COMMAND_TIMEOUT), self._changed:
            await self._changed.wait_for(
                lambda: (
                    self.delivered >= delivered
                    and self.failed >= failed
                    and self.retried >= retried
                )
            )
