"""Turning the pages of a result card, and who may."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from cogs.discovery import Discovery
from tests import payloads
from tests.cogs.discovery.support import (
    button,
    card_of,
    click,
    components,
    edit_by,
    glif_payload,
    glif_requests,
    run_command,
    select,
)
from tests.fakes.discord import CALLBACK_MESSAGE, FLAG_EPHEMERAL, NO_MENTIONS
from tests.harness import Harness
from tests.logs import waiting_for_log

OWNER = payloads.Actor.member(username="ada")


def listed_names(card: dict[str, Any]) -> list[str]:
    return [option["label"] for option in select(card)["options"]]


async def search_cats(harness: Harness, count: int) -> dict[str, Any]:
    harness.glif.search_results["cat"] = [
        glif_payload(number, name=f"Cat {number:02d}") for number in range(1, count + 1)
    ]
    payload = await run_command(
        harness, "glif", "search", payloads.opt_string("query", "cat"), actor=OWNER
    )
    return card_of(harness, payload)


async def test_next_and_previous_turn_the_pages(harness: Harness, discovery: Discovery) -> None:
    card = await search_cats(harness, 23)
    assert listed_names(card) == [f"Cat {n:02d}" for n in range(1, 11)]
    assert button(card, "Previous")["disabled"]
    assert not button(card, "Next")["disabled"]

    card = await edit_by(harness, click(harness, card, "Next", OWNER))

    assert [r.query["page"] for r in glif_requests(harness, q="cat")] == ["1", "2"]
    assert glif_requests(harness, q="cat", page="2")[0].query["limit"] == "10"
    [embed] = card["embeds"]
    assert embed["footer"]["text"] == "Page 2"
    assert embed["description"].startswith("**11.** [**Cat 11**]")
    assert listed_names(card) == [f"Cat {n:02d}" for n in range(11, 21)]
    assert not button(card, "Previous")["disabled"]

    card = await edit_by(harness, click(harness, card, "Next", OWNER))

    assert listed_names(card) == ["Cat 21", "Cat 22", "Cat 23"]
    assert card["embeds"][0]["footer"]["text"] == "Page 3"
    assert button(card, "Next")["disabled"]

    card = await edit_by(harness, click(harness, card, "Previous", OWNER))

    assert card["embeds"][0]["footer"]["text"] == "Page 2"
    assert listed_names(card)[0] == "Cat 11"


async def test_only_the_member_who_ran_the_command_can_page(
    harness: Harness, discovery: Discovery
) -> None:
    card = await search_cats(harness, 23)
    other = payloads.Actor.member(username="bob")

    payload = click(harness, card, "Next", other)

    callback = await harness.discord.wait_for_callback(int(payload["id"]))
    assert callback.json["type"] == CALLBACK_MESSAGE
    assert callback.data["content"] == "Only ada can page this; run the command yourself."
    assert callback.data["flags"] & FLAG_EPHEMERAL
    assert callback.data["allowed_mentions"] == NO_MENTIONS
    assert glif_requests(harness, q="cat", page="2") == []
    assert harness.discord.get_message(int(card["id"]))["embeds"] == card["embeds"]


async def test_an_empty_next_page_ends_the_paging(harness: Harness, discovery: Discovery) -> None:
    card = await search_cats(harness, 10)
    assert not button(card, "Next")["disabled"]

    payload = click(harness, card, "Next", OWNER)

    followup = await harness.discord.wait_for_request("POST", rf"/webhooks/\d+/{payload['token']}")
    assert followup.json["content"] == "That was the last page."
    assert followup.json["flags"] & FLAG_EPHEMERAL
    card = harness.discord.get_message(int(card["id"]))
    assert button(card, "Next")["disabled"]
    assert card["embeds"][0]["footer"]["text"] == "Page 1"


async def test_a_glif_error_while_paging_is_told_only_to_the_pager(
    harness: Harness, discovery: Discovery
) -> None:
    card = await search_cats(harness, 23)
    harness.glif.inject("glifs", status=429, headers={"Retry-After": "120"}, times=1)

    payload = click(harness, card, "Next", OWNER)

    followup = await harness.discord.wait_for_request("POST", rf"/webhooks/\d+/{payload['token']}")
    assert followup.json["content"] == (
        "Glif is rate limiting requests right now; try again in about 2 minutes."
    )
    assert followup.json["flags"] & FLAG_EPHEMERAL
    assert harness.discord.get_message(int(card["id"]))["embeds"] == card["embeds"]


@pytest.mark.parametrize("count", [3, 23])
async def test_cards_stop_paging_after_their_timeout(
    harness: Harness, discovery: Discovery, count: int
) -> None:
    discovery.paging_timeout = 0.2
    card = await search_cats(harness, count)

    def disabled_everything(request: Any) -> bool:
        sent = request.json.get("components") or []
        items = [item for row in sent for item in row["components"]]
        return bool(items) and all(item["disabled"] for item in items)

    await harness.discord.wait_for(
        lambda request: request.method == "PATCH" and disabled_everything(request)
    )
    card = harness.discord.get_message(int(card["id"]))
    assert all(item["disabled"] for item in components(card))


async def test_a_sphere_pages_through_the_glifs_it_was_read_with(
    harness: Harness, discovery: Discovery
) -> None:
    glifs = [glif_payload(number, name=f"Meme {number:02d}") for number in range(1, 13)]
    harness.glif.inject("spheres", json={"id": "x", "slug": "big", "name": "Big", "spells": glifs})
    payload = await run_command(
        harness, "sphere", "show", payloads.opt_string("sphere", "big"), actor=OWNER
    )
    card = card_of(harness, payload)
    assert not button(card, "Next")["disabled"]

    card = await edit_by(harness, click(harness, card, "Next", OWNER))

    assert listed_names(card) == ["Meme 11", "Meme 12"]
    assert button(card, "Next")["disabled"]
    assert len(harness.glif.requests_to("spheres")) == 1


async def test_a_card_timing_out_during_shutdown_is_left_alone(
    harness: Harness, discovery: Discovery
) -> None:
    discovery.paging_timeout = 0.2
    await search_cats(harness, 23)
    with waiting_for_log("cogs.ui", "timed out while the bot was shutting down") as left_alone:
        await harness.bot.close()
        await asyncio.wait_for(left_alone.wait(), 5)


async def test_a_card_whose_update_is_cut_off_by_shutdown_is_left_alone(
    harness: Harness, discovery: Discovery
) -> None:
    original = r"/webhooks/\d+/[^/]+/messages/@original"
    discovery.paging_timeout = 0.5
    await search_cats(harness, 23)
    # Only the edit that disables the card is held up: the card itself has been shown.
    start = harness.discord.mark()
    harness.discord.delay("PATCH", original, 5)
    with waiting_for_log("cogs.ui", "Could not update a timed-out message") as gave_up:
        await harness.discord.wait_for(
            lambda request: request.matches("PATCH", original), start=start, answered=False
        )
        await harness.bot.close()
        await asyncio.wait_for(gave_up.wait(), 4)
