"""An in-process fake of Discord (REST API, CDN and gateway) for offline tests.

`FakeDiscord` serves one aiohttp application on 127.0.0.1 with a real socket, so
discord.py talks to it through its genuine HTTP client, rate limiter, webhook
adapter and gateway code. Every HTTP request is recorded; tests assert on the
recordings and synchronise with `wait_for` (driven by an `asyncio.Condition`,
never by sleeping).

Only the behaviour glifbot relies on is modelled, but what is modelled follows
Discord: JSON error bodies with Discord error codes, interaction acknowledgement
rules, the first followup after a "thinking" defer replacing the loading
message, `enforce_nonce` de-duplication, and 429s shaped so that discord.py's
rate limiter honours them.
"""

# The wait_* helpers take `timeout` like asyncio.wait_for does: tests read better with
# `await fake.wait_for(pred, timeout=2)` than wrapped in `asyncio.timeout` blocks.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import mimetypes
import re
import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

import discord
from aiohttp import BodyPartReader, WSMsgType, web
from aiohttp.typedefs import Handler
from multidict import CIMultiDict

JSON: Final = "application/json"
API_PREFIX: Final = "/api/v10"
GATEWAY_PATH: Final = "/gateway"
CDN_PREFIX: Final = "/cdn"
DISCORD_EPOCH_MS: Final = 1_420_070_400_000
MIB: Final = 1024 * 1024

# Discord JSON error codes used by the fake.
UNKNOWN_APPLICATION: Final = 10002
UNKNOWN_CHANNEL: Final = 10003
UNKNOWN_GUILD: Final = 10004
UNKNOWN_MESSAGE: Final = 10008
UNKNOWN_USER: Final = 10013
UNKNOWN_WEBHOOK: Final = 10015
UNKNOWN_INTERACTION: Final = 10062
ALREADY_ACKNOWLEDGED: Final = 40060
MISSING_ACCESS: Final = 50001
CANNOT_EDIT_OTHERS_MESSAGE: Final = 50005
EMPTY_MESSAGE: Final = 50006
MISSING_PERMISSIONS: Final = 50013
INVALID_FORM_BODY: Final = 50035

# Message flags Discord reports back.
FLAG_SUPPRESS_EMBEDS: Final = 1 << 2
FLAG_EPHEMERAL: Final = 1 << 6
FLAG_LOADING: Final = 1 << 7
FLAG_SUPPRESS_NOTIFICATIONS: Final = 1 << 12
FLAG_COMPONENTS_V2: Final = 1 << 15
_SENDABLE_FLAGS: Final = (
    FLAG_SUPPRESS_EMBEDS | FLAG_EPHEMERAL | FLAG_SUPPRESS_NOTIFICATIONS | FLAG_COMPONENTS_V2
)

# `allowed_mentions` as the bot sends it: no mention pings anyone.
NO_MENTIONS: Final[dict[str, list[str]]] = {"parse": []}

# Interaction types and which callback types Discord accepts for each.
INTERACTION_PING: Final = 1
INTERACTION_COMMAND: Final = 2
INTERACTION_COMPONENT: Final = 3
INTERACTION_AUTOCOMPLETE: Final = 4
INTERACTION_MODAL_SUBMIT: Final = 5
CALLBACK_PONG: Final = 1
CALLBACK_MESSAGE: Final = 4
CALLBACK_DEFERRED_MESSAGE: Final = 5
CALLBACK_DEFERRED_UPDATE: Final = 6
CALLBACK_UPDATE_MESSAGE: Final = 7
CALLBACK_AUTOCOMPLETE: Final = 8
CALLBACK_MODAL: Final = 9
CALLBACK_LAUNCH_ACTIVITY: Final = 12


def is_ephemeral(data: Mapping[str, Any]) -> bool:
    """Whether a message or callback payload carries the ephemeral flag."""
    return bool((data.get("flags") or 0) & FLAG_EPHEMERAL)


_ALLOWED_CALLBACKS: Final[dict[int, frozenset[int]]] = {
    INTERACTION_PING: frozenset({CALLBACK_PONG}),
    INTERACTION_COMMAND: frozenset(
        {CALLBACK_MESSAGE, CALLBACK_DEFERRED_MESSAGE, CALLBACK_MODAL, CALLBACK_LAUNCH_ACTIVITY}
    ),
    INTERACTION_COMPONENT: frozenset(
        {
            CALLBACK_MESSAGE,
            CALLBACK_DEFERRED_MESSAGE,
            CALLBACK_DEFERRED_UPDATE,
            CALLBACK_UPDATE_MESSAGE,
            CALLBACK_MODAL,
            CALLBACK_LAUNCH_ACTIVITY,
        }
    ),
    INTERACTION_AUTOCOMPLETE: frozenset({CALLBACK_AUTOCOMPLETE}),
    INTERACTION_MODAL_SUBMIT: frozenset(
        {
            CALLBACK_MESSAGE,
            CALLBACK_DEFERRED_MESSAGE,
            CALLBACK_DEFERRED_UPDATE,
            CALLBACK_UPDATE_MESSAGE,
        }
    ),
}

# Gateway opcodes.
OP_DISPATCH: Final = 0
OP_HEARTBEAT: Final = 1
OP_IDENTIFY: Final = 2
OP_RESUME: Final = 6
OP_RECONNECT: Final = 7
OP_REQUEST_MEMBERS: Final = 8
OP_INVALID_SESSION: Final = 9
OP_HELLO: Final = 10
OP_HEARTBEAT_ACK: Final = 11
CLOSE_AUTHENTICATION_FAILED: Final = 4004

DEFAULT_BOT_PERMISSIONS: Final = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
    add_reactions=True,
    use_external_emojis=True,
    use_application_commands=True,
).value
ALL_PERMISSIONS: Final = discord.Permissions.all().value
_ADMINISTRATOR: Final = discord.Permissions(administrator=True).value
_VIEW_CHANNEL: Final = discord.Permissions(view_channel=True).value
_SEND_MESSAGES: Final = discord.Permissions(send_messages=True).value
_ATTACH_FILES: Final = discord.Permissions(attach_files=True).value


# --------------------------------------------------------------------------- snowflakes


class SnowflakeGenerator:
    """Produces strictly increasing snowflakes stamped with the current time.

    discord.py derives `created_at` (and so interaction expiry) from the id, so the
    ids must be fresh, and strictly increasing ids keep "newest" comparisons honest.
    """

    def __init__(self, worker_id: int = 1, process_id: int = 0) -> None:
        self._low_bits = (worker_id & 0x1F) << 17 | (process_id & 0x1F) << 12
        self._last = 0

    def __call__(self) -> int:
        elapsed_ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        value = max(elapsed_ms << 22 | self._low_bits, self._last + 1)
        self._last = value
        return value


new_snowflake: Final = SnowflakeGenerator()


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat()


# --------------------------------------------------------------------------- world model


@dataclass
class FakeUser:
    """A Discord user the fake knows about."""

    user_id: int
    username: str
    bot: bool = False
    global_name: str | None = None

    def to_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.user_id),
            "username": self.username,
            "global_name": self.global_name,
            "discriminator": "0",
            "avatar": None,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
            "primary_guild": None,
            "collectibles": None,
            "bot": self.bot,
            "system": False,
            "public_flags": 0,
            "flags": 0,
        }


@dataclass
class FakeChannel:
    """A guild channel (text by default)."""

    channel_id: int
    name: str
    kind: int = 0  # Discord channel type; 0 is GUILD_TEXT.
    position: int = 0
    topic: str | None = None

    def to_payload(self, guild_id: int) -> dict[str, Any]:
        return {
            "id": str(self.channel_id),
            "type": self.kind,
            "guild_id": str(guild_id),
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [],
            "topic": self.topic,
            "nsfw": False,
            "parent_id": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "default_auto_archive_duration": 1440,
            "flags": 0,
        }


