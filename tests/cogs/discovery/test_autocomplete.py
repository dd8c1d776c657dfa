"""Autocomplete of the ``glif`` option: answered from memory at once, filled in the background."""

from __future__ import annotations

import asyncio
import time

import pytest

from cogs.discovery import Discovery
from tests import payloads
from tests.cogs.discovery.support import (
    STICKER_ID,
    autocomplete,
    choices_for,
    glif_payload,
    glif_requests,
    run_command,
)
from tests.fakes.glif import CLIENT_WENT_AWAY
from tests.harness import Harness

FEATURED = [
    {"name": "Retro Game Trailer · stickerwizard", "value": "cmfakeglif4trailer0000000"},
    {"name": "Galaxy Brain Expander · memelord", "value": "cmfakeglif8expand00000000"},
    {"name": "Haiku Bot · pixelpal", "value": "cmfakeglif2haiku000000000"},
]


async def test_featured_glifs_are_read_at_start_and_fill_an_empty_box(
    harness: Harness, discovery: Discovery
) -> None:
    [warm_up] = glif_requests(harness, featured="1")
    assert warm_up.query == {"featured": "1", "page": "1", "limit": "25"}
    assert warm_up.authorization is None

    assert await choices_for(harness, "") == FEATURED


async def test_a_cold_answer_is_empty_and_fast_then_the_cache_fills(
    harness: Harness, discovery: Discovery
) -> None:
    harness.glif.search_results["zebra"] = [glif_payload(1, name="Zebra Painter")]

    started = time.perf_counter()
    cold = await choices_for(harness, "Zebra")
    elapsed = time.perf_counter() - started

    assert cold == []
    assert elapsed < 2.0  # within Discord's 3 s with room for a loaded test machine
    await harness.glif.wait_for(lambda _requests: bool(glif_requests(harness, q="zebra")))
    [search] = glif_requests(harness, q="zebra")
    assert search.query == {"q": "zebra", "page": "1", "limit": "25"}
    assert search.authorization is None
    await discovery.suggestions.settle()

    warm = await choices_for(harness, "zebra")

    assert warm == [{"name": "Zebra Painter · zoe", "value": "cmfakeglif000000000000001"}]
    assert len(glif_requests(harness, q="zebra")) == 1


async def test_longer_text_is_answered_from_a_shorter_search(
    harness: Harness, discovery: Discovery
) -> None:
    harness.glif.search_results["ze"] = [
        glif_payload(1, name="Zebra Painter"),
        glif_payload(2, name="Zen Garden"),
    ]
    await choices_for(harness, "ze")
    await discovery.suggestions.settle()

    choices = await choices_for(harness, "zen g")

    assert [choice["name"] for choice in choices] == ["Zen Garden · zoe"]


async def test_autocomplete_never_waits_for_glif(harness: Harness, discovery: Discovery) -> None:
    gate = asyncio.Event()
    harness.glif.inject("glifs", gate=gate)

    payload = autocomplete(harness, "slow typing")

    callback = await harness.discord.wait_for_callback(int(payload["id"]))
    assert callback.data["choices"] == []
    [held] = glif_requests(harness, q="slow typing")
    assert held.status is None
    gate.set()
    await discovery.suggestions.settle()


async def test_at_most_25_choices_with_short_names_and_glif_ids(
    harness: Harness, discovery: Discovery
) -> None:
    harness.glif.search_results["long"] = [
        glif_payload(number, name=f"Long {number} " + "x" * 150, creator="c" * 60)
        for number in range(1, 41)
    ]
    await choices_for(harness, "long")
    await discovery.suggestions.settle()

    choices = await choices_for(harness, "long")

    assert len(choices) == 25
    assert all(len(choice["name"]) <= 100 for choice in choices)
    assert choices[0]["name"].startswith("Long 1 xxx")
    assert choices[0]["name"].endswith("… · " + "c" * 31 + "…")
    assert choices[0]["value"] == "cmfakeglif000000000000001"


@pytest.mark.parametrize(
    "typed",
    [STICKER_ID, f"https://glif.app/glifs/{STICKER_ID}", f"glif.app/@someone/glifs/{STICKER_ID}"],
)
async def test_a_pasted_id_or_link_is_offered_as_that_glif(
    harness: Harness, discovery: Discovery, typed: str
) -> None:
    await run_command(harness, "glif", "search", payloads.opt_string("query", "sticker"))

    choices = await choices_for(harness, typed, subcommand="runs")

    assert choices == [{"name": "Sticker Maker · stickerwizard", "value": STICKER_ID}]
    assert glif_requests(harness, q=typed.casefold()) == []


async def test_glif_failures_pause_background_reads(harness: Harness, discovery: Discovery) -> None:
    harness.glif.inject("glifs", status=429, headers={"Retry-After": "60"}, times=1)
    await choices_for(harness, "first")
    await discovery.suggestions.settle()

    assert await choices_for(harness, "second") == []
    await discovery.suggestions.settle()

    assert glif_requests(harness, q="first")
    assert glif_requests(harness, q="second") == []


async def test_closing_stops_background_reads(harness: Harness, discovery: Discovery) -> None:
    harness.glif.inject("glifs", gate=asyncio.Event())
    autocomplete(harness, "never answered")
    await harness.glif.wait_for(lambda _requests: bool(glif_requests(harness, q="never answered")))

    await discovery.close()

    [held] = glif_requests(harness, q="never answered")
    await harness.glif.wait_for(lambda _requests: held.status == CLIENT_WENT_AWAY)


async def test_background_reads_are_few_and_newest_first(
    harness: Harness, discovery: Discovery
) -> None:
    gate = asyncio.Event()
    harness.glif.inject("glifs", gate=gate, times=2)
    typed = [f"word{number:02d}" for number in range(1, 13)]
    for text in typed:
        await choices_for(harness, text)
    assert [
        r.query["q"] for r in glif_requests(harness, page="1", limit="25") if "q" in r.query
    ] == [
        "word01",
        "word02",
    ]

    gate.set()
    await discovery.suggestions.settle()

    searched = [r.query["q"] for r in harness.glif.requests_to("glifs") if "q" in r.query]
    # Two at a time; of the ten that waited, the eight newest, newest first.
    assert searched[:2] == ["word01", "word02"]
    assert sorted(searched[2:]) == typed[4:]
    assert set(searched[2:4]) == {"word12", "word11"}
