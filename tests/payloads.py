"""Builders of raw INTERACTION_CREATE payloads, shaped as Discord sends them.

A payload needs a place (`InteractionEnv`: application, guild or DM, channel, the
bot's permissions there) and someone acting (`Actor`). Options and modal fields
are `Part`s: their wire payload plus the `resolved` entries they refer to, which
the interaction builders merge into `data.resolved`.

    env = env_for(fake)
    payload = slash_command(env, Actor.admin(), "glif", subcommand("run", opt_string("id", "x")))
    fake.dispatch_interaction(bot, payload)
"""

from __future__ import annotations

import copy
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import discord

from tests.fakes.discord import FLAG_EPHEMERAL, new_snowflake, utc_now_iso

if TYPE_CHECKING:
    from tests.fakes.discord import FakeDiscord, FakeGuild

ATTACHMENT_SIZE_LIMIT: Final = 10 * 1024 * 1024
ADMIN_PERMISSIONS: Final = discord.Permissions.all().value
MEMBER_PERMISSIONS: Final = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    embed_links=True,
    attach_files=True,
    add_reactions=True,
    read_message_history=True,
    use_application_commands=True,
    use_external_emojis=True,
    connect=True,
    speak=True,
).value
# Permissions Discord reports for the bot in a DM.
DM_APP_PERMISSIONS: Final = discord.Permissions(
    view_channel=True,
    send_messages=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
    add_reactions=True,
    use_external_emojis=True,
).value

# Interaction context types.
CONTEXT_GUILD: Final = 0
CONTEXT_BOT_DM: Final = 1

# Application command option types.
OPT_SUBCOMMAND: Final = 1
OPT_SUBCOMMAND_GROUP: Final = 2
OPT_STRING: Final = 3
OPT_INTEGER: Final = 4
OPT_BOOLEAN: Final = 5
OPT_USER: Final = 6
OPT_CHANNEL: Final = 7
OPT_ROLE: Final = 8
OPT_NUMBER: Final = 10
OPT_ATTACHMENT: Final = 11


# --------------------------------------------------------------------------- who and where


@dataclass(frozen=True)
class Actor:
    """The user performing an interaction, and their permissions in the channel."""

    user_id: int = field(default_factory=new_snowflake)
    username: str = "member"
    permissions: int = MEMBER_PERMISSIONS
    role_ids: tuple[int, ...] = ()
    global_name: str | None = None
    nick: str | None = None
    locale: str = "en-US"

    @classmethod
    def admin(cls, username: str = "admin", **kwargs: Any) -> Actor:
        return cls(username=username, permissions=ADMIN_PERMISSIONS, **kwargs)

    @classmethod
    def member(cls, username: str = "member", **kwargs: Any) -> Actor:
        return cls(username=username, permissions=MEMBER_PERMISSIONS, **kwargs)

    def user_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.user_id),
            "username": self.username,
            "global_name": self.global_name,
            "discriminator": "0",
            "avatar": None,
            "avatar_decoration_data": None,
            "collectibles": None,
            "primary_guild": None,
            "public_flags": 0,
            "bot": False,
        }

    def member_payload(self, *, with_user: bool = True) -> dict[str, Any]:
        member: dict[str, Any] = {
            "roles": [str(r) for r in self.role_ids],
            "permissions": str(self.permissions),
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": "2024-01-01T00:00:00.000000+00:00",
            "premium_since": None,
            "communication_disabled_until": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
        }
        if with_user:
            member["user"] = self.user_payload()
        return member


@dataclass(frozen=True)
class InteractionEnv:
    """Where interactions happen: a guild channel, or the bot's DM (`guild_id=None`)."""

    application_id: int
    bot_user: dict[str, Any]
    guild_id: int | None
    channel_id: int
    channel_name: str = "general"
    app_permissions: int = DM_APP_PERMISSIONS
    guild_locale: str = "en-US"
    attachment_size_limit: int = ATTACHMENT_SIZE_LIMIT

    @property
    def is_dm(self) -> bool:
        return self.guild_id is None

    def channel_payload(self, actor: Actor) -> dict[str, Any]:
        """The channel object embedded in interactions, as seen by `actor`."""
        if self.guild_id is None:
            return {
                "id": str(self.channel_id),
                "type": 1,
                "recipients": [actor.user_payload()],
                "last_message_id": None,
                "flags": 0,
            }
        return {
            "id": str(self.channel_id),
            "type": 0,
            "guild_id": str(self.guild_id),
            "name": self.channel_name,
            "position": 0,
            "parent_id": None,
            "topic": None,
            "nsfw": False,
            "flags": 0,
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "permissions": str(actor.permissions),
        }


