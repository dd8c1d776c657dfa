"""/glif search and /glif featured: what is asked of Glif and what the channel sees."""

from __future__ import annotations

from cogs.discovery import Discovery
from tests import payloads
from tests.cogs.discovery.support import (
    ATTRIBUTION,
    STICKER_ID,
    TOKEN,
    button,
    card_of,
    glif_requests,
    private_reply,
    run_command,
    select,
)
from tests.fakes.discord import CALLBACK_DEFERRED_MESSAGE, FLAG_EPHEMERAL, NO_MENTIONS
from tests.harness import Harness


async def test_search_shows_matching_glifs_to_the_channel(
    harness: Harness, discovery: Discovery
) -> None:
    payload = await run_command(harness, "glif", "search", payloads.opt_string("query", "sticker"))

    [request] = glif_requests(harness, q="sticker")
    assert request.query == {"q": "sticker", "page": "1", "limit": "10"}
    assert request.authorization is None
    [deferral] = harness.discord.callbacks()
    assert deferral.json["type"] == CALLBACK_DEFERRED_MESSAGE
    assert not deferral.data.get("flags", 0) & FLAG_EPHEMERAL
    [edit] = harness.discord.find("PATCH", rf"/webhooks/\d+/{payload['token']}/messages/@original")
    assert edit.json["allowed_mentions"] == NO_MENTIONS
    card = card_of(harness, payload)
    assert not card["flags"] & FLAG_EPHEMERAL
    [embed] = card["embeds"]
    assert embed["title"] == "Glifs matching “sticker”"
    assert embed["author"] == ATTRIBUTION
    assert embed["footer"]["text"] == "Page 1"
    first, second, third = embed["description"].split("\n\n")
    assert first == (
        "**1.** [**Sticker Maker**](https://glif.app/@stickerwizard/glifs/cmfakeglif1sticker0000000)"
        "\nby stickerwizard · 1,234 runs · image\nTurn anything into a cute die-cut sticker"
    )
    assert second.startswith("**2.** [**Sticker Pack Meme**]")
    assert third.startswith("**3.** [**Haiku Bot**]")
    options = select(card)["options"]
    assert [(o["label"], o["value"]) for o in options] == [
        ("Sticker Maker", STICKER_ID),
        ("Sticker Pack Meme", "cmfakeglif7meme0000000000"),
        ("Haiku Bot", "cmfakeglif2haiku000000000"),
    ]
    assert options[0]["description"] == "by stickerwizard · 1,234 runs"
    assert button(card, "Previous")["disabled"]
    assert button(card, "Next")["disabled"]


async def test_search_reads_with_the_members_own_token(
    harness: Harness, discovery: Discovery
) -> None:
    actor = payloads.Actor.member()
    await harness.services.tokens.store(actor.user_id, TOKEN, "glifuserid", "name")

    await run_command(
        harness, "glif", "search", payloads.opt_string("query", "sticker"), actor=actor
    )

    [request] = glif_requests(harness, q="sticker")
    assert request.authorization == f"Bearer {TOKEN}"


async def test_search_without_results_is_told_only_to_the_member(
    harness: Harness, discovery: Discovery
) -> None:
    harness.glif.search_results["zzzz"] = []
    payload = payloads.slash_command(
        harness.env,
        payloads.Actor.member(),
        "glif",
        payloads.subcommand("search", payloads.opt_string("query", "  zzzz ")),
    )
    harness.dispatch(payload)

    reply = await private_reply(harness, payload)

    assert reply["content"] == "No public glifs match “zzzz”; try other words."
    assert reply["flags"] & FLAG_EPHEMERAL
    assert harness.discord.find("DELETE", rf"/webhooks/\d+/{payload['token']}/messages/@original")
    public = [m for m in harness.discord.messages.values() if not m["flags"] & FLAG_EPHEMERAL]
    assert public == []


async def test_search_results_feed_autocomplete(harness: Harness, discovery: Discovery) -> None:
    await run_command(harness, "glif", "search", payloads.opt_string("query", "sticker"))

    names = [choice.name for choice in discovery.suggestions.suggest("pack m")]

    assert names == ["Sticker Pack Meme · memelord"]


async def test_featured_shows_glifs_featured_on_glif_app(
    harness: Harness, discovery: Discovery
) -> None:
    payload = await run_command(harness, "glif", "featured")

    [request] = glif_requests(harness, featured="1", limit="10")
    assert request.query == {"featured": "1", "page": "1", "limit": "10"}
    card = card_of(harness, payload)
    assert not card["flags"] & FLAG_EPHEMERAL
    [embed] = card["embeds"]
    assert (embed["title"], embed["url"]) == ("Featured glifs", "https://glif.app")
    assert embed["author"] == ATTRIBUTION
    assert [o["label"] for o in select(card)["options"]] == [
        "Retro Game Trailer",
        "Galaxy Brain Expander",
        "Haiku Bot",
    ]
    assert "by memelord · 15,870 runs · image" in embed["description"]


async def test_featured_without_glifs_is_told_only_to_the_member(
    harness: Harness, discovery: Discovery
) -> None:
    harness.glif.inject("glifs", json=[], times=1)
    payload = payloads.slash_command(
        harness.env, payloads.Actor.member(), "glif", payloads.subcommand("featured")
    )
    harness.dispatch(payload)

    reply = await private_reply(harness, payload)

    assert reply["content"] == "Glif features no glifs right now; try /glif search instead."
    assert reply["flags"] & FLAG_EPHEMERAL
