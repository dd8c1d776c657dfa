"""The fake's own behaviour that other tests rely on: media, run bookkeeping and faults."""

import asyncio

import aiohttp

from bot.glif.client import GlifClient
from tests.fakes.glif import CLIENT_WENT_AWAY, STICKER_GLIF_ID, FakeGlif, MediaFile

TOKEN = "glif-secret-token-0123456789"


async def test_media_is_served_with_its_type_and_counted(fake_glif: FakeGlif) -> None:
    fake_glif.media["clip.mp4"] = MediaFile(size=200_000, content_type="video/mp4")
    async with (
        aiohttp.ClientSession() as session,
        session.get(fake_glif.media_url("clip.mp4")) as response,
    ):
        body = await response.read()
        assert response.content_type == "video/mp4"
        assert response.content_length == 200_000
    assert len(body) == 200_000
    assert fake_glif.media_bytes_sent["clip.mp4"] == 200_000


async def test_a_client_that_stops_reading_stops_the_count(fake_glif: FakeGlif) -> None:
    size = 256 * 1024 * 1024
    fake_glif.media["huge.mp4"] = MediaFile(size=size)
    async with aiohttp.ClientSession() as session:
        response = await session.get(fake_glif.media_url("huge.mp4"))
        await response.content.readexactly(1024)
        response.close()
    requests = await fake_glif.wait_for(lambda requests: requests[0].status is not None)
    assert requests[0].status == CLIENT_WENT_AWAY
    assert 1024 <= fake_glif.media_bytes_sent["huge.mp4"] < size


async def test_media_can_hide_its_length(fake_glif: FakeGlif) -> None:
    fake_glif.media["song.mp3"] = MediaFile(
        size=10, content_type="audio/mpeg", declare_length=False
    )
    async with (
        aiohttp.ClientSession() as session,
        session.get(fake_glif.media_url("song.mp3")) as response,
    ):
        assert response.content_length is None
        assert len(await response.read()) == 10


async def test_unknown_media_is_404(fake_glif: FakeGlif) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(fake_glif.media_url("nothing.png")) as response,
    ):
        assert response.status == 404


async def test_run_with_the_id_in_the_body(fake_glif: FakeGlif) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            fake_glif.simple_api_url,
            json={"id": STICKER_GLIF_ID, "inputs": ["a corgi"]},
            headers={"Authorization": f"Bearer {TOKEN}"},
        ) as response,
    ):
        payload = await response.json()
    assert payload["outputFull"]["type"] == "IMAGE"
    assert fake_glif.requests[0].glif_id == STICKER_GLIF_ID


async def test_run_without_a_token_is_401(fake_glif: FakeGlif) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{fake_glif.simple_api_url}/{STICKER_GLIF_ID}", json={}) as response,
    ):
        assert response.status == 401
        assert await response.json() == {"error": "Unauthorized"}


async def test_concurrent_runs_are_counted(glif_client: GlifClient, fake_glif: FakeGlif) -> None:
    gate = fake_glif.hold_runs()
    runs = [
        asyncio.create_task(glif_client.run_glif(STICKER_GLIF_ID, {}, token=TOKEN))
        for _ in range(3)
    ]
    await fake_glif.wait_for(lambda requests: len(requests) == 3)
    assert fake_glif.in_flight_runs == 3
    gate.set()
    await asyncio.gather(*runs)
    assert (fake_glif.in_flight_runs, fake_glif.max_in_flight_runs) == (0, 3)


async def test_a_hold_can_target_one_glif(glif_client: GlifClient, fake_glif: FakeGlif) -> None:
    fake_glif.hold_runs("cmfakeglif2haiku000000000")
    result = await glif_client.run_glif(STICKER_GLIF_ID, {}, token=TOKEN)
    assert result.glif_id == STICKER_GLIF_ID


async def test_faults_apply_a_number_of_times_or_until_cleared(
    glif_client: GlifClient, fake_glif: FakeGlif
) -> None:
    fake_glif.inject("user", status=418, times=1)
    fake_glif.inject("runs", status=400)
    async with aiohttp.ClientSession() as session:
        statuses = []
        for _ in range(2):
            async with session.get(f"{fake_glif.api_url}/user?username=stickerwizard") as response:
                statuses.append(response.status)
        async with session.get(f"{fake_glif.api_url}/runs") as response:
            statuses.append(response.status)
        fake_glif.clear_faults("runs")
        async with session.get(f"{fake_glif.api_url}/runs") as response:
            statuses.append(response.status)
    assert statuses == [418, 200, 400, 200]


async def test_stopping_releases_held_requests() -> None:
    fake = FakeGlif()
    await fake.start()
    fake.hold_runs()
    async with aiohttp.ClientSession() as session:
        pending = asyncio.create_task(
            session.post(
                f"{fake.simple_api_url}/{STICKER_GLIF_ID}",
                json={},
                headers={"Authorization": f"Bearer {TOKEN}"},
            )
        )
        await fake.wait_for(lambda requests: len(requests) == 1)
        await fake.stop()
        response = await pending
        response.release()
