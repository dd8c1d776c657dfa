"""/glif info and the info card that the select of every result card opens."""

from __future__ import annotations

from typing import Any

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
    glif_payload,
    glif_requests,
    private_reply,
    run_command,
)
from tests.fakes.discord import (
    CALLBACK_DEFERRED_MESSAGE,
    CALLBACK_MESSAGE,
    FLAG_EPHEMERAL,
    is_ephemeral,
)
from tests.harness import Harness

STICKER_URL = f"https://glif.app/@stickerwizard/glifs/{STICKER_ID}"


def fields_of(embed: dict[str, Any]) -> dict[str, str]:
    return {field["name"]: field["value"] for field in embed["fields"]}


async def info(harness: Harness, glif: str, **kwargs: Any) -> dict[str, Any]:
    return await run_command(harness, "glif", "info", payloads.opt_string("glif", glif), **kwargs)


async def test_info_card_shows_the_glif_its_inputs_and_recent_runs(
    harness: Harness, discovery: Discovery
) -> None:
    payload = await info(harness, STICKER_ID)

    card = card_of(harness, payload)
    assert not card["flags"] & FLAG_EPHEMERAL
    [embed] = card["embeds"]
    assert (embed["title"], embed["url"]) == ("Sticker Maker", STICKER_URL)
    assert embed["description"] == "Turn anything into a cute die-cut sticker"
    assert embed["author"] == ATTRIBUTION
    assert embed["footer"]["text"] == f"glif id {STICKER_ID}"
    fields = fields_of(embed)
    assert fields["Creator"] == (
        "[Sticker Wizard](https://glif.app/@stickerwizard) (@stickerwizard)"
    )
    assert fields["Runs"] == "1,234"
    assert fields["Average duration"] == "23.5 s"
    assert fields["Output"] == "image"
    assert fields["Input: What should the sticker show?"] == (
        "`subject` · text · default “a happy corgi astronaut”"
    )
    assert fields["Input: Style"] == (
        "`style` · choice · default “Kawaii” · choices: Kawaii, Pixel art, Watercolor, 3D clay"
    )
    assert fields["Input: Reference image (optional)"] == "`reference` · image"
    assert fields["Input: mood"] == (
        "`mood` · choice · default “cheerful” · choices: cheerful, spooky, chill"
        " · picked at random if left empty"
    )
    first, second, third = fields["Recent runs"].split("\n")
    assert first == (
        "<t:1727864121:R> · by pixelpal · 21.8 s · [image](https://res.cloudinary.com/dzkwltgyd"
        "/image/upload/v1727864121/glif-run-outputs/fakerunimg0001.png)"
    )
    assert second.startswith("<t:1727859690:R> · by glifbot-tester · 30.4 s · [image](")
    assert third == "<t:1727822400:R> · by memelord · no output"
    [glif_request] = glif_requests(harness, id=STICKER_ID)
    [runs_request] = harness.glif.requests_to("runs")
    assert runs_request.query == {"glifId": STICKER_ID, "page": "1", "limit": "5"}
    assert glif_request.authorization is None
    assert runs_request.authorization is None


async def test_info_card_has_run_and_open_buttons(harness: Harness, discovery: Discovery) -> None:
    payload = await info(harness, STICKER_ID)

    [row] = card_of(harness, payload)["components"]
    run, web = row["components"]
    assert (run["label"], run["custom_id"], run["style"]) == ("Run", f"glif:run:{STICKER_ID}", 1)
    assert (web["label"], web["url"], web["style"]) == ("Open on glif.app", STICKER_URL, 5)


async def test_info_reads_with_the_members_own_token(
    harness: Harness, discovery: Discovery
) -> None:
    actor = payloads.Actor.member()
    await harness.services.tokens.store(actor.user_id, TOKEN, "glifuserid", "name")

    await info(harness, STICKER_ID, actor=actor)

    [glif_request] = glif_requests(harness, id=STICKER_ID)
    [runs_request] = harness.glif.requests_to("runs")
    assert glif_request.authorization == runs_request.authorization == f"Bearer {TOKEN}"


@pytest.mark.parametrize(
    "reference",
    [
        STICKER_ID,
        STICKER_ID.upper(),
        f"https://glif.app/glifs/{STICKER_ID}",
        STICKER_URL,
        f"<{STICKER_URL}>",
        f"glif.app/glifs/{STICKER_ID}/",
        f"https://www.glif.app/@stickerwizard/glifs/{STICKER_ID}?tab=runs",
    ],
)
async def test_the_glif_option_takes_ids_and_links(
    harness: Harness, discovery: Discovery, reference: str
) -> None:
    payload = await info(harness, reference)

    assert glif_requests(harness, id=STICKER_ID)
    assert card_of(harness, payload)["embeds"][0]["title"] == "Sticker Maker"


