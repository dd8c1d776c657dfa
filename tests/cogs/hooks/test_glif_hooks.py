"""Hooks bound to a glif: an app-action posts the glif's output instead of its params, an API
column gets the output as its value; both run on the hook creator's own Glif token."""

import pytest

from tests.bot.webhooks.conftest import api_column, app_action, text
from tests.cogs.hooks.support import (
    ADMIN,
    HAIKU_GLIF_ID,
    HAIKU_OUTPUT,
    Settlements,
    channel_messages,
    make_hook,
    messages_path,
    post_hook,
)
from tests.cogs.tokens.support import store_token
from tests.fakes.discord import NO_MENTIONS
from tests.harness import Harness

pytestmark = pytest.mark.usefixtures("fast_retries")

CREATOR_TOKEN = "hook-creator-glif-token-0001"
NO_CREATOR_TOKEN = (
    "the member who created this webhook has no Glif API token any more; "
    "they can set one with /glif token set"
)


@pytest.fixture
async def creator_token(harness: Harness) -> str:
    await store_token(harness, ADMIN, CREATOR_TOKEN)
    return CREATOR_TOKEN


@pytest.mark.usefixtures("creator_token")
async def test_an_action_runs_the_glif_with_its_params_and_posts_the_output(
    harness: Harness, settlements: Settlements
) -> None:
    hook, secret = await make_hook(harness, glif_id=HAIKU_GLIF_ID)

    body = app_action(topic=text("autumn rain"), syllables={"type": "number", "value": 17})
    assert await post_hook(harness, hook.id, body, secret) == (200, {"status": "accepted"})
    await settlements.wait(delivered=1)

    [run] = harness.glif.requests_to("run")
    assert run.glif_id == HAIKU_GLIF_ID
    assert run.json["inputs"] == {"topic": "autumn rain", "syllables": "17"}
    assert run.authorization == f"Bearer {CREATOR_TOKEN}"
    [sent] = channel_messages(harness)
    assert sent.json["allowed_mentions"] == NO_MENTIONS
    assert sent.json["enforce_nonce"] is True
    [embed] = sent.json["embeds"]
    assert embed["title"] == "Haiku Bot"
    assert embed["description"] == HAIKU_OUTPUT
    assert {"name": "Run by", "value": "webhook Orders", "inline": True} in embed["fields"]


@pytest.mark.usefixtures("creator_token")
async def test_the_glif_runs_once_however_often_discord_fails(
    harness: Harness, settlements: Settlements
) -> None:
    hook, secret = await make_hook(harness, glif_id=HAIKU_GLIF_ID)
    harness.discord.server_error("POST", messages_path(harness.discord), status=503, times=3)

    assert (await post_hook(harness, hook.id, app_action(topic=text("rain")), secret))[0] == 200
    await settlements.wait(delivered=1)

    assert len(harness.glif.requests_to("run")) == 1
    posted = [attempt.json["embeds"] for attempt in channel_messages(harness)]
    assert len(posted) == 4
    assert all(embeds == posted[0] for embeds in posted)


async def test_without_the_creators_token_the_action_says_the_glif_did_not_run(
    harness: Harness, settlements: Settlements
) -> None:
    hook, secret = await make_hook(harness, glif_id=HAIKU_GLIF_ID)

    assert (await post_hook(harness, hook.id, app_action(topic=text("rain")), secret))[0] == 200
    await settlements.wait(delivered=1)

    assert harness.glif.requests_to("run") == []
    [sent] = channel_messages(harness)
    [embed] = sent.json["embeds"]
    assert embed["title"] == "Orders"
    assert embed["description"].endswith(f"\nThe glif did not run: {NO_CREATOR_TOKEN}")
    assert [(field["name"], field["value"]) for field in embed["fields"]] == [("topic", "rain")]


@pytest.mark.usefixtures("creator_token")
async def test_a_failed_run_is_announced_with_glifs_reason(
    harness: Harness, settlements: Settlements
) -> None:
    hook, secret = await make_hook(harness, glif_id=HAIKU_GLIF_ID)
    harness.glif.inject("run", json={"error": "the model refused the prompt"})

    assert (await post_hook(harness, hook.id, app_action(topic=text("rain")), secret))[0] == 200
    await settlements.wait(delivered=1)

    [embed] = channel_messages(harness)[0].json["embeds"]
    assert embed["description"].endswith(
        "\nHaiku Bot failed; Glif said: the model refused the prompt"
    )


async def test_an_api_column_gets_the_glifs_output_run_on_the_creators_token(
    harness: Harness, creator_token: str
) -> None:
    hook, secret = await make_hook(harness, glif_id=HAIKU_GLIF_ID)

    answer = await post_hook(harness, hook.id, api_column(topic=text("autumn rain")), secret)

    assert answer == (200, {"type": "string", "value": HAIKU_OUTPUT})
    [run] = harness.glif.requests_to("run")
    assert run.json["inputs"] == {"topic": "autumn rain"}
    assert run.authorization == f"Bearer {creator_token}"


async def test_an_api_column_without_the_creators_token_is_a_502_saying_why(
    harness: Harness,
) -> None:
    hook, secret = await make_hook(harness, glif_id=HAIKU_GLIF_ID)

    answer = await post_hook(harness, hook.id, api_column(topic=text("rain")), secret)

    assert answer == (502, {"error": NO_CREATOR_TOKEN})
    assert harness.glif.requests_to("run") == []


async def test_an_api_column_on_a_hook_without_glif_is_a_422(harness: Harness) -> None:
    hook, secret = await make_hook(harness)

    status, body = await post_hook(harness, hook.id, api_column(topic=text("rain")), secret)

    assert status == 422
    assert "no glif" in body["error"]
