"""/glif runs, /glif user, /sphere list and /sphere show."""

from __future__ import annotations

import pytest

from cogs.discovery import Discovery
from tests import payloads
from tests.cogs.discovery.support import (
    ATTRIBUTION,
    STICKER_ID,
    TOKEN,
    card_of,
    choose,
    edit_by,
    glif_requests,
    private_reply,
    run_command,
    select,
)
from tests.fakes.discord import CALLBACK_MESSAGE, FLAG_EPHEMERAL
from tests.harness import Harness

MEMES = ["Sticker Pack Meme", "Galaxy Brain Expander"]


async def test_runs_of_a_glif(harness: Harness, discovery: Discovery) -> None:
    payload = await run_command(
        harness, "glif", "runs", payloads.opt_string("glif", f"https://glif.app/glifs/{STICKER_ID}")
    )

    [request] = harness.glif.requests_to("runs")
    assert request.query == {"glifId": STICKER_ID, "page": "1", "limit": "10"}
    card = card_of(harness, payload)
    assert not card["flags"] & FLAG_EPHEMERAL
    [embed] = card["embeds"]
    assert embed["title"] == "Recent runs of Sticker Maker"
    assert embed["url"] == f"https://glif.app/glifs/{STICKER_ID}"
    assert embed["author"] == ATTRIBUTION
    first, _, third = embed["description"].split("\n\n")
    assert first == (
        "**1.** [**Sticker Maker**](https://glif.app/@stickerwizard/glifs/cmfakeglif1sticker0000000)"
        "\nby pixelpal · <t:1727864121:R> · 21.8 s · [image](https://res.cloudinary.com/dzkwltgyd"
        "/image/upload/v1727864121/glif-run-outputs/fakerunimg0001.png)"
    )
    assert third.endswith("by memelord · <t:1727822400:R> · no output")
    # Three runs of one glif: the select offers that glif once.
    assert [o["value"] for o in select(card)["options"]] == [STICKER_ID]


async def test_runs_by_a_user(harness: Harness, discovery: Discovery) -> None:
    payload = await run_command(harness, "glif", "runs", payloads.opt_string("user", "@pixelpal"))

    [request] = harness.glif.requests_to("runs")
    assert request.query == {"username": "pixelpal", "page": "1", "limit": "10"}
    [embed] = card_of(harness, payload)["embeds"]
    assert (embed["title"], embed["url"]) == (
        "Recent runs by pixelpal",
        "https://glif.app/@pixelpal",
    )
    assert embed["description"].count("**1.**") == 1
    assert "by pixelpal" in embed["description"]


async def test_runs_read_with_the_members_own_token(harness: Harness, discovery: Discovery) -> None:
    actor = payloads.Actor.member()
    await harness.services.tokens.store(actor.user_id, TOKEN, "glifuserid", "name")

    await run_command(harness, "glif", "runs", payloads.opt_string("user", "pixelpal"), actor=actor)

    [request] = harness.glif.requests_to("runs")
    assert request.authorization == f"Bearer {TOKEN}"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ((), "Give a glif or a Glif username to see recent runs."),
        (
            (payloads.opt_string("glif", STICKER_ID), payloads.opt_string("user", "pixelpal")),
            "Give a glif or a Glif user, not both.",
        ),
        (
            (payloads.opt_string("user", "https://example.com/@pixelpal"),),
            "That is not a Glif username; give it as glif.app shows it, like stickerwizard.",
        ),
    ],
)
async def test_runs_need_one_glif_or_one_user(
    harness: Harness, discovery: Discovery, options: tuple[payloads.Part, ...], message: str
) -> None:
    payload = harness.slash("glif", payloads.subcommand("runs", *options))

    callback = await harness.discord.wait_for_callback(int(payload["id"]))

    assert (callback.json["type"], callback.data["content"]) == (4, message)
    assert callback.data["flags"] & FLAG_EPHEMERAL
    assert harness.glif.requests_to("runs") == []


async def test_no_runs_are_told_privately(harness: Harness, discovery: Discovery) -> None:
    payload = harness.slash(
        "glif", payloads.subcommand("runs", payloads.opt_string("user", "nobody"))
    )

    reply = await private_reply(harness, payload)

    assert reply["content"] == "No public runs by nobody; check the username on glif.app."
    assert reply["flags"] & FLAG_EPHEMERAL