async def test_the_glif_option_takes_the_exact_name_of_a_glif_shown_before(
    harness: Harness, discovery: Discovery
) -> None:
    await run_command(harness, "glif", "search", payloads.opt_string("query", "sticker"))

    payload = await info(harness, "sticker maker")

    assert card_of(harness, payload)["embeds"][0]["title"] == "Sticker Maker"


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        (
            "make me a sticker",
            "That is not a glif id or a glif.app link; paste a link like https://glif.app/glifs/<id>.",
        ),
        (
            f"https://example.com/glifs/{STICKER_ID}",
            "That is not a glif id or a glif.app link; paste a link like https://glif.app/glifs/<id>.",
        ),
        (
            "https://glif.app/@stickerwizard",
            "That glif.app link does not point to a glif; open the glif and copy its address.",
        ),
    ],
)
async def test_anything_else_is_refused_privately(
    harness: Harness, discovery: Discovery, reference: str, message: str
) -> None:
    payload = harness.slash(
        "glif", payloads.subcommand("info", payloads.opt_string("glif", reference))
    )

    callback = await harness.discord.wait_for_callback(int(payload["id"]))

    assert callback.json["type"] == CALLBACK_MESSAGE
    assert callback.data["content"] == message
    assert callback.data["flags"] & FLAG_EPHEMERAL
    assert harness.glif.requests_to("glifs") == glif_requests(harness, featured="1")


async def test_an_unknown_glif_is_told_privately(harness: Harness, discovery: Discovery) -> None:
    unknown = "cmfakeglif0unknown0000000"
    payload = harness.slash(
        "glif", payloads.subcommand("info", payloads.opt_string("glif", unknown))
    )

    reply = await private_reply(harness, payload)

    assert reply["content"] == (
        f"There is no glif with the id {unknown}; check it, or pick one while typing."
    )
    assert reply["flags"] & FLAG_EPHEMERAL
    assert harness.discord.find("DELETE", rf"/webhooks/\d+/{payload['token']}/messages/@original")


async def test_an_info_card_survives_unreadable_recent_runs(
    harness: Harness, discovery: Discovery
) -> None:
    harness.glif.inject("runs", status=404, times=1)

    payload = await info(harness, STICKER_ID)

    fields = fields_of(card_of(harness, payload)["embeds"][0])
    assert fields["Recent runs"] == "Could not read the recent runs from Glif right now."


async def test_a_glif_listed_without_its_graph_says_so(
    harness: Harness, discovery: Discovery
) -> None:
    haiku = "cmfakeglif2haiku000000000"

    payload = await info(harness, haiku)

    fields = fields_of(card_of(harness, payload)["embeds"][0])
    assert fields["Inputs"] == "Glif did not list this glif's inputs."
    assert fields["Recent runs"] == "No public runs yet."


@pytest.mark.parametrize("chooser", ["owner", "someone else"])
async def test_the_select_opens_the_info_card_for_whoever_chose(
    harness: Harness, discovery: Discovery, chooser: str
) -> None:
    owner = payloads.Actor.member(username="ada")
    payload = await run_command(
        harness, "glif", "search", payloads.opt_string("query", "sticker"), actor=owner
    )
    actor = owner if chooser == "owner" else payloads.Actor.member(username="bob")

    picked = choose(harness, card_of(harness, payload), STICKER_ID, actor)

    card = await edit_by(harness, picked)
    deferral = await harness.discord.wait_for_callback(int(picked["id"]))
    assert deferral.json["type"] == CALLBACK_DEFERRED_MESSAGE
    assert is_ephemeral(deferral.data)
    assert card["flags"] & FLAG_EPHEMERAL
    assert card["embeds"][0]["title"] == "Sticker Maker"
    assert card["components"][0]["components"][0]["custom_id"] == f"glif:run:{STICKER_ID}"
    search_card = card_of(harness, payload)
    assert search_card["embeds"][0]["title"] == "Glifs matching “sticker”"


async def test_cards_of_oversized_glifs_fit_discords_limits(
    harness: Harness, discovery: Discovery
) -> None:
    huge = "[x](https://evil.example) *" * 400
    nodes = [
        {
            "name": f"input{number}" * 10,
            "type": "MultipickBlock",
            "params": {"label": huge, "value": huge, "options": [huge] * 3},
        }
        for number in range(12)
    ]
    glif = glif_payload(1, name=huge, creator="c" * 300) | {
        "description": huge,
        "data": {"nodes": nodes},
    }
    run = {
        "id": "q3fakerun1huge0000000000",
        "spellId": glif["id"],
        "output": huge,
        "user": {"id": "u", "username": "r" * 300},
        "spell": glif,
    }
    harness.glif.inject("glifs", json=[glif], glif_id=glif["id"])
    harness.glif.inject("runs", json=[run] * 5, glif_id=glif["id"])
    harness.glif.search_results["huge"] = [glif] * 10

    payload = await info(harness, glif["id"])
    listed = await run_command(harness, "glif", "search", payloads.opt_string("query", "huge"))

    [embed] = card_of(harness, payload)["embeds"]
    assert len(embed["fields"]) <= 25
    assert "[x](" not in embed["description"]
    assert len(card_of(harness, listed)["embeds"][0]["description"]) <= 4096