@dataclass
class FakeGuild:
    """A guild with an owner, channels and the bot as a member.

    The bot's permissions come from its managed role; @everyone grants
    `everyone_permissions` (0 by default) so `bot_permissions` alone decides what the
    bot may do, which keeps "missing permissions" tests unambiguous.
    """

    guild_id: int
    name: str
    owner: FakeUser
    channels: list[FakeChannel]
    bot_role_id: int
    bot_permissions: int = DEFAULT_BOT_PERMISSIONS
    everyone_permissions: int = 0
    locale: str = "en-US"
    joined_at: str = field(default_factory=utc_now_iso)

    @property
    def channel(self) -> FakeChannel:
        """The guild's first (default) channel."""
        return self.channels[0]

    def effective_bot_permissions(self) -> int:
        value = self.bot_permissions | self.everyone_permissions
        return ALL_PERMISSIONS if value & _ADMINISTRATOR else value

    def get_channel(self, channel_id: int) -> FakeChannel | None:
        return next((c for c in self.channels if c.channel_id == channel_id), None)

    def roles_payload(self, bot_user: FakeUser) -> list[dict[str, Any]]:
        everyone = _role_payload(self.guild_id, "@everyone", self.everyone_permissions, 0)
        bot_role = _role_payload(self.bot_role_id, bot_user.username, self.bot_permissions, 1)
        bot_role["managed"] = True
        bot_role["tags"] = {"bot_id": str(bot_user.user_id)}
        return [everyone, bot_role]

    def bot_role_payload(self, bot_user: FakeUser) -> dict[str, Any]:
        return self.roles_payload(bot_user)[1]

    def member_payload(self, user: FakeUser, roles: list[int]) -> dict[str, Any]:
        return {
            "user": user.to_payload(),
            "roles": [str(r) for r in roles],
            "nick": None,
            "avatar": None,
            "banner": None,
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }

    def members_payload(self, bot_user: FakeUser) -> list[dict[str, Any]]:
        return [
            self.member_payload(bot_user, [self.bot_role_id]),
            self.member_payload(self.owner, []),
        ]

    def rest_payload(self, bot_user: FakeUser) -> dict[str, Any]:
        """The guild object as REST returns it (no channels or members)."""
        return {
            "id": str(self.guild_id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner.user_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": self.locale,
            "system_channel_id": str(self.channel.channel_id),
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "application_id": None,
            "max_members": 500000,
            "max_video_channel_users": 25,
            "features": [],
            "roles": self.roles_payload(bot_user),
            "emojis": [],
            "stickers": [],
            "incidents_data": None,
        }

    def gateway_payload(self, bot_user: FakeUser) -> dict[str, Any]:
        """The full guild object GUILD_CREATE carries."""
        members = self.members_payload(bot_user)
        return {
            **self.rest_payload(bot_user),
            "joined_at": self.joined_at,
            "large": False,
            "unavailable": False,
            "member_count": len(members),
            "members": members,
            "channels": [c.to_payload(self.guild_id) for c in self.channels],
            "threads": [],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }


def _role_payload(role_id: int, name: str, permissions: int, position: int) -> dict[str, Any]:
    return {
        "id": str(role_id),
        "name": name,
        "permissions": str(permissions),
        "position": position,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


# --------------------------------------------------------------------------- recordings


@dataclass(frozen=True)
class RecordedFile:
    """One file part of a multipart request."""

    field_name: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class RecordedRequest:
    """One HTTP request the fake received, and (once answered) its status.

    `path` is relative to the API base (`/channels/1/messages`) for API calls and
    the full path for CDN downloads. For multipart requests `json` holds the parsed
    `payload_json` part and `files` the file parts.
    """

    method: str
    path: str
    query: dict[str, str]
    headers: CIMultiDict[str]
    json: Any
    files: list[RecordedFile]
    status: int | None = None
    response: Any = None

    def matches(self, method: str | None, path: str | re.Pattern[str] | None) -> bool:
        """Method equality and a full regex match of `path`."""
        if method is not None and self.method != method.upper():
            return False
        return path is None or re.fullmatch(path, self.path) is not None

    @property
    def data(self) -> dict[str, Any]:
        """The interaction callback's `data` object (empty for other requests)."""
        if isinstance(self.json, dict):
            inner = self.json.get("data")
            if isinstance(inner, dict):
                return inner
        return {}


_REC_KEY: Final = web.RequestKey("fake_discord.recorded", RecordedRequest)


@dataclass
class Fault:
    """A scripted answer for requests matching `method` and the `path` regex.

    `status=None` answers normally (useful with `delay`). `times=None` keeps the
    fault until it is removed. With `after_effects` the request is processed first
    (a message really gets created) and only the answer is replaced, which is how a
    lost response looks to a client. With `hang_up` the connection is closed with no answer at
    all, as when Discord cannot be reached.
    """

    method: str
    path: re.Pattern[str]
    status: int | None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    times: int | None = 1
    delay: float = 0.0
    after_effects: bool = False
    hang_up: bool = False
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        return self.method in {"*", method} and self.path.fullmatch(path) is not None

    def response(self) -> web.Response:
        assert self.status is not None
        return _json_response(self.body, self.status, self.headers)


@dataclass
class GatewaySession:
    """One websocket connection to the fake gateway."""

    ws: web.WebSocketResponse
    query: dict[str, str]
    session_id: str | None = None
    sequence: int = 0
    identify: dict[str, Any] | None = None
    resumed: bool = False

    @property
    def ready(self) -> bool:
        return self.session_id is not None and not self.ws.closed

    async def send(self, op: int, data: Any, event: str | None = None) -> None:
        seq = None
        if op == OP_DISPATCH:
            self.sequence += 1
            seq = self.sequence
        # The peer may have gone away between our check and the write.
        with contextlib.suppress(ConnectionResetError):
            await self.ws.send_str(json.dumps({"op": op, "d": data, "s": seq, "t": event}))


@dataclass(frozen=True)
class GatewayFrame:
    """A payload a client sent to the gateway."""

    session: GatewaySession
    op: int
    data: Any


class DiscordError(Exception):
    """Raised by route handlers to answer with a Discord JSON error."""

    def __init__(
        self, status: int, code: int, message: str, errors: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.body: dict[str, Any] = {"code": code, "message": message}
        if errors:
            self.body["errors"] = errors


def _json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    # discord.py only parses bodies whose Content-Type is exactly "application/json",
    # so aiohttp's json_response (which appends a charset) must not be used.
    response = web.Response(status=status, body=json.dumps(data).encode(), headers=headers)
    if isinstance(data, str):
        response.headers["Content-Type"] = "text/html"
        response.body = data.encode()
    else:
        response.headers["Content-Type"] = JSON
    return response


def _form_error(field_errors: dict[str, tuple[str, str]]) -> DiscordError:
    """Build Discord's nested "Invalid Form Body" error from dotted field paths."""
    errors: dict[str, Any] = {}
    for dotted, (code, message) in field_errors.items():
        node = errors
        for key in dotted.split("."):
            node = node.setdefault(key, {})
        node.setdefault("_errors", []).append({"code": code, "message": message})
    return DiscordError(400, INVALID_FORM_BODY, "Invalid Form Body", errors)


def _too_long(limit: int) -> tuple[str, str]:
    return ("BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


# --------------------------------------------------------------------------- validation


_EMBED_LIMITS: Final = {"title": 256, "description": 4096}
_EMBED_TOTAL_LIMIT: Final = 6000


def _embed_errors(index: int, embed: dict[str, Any]) -> tuple[dict[str, tuple[str, str]], int]:
    errors: dict[str, tuple[str, str]] = {}
    total = 0
    for key, limit in _EMBED_LIMITS.items():
        text = embed.get(key) or ""
        total += len(text)
        if len(text) > limit:
            errors[f"embeds.{index}.{key}"] = _too_long(limit)
    fields = embed.get("fields") or []
    if len(fields) > 25:
        errors[f"embeds.{index}.fields"] = _too_long(25)
    for pos, item in enumerate(fields):
        total += len(item.get("name", "")) + len(item.get("value", ""))
        if len(item.get("name", "")) > 256:
            errors[f"embeds.{index}.fields.{pos}.name"] = _too_long(256)
        if len(item.get("value", "")) > 1024:
            errors[f"embeds.{index}.fields.{pos}.value"] = _too_long(1024)
    total += len((embed.get("footer") or {}).get("text", ""))
    total += len((embed.get("author") or {}).get("name", ""))
    return errors, total


def _component_errors(components: list[dict[str, Any]], flags: int) -> dict[str, tuple[str, str]]:
    errors: dict[str, tuple[str, str]] = {}
    if not flags & FLAG_COMPONENTS_V2 and len(components) > 5:
        errors["components"] = _too_long(5)
    for index, row in enumerate(components):
        children = row.get("components") or []
        if row.get("type") == 1 and len(children) > 5:
            errors[f"components.{index}.components"] = _too_long(5)
        for pos, child in enumerate([row, *children]):
            custom_id = child.get("custom_id")
            if custom_id is not None and len(custom_id) > 100:
                where = f"components.{index}" + (f".components.{pos - 1}" if pos else "")
                errors[f"{where}.custom_id"] = _too_long(100)
    return errors


def validate_message(payload: dict[str, Any], *, has_files: bool, creating: bool) -> None:
    """Apply Discord's message limits; raise `DiscordError` like Discord would."""
    errors: dict[str, tuple[str, str]] = {}
    content = payload.get("content") or ""
    if len(content) > 2000:
        errors["content"] = _too_long(2000)
    embeds = payload.get("embeds") or []
    if len(embeds) > 10:
        errors["embeds"] = _too_long(10)
    total = 0
    for index, embed in enumerate(embeds):
        embed_errors, size = _embed_errors(index, embed)
        errors.update(embed_errors)
        total += size
    if total > _EMBED_TOTAL_LIMIT:
        errors["embeds"] = ("MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
    errors.update(_component_errors(payload.get("components") or [], payload.get("flags") or 0))
    if errors:
        raise _form_error(errors)
    has_body = content or embeds or payload.get("components") or payload.get("poll")
    if creating and not (has_body or has_files or payload.get("sticker_ids")):
        raise DiscordError(400, EMPTY_MESSAGE, "Cannot send an empty message")


def _validate_autocomplete(data: dict[str, Any]) -> None:
    choices = data.get("choices") or []
    errors: dict[str, tuple[str, str]] = {}
    if len(choices) > 25:
        errors["data.choices"] = _too_long(25)
    for index, choice in enumerate(choices):
        if not 1 <= len(str(choice.get("name", ""))) <= 100:
            errors[f"data.choices.{index}.name"] = _too_long(100)
        value = choice.get("value")
        if isinstance(value, str) and len(value) > 100:
            errors[f"data.choices.{index}.value"] = _too_long(100)
    if errors:
        raise _form_error(errors)


def _validate_modal(data: dict[str, Any]) -> None:
    errors: dict[str, tuple[str, str]] = {}
    if not 1 <= len(data.get("title") or "") <= 45:
        errors["data.title"] = _too_long(45)
    if not 1 <= len(data.get("custom_id") or "") <= 100:
        errors["data.custom_id"] = _too_long(100)
    if not 1 <= len(data.get("components") or []) <= 5:
        errors["data.components"] = _too_long(5)
    if errors:
        raise _form_error(errors)


_COMMAND_NAME: Final = re.compile(r"[-_\w]{1,32}")


def _validate_commands(commands: list[dict[str, Any]]) -> None:
    errors: dict[str, tuple[str, str]] = {}
    for index, command in enumerate(commands):
        name = command.get("name", "")
        is_chat_input = command.get("type", 1) == 1
        if not _COMMAND_NAME.fullmatch(name) or (is_chat_input and name != name.lower()):
            errors[f"{index}.name"] = (
                "APPLICATION_COMMAND_INVALID_NAME",
                "Command name is invalid",
            )
        if is_chat_input and not 1 <= len(command.get("description", "")) <= 100:
            errors[f"{index}.description"] = _too_long(100)
    if errors:
        raise _form_error(errors)


# --------------------------------------------------------------------------- the fake


Predicate = Callable[[RecordedRequest], bool]


class FakeDiscord:
    """Fake Discord REST API + gateway on a real local socket.

    Configuration (ids are fresh snowflakes unless given): the application (whose
    bot user shares its id, as for all modern applications), a default guild
    (`guild`) with an owner (`owner`) and one text channel, and the bot's
    permissions there (`set_bot_permissions`). `valid_token`, when set, makes any
    other token fail with 401 / gateway close 4004.
    """

    def __init__(
        self,
        *,
        application_id: int | None = None,
        bot_name: str = "glifbot",
        guild_name: str = "Glif Test Guild",
        channel_name: str = "general",
        bot_permissions: int = DEFAULT_BOT_PERMISSIONS,
        valid_token: str | None = None,
        heartbeat_interval_ms: int = 41_250,
    ) -> None:
        self.application_id = application_id or new_snowflake()
        self.bot_user = FakeUser(self.application_id, bot_name, bot=True)
        self.owner = FakeUser(new_snowflake(), "guild-owner")
        self.valid_token = valid_token
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.users: dict[int, FakeUser] = {}
        self.guilds: list[FakeGuild] = []
        self.guild = self.add_guild(guild_name, channel_name=channel_name, owner=self.owner)
        self.guild.bot_permissions = bot_permissions
        self._add_user(self.bot_user)

        # Recordings.
        self.requests: list[RecordedRequest] = []
        self.gateway_sessions: list[GatewaySession] = []
        self.gateway_frames: list[GatewayFrame] = []
        self.unknown_routes: list[RecordedRequest] = []
        self.internal_errors: list[str] = []
        self._changed = asyncio.Condition()

        # Server-side state.
        self.faults: list[Fault] = []
        self.messages: dict[int, dict[str, Any]] = {}
        self.dm_channels: dict[int, dict[str, Any]] = {}
        self.commands: dict[int | None, list[dict[str, Any]]] = {}
        self.interactions: dict[int, dict[str, Any]] = {}
        self.cdn_files: dict[str, tuple[bytes, str]] = {}
        self.nonce_window_seconds = 120.0
        self._acks: dict[str, int] = {}
        self._original_by_token: dict[str, int] = {}
        self._interaction_by_token: dict[str, dict[str, Any]] = {}
        self._nonces: dict[tuple[int, str], tuple[int, float]] = {}
        self._sessions_by_id: dict[str, GatewaySession] = {}

        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        app = web.Application(middlewares=[self._middleware], client_max_size=100 * MIB)
        self._add_routes(app.router)
        # A short shutdown timeout: nothing should be in flight when tests end.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]

    async def close(self) -> None:
        for session in self.gateway_sessions:
            if not session.ws.closed:
                await session.ws.close(code=1001, message=b"fake discord shutting down")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("FakeDiscord is not started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def api_url(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return "ws" + self.base_url.removeprefix("http") + GATEWAY_PATH

    @property
    def cdn_url(self) -> str:
        return self.base_url + CDN_PREFIX

    # ------------------------------------------------------------------ configuration

    @property
    def guild_id(self) -> int:
        return self.guild.guild_id

    @property
    def channel_id(self) -> int:
        return self.guild.channel.channel_id

    def add_guild(
        self, name: str, *, channel_name: str = "general", owner: FakeUser | None = None
    ) -> FakeGuild:
        owner = owner or FakeUser(new_snowflake(), f"{name}-owner")
        guild = FakeGuild(
            guild_id=new_snowflake(),
            name=name,
            owner=owner,
            channels=[FakeChannel(new_snowflake(), channel_name)],
            bot_role_id=new_snowflake(),
        )
        self.guilds.append(guild)
        self._add_user(owner)
        return guild

    def _add_user(self, user: FakeUser) -> None:
        self.users[user.user_id] = user

    def get_guild(self, guild_id: int) -> FakeGuild | None:
        return next((g for g in self.guilds if g.guild_id == guild_id), None)

    async def set_bot_permissions(self, permissions: int, guild: FakeGuild | None = None) -> None:
        """Change the bot role's permissions; connected clients get GUILD_ROLE_UPDATE."""
        guild = guild or self.guild
        guild.bot_permissions = permissions
        role = guild.bot_role_payload(self.bot_user)
        await self.push("GUILD_ROLE_UPDATE", {"guild_id": str(guild.guild_id), "role": role})

    def app_permissions(self, guild: FakeGuild | None = None) -> int:
        """What Discord sends as `app_permissions` in this guild's interactions."""
        return (guild or self.guild).effective_bot_permissions()

    def register_interaction(self, payload: dict[str, Any]) -> None:
        """Tell the fake about an interaction so callbacks are answered in context."""
        self.interactions[int(payload["id"])] = payload
        self._interaction_by_token[payload["token"]] = payload
        user = (payload.get("member") or {}).get("user") or payload.get("user")
        if user is not None:
            self._add_user(FakeUser(int(user["id"]), user["username"], bot=user.get("bot", False)))

    def dispatch_interaction(self, client: discord.Client, payload: dict[str, Any]) -> None:
        """Register `payload` and feed it to `client` as if INTERACTION_CREATE arrived.

        The client must be logged in (discord.py reads its HTTP session here).
        """
        self.register_interaction(payload)
        client._connection.parse_interaction_create(payload)  # type: ignore[arg-type]

    def add_cdn_attachment(
        self,
        filename: str,
        data: bytes,
        *,
        content_type: str | None = None,
        channel_id: int | None = None,
    ) -> dict[str, Any]:
        """Host `data` on the fake CDN and return an Attachment object pointing at it."""
        return self._store_attachment(
            channel_id or self.channel_id,
            filename,
            data,
            content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream",
        )

    def get_message(self, message_id: int) -> dict[str, Any]:
        """A copy of a stored message as Discord would return it."""
        return copy.deepcopy(self.messages[message_id])

    def original_message(self, token: str) -> dict[str, Any]:
        """A copy of the current `@original` message of an interaction token."""
        message_id = self._original_by_token.get(token)
        if message_id is None:
            raise KeyError(f"interaction token {token!r} has no original response")
        return self.get_message(message_id)

    # ------------------------------------------------------------------ faults

    def inject(
        self,
        method: str,
        path: str,
        *,
        status: int | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        times: int | None = 1,
        delay: float = 0.0,
        after_effects: bool = False,
        hang_up: bool = False,
    ) -> Fault:
        """Script the answer of matching requests; see `Fault`. `method` may be "*"."""
        fault = Fault(
            method=method.upper(),
            path=re.compile(path),
            status=status,
            body=body,
            headers=dict(headers or {}),
            times=times,
            delay=delay,
            after_effects=after_effects,
            hang_up=hang_up,
        )
        self.faults.append(fault)
        return fault

    def rate_limit(
        self,
        method: str,
        path: str,
        *,
        retry_after: float = 0.05,
        is_global: bool = False,
        times: int | None = 1,
    ) -> Fault:
        """Answer 429 the way Discord does, so discord.py waits and retries."""
        headers = {
            "Retry-After": str(max(1, int(retry_after + 0.999))),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Bucket": secrets.token_hex(16),
            "X-RateLimit-Scope": "global" if is_global else "user",
            # discord.py treats a 429 without Via as a Cloudflare ban and gives up.
            "Via": "1.1 google",
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        body = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": is_global,
        }
        return self.inject(method, path, status=429, body=body, headers=headers, times=times)

    def fail(
        self,
        method: str,
        path: str,
        *,
        status: int,
        code: int = 0,
        message: str = "",
        times: int | None = 1,
        after_effects: bool = False,
    ) -> Fault:
        """Answer with a Discord JSON error body."""
        body = {"code": code, "message": message or f"{status}: error"}
        return self.inject(
            method, path, status=status, body=body, times=times, after_effects=after_effects
        )

    def forbidden(self, method: str, path: str, *, times: int | None = 1) -> Fault:
        return self.fail(
            method,
            path,
            status=403,
            code=MISSING_PERMISSIONS,
            message="Missing Permissions",
            times=times,
        )

    def unknown_channel(self, method: str, path: str, *, times: int | None = 1) -> Fault:
        return self.fail(
            method, path, status=404, code=UNKNOWN_CHANNEL, message="Unknown Channel", times=times
        )

    def server_error(
        self, method: str, path: str, *, status: int = 500, times: int | None = 1
    ) -> Fault:
        """A 5xx. Note discord.py retries 500/502/504 after sleeping 1s, 3s, 5s..."""
        return self.fail(
            method, path, status=status, message=f"{status}: Internal Server Error", times=times
        )

    def hang_up(self, method: str, path: str, *, times: int | None = 1) -> Fault:
        """Close the connection without answering. aiohttp sends an idempotent request again
        once on its own when a reused connection closes, so only `times=None` reaches discord.py."""
        return self.inject(method, path, hang_up=True, times=times)

    def delay(self, method: str, path: str, seconds: float, *, times: int | None = 1) -> Fault:
        """Answer normally, but only after `seconds`."""
        return self.inject(method, path, delay=seconds, times=times)

    def clear_faults(self) -> None:
        self.faults.clear()

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.matches(method, path):
                fault.hits += 1
                return fault
        return None

    # ------------------------------------------------------------------ recordings

    def find(
        self, method: str | None = None, path: str | re.Pattern[str] | None = None
    ) -> list[RecordedRequest]:
        """Recorded requests with this method whose path fully matches the regex."""
        return [r for r in self.requests if r.matches(method, path)]

    def callbacks(self) -> list[RecordedRequest]:
        """Interaction callback requests (`POST /interactions/{id}/{token}/callback`)."""
        return self.find("POST", r"/interactions/\d+/[^/]+/callback")

    def mark(self) -> int:
        """Index to pass as `start=` so a later wait only sees newer requests."""
        return len(self.requests)

    def clear(self) -> None:
        """Forget recorded requests and gateway frames (server state is kept)."""
        self.requests.clear()
        self.gateway_frames.clear()
        self.unknown_routes.clear()

    async def wait_for(
        self,
        predicate: Predicate,
        timeout: float = 5.0,
        *,
        start: int = 0,
        answered: bool = True,
    ) -> RecordedRequest:
        """The first request from index `start` on satisfying `predicate`.

        Already recorded requests count, so there is no race with a request that
        arrives before the wait begins. With `answered` (the default) the request
        also has to have been answered, so its `status` is known.
        """

        def first_match() -> RecordedRequest | None:
            for request in self.requests[start:]:
                if (not answered or request.status is not None) and predicate(request):
                    return request
            return None

        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(lambda: first_match() is not None)
        except TimeoutError:
            seen = "\n".join(f"  {r.method} {r.path} -> {r.status}" for r in self.requests)
            raise AssertionError(
                f"no matching request within {timeout}s; recorded:\n{seen}"
            ) from None
        found = first_match()
        assert found is not None
        return found

    async def wait_for_request(
        self, method: str, path: str, *, timeout: float = 5.0, start: int = 0
    ) -> RecordedRequest:
        return await self.wait_for(lambda r: r.matches(method, path), timeout, start=start)

    async def wait_for_callback(
        self, interaction_id: int | None = None, *, timeout: float = 5.0
    ) -> RecordedRequest:
        """Wait for the (first) callback of an interaction, or of any interaction."""
        wanted = str(interaction_id) if interaction_id is not None else r"\d+"
        path = rf"/interactions/{wanted}/[^/]+/callback"
        return await self.wait_for_request("POST", path, timeout=timeout)

    async def wait_for_gateway(
        self, predicate: Callable[[GatewayFrame], bool], *, timeout: float = 5.0
    ) -> GatewayFrame:
        """The first gateway frame a client sent that satisfies `predicate`."""

        def first_match() -> GatewayFrame | None:
            return next((f for f in self.gateway_frames if predicate(f)), None)

        try:
            async with asyncio.timeout(timeout), self._changed:
                await self._changed.wait_for(lambda: first_match() is not None)
        except TimeoutError:
            ops = [f.op for f in self.gateway_frames]
            raise AssertionError(
                f"no matching gateway frame within {timeout}s; ops: {ops}"
            ) from None
        found = first_match()
        assert found is not None
        return found

    @property
    def identify_payloads(self) -> list[dict[str, Any]]:
        return [f.data for f in self.gateway_frames if f.op == OP_IDENTIFY]

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # ------------------------------------------------------------------ HTTP plumbing

    def _add_routes(self, router: web.UrlDispatcher) -> None:
        api = [
            ("GET", "/users/@me", self._get_me),
            ("GET", "/users/{user_id}", self._get_user),
            ("POST", "/users/@me/channels", self._create_dm),
            ("GET", "/oauth2/applications/@me", self._get_application),
            ("GET", "/gateway", self._get_gateway),
            ("GET", "/gateway/bot", self._get_gateway_bot),
            ("GET", "/applications/{app_id}/commands", self._get_commands),
            ("PUT", "/applications/{app_id}/commands", self._put_commands),
            ("GET", "/applications/{app_id}/guilds/{guild_id}/commands", self._get_commands),
            ("PUT", "/applications/{app_id}/guilds/{guild_id}/commands", self._put_commands),
            ("POST", "/interactions/{interaction_id}/{token}/callback", self._callback),
            ("POST", "/webhooks/{app_id}/{token}", self._followup),
            ("GET", "/webhooks/{app_id}/{token}/messages/{message_id}", self._get_webhook_message),
            (
                "PATCH",
                "/webhooks/{app_id}/{token}/messages/{message_id}",
                self._edit_webhook_message,
            ),
            (
                "DELETE",
                "/webhooks/{app_id}/{token}/messages/{message_id}",
                self._delete_webhook_message,
            ),
            ("GET", "/channels/{channel_id}", self._get_channel),
            ("POST", "/channels/{channel_id}/typing", self._typing),
            ("POST", "/channels/{channel_id}/messages", self._create_message),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self._get_channel_message),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self._edit_channel_message),
            (
                "DELETE",
                "/channels/{channel_id}/messages/{message_id}",
                self._delete_channel_message,
            ),
            ("GET", "/guilds/{guild_id}", self._get_guild),
            ("GET", "/guilds/{guild_id}/channels", self._get_guild_channels),
            ("GET", "/guilds/{guild_id}/roles", self._get_guild_roles),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self._get_guild_member),
        ]
        for method, path, handler in api:
            router.add_route(method, API_PREFIX + path, handler)
        router.add_get(GATEWAY_PATH, self._gateway)
        router.add_get(CDN_PREFIX + "/{path:.*}", self._cdn)
        # Last: anything else under the API is Discord's generic 404.
        router.add_route("*", API_PREFIX + "/{tail:.*}", self._unknown_route)

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == GATEWAY_PATH:
            return await handler(request)
        record = await self._record(request)
        request[_REC_KEY] = record
        response = await self._respond(request, handler, record)
        record.status = response.status
        if isinstance(response, web.Response) and response.body and response.content_type == JSON:
            record.response = json.loads(bytes(response.body))  # type: ignore[arg-type]
        await self._notify()
        return response

    async def _respond(
        self, request: web.Request, handler: Handler, record: RecordedRequest
    ) -> web.StreamResponse:
        fault = self._take_fault(record.method, record.path)
        if fault is not None and fault.delay:
            await asyncio.sleep(fault.delay)  # simulating a slow Discord, not synchronising
        if fault is not None and fault.hang_up:
            assert request.transport is not None
            request.transport.abort()
            return web.Response()
        if fault is not None and fault.status is not None and not fault.after_effects:
            return fault.response()
        try:
            self._check_auth(record)
            response = await handler(request)
        except DiscordError as exc:
            response = _json_response(exc.body, exc.status)
        except Exception as exc:  # noqa: BLE001  # a fake bug must fail fast, not trigger retries
            self.internal_errors.append(f"{record.method} {record.path}: {exc!r}")
            response = _json_response({"code": 0, "message": f"fake discord bug: {exc!r}"}, 400)
        if fault is not None and fault.status is not None:
            return fault.response()
        return response

    def _check_auth(self, record: RecordedRequest) -> None:
        # Interaction and webhook endpoints authenticate with the token in the URL.
        if record.path.startswith(("/interactions/", "/webhooks/", CDN_PREFIX)):
            return
        auth = record.headers.get("Authorization", "")
        token = auth.removeprefix("Bot ")
        if (
            not auth.startswith("Bot ")
            or not token
            or (self.valid_token is not None and token != self.valid_token)
        ):
            raise DiscordError(401, 0, "401: Unauthorized")

    async def _record(self, request: web.Request) -> RecordedRequest:
        body, files = await _read_body(request)
        path = request.path
        if path.startswith(API_PREFIX):
            path = path[len(API_PREFIX) :]
        record = RecordedRequest(
            method=request.method,
            path=path,
            query=dict(request.query),
            headers=CIMultiDict(request.headers),
            json=body,
            files=files,
        )
        self.requests.append(record)
        await self._notify()
        return record

    # ------------------------------------------------------------------ users, app, gateway info

    async def _get_me(self, request: web.Request) -> web.Response:
        me = self.bot_user.to_payload()
        me.update({"verified": True, "mfa_enabled": False, "locale": "en-US", "email": None})
        return _json_response(me)

    async def _get_user(self, request: web.Request) -> web.Response:
        user = self.users.get(_int_param(request, "user_id"))
        if user is None:
            raise DiscordError(404, UNKNOWN_USER, "Unknown User")
        return _json_response(user.to_payload())

    async def _create_dm(self, request: web.Request) -> web.Response:
        body = _record_of(request).json or {}
        user = self.users.get(int(body.get("recipient_id", 0)))
        if user is None:
            raise DiscordError(404, UNKNOWN_USER, "Unknown User")
        for channel in self.dm_channels.values():
            if channel["recipients"][0]["id"] == str(user.user_id):
                return _json_response(channel)
        channel = {
            "id": str(new_snowflake()),
            "type": 1,
            "recipients": [user.to_payload()],
            "last_message_id": None,
            "flags": 0,
        }
        self.dm_channels[int(channel["id"])] = channel
        return _json_response(channel)

    async def _get_application(self, request: web.Request) -> web.Response:
        app_id = str(self.application_id)
        return _json_response(
            {
                "id": app_id,
                "name": self.bot_user.username,
                "icon": None,
                "description": "",
                "summary": "",
                "type": None,
                "hook": True,
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": secrets.token_hex(32),
                "owner": self.owner.to_payload(),
                "team": None,
                "flags": 1 << 19,  # GATEWAY_MESSAGE_CONTENT_LIMITED, as for unverified bots
                "bot": self.bot_user.to_payload(),
                "rpc_origins": [],
                "redirect_uris": [],
                "tags": [],
                "interactions_endpoint_url": None,
                "role_connections_verification_url": None,
                "approximate_guild_count": len(self.guilds),
                "install_params": {"scopes": ["bot", "applications.commands"], "permissions": "0"},
                "integration_types_config": {"0": {}},
            }
        )

    async def _get_gateway(self, request: web.Request) -> web.Response:
        return _json_response({"url": self.gateway_url})

    async def _get_gateway_bot(self, request: web.Request) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 86_400_000, "max_concurrency": 1}
        return _json_response({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})

    # ------------------------------------------------------------------ application commands

    def _check_app_id(self, request: web.Request, code: int = UNKNOWN_APPLICATION) -> None:
        if _int_param(request, "app_id") != self.application_id:
            raise DiscordError(
                404,
                code,
                "Unknown Application" if code == UNKNOWN_APPLICATION else "Unknown Webhook",
            )

    def _command_scope(self, request: web.Request) -> int | None:
        if "guild_id" not in request.match_info:
            return None
        guild_id = _int_param(request, "guild_id")
        if self.get_guild(guild_id) is None:
            raise DiscordError(403, MISSING_ACCESS, "Missing Access")
        return guild_id

    async def _get_commands(self, request: web.Request) -> web.Response:
        self._check_app_id(request)
        return _json_response(self.commands.get(self._command_scope(request), []))

    async def _put_commands(self, request: web.Request) -> web.Response:
        self._check_app_id(request)
        scope = self._command_scope(request)
        wanted = _record_of(request).json or []
        _validate_commands(wanted)
        previous = {(c["name"], c.get("type", 1)): c["id"] for c in self.commands.get(scope, [])}
        stored = []
        for command in wanted:
            key = (command["name"], command.get("type", 1))
            entry = {
                "type": 1,
                "options": [],
                "default_member_permissions": None,
                "nsfw": False,
                **command,
                "id": previous.get(key, str(new_snowflake())),
                "application_id": str(self.application_id),
                "version": str(new_snowflake()),
            }
            if scope is not None:
                entry["guild_id"] = str(scope)
            stored.append(entry)
        self.commands[scope] = stored
        return _json_response(stored)

    # ------------------------------------------------------------------ interactions

    async def _callback(self, request: web.Request) -> web.StreamResponse:
        record = _record_of(request)
        interaction_id = _int_param(request, "interaction_id")
        token = request.match_info["token"]
        known = self.interactions.get(interaction_id)
        if known is not None and known["token"] != token:
            raise DiscordError(404, UNKNOWN_INTERACTION, "Unknown interaction")
        body = record.json or {}
        callback_type = body.get("type")
        interaction_type = known["type"] if known else _guess_interaction_type(callback_type)
        if token in self._acks:
            raise DiscordError(
                400, ALREADY_ACKNOWLEDGED, "Interaction has already been acknowledged."
            )
        if callback_type not in _ALLOWED_CALLBACKS.get(interaction_type, frozenset()):
            raise _form_error(
                {"type": ("INTERACTION_RESPONSE_TYPE_INVALID", "Invalid response type")}
            )

        result = self._answer_callback(interaction_id, token, known, callback_type, record)
        self._acks[token] = callback_type
        self._interaction_by_token.setdefault(
            token, known or {"id": str(interaction_id), "token": token}
        )
        if request.query.get("with_response", "").lower() not in {"1", "true"}:
            return web.Response(status=204)
        interaction = {
            "id": str(interaction_id),
            "type": interaction_type,
            **result.pop("interaction"),
        }
        return _json_response({"interaction": interaction, **result})

    def _answer_callback(
        self,
        interaction_id: int,
        token: str,
        known: dict[str, Any] | None,
        callback_type: int,
        record: RecordedRequest,
    ) -> dict[str, Any]:
        """Apply a callback's effects; return its `interaction` and `resource` parts."""
        resource: dict[str, Any] = {"type": callback_type}
        info: dict[str, Any] = {}
        message: dict[str, Any] | None = None
        if callback_type in {CALLBACK_MESSAGE, CALLBACK_DEFERRED_MESSAGE}:
            message = self._reply(interaction_id, known, callback_type, record)
        elif callback_type in {CALLBACK_DEFERRED_UPDATE, CALLBACK_UPDATE_MESSAGE}:
            message = self._update(known, callback_type, record)
        elif callback_type == CALLBACK_AUTOCOMPLETE:
            _validate_autocomplete(record.data)
        elif callback_type == CALLBACK_MODAL:
            _validate_modal(record.data)
        elif callback_type == CALLBACK_LAUNCH_ACTIVITY:
            activity_id = secrets.token_hex(8)
            resource["activity_instance"] = {"id": activity_id}
            info = {"activity_instance_id": activity_id}
        if message is not None:
            self._original_by_token[token] = int(message["id"])
            info = _message_info(message)
            # Discord returns the message only for the callbacks that show one.
            if callback_type in {CALLBACK_MESSAGE, CALLBACK_UPDATE_MESSAGE}:
                resource["message"] = copy.deepcopy(message)
        return {"interaction": info, "resource": resource}

    def _reply(
        self,
        interaction_id: int,
        known: dict[str, Any] | None,
        callback_type: int,
        record: RecordedRequest,
    ) -> dict[str, Any]:
        """A new response message; a "thinking" placeholder for deferrals."""
        loading = callback_type == CALLBACK_DEFERRED_MESSAGE
        if not loading:
            validate_message(record.data, has_files=bool(record.files), creating=True)
        return self._create_interaction_message(
            interaction_id, known, record.data, record, loading=loading
        )

    def _update(
        self, known: dict[str, Any] | None, callback_type: int, record: RecordedRequest
    ) -> dict[str, Any] | None:
        """Deferred or immediate update of the message carrying the component."""
        message = self._component_message(known)
        if message is not None and callback_type == CALLBACK_UPDATE_MESSAGE:
            validate_message(record.data, has_files=bool(record.files), creating=False)
            self._apply_edit(message, record.data, record.files)
        return message

    def _interaction_channel_id(self, known: dict[str, Any] | None) -> int:
        if known is None:
            return self.channel_id
        channel = known.get("channel") or {}
        return int(channel.get("id") or known.get("channel_id") or self.channel_id)

    def _create_interaction_message(
        self,
        interaction_id: int,
        known: dict[str, Any] | None,
        data: dict[str, Any],
        record: RecordedRequest,
        *,
        loading: bool,
    ) -> dict[str, Any]:
        flags = (data.get("flags") or 0) & _SENDABLE_FLAGS
        if loading:
            data = {"flags": (data.get("flags") or 0) & FLAG_EPHEMERAL}
            flags = data["flags"] | FLAG_LOADING
        message = self._new_message(
            self._interaction_channel_id(known),
            data,
            record.files,
            flags=flags,
            webhook=True,
            message_type=20 if known is None or known["type"] == INTERACTION_COMMAND else 0,
        )
        if known is not None:
            message["interaction_metadata"] = _interaction_metadata(interaction_id, known)
        return self._store(message)

    def _component_message(self, known: dict[str, Any] | None) -> dict[str, Any] | None:
        if known is None or "message" not in known:
            return None
        message_id = int(known["message"]["id"])
        if message_id not in self.messages:
            self.messages[message_id] = copy.deepcopy(known["message"])
        return self.messages[message_id]

    def _acked_token(self, request: web.Request) -> str:
        self._check_app_id(request, UNKNOWN_WEBHOOK)
        token = request.match_info["token"]
        if token not in self._acks:
            # Discord only creates the interaction webhook once the interaction is answered.
            raise DiscordError(404, UNKNOWN_WEBHOOK, "Unknown Webhook")
        return token

    async def _followup(self, request: web.Request) -> web.StreamResponse:
        record = _record_of(request)
        token = self._acked_token(request)
        payload = record.json or {}
        validate_message(payload, has_files=bool(record.files), creating=True)
        original = self.messages.get(self._original_by_token.get(token, 0))
        if original is not None and original["flags"] & FLAG_LOADING:
            # The first followup after a "thinking" defer replaces the loading message,
            # keeping the ephemerality chosen when deferring.
            self._apply_edit(
                original, {k: v for k, v in payload.items() if k != "flags"}, record.files
            )
            message = original
        else:
            known = self._interaction_by_token.get(token)
            message = self._new_message(
                self._interaction_channel_id(known if known and "type" in known else None),
                payload,
                record.files,
                flags=(payload.get("flags") or 0) & _SENDABLE_FLAGS,
                webhook=True,
            )
            self._store(message)
        if request.query.get("wait", "").lower() not in {"1", "true"}:
            return web.Response(status=204)
        return _json_response(copy.deepcopy(message))

    def _webhook_message(self, request: web.Request) -> tuple[str, dict[str, Any]]:
        token = self._acked_token(request)
        raw_id = request.match_info["message_id"]
        message_id = (
            self._original_by_token.get(token) if raw_id == "@original" else _to_int(raw_id)
        )
        message = self.messages.get(message_id or 0)
        if message is None:
            raise DiscordError(404, UNKNOWN_MESSAGE, "Unknown Message")
        return token, message

    async def _get_webhook_message(self, request: web.Request) -> web.Response:
        _, message = self._webhook_message(request)
        return _json_response(copy.deepcopy(message))

    async def _edit_webhook_message(self, request: web.Request) -> web.Response:
        record = _record_of(request)
        _, message = self._webhook_message(request)
        payload = record.json or {}
        validate_message(payload, has_files=bool(record.files), creating=False)
        self._apply_edit(message, payload, record.files)
        return _json_response(copy.deepcopy(message))

    async def _delete_webhook_message(self, request: web.Request) -> web.Response:
        token, message = self._webhook_message(request)
        del self.messages[int(message["id"])]
        if self._original_by_token.get(token) == int(message["id"]):
            del self._original_by_token[token]
        return web.Response(status=204)

    # ------------------------------------------------------------------ channels and messages

    def _channel(self, request: web.Request) -> tuple[dict[str, Any], FakeGuild | None]:
        channel_id = _int_param(request, "channel_id")
        if channel_id in self.dm_channels:
            return self.dm_channels[channel_id], None
        for guild in self.guilds:
            channel = guild.get_channel(channel_id)
            if channel is not None:
                if not guild.effective_bot_permissions() & _VIEW_CHANNEL:
                    raise DiscordError(403, MISSING_ACCESS, "Missing Access")
                return channel.to_payload(guild.guild_id), guild
        raise DiscordError(404, UNKNOWN_CHANNEL, "Unknown Channel")

    async def _get_channel(self, request: web.Request) -> web.Response:
        channel, _ = self._channel(request)
        return _json_response(channel)

    async def _typing(self, request: web.Request) -> web.Response:
        self._channel(request)
        return web.Response(status=204)

    async def _create_message(self, request: web.Request) -> web.Response:
        record = _record_of(request)
        channel, guild = self._channel(request)
        payload = record.json or {}
        if guild is not None:
            granted = guild.effective_bot_permissions()
            needed = _SEND_MESSAGES | (_ATTACH_FILES if record.files else 0)
            if granted & needed != needed:
                raise DiscordError(403, MISSING_PERMISSIONS, "Missing Permissions")
        validate_message(payload, has_files=bool(record.files), creating=True)
        channel_id = int(channel["id"])
        duplicate = self._message_for_nonce(channel_id, payload)
        if duplicate is not None:
            return _json_response(copy.deepcopy(duplicate))
        message = self._new_message(
            channel_id,
            payload,
            record.files,
            flags=(payload.get("flags") or 0) & _SENDABLE_FLAGS,
            message_type=19 if payload.get("message_reference") else 0,
        )
        if guild is not None:
            message["guild_id"] = str(guild.guild_id)
        self._attach_reference(message, payload)
        self._store(message)
        if payload.get("nonce") is not None:
            self._nonces[channel_id, str(payload["nonce"])] = (int(message["id"]), time.monotonic())
        return _json_response(copy.deepcopy(message))

    def _message_for_nonce(self, channel_id: int, payload: dict[str, Any]) -> dict[str, Any] | None:
        """With `enforce_nonce`, a recent message with the same nonce is returned again."""
        nonce = payload.get("nonce")
        if nonce is None or not payload.get("enforce_nonce"):
            return None
        seen = self._nonces.get((channel_id, str(nonce)))
        if seen is None or time.monotonic() - seen[1] > self.nonce_window_seconds:
            return None
        return self.messages.get(seen[0])

    def _attach_reference(self, message: dict[str, Any], payload: dict[str, Any]) -> None:
        reference = payload.get("message_reference")
        if not reference:
            return
        message["message_reference"] = {"type": 0, "channel_id": message["channel_id"], **reference}
        referenced = self.messages.get(_to_int(reference.get("message_id")) or 0)
        message["referenced_message"] = copy.deepcopy(referenced)

    def _channel_message(self, request: web.Request) -> dict[str, Any]:
        channel, _ = self._channel(request)
        message = self.messages.get(_int_param(request, "message_id"))
        if message is None or message["channel_id"] != channel["id"]:
            raise DiscordError(404, UNKNOWN_MESSAGE, "Unknown Message")
        return message

    async def _get_channel_message(self, request: web.Request) -> web.Response:
        return _json_response(copy.deepcopy(self._channel_message(request)))

    async def _edit_channel_message(self, request: web.Request) -> web.Response:
        record = _record_of(request)
        message = self._channel_message(request)
        if message["author"]["id"] != str(self.bot_user.user_id):
            raise DiscordError(
                403, CANNOT_EDIT_OTHERS_MESSAGE, "Cannot edit a message authored by another user"
            )
        payload = record.json or {}
        validate_message(payload, has_files=bool(record.files), creating=False)
        self._apply_edit(message, payload, record.files)
        return _json_response(copy.deepcopy(message))

    async def _delete_channel_message(self, request: web.Request) -> web.Response:
        message = self._channel_message(request)
        del self.messages[int(message["id"])]
        return web.Response(status=204)

    # ------------------------------------------------------------------ guilds

    def _guild(self, request: web.Request) -> FakeGuild:
        guild = self.get_guild(_int_param(request, "guild_id"))
        if guild is None:
            raise DiscordError(404, UNKNOWN_GUILD, "Unknown Guild")
        return guild

    async def _get_guild(self, request: web.Request) -> web.Response:
        return _json_response(self._guild(request).rest_payload(self.bot_user))

    async def _get_guild_channels(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        return _json_response([c.to_payload(guild.guild_id) for c in guild.channels])

    async def _get_guild_roles(self, request: web.Request) -> web.Response:
        return _json_response(self._guild(request).roles_payload(self.bot_user))

    async def _get_guild_member(self, request: web.Request) -> web.Response:
        guild = self._guild(request)
        user_id = str(_int_param(request, "user_id"))
        for member in guild.members_payload(self.bot_user):
            if member["user"]["id"] == user_id:
                return _json_response(member)
        raise DiscordError(404, 10007, "Unknown Member")

    # ------------------------------------------------------------------ CDN and fallbacks

    async def _cdn(self, request: web.Request) -> web.Response:
        stored = self.cdn_files.get(request.path)
        if stored is None:
            return web.Response(status=404, text="Not Found")
        data, content_type = stored
        return web.Response(body=data, content_type=content_type)

    async def _unknown_route(self, request: web.Request) -> web.Response:
        self.unknown_routes.append(_record_of(request))
        raise DiscordError(404, 0, "404: Not Found")

    # ------------------------------------------------------------------ message building

    def _new_message(
        self,
        channel_id: int,
        payload: dict[str, Any],
        files: list[RecordedFile],
        *,
        flags: int = 0,
        webhook: bool = False,
        message_type: int = 0,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "id": str(new_snowflake()),
            "channel_id": str(channel_id),
            "type": message_type,
            "author": self.bot_user.to_payload(),
            "content": payload.get("content") or "",
            "timestamp": utc_now_iso(),
            "edited_timestamp": None,
            "tts": bool(payload.get("tts")),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": _with_embed_types(payload.get("embeds") or []),
            "components": _with_component_ids(payload.get("components") or []),
            "reactions": [],
            "pinned": False,
            "flags": flags,
            "application_id": str(self.application_id),
        }
        if webhook:
            message["webhook_id"] = str(self.application_id)
        if payload.get("nonce") is not None:
            message["nonce"] = payload["nonce"]
        if payload.get("poll"):
            message["poll"] = payload["poll"]
        message["attachments"] = self._attachments_for(message, payload, files)
        return message

    def _store(self, message: dict[str, Any]) -> dict[str, Any]:
        self.messages[int(message["id"])] = message
        return copy.deepcopy(message)

    def _apply_edit(
        self, message: dict[str, Any], payload: dict[str, Any], files: list[RecordedFile]
    ) -> None:
        if "content" in payload:
            message["content"] = payload["content"] or ""
        if "embeds" in payload:
            message["embeds"] = _with_embed_types(payload["embeds"] or [])
        if "components" in payload:
            message["components"] = _with_component_ids(payload["components"] or [])
        if payload.get("flags") is not None:
            keep = message["flags"] & FLAG_EPHEMERAL
            message["flags"] = keep | (payload["flags"] & _SENDABLE_FLAGS & ~FLAG_EPHEMERAL)
        if "attachments" in payload or files:
            message["attachments"] = self._attachments_for(message, payload, files)
        message["flags"] &= ~FLAG_LOADING
        message["edited_timestamp"] = utc_now_iso()

    def _attachments_for(
        self, message: dict[str, Any], payload: dict[str, Any], files: list[RecordedFile]
    ) -> list[dict[str, Any]]:
        """Resolve `attachments`: kept ids refer to existing ones, indexes to `files[n]`."""
        by_field = {f.field_name: f for f in files}
        existing = {a["id"]: a for a in message.get("attachments", [])}
        channel_id = int(message["channel_id"])
        if "attachments" not in payload:
            kept = list(existing.values())
            return kept + [self._upload(channel_id, f, {}) for f in files]
        result = []
        for item in payload["attachments"] or []:
            uploaded = by_field.get(f"files[{item.get('id')}]")
            if uploaded is not None:
                result.append(self._upload(channel_id, uploaded, item))
            elif str(item.get("id")) in existing:
                result.append(existing[str(item["id"])])
        return result

    def _upload(self, channel_id: int, file: RecordedFile, item: dict[str, Any]) -> dict[str, Any]:
        filename = item.get("filename") or file.filename
        guessed = mimetypes.guess_type(filename)[0]
        attachment = self._store_attachment(
            channel_id,
            filename,
            file.data,
            guessed or file.content_type or "application/octet-stream",
        )
        if item.get("description"):
            attachment["description"] = item["description"]
        return attachment

    def _store_attachment(
        self, channel_id: int, filename: str, data: bytes, content_type: str
    ) -> dict[str, Any]:
        attachment_id = new_snowflake()
        path = f"{CDN_PREFIX}/attachments/{channel_id}/{attachment_id}/{filename}"
        self.cdn_files[path] = (data, content_type)
        url = self.base_url + path
        return {
            "id": str(attachment_id),
            "filename": filename,
            "size": len(data),
            "url": url,
            "proxy_url": url,
            "content_type": content_type,
        }

    # ------------------------------------------------------------------ gateway

    async def push(self, event: str, data: dict[str, Any]) -> int:
        """Dispatch an event to every ready gateway client; return how many got it."""
        if event == "INTERACTION_CREATE":
            self.register_interaction(data)
        sessions = [s for s in self.gateway_sessions if s.ready]
        for session in sessions:
            await session.send(OP_DISPATCH, data, event)
        return len(sessions)

    async def send_op(self, op: int, data: Any = None) -> None:
        """Send a raw non-dispatch opcode (e.g. 7 RECONNECT) to every ready client."""
        for session in self.gateway_sessions:
            if session.ready:
                await session.send(op, data)

    async def disconnect_clients(self, code: int = 4000) -> None:
        """Drop every gateway connection; discord.py then reconnects and RESUMEs."""
        for session in self.gateway_sessions:
            if not session.ws.closed:
                await session.ws.close(code=code)

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=None, max_msg_size=0, timeout=1.0)
        await ws.prepare(request)
        session = GatewaySession(ws=ws, query=dict(request.query))
        self.gateway_sessions.append(session)
        await session.send(OP_HELLO, {"heartbeat_interval": self.heartbeat_interval_ms})
        async for msg in ws:
            if msg.type is WSMsgType.TEXT:
                await self._on_gateway_frame(session, json.loads(msg.data))
        return ws

    async def _on_gateway_frame(self, session: GatewaySession, frame: dict[str, Any]) -> None:
        op: int = frame["op"]
        data: Any = frame.get("d")
        self.gateway_frames.append(GatewayFrame(session, op, data))
        await self._notify()
        if op == OP_HEARTBEAT:
            await session.send(OP_HEARTBEAT_ACK, None)
        elif op == OP_IDENTIFY:
            await self._identify(session, data)
        elif op == OP_RESUME:
            await self._resume(session, data)
        elif op == OP_REQUEST_MEMBERS:
            await self._members_chunk(session, data)

    def _token_ok(self, token: str | None) -> bool:
        if not token:
            return False
        return self.valid_token is None or token == self.valid_token

    async def _identify(self, session: GatewaySession, data: dict[str, Any]) -> None:
        if not self._token_ok(data.get("token")):
            await session.ws.close(
                code=CLOSE_AUTHENTICATION_FAILED, message=b"Authentication failed."
            )
            return
        session.identify = data
        session.session_id = secrets.token_hex(16)
        self._sessions_by_id[session.session_id] = session
        ready: dict[str, Any] = {
            "v": 10,
            "user": {**self.bot_user.to_payload(), "verified": True, "mfa_enabled": False},
            "guilds": [{"id": str(g.guild_id), "unavailable": True} for g in self.guilds],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": 1 << 19},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["local"],
            "user_settings": {},
        }
        if "shard" in data:
            ready["shard"] = data["shard"]
        await session.send(OP_DISPATCH, ready, "READY")
        for guild in self.guilds:
            await session.send(OP_DISPATCH, guild.gateway_payload(self.bot_user), "GUILD_CREATE")

    async def _resume(self, session: GatewaySession, data: dict[str, Any]) -> None:
        previous = self._sessions_by_id.get(data.get("session_id", ""))
        if previous is None or not self._token_ok(data.get("token")):
            await session.send(OP_INVALID_SESSION, False)  # d=false: the session cannot be resumed
            return
        session.session_id = data["session_id"]
        session.sequence = previous.sequence
        self._sessions_by_id[session.session_id] = session
        session.resumed = True
        await session.send(OP_DISPATCH, {}, "RESUMED")

    async def _members_chunk(self, session: GatewaySession, data: dict[str, Any]) -> None:
        guild = self.get_guild(int(data.get("guild_id", 0)))
        if guild is None:
            return
        chunk = {
            "guild_id": str(guild.guild_id),
            "members": guild.members_payload(self.bot_user),
            "chunk_index": 0,
            "chunk_count": 1,
            "nonce": data.get("nonce"),
        }
        await session.send(OP_DISPATCH, chunk, "GUILD_MEMBERS_CHUNK")


# --------------------------------------------------------------------------- helpers


async def _read_body(request: web.Request) -> tuple[Any, list[RecordedFile]]:
    if request.content_type.startswith("multipart/"):
        return await _read_multipart(request)
    raw = await request.read()
    if not raw:
        return None, []
    if request.content_type == JSON:
        return json.loads(raw), []
    return raw.decode(errors="replace"), []


async def _read_multipart(request: web.Request) -> tuple[Any, list[RecordedFile]]:
    payload: Any = None
    files: list[RecordedFile] = []
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            continue
        data = bytes(await part.read(decode=False))
        if part.name == "payload_json":
            payload = json.loads(data)
        else:
            files.append(
                RecordedFile(
                    field_name=part.name or "",
                    filename=part.filename or "",
                    content_type=part.headers.get("Content-Type", ""),
                    data=data,
                )
            )
    return payload, files


def _record_of(request: web.Request) -> RecordedRequest:
    record: RecordedRequest = request[_REC_KEY]
    return record


def _to_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _int_param(request: web.Request, name: str) -> int:
    value = _to_int(request.match_info[name])
    if value is None:
        raise _form_error({name: ("NUMBER_TYPE_COERCE", "Value is not snowflake.")})
    return value


def _guess_interaction_type(callback_type: int | None) -> int:
    if callback_type == CALLBACK_AUTOCOMPLETE:
        return INTERACTION_AUTOCOMPLETE
    if callback_type in {CALLBACK_DEFERRED_UPDATE, CALLBACK_UPDATE_MESSAGE}:
        return INTERACTION_COMPONENT
    if callback_type == CALLBACK_PONG:
        return INTERACTION_PING
    return INTERACTION_COMMAND


def _message_info(message: dict[str, Any]) -> dict[str, Any]:
    return {
        "response_message_id": message["id"],
        "response_message_loading": bool(message["flags"] & FLAG_LOADING),
        "response_message_ephemeral": bool(message["flags"] & FLAG_EPHEMERAL),
    }


def _interaction_metadata(interaction_id: int, interaction: dict[str, Any]) -> dict[str, Any]:
    user = (interaction.get("member") or {}).get("user") or interaction.get("user")
    return {
        "id": str(interaction_id),
        "type": interaction["type"],
        "user": user,
        "authorizing_integration_owners": interaction.get("authorizing_integration_owners", {}),
    }


def _with_embed_types(embeds: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"type": "rich", **embed} for embed in embeds]


def _with_component_ids(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copy components, numbering those without an `id` as Discord does."""
    result = copy.deepcopy(components)
    used = {c["id"] for c in _walk_components(result) if "id" in c}
    counter = 0
    for component in _walk_components(result):
        if "id" not in component:
            counter += 1
            while counter in used:
                counter += 1
            component["id"] = counter
    return result


def _walk_components(components: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for component in components:
        yield component
        yield from _walk_components(component.get("components") or [])
        for key in ("component", "accessory"):
            if isinstance(component.get(key), dict):
                yield from _walk_components([component[key]])
