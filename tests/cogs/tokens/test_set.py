"""`/glif token set`: the form, the check with Glif, and where the token must never show up."""

import json

import pytest

from bot.database import Database
from cogs import tokens_replies as replies
from tests import payloads
from tests.bot.tokens.support import new_member_token
from tests.cogs.tokens.conftest import StartHarness
from tests.cogs.tokens.support import (
    ME,
    followup_of,
    is_private_message,
    open_token_form,
    submit_token,
    token_submission,
)
from tests.fakes.discord import CALLBACK_DEFERRED_MESSAGE, CALLBACK_MODAL, is_ephemeral
from tests.harness import Harness

SHORT_TEXT_INPUT = 1
LABEL = 18
TEXT_INPUT = 4
# Far longer than the bot takes to reach Glif when it does not wait for Discord.
DEFERRAL_ANSWER_SECONDS = 0.5


async def test_the_form_asks_for_the_token_in_one_empty_short_field(harness: Harness) -> None:
    shown = await open_token_form(harness, payloads.Actor.member())

    assert shown.json["type"] == CALLBACK_MODAL
    [label] = shown.data["components"]
    assert label["type"] == LABEL
    assert "glif.app/settings/api-tokens" in label["description"]
    field = label["component"]
    assert field["type"] == TEXT_INPUT
    assert field["style"] == SHORT_TEXT_INPUT
    assert field["required"] is True
    assert field["max_length"] == 200
    assert "value" not in field


async def test_a_valid_token_is_checked_with_glif_then_stored(harness: Harness) -> None:
    member, token = payloads.Actor.member(), new_member_token()

    reply = await submit_token(harness, member, token)

    assert is_private_message(reply.json)
    assert reply.json["content"] == (
        "Token saved for Glif account **Bot Tester** (@glifbot-tester): 187.25 of 250 credits "
        "left (Free plan). Your runs here are billed to it from now on."
    )
    [checked] = harness.glif.requests_to("me")
    assert checked.authorization == f"Bearer {token}"
    assert await harness.services.tokens.token_for_read(member.user_id) == token
    stored = await harness.services.tokens.status(member.user_id)
    assert stored is not None
    assert (stored.glif_user_id, stored.glif_username) == (ME.user.id, ME.user.username)


async def test_the_modal_submit_is_deferred_before_glif_is_asked(harness: Harness) -> None:
    member = payloads.Actor.member()
    form = await open_token_form(harness, member)
    submit = token_submission(harness, member, form, new_member_token())
    deferral_path = rf"/interactions/{submit['id']}/[^/]+/callback"
    # Discord is slow to answer the deferral: a bot that asked Glif without waiting for that
    # answer would reach Glif in the meantime.
    harness.discord.delay("POST", deferral_path, DEFERRAL_ANSWER_SECONDS)
    harness.dispatch(submit)

    await harness.glif.wait_for(lambda _: bool(harness.glif.requests_to("me")))
    # Already answered when Glif is asked: not merely sent first, but waited for.
    [deferral] = harness.discord.find("POST", deferral_path)
    assert deferral.status is not None
    await followup_of(harness, submit)

    assert deferral.json["type"] == CALLBACK_DEFERRED_MESSAGE
    assert is_ephemeral(deferral.data)


async def test_a_token_glif_refuses_is_not_stored(harness: Harness) -> None:
    member = payloads.Actor.member()
    harness.glif.inject("me", status=401, json={"error": "Unauthorized"})

    reply = await submit_token(harness, member, new_member_token())

    assert is_private_message(reply.json)
    assert reply.json["content"] == replies.TOKEN_REFUSED
    assert await harness.services.tokens.status(member.user_id) is None


async def test_a_token_is_not_stored_while_glif_answers_with_errors(harness: Harness) -> None:
    member = payloads.Actor.member()
    harness.glif.inject("me", status=503, json={"error": "down"}, times=None)

    reply = await submit_token(harness, member, new_member_token())

    assert reply.json["content"] == replies.GLIF_UNREACHABLE
    assert await harness.services.tokens.status(member.user_id) is None


async def test_a_token_is_not_stored_when_glif_does_not_answer_in_time(
    start_harness: StartHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.services.READ_TIMEOUT_SECONDS", 0.2)
    async with start_harness() as harness:
        member = payloads.Actor.member()
        harness.glif.inject("me", delay=30, times=None)

        reply = await submit_token(harness, member, new_member_token())

        assert reply.json["content"] == replies.GLIF_UNREACHABLE
        assert await harness.services.tokens.status(member.user_id) is None


@pytest.mark.parametrize("glif_accepts", [True, False], ids=["accepted", "refused"])
async def test_the_token_is_sent_to_glif_only_and_only_as_a_bearer_header(
    harness: Harness, glif_accepts: bool
) -> None:
    token = new_member_token()
    if not glif_accepts:
        harness.glif.inject("me", status=401, json={"error": "Unauthorized"})

    await submit_token(harness, payloads.Actor.member(), token)

    for to_discord in harness.discord.requests:
        sent = [to_discord.path, json.dumps(to_discord.query), json.dumps(to_discord.json)]
        sent += [file.data.decode(errors="replace") for file in to_discord.files]
        assert all(token not in part for part in sent), f"{to_discord.method} {to_discord.path}"
    for to_glif in harness.glif.requests:
        assert token not in to_glif.path + json.dumps(to_glif.query) + json.dumps(to_glif.json)
    # Other requests (the autocomplete cache warming itself) are anonymous, never with this token.
    checks = harness.glif.requests_to("me")
    assert checks
    assert all(check.authorization == f"Bearer {token}" for check in checks)


async def test_the_database_and_its_wal_never_hold_the_token_in_clear(harness: Harness) -> None:
    member, token = payloads.Actor.member(), new_member_token()
    await submit_token(harness, member, token)
    database = harness.services.database
    row = await database.fetch_one(
        "SELECT token_ciphertext FROM member_tokens WHERE discord_user_id = ?", (member.user_id,)
    )
    assert row is not None

    written = database_bytes(database)
    # Finding the ciphertext shows that the search reads what the set wrote.
    assert bytes(row["token_ciphertext"]) in written
    assert token.encode() not in written

    await database.fetch_one("PRAGMA wal_checkpoint(TRUNCATE)")
    assert token.encode() not in database_bytes(database)


def database_bytes(database: Database) -> bytes:
    files = [database.path, database.path.with_name(database.path.name + "-wal")]
    return b"".join(path.read_bytes() for path in files if path.exists())