def env_for(
    fake: FakeDiscord, *, dm: bool = False, guild: FakeGuild | None = None
) -> InteractionEnv:
    """The environment of `fake`'s default guild channel (or of a DM with the bot)."""
    bot_user = fake.bot_user.to_payload()
    if dm:
        return InteractionEnv(fake.application_id, bot_user, None, new_snowflake())
    guild = guild or fake.guild
    return InteractionEnv(
        application_id=fake.application_id,
        bot_user=bot_user,
        guild_id=guild.guild_id,
        channel_id=guild.channel.channel_id,
        channel_name=guild.channel.name,
        app_permissions=guild.effective_bot_permissions(),
        guild_locale=guild.locale,
    )


# --------------------------------------------------------------------------- resolved data


@dataclass
class Resolved:
    """`data.resolved` entries, keyed by id strings as Discord does."""

    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    roles: dict[str, dict[str, Any]] = field(default_factory=dict)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    attachments: dict[str, dict[str, Any]] = field(default_factory=dict)

    def merged(self, other: Resolved) -> Resolved:
        result = Resolved()
        for part in (self, other):
            for key, value in part.to_payload().items():
                getattr(result, key).update(value)
        return result

    def to_payload(self) -> dict[str, dict[str, Any]]:
        kinds = ("users", "members", "roles", "channels", "messages", "attachments")
        return {kind: dict(getattr(self, kind)) for kind in kinds if getattr(self, kind)}


@dataclass(frozen=True)
class Part:
    """A piece of interaction data plus the resolved objects it refers to."""

    payload: dict[str, Any]
    resolved: Resolved = field(default_factory=Resolved)


def _merge_resolved(parts: tuple[Part, ...]) -> Resolved:
    resolved = Resolved()
    for part in parts:
        resolved = resolved.merged(part.resolved)
    return resolved


# --------------------------------------------------------------------------- objects


def attachment(
    filename: str = "input.png",
    *,
    size: int = 1024,
    content_type: str | None = "image/png",
    url: str | None = None,
    width: int | None = None,
    height: int | None = None,
) -> dict[str, Any]:
    """A user-uploaded Attachment object (use `FakeDiscord.add_cdn_attachment` to
    get one whose URL the fake actually serves)."""
    attachment_id = new_snowflake()
    url = url or f"https://cdn.discordapp.com/ephemeral-attachments/1/{attachment_id}/{filename}"
    payload: dict[str, Any] = {
        "id": str(attachment_id),
        "filename": filename,
        "size": size,
        "url": url,
        "proxy_url": url,
        "ephemeral": True,
    }
    if content_type is not None:
        payload["content_type"] = content_type
    if width is not None and height is not None:
        payload.update(width=width, height=height)
    return payload


def text_channel(
    name: str = "other", *, channel_id: int | None = None, permissions: int = MEMBER_PERMISSIONS
) -> dict[str, Any]:
    """A resolved (partial) guild text channel."""
    return {
        "id": str(channel_id or new_snowflake()),
        "type": 0,
        "name": name,
        "permissions": str(permissions),
        "parent_id": None,
        "position": 1,
        "nsfw": False,
        "flags": 0,
        "rate_limit_per_user": 0,
        "last_message_id": None,
        "topic": None,
    }


def role(name: str = "role", *, role_id: int | None = None, permissions: int = 0) -> dict[str, Any]:
    return {
        "id": str(role_id or new_snowflake()),
        "name": name,
        "permissions": str(permissions),
        "position": 1,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "icon": None,
        "unicode_emoji": None,
        "flags": 0,
    }


