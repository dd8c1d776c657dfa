"""The fake Discord, exercised through discord.py's real HTTP, webhook and gateway code."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests import payloads as p
from tests.fakes.discord import (
    ALREADY_ACKNOWLEDGED,
    MISSING_PERMISSIONS,
    NO_MENTIONS,
    OP_IDENTIFY,
    OP_RESUME,
    UNKNOWN_CHANNEL,
    FakeDiscord,
    RecordedRequest,
)
from tests.fakes.discord_context import pointing_discord_at
from tests.fakes.discord_plugin import DiscordErrorCollector
from tests.logs import waiting_for_log

pytestmark = pytest.mark.usefixtures("fail_on_discord_errors")

TOKEN = "fake-bot-token"
# How long discord.py waits for more GUILD_CREATEs before READY; its 2s default
# would only slow the gateway test down.
GUILD_READY_TIMEOUT = 0.2


class FormModal(discord.ui.Modal, title="Make a glif"):
    """Uses both a legacy action-row text input and label-wrapped components."""

    name: discord.ui.TextInput[FormModal] = discord.ui.TextInput(label="Name", custom_id="name")
    bio: discord.ui.Label[FormModal] = discord.ui.Label(
        text="Bio", component=discord.ui.TextInput(custom_id="bio")
    )
    style: discord.ui.Label[FormModal] = discord.ui.Label(
        text="Style",
        component=discord.ui.Select(
            custom_id="style",
            options=[discord.SelectOption(label="Noir"), discord.SelectOption(label="Pop")],
        ),
    )
    image: discord.ui.Label[FormModal] = discord.ui.Label(
        text="Image", component=discord.ui.FileUpload(custom_id="image")
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        bio = self.bio.component
        style = self.style.component
        image = self.image.component
        assert isinstance(bio, discord.ui.TextInput)
        assert isinstance(style, discord.ui.Select)
        assert isinstance(image, discord.ui.FileUpload)
        files = ",".join(a.filename for a in image.values)
        summary = f"{self.name.value}|{bio.value}|{','.join(style.values)}|{files}"
        await interaction.response.send_message(summary, ephemeral=True)


class MenuView(discord.ui.View):
    @discord.ui.button(label="OK", custom_id="menu:ok")
    async def ok(
        self, interaction: discord.Interaction, button: discord.ui.Button[MenuView]
    ) -> None:
        await interaction.response.edit_message(content="clicked", view=None)

    @discord.ui.select(
        custom_id="menu:style",
        options=[discord.SelectOption(label="Noir"), discord.SelectOption(label="Pop")],
    )
    async def style(
        self, interaction: discord.Interaction, select: discord.ui.Select[MenuView]
    ) -> None:
        await interaction.response.send_message(f"style={','.join(select.values)}")


class Glif(app_commands.Group):
    """A command group, to exercise nested subcommand payloads."""

    run = app_commands.Group(name="run", description="Run things")

    @run.command(name="now", description="Run a glif now")
    async def now(
        self, interaction: discord.Interaction, glif_id: str, count: int, public: bool
    ) -> None:
        await interaction.response.send_message(f"{glif_id} x{count} public={public}")


class FakeTestBot(commands.Bot):
    def __init__(self) -> None:
        intents = discord.Intents.default()
        intents.members = False
        intents.presences = False
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            help_command=None,
            chunk_guilds_at_startup=False,
            guild_ready_timeout=GUILD_READY_TIMEOUT,
        )
        self.results: asyncio.Queue[Any] = asyncio.Queue()
        self.synced: list[app_commands.AppCommand] = []

    async def setup_hook(self) -> None:
        self.tree.add_command(Glif(name="glif", description="Glif commands"))
        for command in _commands(self):
            self.tree.add_command(command)
        self.synced = await self.tree.sync()


def _commands(bot: FakeTestBot) -> list[app_commands.Command[Any, ..., None]]:
    @app_commands.command(description="Echo text back")
    async def echo(interaction: discord.Interaction, text: str) -> None:
        mentions = discord.AllowedMentions.none()
        response = await interaction.response.send_message(text, allowed_mentions=mentions)
        await bot.results.put(response)

    @app_commands.command(description="Think, then answer")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        followup = await interaction.followup.send("working", wait=True)
        edited = await interaction.edit_original_response(content="done")
        await bot.results.put((followup, edited))

    @app_commands.command(description="Show a menu")
    async def menu(interaction: discord.Interaction) -> None:
        response = await interaction.response.send_message("pick", view=MenuView())
        await bot.results.put(response)

    @app_commands.command(description="Open a form")
    async def form(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(FormModal(custom_id="form"))
        # discord.py registers the modal only once the callback has been answered.
        await bot.results.put("modal shown")

    @app_commands.command(description="Pick a style")
    async def pick(interaction: discord.Interaction, query: str) -> None:
        await interaction.response.send_message(query)

    @pick.autocomplete("query")
    async def pick_query(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        styles = ["cartoon", "cats", "noir"]
        return [app_commands.Choice(name=s, value=s) for s in styles if s.startswith(current)]

    @app_commands.command(description="Describe resolved options")
    async def inspect(
        interaction: discord.Interaction,
        channel: app_commands.AppCommandChannel,
        file: discord.Attachment,
        user: discord.Member,
    ) -> None:
        await interaction.response.send_message(f"{channel.name}|{file.filename}|{user.name}")

    @app_commands.command(description="Upload a file")
    async def upload(interaction: discord.Interaction) -> None:
        file = discord.File(io.BytesIO(b"glif-output"), filename="out.txt")
        await interaction.response.send_message("here", file=file)

    @app_commands.command(description="Fails")
    async def boom(interaction: discord.Interaction) -> None:
        raise RuntimeError("kaboom")

    return [echo, slow, menu, form, pick, inspect, upload, boom]


@pytest.fixture
async def bot(fake_discord: FakeDiscord) -> AsyncIterator[FakeTestBot]:
    client = FakeTestBot()
    async with client:
        await client.login(TOKEN)
        yield client


@pytest.fixture
def env(fake_discord: FakeDiscord) -> p.InteractionEnv:
    return p.env_for(fake_discord)


async def _respond(fake: FakeDiscord, bot: FakeTestBot, payload: dict[str, Any]) -> RecordedRequest:
    fake.dispatch_interaction(bot, payload)
    return await fake.wait_for_callback(int(payload["id"]))


async def _next_result(bot: FakeTestBot) -> Any:
    return await asyncio.wait_for(bot.results.get(), timeout=5)


# --------------------------------------------------------------------------- login


async def test_login_runs_setup_hook_and_syncs(fake_discord: FakeDiscord, bot: FakeTestBot) -> None:
    me = fake_discord.find("GET", "/users/@me")
    assert me[0].headers["Authorization"] == f"Bot {TOKEN}"
    assert fake_discord.find("GET", "/oauth2/applications/@me")
    [sync] = fake_discord.find("PUT", rf"/applications/{fake_discord.application_id}/commands")
    assert {c["name"] for c in sync.json} == {c.name for c in bot.tree.get_commands()}
    assert {"glif", "echo", "upload"} <= {c["name"] for c in sync.json}
    assert {c.name for c in bot.synced} == {c["name"] for c in sync.json}
    assert all(c.id for c in bot.synced)
    assert bot.application_id == fake_discord.application_id
    assert bot.user is not None
    assert bot.user.id == fake_discord.bot_user.user_id


async def test_guild_command_sync(fake_discord: FakeDiscord, bot: FakeTestBot) -> None:
    guild = discord.Object(fake_discord.guild_id)
    bot.tree.copy_global_to(guild=guild)
    synced = await bot.tree.sync(guild=guild)
    assert all(c.guild_id == fake_discord.guild_id for c in synced)
    path = rf"/applications/\d+/guilds/{fake_discord.guild_id}/commands"
    assert len(fake_discord.find("PUT", path)) == 1


async def test_wrong_token_fails_login() -> None:
    fake = FakeDiscord(valid_token="right")
    async with fake:
        with pointing_discord_at(fake):
            client = FakeTestBot()
            async with client:
                with pytest.raises(discord.LoginFailure):
                    await client.login("wrong")


# --------------------------------------------------------------------------- interactions


async def test_slash_command_reply(
    fake_discord: FakeDiscord, bot: FakeTestBot, env: p.InteractionEnv
) -> None:
    payload = p.slash_command(env, p.Actor.member(), "echo", p.opt_string("text", "@everyone hi"))
    callback = await _respond(fake_discord, bot, payload)

    assert callback.query["with_response"] == "1"
    assert callback.json["type"] == 4
    assert callback.data["content"] == "@everyone hi"
    assert callback.data["allowed_mentions"] == NO_MENTIONS
    response = await _next_result(bot)
    assert isinstance(response.resource, discord.InteractionMessage)
    assert response.message_id == int(callback.response["interaction"]["response_message_id"])
    assert fake_discord.original_message(payload["token"])["content"] == "@everyone hi"


async def test_nested_subcommand_with_typed_options(
    fake_discord: FakeDiscord, bot: FakeTestBot, env: p.InteractionEnv
) -> None:
    options = p.subcommand_group(
        "run",
        p.subcommand(
            "now", p.opt_string("glif_id", "abc"), p.opt_int("count", 3), p.opt_bool("public", True)
        ),
    )
    callback = await _respond(
        fake_discord, bot, p.slash_command(env, p.Actor.admin(), "glif", options)
    )
    assert callback.data["content"] == "abc x3 public=True"


async def test_resolved_options(
    fake_discord: FakeDiscord, bot: FakeTestBot, env: p.InteractionEnv
) -> None:
    target = p.Actor.member("target")
    payload = p.slash_command(
        env,
        p.Actor.admin(),
        "inspect",
        p.opt_channel("channel", p.text_channel("art")),
        p.opt_attachment("file", p.attachment("sketch.png")),
        p.opt_user("user", target),
    )
    assert set(payload["data"]["resolved"]) == {"channels", "attachments", "users", "members"}
    callback = await _respond(fake_discord, bot, payload)
    assert callback.data["content"] == "art|sketch.png|target"


async def test_dm_slash_command(fake_discord: FakeDiscord, bot: FakeTestBot) -> None:
    dm_env = p.env_for(fake_discord, dm=True)
    payload = p.slash_command(dm_env, p.Actor.member(), "echo", p.opt_string("text", "psst"))
    assert "member" not in payload
    callback = await _respond(fake_discord, bot, payload)
    assert callback.data["content"] == "psst"


async def test_defer_then_followup_then_edit_original(
    fake_discord: FakeDiscord, bot: FakeTestBot, env: p.InteractionEnv
) -> None:
    payload = p.slash_command(env, p.Actor.member(), "slow")
    callback = await _respond(fake_discord, bot, payload)
    assert callback.json["type"] == 5
    assert callback.response["interaction"]["response_message_loading"] is True

    followup, edited = await _next_result(bot)
    [post] = fake_discord.find("POST", rf"/webhooks/\d+/{payload['token']}")
    assert post.query["wait"] == "1"
    assert post.json["content"] == "working"
    [patch] = fake_discord.find("PATCH", r"/webhooks/\d+/[^/]+/messages/@original")
    assert patch.json["content"] == "done"
    # Like Discord, the first followup after a thinking defer replaces the loading message.
    assert followup.id == edited.id
    assert fake_discord.original_message(payload["token"])["content"] == "done"


async def test_button_click_updates_message(
    fake_discord: FakeDiscord, bot: FakeTestBot, env: p.InteractionEnv
) -> None:
    command = p.slash_command(env, p.Actor.member(), "menu")
    await _respond(fake_discord, bot, command)
    response = await _next_result(bot)
    shown = fake_discord.get_message(response.message_id)
    assert shown["components"][0]["components"][0]["custom_id"] == "menu:ok"

    click = p.button_click(env, p.Actor.member(), "menu:ok", source=shown)
    callback = await _respond(fake_discord, bot, click)
    assert callback.json["type"] == 7
    assert callback.data["content"] == "clicked"
    assert fake_discord.get_message(response.message_id)["components"] == []


async def test_select_menu(
    fake_discord: FakeDiscord, bot: FakeTestBot, env: p.InteractionEnv
) -> None:
    await _respond(fake_discord, bot, p.slash_command(env, p.Actor.member(), "menu"))
    shown = fake_discord.get_message((await _next_result(bot)).message_id)
    choice = p.select_menu(env, p.Actor.member(), "menu:style", ["Pop"], source=shown)
    callback = await _respond(fake_discord, bot, choice)
    assert callback.data["content"] == "style=Pop"


def test_autocomplete_payload_needs_one_focused_option(env: p.InteractionEnv) -> None:
    with pytest.raises(ValueError, match="exactly one focused"):
        p.autocomplete(env, p.Actor.member(), "pick", p.opt_string("query", "ca"))


async def test_modal_round_trip(
    fake_discord: FakeDiscord, bot: FakeTestBot, env: p.InteractionEnv
) -> None:
    actor = p.Actor.member()
    shown = await _respond(fake_discord, bot, p.slash_command(env, actor, "form"))
    assert shown.json["type"] == 9
    assert shown.data["custom_id"] == "form"
    assert [c["type"] for c in shown.data["components"]] == [1, 18, 18, 18]
    await _next_result(bot)

    upload = fake_discord.add_cdn_attachment("cat.png", b"\x89PNG")
    submit = p.modal_submit(
        env,
        actor,
        "form",
        p.text_input("name", "Neo"),
        p.label_text_input("bio", "hacker"),
        p.label_select("style", ["Noir"]),
        p.label_file_upload("image", upload),
    )
    callback = await _respond(fake_discord, bot, submit)
    assert callback.data["content"] == "Neo|hacker|Noir|cat.png"
    assert callback.data["flags"] == 64


async def test_autocomplete(
    fake_discord: FakeDiscord, bot: FakeTestBot, env: p.InteractionEnv
) -> None:
    payload = p.autocomplete(
        env, p.Actor.member(), "pick", p.opt_string("query", "ca", focused=True)
    )
    callback = await _respond(fake_discord, bot, payload)
    assert callback.json["type"] == 8
    assert callback.data["choices"] == [
        {"name": "cartoon", "value": "cartoon"},
        {"name": "cats", "value": "cats"},
    ]


async def test_interaction_file_upload_is_recorded_and_served(
    fake_discord: FakeDiscord, bot: FakeTestBot, env: p.InteractionEnv
) -> None:
    payload = p.slash_command(env, p.Actor.member(), "upload")
    callback = await _respond(fake_discord, bot, payload)
    [file] = callback.files
    assert (file.field_name, file.filename, file.data) == ("files[0]", "out.txt", b"glif-output")
    assert callback.data["attachments"] == [{"id": 0, "filename": "out.txt"}]
    [attachment] = callback.response["resource"]["message"]["attachments"]
    served = discord.Attachment(data=attachment, state=bot._connection)
    assert await served.read() == b"glif-output"


async def test_handler_errors_are_collected(
    fake_discord: FakeDiscord,
    bot: FakeTestBot,
    env: p.InteractionEnv,
    fail_on_discord_errors: DiscordErrorCollector,
) -> None:
    fail_on_discord_errors.expect("Ignoring exception in command")
    with waiting_for_log("discord", "Ignoring exception in command") as logged:
        fake_discord.dispatch_interaction(bot, p.slash_command(env, p.Actor.member(), "boom"))
        await asyncio.wait_for(logged.wait(), timeout=5)
    [record] = fail_on_discord_errors.records
    assert record.name == "discord.app_commands.tree"


async def test_second_acknowledgement_is_rejected(
    fake_discord: FakeDiscord, bot: FakeTestBot, env: p.InteractionEnv
) -> None:
    payload = p.slash_command(env, p.Actor.member(), "echo", p.opt_string("text", "once"))
    await _respond(fake_discord, bot, payload)
    await _next_result(bot)
    interaction = discord.Interaction(data=payload, state=bot._connection)  # type: ignore[arg-type]
    with pytest.raises(discord.HTTPException) as caught:
        await interaction.response.send_message("twice")
    assert caught.value.code == ALREADY_ACKNOWLEDGED


# --------------------------------------------------------------------------- channels, faults


async def test_channel_message_with_file(fake_discord: FakeDiscord, bot: FakeTestBot) -> None:
    channel = bot.get_partial_messageable(fake_discord.channel_id)
    sent = await channel.send("report", file=discord.File(io.BytesIO(b"\x00\x01"), "data.bin"))
    [request] = fake_discord.find("POST", rf"/channels/{fake_discord.channel_id}/messages")
    assert request.json["content"] == "report"
    assert request.files[0].data == b"\x00\x01"
    assert sent.attachments[0].filename == "data.bin"
    edited = await sent.edit(content="report v2")
    assert edited.content == "report v2"
    await sent.delete()
    assert sent.id not in fake_discord.messages


async def test_rate_limit_is_honoured(fake_discord: FakeDiscord, bot: FakeTestBot) -> None:
    retry_after = 0.05
    fake_discord.rate_limit("POST", r"/channels/\d+/messages", retry_after=retry_after)
    channel = bot.get_partial_messageable(fake_discord.channel_id)
    started = time.monotonic()
    await channel.send("after the limit")
    elapsed = time.monotonic() - started
    attempts = fake_discord.find("POST", r"/channels/\d+/messages")
    assert [r.status for r in attempts] == [429, 200]
    assert elapsed >= retry_after


async def test_error_faults_raise_discord_exceptions(
    fake_discord: FakeDiscord, bot: FakeTestBot
) -> None:
    channel = bot.get_partial_messageable(fake_discord.channel_id)
    fake_discord.forbidden("POST", r"/channels/\d+/messages")
    with pytest.raises(discord.Forbidden) as forbidden:
        await channel.send("nope")
    assert forbidden.value.code == MISSING_PERMISSIONS
    fake_discord.unknown_channel("POST", r"/channels/\d+/messages")
    with pytest.raises(discord.NotFound) as not_found:
        await channel.send("nope")
    assert not_found.value.code == UNKNOWN_CHANNEL
    await channel.send("fine again")


async def test_missing_permissions_from_bot_role(
    fake_discord: FakeDiscord, bot: FakeTestBot
) -> None:
    await fake_discord.set_bot_permissions(discord.Permissions(view_channel=True).value)
    assert p.env_for(fake_discord).app_permissions == discord.Permissions(view_channel=True).value
    with pytest.raises(discord.Forbidden) as caught:
        await bot.get_partial_messageable(fake_discord.channel_id).send("hi")
    assert caught.value.code == MISSING_PERMISSIONS


async def test_enforced_nonce_returns_the_same_message(
    fake_discord: FakeDiscord, bot: FakeTestBot
) -> None:
    channel = bot.get_partial_messageable(fake_discord.channel_id)
    # The first answer is lost after the message was created, so the client retries.
    fake_discord.fail("POST", r"/channels/\d+/messages", status=503, after_effects=True)
    with pytest.raises(discord.DiscordServerError):
        await channel.send("once", nonce=42)
    retried = await channel.send("once", nonce=42)
    assert [m["id"] for m in fake_discord.messages.values()] == [str(retried.id)]


async def test_delay_and_wait_for(fake_discord: FakeDiscord, bot: FakeTestBot) -> None:
    fake_discord.delay("POST", r"/channels/\d+/typing", 0.01)
    start = fake_discord.mark()
    channel = bot.get_partial_messageable(fake_discord.channel_id)

    async def type_once() -> None:
        await channel.typing()

    task = asyncio.create_task(type_once())
    request = await fake_discord.wait_for_request("POST", r"/channels/\d+/typing", start=start)
    await task
    assert request.status == 204


# --------------------------------------------------------------------------- gateway


async def test_gateway_connect_ready_and_push(fake_discord: FakeDiscord, bot: FakeTestBot) -> None:
    connection = asyncio.create_task(bot.connect(reconnect=False))
    try:
        await asyncio.wait_for(bot.wait_until_ready(), timeout=5)
        guild = bot.get_guild(fake_discord.guild_id)
        assert guild is not None
        channel = guild.get_channel(fake_discord.channel_id)
        assert isinstance(channel, discord.TextChannel)
        assert channel.permissions_for(guild.me).send_messages
        [identify] = fake_discord.identify_payloads
        assert identify["token"] == TOKEN
        assert identify["intents"] == bot.intents.value

        role_updated = asyncio.ensure_future(bot.wait_for("guild_role_update", timeout=5))
        await fake_discord.set_bot_permissions(0)
        await role_updated
        delivered = await fake_discord.push(
            "INTERACTION_CREATE",
            p.slash_command(
                p.env_for(fake_discord), p.Actor.member(), "echo", p.opt_string("text", "gw")
            ),
        )
        assert delivered == 1
        callback = await fake_discord.wait_for_callback()
        assert callback.data["content"] == "gw"
        assert not guild.me.guild_permissions.send_messages
    finally:
        await bot.close()
        await connection


async def test_gateway_resume_after_disconnect(fake_discord: FakeDiscord, bot: FakeTestBot) -> None:
    connection = asyncio.create_task(bot.connect())
    resumed = asyncio.Event()
    bot.add_listener(_set_on_event(resumed), "on_resumed")
    try:
        await asyncio.wait_for(bot.wait_until_ready(), timeout=5)
        await fake_discord.disconnect_clients(code=4000)
        frame = await fake_discord.wait_for_gateway(lambda f: f.op == OP_RESUME)
        assert frame.data["token"] == TOKEN
        await asyncio.wait_for(resumed.wait(), timeout=5)
        assert [f.op for f in fake_discord.gateway_frames].count(OP_IDENTIFY) == 1
    finally:
        await bot.close()
        await connection


def _set_on_event(event: asyncio.Event) -> Any:
    async def listener(*args: object) -> None:
        event.set()

    return listener


async def test_pointing_discord_at_restores_originals() -> None:
    before = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    async with FakeDiscord() as fake:
        with pointing_discord_at(fake):
            assert fake.api_url == discord.http.Route.BASE
            route = discord.http.Route("POST", "/webhooks/{webhook_id}/{webhook_token}")
            assert route.url.startswith(fake.api_url)
            assert str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY) == fake.gateway_url
    assert before == (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
