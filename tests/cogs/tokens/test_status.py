"""`/glif token status`: the account and its live credits, or what the member can do instead."""

from cryptography.fernet import Fernet

from bot.encryption import build_cipher
from bot.redaction import Redactor
from bot.tokens import MemberForgetter, TokenVault
from tests import payloads
from tests.bot.tokens.support import new_member_token
from tests.cogs.tokens.support import (
    ME,
    is_private_message,
    status_reply,
    store_token,
)
from tests.harness import Harness


async def test_with_a_token_it_shows_the_account_and_its_live_credits(harness: Harness) -> None:
    member, token = payloads.Actor.member(), new_member_token()
    await store_token(harness, member, token)

    reply = await status_reply(harness, member)

    assert is_private_message(reply.json)
    content = reply.json["content"]
    assert content.startswith(
        "Your token is for Glif account **Bot Tester** (@glifbot-tester): 187.25 of 250 credits "
        "left (Free plan). Saved <t:"
    )
    [asked] = harness.glif.requests_to("me")
    assert asked.authorization == f"Bearer {token}"


async def test_when_glif_is_down_it_still_names_the_account(harness: Harness) -> None:
    member = payloads.Actor.member()
    await store_token(harness, member, new_member_token())
    harness.glif.inject("me", status=502, json={"error": "bad gateway"}, times=None)

    reply = await status_reply(harness, member)

    assert reply.json["content"] == (
        "Your token is for Glif account @glifbot-tester; credits unavailable, as Glif is not "
        "answering right now."
    )


async def test_a_token_glif_no_longer_accepts_is_to_be_set_again(harness: Harness) -> None:
    member = payloads.Actor.member()
    await store_token(harness, member, new_member_token())
    harness.glif.inject("me", status=401, json={"error": "Unauthorized"})

    reply = await status_reply(harness, member)

    assert reply.json["content"] == (
        "Glif no longer accepts your token for @glifbot-tester; set a new one with "
        "`/glif token set`."
    )
    assert await harness.services.tokens.status(member.user_id) is not None


async def test_a_token_the_keys_cannot_open_is_to_be_set_again(harness: Harness) -> None:
    member = payloads.Actor.member()
    database = harness.services.database
    vault_with_another_key = TokenVault(
        database,
        build_cipher([Fernet.generate_key().decode()]),
        Redactor(),
        MemberForgetter(database),
        shared_token=None,
        shared_daily_runs=0,
    )
    await vault_with_another_key.store(
        member.user_id, new_member_token(), ME.user.id, ME.user.username
    )

    reply = await status_reply(harness, member)

    assert reply.json["content"] == (
        "Your token for @glifbot-tester can no longer be read by this bot (its encryption key "
        "changed); set it again with `/glif token set`."
    )
    assert harness.glif.requests_to("me") == []


async def test_without_a_token_or_a_shared_one_it_says_how_to_set_one(harness: Harness) -> None:
    reply = await status_reply(harness, payloads.Actor.member())

    assert is_private_message(reply.json)
    assert reply.json["content"] == (
        "You have no Glif token here; to run glifs, create one at "
        "<https://glif.app/settings/api-tokens> and set it with `/glif token set`."
    )
    assert harness.glif.requests_to("me") == []


async def test_without_a_token_it_counts_the_shared_runs_left_today(
    shared_token_harness: Harness,
) -> None:
    member = payloads.Actor.member()
    await shared_token_harness.services.tokens.token_for_run(member.user_id)

    reply = await status_reply(shared_token_harness, member)

    assert reply.json["content"] == (
        "You have no Glif token here, so your runs use this server's shared token: 2 of 3 runs "
        "left today (they come back at midnight UTC). To use your own, create one at "
        "<https://glif.app/settings/api-tokens> and set it with `/glif token set`."
    )
