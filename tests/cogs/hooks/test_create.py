"""`/glifadmin webhook create`: a URL and a secret shown once, kept only as a hash; refused when
the bot could not post, or when a glif would have no token of its creator to run on."""

from pathlib import Path

import discord

from bot.webhooks import hook_url
from tests import payloads
from tests.bot.webhooks.conftest import app_action
from tests.cogs.hooks.support import (
    ADMIN,
    HAIKU_GLIF_ID,
    admin_reply,
    channel_option,
    only_hook,
    post_hook,
    secret_in,
    sha256,
    webhook,
)
from tests.cogs.tokens.support import store_token
from tests.fakes.discord import DEFAULT_BOT_PERMISSIONS
from tests.fakes.glif import RecordedRequest
from tests.harness import Harness

PUBLIC_URL = "http://localhost:8080"


def database_files(directory: Path) -> bytes:
    """Every byte of the SQLite file and its write-ahead log."""
    return b"".join(path.read_bytes() for path in directory.rglob("glifbot.sqlite3*"))


def glif_reads(harness: Harness, glif_id: str) -> list[RecordedRequest]:
    return [read for read in harness.glif.requests_to("glifs") if read.query.get("id") == glif_id]


def create(name: str = "Orders", *options: payloads.Part, channel_id: int) -> payloads.Part:
    return webhook(
        "create", channel_option(channel_id), payloads.opt_string("name", name), *options
    )


async def test_a_new_hook_shows_its_url_and_a_fresh_secret_kept_only_as_a_hash(
    admin_harness: Harness, tmp_path: Path
) -> None:
    harness = admin_harness

    reply = await admin_reply(harness, create(channel_id=harness.discord.channel_id))

    hook = await only_hook(harness)
    secret = secret_in(reply)
    assert f"`{hook_url(PUBLIC_URL, hook.id)}`" in reply["content"]
    assert f"<#{harness.discord.channel_id}>" in reply["content"]
    assert (hook.name, hook.channel_id, hook.glif_id) == (
        "Orders",
        harness.discord.channel_id,
        None,
    )
    assert hook.secret_sha256 == sha256(secret)
    assert secret.encode() not in database_files(tmp_path)
    assert await post_hook(harness, hook.id, app_action(), secret) == (200, {"status": "accepted"})


async def test_a_secret_given_by_the_admin_is_the_one_that_works(admin_harness: Harness) -> None:
    chosen = "chosen-by-the-admin-0123456789"

    reply = await admin_reply(
        admin_harness,
        create(
            "Orders",
            payloads.opt_string("secret", chosen),
            channel_id=admin_harness.discord.channel_id,
        ),
    )

    assert secret_in(reply) == chosen
    hook = await only_hook(admin_harness)
    assert hook.secret_sha256 == sha256(chosen)
    assert (await post_hook(admin_harness, hook.id, app_action(), chosen))[0] == 200


async def test_a_channel_the_bot_cannot_post_embeds_in_is_refused(admin_harness: Harness) -> None:
    harness = admin_harness
    without_embeds = DEFAULT_BOT_PERMISSIONS & ~discord.Permissions(embed_links=True).value
    role_updated = harness.bot.wait_for("guild_role_update", timeout=5)
    await harness.discord.set_bot_permissions(without_embeds)
    await role_updated

    reply = await admin_reply(harness, create(channel_id=harness.discord.channel_id))

    assert reply["content"] == (
        f"I can't post in <#{harness.discord.channel_id}>: I need Embed Links there. "
        "Grant it in the channel's settings and try again."
    )
    assert await harness.bot.webhooks.hooks.list_hooks(harness.discord.guild_id) == []


async def test_a_glif_is_refused_until_the_admin_has_their_own_token(
    admin_harness: Harness,
) -> None:
    reply = await admin_reply(
        admin_harness,
        create(
            "Haiku",
            payloads.opt_string("glif", HAIKU_GLIF_ID),
            channel_id=admin_harness.discord.channel_id,
        ),
    )

    assert reply["content"] == (
        "A webhook that runs a glif runs it on your own Glif token; set yours with "
        "`/glif token set`, then create the webhook again."
    )
    assert await admin_harness.bot.webhooks.hooks.list_hooks(admin_harness.discord.guild_id) == []
    assert not glif_reads(admin_harness, HAIKU_GLIF_ID)


async def test_a_glif_is_checked_with_the_admins_token_and_named(admin_harness: Harness) -> None:
    harness = admin_harness
    await store_token(harness, ADMIN, "admin-own-glif-token-0001")

    reply = await admin_reply(
        harness,
        create(
            "Haiku",
            payloads.opt_string("glif", f"https://glif.app/glifs/{HAIKU_GLIF_ID}"),
            channel_id=harness.discord.channel_id,
        ),
    )

    assert "running **Haiku Bot** on your Glif token" in reply["content"]
    hook = await only_hook(harness)
    assert (hook.glif_id, hook.created_by) == (HAIKU_GLIF_ID, ADMIN.user_id)
    [read] = glif_reads(harness, HAIKU_GLIF_ID)
    assert read.authorization == "Bearer admin-own-glif-token-0001"


async def test_an_unknown_glif_is_refused(admin_harness: Harness) -> None:
    await store_token(admin_harness, ADMIN, "admin-own-glif-token-0001")

    reply = await admin_reply(
        admin_harness,
        create(
            "Haiku",
            payloads.opt_string("glif", "cmnosuchglif0000000000000"),
            channel_id=admin_harness.discord.channel_id,
        ),
    )

    assert reply["content"] == "Glif has nothing under that name or id; check it and try again."
    assert await admin_harness.bot.webhooks.hooks.list_hooks(admin_harness.discord.guild_id) == []


async def test_a_taken_name_is_refused(admin_harness: Harness) -> None:
    channel_id = admin_harness.discord.channel_id
    await admin_reply(admin_harness, create(channel_id=channel_id))

    reply = await admin_reply(admin_harness, create(channel_id=channel_id))

    assert reply["content"] == "This server already has a hook named 'Orders'; pick another name."
