"""`/glifadmin webhook list|delete|rotate`, the hook autocomplete, and the Manage Server rule."""

import pytest

from tests import payloads
from tests.bot.webhooks.conftest import app_action
from tests.cogs.hooks.support import (
    ADMIN,
    Settlements,
    admin_reply,
    make_hook,
    messages_path,
    post_hook,
    secret_in,
    webhook,
)
from tests.fakes.discord import CALLBACK_AUTOCOMPLETE, FakeChannel, new_snowflake
from tests.harness import Harness


def hook_option(reference: str) -> payloads.Part:
    return payloads.opt_string("hook", reference)


async def test_list_counts_each_hooks_events_and_names_the_last_failure(
    harness: Harness, settlements: Settlements
) -> None:
    orders, orders_secret = await make_hook(harness, name="Orders")
    gone, gone_secret = await make_hook(harness, name="Gone", channel_id=new_snowflake())
    stuck_channel = FakeChannel(new_snowflake(), "stuck")
    harness.discord.guild.channels.append(stuck_channel)
    harness.discord.server_error(
        "POST", messages_path(harness.discord, stuck_channel.channel_id), status=503, times=None
    )
    stuck, stuck_secret = await make_hook(
        harness, name="Stuck", channel_id=stuck_channel.channel_id
    )
    for key in ("a", "b"):
        assert (await post_hook(harness, orders.id, app_action(key), orders_secret))[0] == 200
    assert (await post_hook(harness, gone.id, app_action(), gone_secret))[0] == 200
    assert (await post_hook(harness, stuck.id, app_action(), stuck_secret))[0] == 200
    await settlements.wait(delivered=2, failed=1)

    reply = await admin_reply(harness, webhook("list"))

    assert reply["content"].splitlines() == [
        "Webhooks of this server:",
        f"• **Gone** → <#{gone.channel_id}>: 1 received, 0 delivered, 0 pending, 1 failed "
        "(last failure: the channel is gone or hidden from the bot (Discord 404 10003: "
        "Unknown Channel))",
        f"• **Orders** → <#{orders.channel_id}>: 2 received, 2 delivered, 0 pending, 0 failed",
        f"• **Stuck** → <#{stuck.channel_id}>: 1 received, 0 delivered, 1 pending, 0 failed",
    ]


async def test_list_without_hooks_says_how_to_make_one(harness: Harness) -> None:
    reply = await admin_reply(harness, webhook("list"))

    assert reply["content"] == (
        "This server has no webhooks yet; create one with `/glifadmin webhook create`."
    )


@pytest.mark.parametrize("by", ["name", "id"])
async def test_a_deleted_hooks_url_answers_404(harness: Harness, by: str) -> None:
    hook, secret = await make_hook(harness)

    reply = await admin_reply(
        harness, webhook("delete", hook_option(hook.name if by == "name" else hook.id))
    )

    assert reply["content"] == (
        "Webhook **Orders** is deleted, with any announcements it still had to post; "
        "its URL answers 404 from now on."
    )
    assert await post_hook(harness, hook.id, app_action(), secret) == (
        404,
        {"error": "unknown hook"},
    )


async def test_deleting_an_unknown_hook_says_so(harness: Harness) -> None:
    reply = await admin_reply(harness, webhook("delete", hook_option("Nope")))

    assert reply["content"] == "This server has no webhook called **Nope**; pick one from the list."


async def test_hooks_of_another_server_are_out_of_reach(harness: Harness) -> None:
    other_guild = harness.discord.add_guild("Elsewhere")
    hook, secret = await harness.bot.webhooks.hooks.create_hook(
        guild_id=other_guild.guild_id, channel_id=1, name="Theirs", created_by=1
    )

    reply = await admin_reply(harness, webhook("delete", hook_option(hook.id)))

    assert reply["content"].startswith("This server has no webhook called")
    assert (await post_hook(harness, hook.id, app_action(), secret))[0] == 200


async def test_rotate_replaces_the_secret_at_once(harness: Harness) -> None:
    hook, old_secret = await make_hook(harness)

    reply = await admin_reply(harness, webhook("rotate", hook_option("Orders")))

    new_secret = secret_in(reply)
    assert new_secret != old_secret
    status, body = await post_hook(harness, hook.id, app_action("k1"), old_secret)
    assert (status, body) == (401, {"error": "missing or wrong secret"})
    assert await post_hook(harness, hook.id, app_action("k2"), new_secret) == (
        200,
        {"status": "accepted"},
    )


async def test_rotate_to_a_chosen_secret(harness: Harness) -> None:
    hook, _ = await make_hook(harness)
    chosen = "the-admins-new-secret-0123456789"

    reply = await admin_reply(
        harness, webhook("rotate", hook_option("Orders"), payloads.opt_string("secret", chosen))
    )

    assert secret_in(reply) == chosen
    assert (await post_hook(harness, hook.id, app_action(), chosen))[0] == 200


async def test_a_member_without_manage_server_is_refused(harness: Harness) -> None:
    hook, secret = await make_hook(harness)

    for command in (webhook("list"), webhook("delete", hook_option("Orders"))):
        reply = await admin_reply(harness, command, actor=payloads.Actor.member())
        assert reply["content"] == (
            "You are missing Manage Server permission(s) to run this command."
        )
    assert (await post_hook(harness, hook.id, app_action(), secret))[0] == 200


async def test_autocomplete_offers_this_servers_hooks_matching_the_text(
    harness: Harness,
) -> None:
    orders, _ = await make_hook(harness, name="Orders")
    refunds, _ = await make_hook(harness, name="Refund orders")
    await make_hook(harness, name="Signups")

    payload = harness.dispatch(
        payloads.autocomplete(
            harness.env,
            ADMIN,
            "glifadmin",
            webhook("delete", payloads.opt_string("hook", "ORD", focused=True)),
        )
    )

    callback = await harness.discord.wait_for_callback(int(payload["id"]))
    assert callback.json["type"] == CALLBACK_AUTOCOMPLETE
    assert callback.data["choices"] == [
        {"name": "Orders", "value": orders.id},
        {"name": "Refund orders", "value": refunds.id},
    ]