async def test_user_card_shows_the_profile_and_glifs(
    harness: Harness, discovery: Discovery
) -> None:
    payload = await run_command(
        harness, "glif", "user", payloads.opt_string("username", "https://glif.app/@stickerwizard")
    )

    [profile_request] = harness.glif.requests_to("user")
    assert profile_request.query == {"username": "stickerwizard"}
    [glifs_request] = glif_requests(harness, username="stickerwizard")
    assert glifs_request.query == {"username": "stickerwizard", "page": "1", "limit": "10"}
    card = card_of(harness, payload)
    assert not card["flags"] & FLAG_EPHEMERAL
    [embed] = card["embeds"]
    assert embed["title"] == "Sticker Wizard (@stickerwizard)"
    assert embed["url"] == "https://glif.app/@stickerwizard"
    assert embed["thumbnail"]["url"].endswith("/fakeavatar0001.jpg")
    assert embed["author"] == ATTRIBUTION
    assert embed["description"].startswith(
        "I make stickers\nInternet · [https://example.com](https://example.com)\n\n**1.** "
    )
    assert [o["label"] for o in select(card)["options"]] == ["Sticker Maker", "Retro Game Trailer"]


async def test_a_user_without_glifs_still_gets_a_card(
    harness: Harness, discovery: Discovery
) -> None:
    payload = await run_command(
        harness, "glif", "user", payloads.opt_string("username", "glifbot-tester")
    )

    card = card_of(harness, payload)
    [embed] = card["embeds"]
    assert embed["title"] == "Bot Tester (@glifbot-tester)"
    assert embed["description"] == "*Bot Tester has published no glifs yet.*"
    assert all(item["type"] == 2 for row in card["components"] for item in row["components"])


async def test_an_unknown_user_is_told_privately(harness: Harness, discovery: Discovery) -> None:
    payload = harness.slash(
        "glif", payloads.subcommand("user", payloads.opt_string("username", "ghost"))
    )

    reply = await private_reply(harness, payload)

    assert reply["content"] == "There is no Glif user named ghost; check the name on glif.app."
    assert reply["flags"] & FLAG_EPHEMERAL


async def test_sphere_list_and_opening_a_sphere(harness: Harness, discovery: Discovery) -> None:
    payload = await run_command(harness, "sphere", "list")

    [request] = harness.glif.requests_to("spheres")
    assert request.query == {"page": "1", "limit": "10"}
    card = card_of(harness, payload)
    assert not card["flags"] & FLAG_EPHEMERAL
    [embed] = card["embeds"]
    assert (embed["title"], embed["url"]) == ("Spheres", "https://glif.app/spheres")
    assert embed["author"] == ATTRIBUTION
    assert embed["description"].startswith(
        "**1.** [**Memes**](https://glif.app/spheres/memes)\nMeme generators of all kinds"
    )
    chooser = select(card)
    assert chooser["placeholder"] == "Open a sphere"
    assert [o["value"] for o in chooser["options"]] == ["memes", "stickers"]

    sphere_card = await edit_by(
        harness, choose(harness, card, "memes", payloads.Actor.member(username="bob"))
    )

    assert sphere_card["flags"] & FLAG_EPHEMERAL
    assert sphere_card["embeds"][0]["title"] == "Sphere: Memes"
    assert [o["label"] for o in select(sphere_card)["options"]] == MEMES


@pytest.mark.parametrize("reference", ["memes", "https://glif.app/spheres/memes", "Memes"])
async def test_sphere_show(harness: Harness, discovery: Discovery, reference: str) -> None:
    payload = await run_command(harness, "sphere", "show", payloads.opt_string("sphere", reference))

    [request] = harness.glif.requests_to("spheres")
    assert request.query == {"slug": "memes"}
    card = card_of(harness, payload)
    assert not card["flags"] & FLAG_EPHEMERAL
    [embed] = card["embeds"]
    assert (embed["title"], embed["url"]) == ("Sphere: Memes", "https://glif.app/spheres/memes")
    assert embed["description"].startswith("Meme generators of all kinds\n\n**1.** ")
    assert embed["author"] == ATTRIBUTION
    assert [o["label"] for o in select(card)["options"]] == MEMES
    assert [name.name for name in discovery.suggestions.suggest("galaxy")] == [
        "Galaxy Brain Expander · memelord"
    ]


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("nowhere", "There is no public sphere nowhere; /sphere list shows them all."),
        ("stickers", "The sphere Stickers has no public glifs yet."),
    ],
)
async def test_missing_or_empty_spheres_are_told_privately(
    harness: Harness, discovery: Discovery, reference: str, message: str
) -> None:
    payload = harness.slash(
        "sphere", payloads.subcommand("show", payloads.opt_string("sphere", reference))
    )

    reply = await private_reply(harness, payload)

    assert reply["content"] == message
    assert reply["flags"] & FLAG_EPHEMERAL


async def test_a_sphere_reference_that_is_no_sphere_is_refused(
    harness: Harness, discovery: Discovery
) -> None:
    payload = harness.slash(
        "sphere", payloads.subcommand("show", payloads.opt_string("sphere", "memes and more"))
    )

    callback = await harness.discord.wait_for_callback(int(payload["id"]))

    assert callback.json["type"] == CALLBACK_MESSAGE
    assert callback.data["content"].startswith("That is not a sphere name or a glif.app link")
    assert callback.data["flags"] & FLAG_EPHEMERAL