def message(
    env: InteractionEnv,
    *,
    content: str = "",
    components: list[dict[str, Any]] | None = None,
    embeds: list[dict[str, Any]] | None = None,
    message_id: int | None = None,
    ephemeral: bool = False,
) -> dict[str, Any]:
    """A message sent by the bot, e.g. the one carrying the component a user clicks."""
    return {
        "id": str(message_id or new_snowflake()),
        "channel_id": str(env.channel_id),
        "type": 0,
        "author": env.bot_user,
        "content": content,
        "timestamp": utc_now_iso(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": embeds or [],
        "components": components or [],
        "pinned": False,
        "flags": FLAG_EPHEMERAL if ephemeral else 0,
        "application_id": str(env.application_id),
        "webhook_id": str(env.application_id),
    }


def button_row(*custom_ids: str) -> dict[str, Any]:
    """An action row of primary buttons, as it appears in a message."""
    buttons = [
        {"type": 2, "id": index + 2, "style": 1, "label": custom_id, "custom_id": custom_id}
        for index, custom_id in enumerate(custom_ids)
    ]
    return {"type": 1, "id": 1, "components": buttons}


# --------------------------------------------------------------------------- command options


def opt_string(name: str, value: str, *, focused: bool = False) -> Part:
    return _value_option(name, OPT_STRING, value, focused=focused)


def opt_int(name: str, value: int | str, *, focused: bool = False) -> Part:
    """While autocompleting, Discord sends the partial input, hence `str` too."""
    return _value_option(name, OPT_INTEGER, value, focused=focused)


def opt_number(name: str, value: float | str, *, focused: bool = False) -> Part:
    return _value_option(name, OPT_NUMBER, value, focused=focused)


def opt_bool(name: str, value: bool) -> Part:
    return _value_option(name, OPT_BOOLEAN, value)


def opt_channel(name: str, channel: dict[str, Any]) -> Part:
    return Part(
        {"name": name, "type": OPT_CHANNEL, "value": channel["id"]},
        Resolved(channels={channel["id"]: channel}),
    )


def opt_attachment(name: str, file: dict[str, Any]) -> Part:
    return Part(
        {"name": name, "type": OPT_ATTACHMENT, "value": file["id"]},
        Resolved(attachments={file["id"]: file}),
    )


def opt_user(name: str, actor: Actor, *, in_guild: bool = True) -> Part:
    key = str(actor.user_id)
    resolved = Resolved(users={key: actor.user_payload()})
    if in_guild:
        resolved.members[key] = actor.member_payload(with_user=False)
    return Part({"name": name, "type": OPT_USER, "value": key}, resolved)


def opt_role(name: str, role_payload: dict[str, Any]) -> Part:
    return Part(
        {"name": name, "type": OPT_ROLE, "value": role_payload["id"]},
        Resolved(roles={role_payload["id"]: role_payload}),
    )


def subcommand(name: str, *options: Part) -> Part:
    return _parent_option(name, OPT_SUBCOMMAND, options)


def subcommand_group(name: str, *subcommands: Part) -> Part:
    return _parent_option(name, OPT_SUBCOMMAND_GROUP, subcommands)


def _value_option(name: str, kind: int, value: Any, *, focused: bool = False) -> Part:
    payload: dict[str, Any] = {"name": name, "type": kind, "value": value}
    if focused:
        payload["focused"] = True
    return Part(payload)


def _parent_option(name: str, kind: int, children: tuple[Part, ...]) -> Part:
    payload = {"name": name, "type": kind, "options": [c.payload for c in children]}
    return Part(payload, _merge_resolved(children))


# --------------------------------------------------------------------------- modal fields


def text_input(custom_id: str, value: str) -> Part:
    """A text input in a (legacy) action row."""
    return Part({"type": 1, "components": [{"type": 4, "custom_id": custom_id, "value": value}]})


def label_text_input(custom_id: str, value: str) -> Part:
    """A text input wrapped in a label (component type 18)."""
    return Part({"type": 18, "component": {"type": 4, "custom_id": custom_id, "value": value}})


def label_select(custom_id: str, values: list[str], *, component_type: int = 3) -> Part:
    """A select menu (string select by default) wrapped in a label."""
    inner = {"type": component_type, "custom_id": custom_id, "values": values}
    return Part({"type": 18, "component": inner})


def label_file_upload(custom_id: str, *files: dict[str, Any]) -> Part:
    """A file upload (component type 19) wrapped in a label, with its attachments."""
    inner = {"type": 19, "custom_id": custom_id, "values": [f["id"] for f in files]}
    return Part({"type": 18, "component": inner}, Resolved(attachments={f["id"]: f for f in files}))


def text_display(content: str) -> Part:
    return Part({"type": 10, "content": content})


# --------------------------------------------------------------------------- interactions


def slash_command(
    env: InteractionEnv,
    actor: Actor,
    name: str,
    *options: Part,
    command_id: int | None = None,
    command_guild_id: int | None = None,
) -> dict[str, Any]:
    """A chat-input command (type 2); pass `command_guild_id` for guild commands."""
    return _interaction(env, actor, 2, _command_data(name, options, command_id, command_guild_id))


def autocomplete(
    env: InteractionEnv,
    actor: Actor,
    name: str,
    *options: Part,
    command_id: int | None = None,
    command_guild_id: int | None = None,
) -> dict[str, Any]:
    """An autocomplete request (type 4); exactly one leaf option must be focused."""
    focused = [o for o in _leaf_options([o.payload for o in options]) if o.get("focused")]
    if len(focused) != 1:
        raise ValueError(f"autocomplete needs exactly one focused option, got {len(focused)}")
    return _interaction(env, actor, 4, _command_data(name, options, command_id, command_guild_id))


def button_click(
    env: InteractionEnv,
    actor: Actor,
    custom_id: str,
    *,
    source: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A button press (type 3, component_type 2) on `source`, the bot's message."""
    source = source or message(env, components=[button_row(custom_id)])
    data = {"custom_id": custom_id, "component_type": 2, "id": _component_id(source, custom_id)}
    return _interaction(env, actor, 3, data, source=source)


def select_menu(
    env: InteractionEnv,
    actor: Actor,
    custom_id: str,
    values: list[str],
    *,
    source: dict[str, Any] | None = None,
    component_type: int = 3,
    resolved: Resolved | None = None,
) -> dict[str, Any]:
    """A select menu choice (type 3); `resolved` for user/role/channel selects."""
    if source is None:
        select = {"type": component_type, "id": 2, "custom_id": custom_id, "options": []}
        source = message(env, components=[{"type": 1, "id": 1, "components": [select]}])
    data: dict[str, Any] = {
        "custom_id": custom_id,
        "component_type": component_type,
        "values": values,
        "id": _component_id(source, custom_id),
    }
    if resolved is not None:
        data["resolved"] = resolved.to_payload()
    return _interaction(env, actor, 3, data, source=source)


def modal_submit(
    env: InteractionEnv,
    actor: Actor,
    custom_id: str,
    *fields: Part,
    source: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A modal submission (type 5). Fields get the numeric ids Discord assigns."""
    # Parts may be reused across payloads, so number copies, not the parts themselves.
    components = [copy.deepcopy(f.payload) for f in fields]
    _number_components(components)
    data: dict[str, Any] = {"custom_id": custom_id, "components": components}
    resolved = _merge_resolved(fields).to_payload()
    if resolved:
        data["resolved"] = resolved
    return _interaction(env, actor, 5, data, source=source)


# --------------------------------------------------------------------------- internals


def _command_data(
    name: str, options: tuple[Part, ...], command_id: int | None, guild_id: int | None
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(command_id or new_snowflake()),
        "name": name,
        "type": 1,
    }
    if options:
        data["options"] = [o.payload for o in options]
    resolved = _merge_resolved(options).to_payload()
    if resolved:
        data["resolved"] = resolved
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
    return data


def _interaction(
    env: InteractionEnv,
    actor: Actor,
    kind: int,
    data: dict[str, Any],
    *,
    source: dict[str, Any] | None = None,
) -> dict[str, Any]:
    interaction_id = new_snowflake()
    payload: dict[str, Any] = {
        "id": str(interaction_id),
        "application_id": str(env.application_id),
        "type": kind,
        "data": data,
        "token": _interaction_token(interaction_id),
        "version": 1,
        "app_permissions": str(env.app_permissions),
        "entitlements": [],
        "entitlement_sku_ids": [],
        "locale": actor.locale,
        "attachment_size_limit": env.attachment_size_limit,
        "channel_id": str(env.channel_id),
        "channel": env.channel_payload(actor),
    }
    if env.guild_id is None:
        payload["user"] = actor.user_payload()
        payload["context"] = CONTEXT_BOT_DM
        # "0" keyed with "0": guild-installed app used in its own DM.
        payload["authorizing_integration_owners"] = {"0": "0"}
    else:
        payload["guild_id"] = str(env.guild_id)
        payload["guild"] = {"id": str(env.guild_id), "locale": env.guild_locale, "features": []}
        payload["guild_locale"] = env.guild_locale
        payload["member"] = actor.member_payload()
        payload["context"] = CONTEXT_GUILD
        payload["authorizing_integration_owners"] = {"0": str(env.guild_id)}
    if source is not None:
        payload["message"] = source
    return payload


def _interaction_token(interaction_id: int) -> str:
    # Real tokens are long opaque strings of URL-safe characters.
    return f"aW50ZXJhY3Rpb246{interaction_id}_{secrets.token_urlsafe(48)}"


def _leaf_options(options: list[dict[str, Any]]) -> list[dict[str, Any]]:
    leaves: list[dict[str, Any]] = []
    for option in options:
        if option["type"] in {OPT_SUBCOMMAND, OPT_SUBCOMMAND_GROUP}:
            leaves.extend(_leaf_options(option.get("options", [])))
        else:
            leaves.append(option)
    return leaves


def _component_id(source: dict[str, Any], custom_id: str) -> int | None:
    for component in _walk(source.get("components") or []):
        if component.get("custom_id") == custom_id:
            return component.get("id")
    return None


def _walk(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for component in components:
        found.append(component)
        found.extend(_walk(component.get("components") or []))
        if isinstance(component.get("component"), dict):
            found.extend(_walk([component["component"]]))
    return found


def _number_components(components: list[dict[str, Any]]) -> None:
    for number, component in enumerate(_walk(components), start=1):
        component.setdefault("id", number)
