"""`/glif token remove`."""

from cogs import tokens_replies as replies
from tests import payloads
from tests.bot.tokens.support import new_member_token
from tests.cogs.tokens.support import (
    is_private_message,
    store_token,
    token_command,
)
from tests.fakes.discord import CALLBACK_MESSAGE
from tests.harness import Harness


async def test_remove_deletes_the_members_token_only(harness: Harness) -> None:
    member, neighbour = payloads.Actor.member(), payloads.Actor.member()
    await store_token(harness, member, new_member_token())
    await store_token(harness, neighbour, new_member_token())

    payload = harness.slash("glif", token_command("remove"), actor=member)
    reply = await harness.discord.wait_for_callback(int(payload["id"]))

    assert reply.json["type"] == CALLBACK_MESSAGE
    assert is_private_message(reply.data)
    assert reply.data["content"] == replies.TOKEN_REMOVED
    assert await harness.services.tokens.status(member.user_id) is None
    assert await harness.services.tokens.status(neighbour.user_id) is not None


async def test_remove_without_a_token_says_there_was_nothing_to_delete(harness: Harness) -> None:
    payload = harness.slash("glif", token_command("remove"))
    reply = await harness.discord.wait_for_callback(int(payload["id"]))

    assert is_private_message(reply.data)
    assert reply.data["content"] == replies.NOTHING_TO_REMOVE
