"""`/glif forget`: a private question, and only its asker's confirmation deletes anything."""

from dataclasses import dataclass
from typing import Any, cast

from cogs import tokens_replies as replies
from cogs.glif import GlifCog
from tests import payloads
from tests.bot.tokens.support import new_member_token
from tests.cogs.tokens.support import (
    forget_command,
    is_private_message,
    run_to_completion,
    store_token,
)
from tests.fakes.discord import CALLBACK_MESSAGE, CALLBACK_UPDATE_MESSAGE, RecordedRequest
from tests.harness import Harness


@dataclass(frozen=True)
class StoredAbout:
    token: bool
    shared_run_days: int


async def member_with_data(harness: Harness) -> payloads.Actor:
    """A member who made a run on the shared token, then set a token of their own."""
    member = payloads.Actor.member()
    await harness.services.tokens.token_for_run(member.user_id)
    await store_token(harness, member, new_member_token())
    return member


async def stored_about(harness: Harness, member: payloads.Actor) -> StoredAbout:
    row = await harness.services.database.fetch_one(
        "SELECT COUNT(*) AS days FROM shared_token_usage WHERE discord_user_id = ?",
        (member.user_id,),
    )
    assert row is not None
    token = await harness.services.tokens.status(member.user_id)
    return StoredAbout(token=token is not None, shared_run_days=row["days"])


async def ask_to_forget(harness: Harness, member: payloads.Actor) -> dict[str, Any]:
    """Runs `/glif forget` and returns the private question it posted."""
    payload = await run_to_completion(harness, member, forget_command())
    question = await harness.discord.wait_for_callback(int(payload["id"]))
    assert question.json["type"] == CALLBACK_MESSAGE
    assert is_private_message(question.data)
    assert question.data["content"] == replies.FORGET_QUESTION
    return harness.discord.original_message(payload["token"])


async def click(
    harness: Harness, clicker: payloads.Actor, question: dict[str, Any], label: str
) -> RecordedRequest:
    [row] = question["components"]
    [custom_id] = [b["custom_id"] for b in row["components"] if b["label"] == label]
    pressed = harness.dispatch(
        payloads.button_click(harness.env, clicker, custom_id, source=question)
    )
    return await harness.discord.wait_for_callback(int(pressed["id"]))


async def test_confirming_deletes_the_token_and_the_shared_run_counts(
    shared_token_harness: Harness,
) -> None:
    harness = shared_token_harness
    member, neighbour = await member_with_data(harness), await member_with_data(harness)
    assert await stored_about(harness, member) == StoredAbout(token=True, shared_run_days=1)

    answer = await click(harness, member, await ask_to_forget(harness, member), "Delete everything")

    assert answer.json["type"] == CALLBACK_UPDATE_MESSAGE
    assert answer.data["content"] == replies.FORGOTTEN
    assert answer.data["components"] == []
    assert await stored_about(harness, member) == StoredAbout(token=False, shared_run_days=0)
    assert await stored_about(harness, neighbour) == StoredAbout(token=True, shared_run_days=1)


async def test_cancelling_deletes_nothing(shared_token_harness: Harness) -> None:
    harness = shared_token_harness
    member = await member_with_data(harness)

    answer = await click(harness, member, await ask_to_forget(harness, member), "Cancel")

    assert answer.json["type"] == CALLBACK_UPDATE_MESSAGE
    assert answer.data["content"] == replies.FORGET_CANCELLED
    assert answer.data["components"] == []
    assert await stored_about(harness, member) == StoredAbout(token=True, shared_run_days=1)


async def test_another_member_cannot_confirm(shared_token_harness: Harness) -> None:
    harness = shared_token_harness
    member, stranger = await member_with_data(harness), await member_with_data(harness)
    question = await ask_to_forget(harness, member)

    refusal = await click(harness, stranger, question, "Delete everything")

    assert refusal.json["type"] == CALLBACK_MESSAGE
    assert is_private_message(refusal.data)
    assert refusal.data["content"] == replies.NOT_YOUR_CONFIRMATION
    assert await stored_about(harness, member) == StoredAbout(token=True, shared_run_days=1)
    assert await stored_about(harness, stranger) == StoredAbout(token=True, shared_run_days=1)

    answer = await click(harness, member, question, "Delete everything")
    assert answer.data["content"] == replies.FORGOTTEN


async def test_an_unanswered_question_expires_and_deletes_nothing(
    shared_token_harness: Harness,
) -> None:
    harness = shared_token_harness
    cast(GlifCog, harness.bot.get_cog("GlifCog")).tokens.forget_confirmation_timeout = 0.1
    member = await member_with_data(harness)
    payload = await run_to_completion(harness, member, forget_command())

    expired = await harness.discord.wait_for_request(
        "PATCH", rf"/webhooks/\d+/{payload['token']}/messages/@original"
    )

    assert expired.json["content"] == replies.FORGET_EXPIRED
    assert expired.json["components"] == []
    assert await stored_about(harness, member) == StoredAbout(token=True, shared_run_days=1)
