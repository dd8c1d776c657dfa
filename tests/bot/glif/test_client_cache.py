"""Reads are cached per caller for a TTL, then revalidated with conditional GETs."""

import pytest

from bot.glif.client import GlifClient
from bot.glif.errors import GlifRateLimited
from tests.bot.glif.conftest import ClientFactory, ManualClock
from tests.fakes.glif import LAST_MODIFIED, STICKER_GLIF_ID, FakeGlif

TOKEN = "glif-secret-token-0123456789"


async def test_a_repeated_read_is_served_from_the_cache(
    glif_client: GlifClient, fake_glif: FakeGlif
) -> None:
    first = await glif_client.get_glif(STICKER_GLIF_ID)
    second = await glif_client.get_glif(STICKER_GLIF_ID)
    assert first == second
    assert len(fake_glif.requests) == 1


async def test_different_queries_are_cached_apart(
    glif_client: GlifClient, fake_glif: FakeGlif
) -> None:
    await glif_client.search_glifs("sticker")
    await glif_client.search_glifs("haiku")
    await glif_client.search_glifs("sticker", page=2)
    assert len(fake_glif.requests) == 3


async def test_token_holders_and_anonymous_callers_do_not_share_entries(
    glif_client: GlifClient, fake_glif: FakeGlif
) -> None:
    await glif_client.get_glif(STICKER_GLIF_ID, token=TOKEN)
    await glif_client.get_glif(STICKER_GLIF_ID)
    await glif_client.get_glif(STICKER_GLIF_ID, token="someone-else")
    await glif_client.get_glif(STICKER_GLIF_ID, token=TOKEN)
    assert [request.authorization for request in fake_glif.requests] == [
        f"Bearer {TOKEN}",
        None,
        "Bearer someone-else",
    ]


async def test_entries_expire_after_the_ttl(
    make_client: ClientFactory, fake_glif: FakeGlif, clock: ManualClock
) -> None:
    client = make_client(cache_ttl=60, clock=clock)
    await client.featured_glifs()
    clock.advance(59)
    await client.featured_glifs()
    assert len(fake_glif.requests) == 1
    clock.advance(2)
    await client.featured_glifs()
    assert len(fake_glif.requests) == 2


async def test_me_is_never_cached(glif_client: GlifClient, fake_glif: FakeGlif) -> None:
    await glif_client.me(TOKEN)
    await glif_client.me(TOKEN)
    assert len(fake_glif.requests) == 2


async def test_runs_are_never_cached(glif_client: GlifClient, fake_glif: FakeGlif) -> None:
    await glif_client.run_glif(STICKER_GLIF_ID, {}, token=TOKEN)
    await glif_client.run_glif(STICKER_GLIF_ID, {}, token=TOKEN)
    assert len(fake_glif.requests) == 2


async def test_failures_are_not_cached(glif_client: GlifClient, fake_glif: FakeGlif) -> None:
    fake_glif.inject("glifs", status=429, times=1)
    with pytest.raises(GlifRateLimited):
        await glif_client.get_glif(STICKER_GLIF_ID)
    glif = await glif_client.get_glif(STICKER_GLIF_ID)
    assert glif.id == STICKER_GLIF_ID
    assert len(fake_glif.requests) == 2


async def test_an_expired_entry_is_revalidated_and_a_304_reuses_it(
    make_client: ClientFactory, fake_glif: FakeGlif, clock: ManualClock
) -> None:
    fake_glif.conditional_get = True
    client = make_client(cache_ttl=60, clock=clock)
    first = await client.get_glif(STICKER_GLIF_ID)
    clock.advance(61)
    second = await client.get_glif(STICKER_GLIF_ID)
    assert second == first
    initial, revalidation = fake_glif.requests
    etag = initial.headers.get("If-None-Match")
    assert etag is None
    assert revalidation.headers["If-None-Match"].startswith('"')
    assert revalidation.headers["If-Modified-Since"] == LAST_MODIFIED
    assert revalidation.status == 304
    # The 304 renewed the entry, so the next read within the TTL sends nothing.
    await client.get_glif(STICKER_GLIF_ID)
    assert len(fake_glif.requests) == 2


async def test_a_changed_resource_is_replaced(
    make_client: ClientFactory, fake_glif: FakeGlif, clock: ManualClock
) -> None:
    fake_glif.conditional_get = True
    client = make_client(cache_ttl=60, clock=clock)
    await client.search_glifs("sticker")
    fake_glif.search_results["sticker"] = "glifs-featured"
    clock.advance(61)
    glifs = await client.search_glifs("sticker")
    assert glifs[0].name == "Retro Game Trailer"
    assert fake_glif.requests[-1].status == 200


async def test_without_validators_an_expired_entry_is_fetched_plainly(
    make_client: ClientFactory, fake_glif: FakeGlif, clock: ManualClock
) -> None:
    client = make_client(cache_ttl=60, clock=clock)
    await client.get_glif(STICKER_GLIF_ID)
    clock.advance(61)
    await client.get_glif(STICKER_GLIF_ID)
    assert "If-None-Match" not in fake_glif.requests[-1].headers
    assert "If-Modified-Since" not in fake_glif.requests[-1].headers


async def test_the_cache_keeps_only_the_most_recent_entries(
    make_client: ClientFactory, fake_glif: FakeGlif
) -> None:
    client = make_client(cache_max_entries=2)
    for query in ("a", "b", "c", "a"):
        await client.search_glifs(query)
    assert [request.query["q"] for request in fake_glif.requests] == ["a", "b", "c", "a"]
