"""Every way Glif can fail maps to one typed error, with a message fit for a member."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from bot.glif.client import GlifClient
from bot.glif.errors import (
    GlifError,
    GlifInvalidToken,
    GlifNotFound,
    GlifRateLimited,
    GlifRunFailed,
    GlifTimedOut,
    GlifUnavailable,
)
from bot.glif.responses import HttpAnswer, Purpose, interpret
from tests.bot.glif.conftest import ClientFactory
from tests.fakes.glif import STICKER_GLIF_ID, FakeGlif, load_fixture

TOKEN = "glif-secret-token-0123456789"

GlifCall = Callable[[GlifClient], Awaitable[object]]


async def read(client: GlifClient) -> object:
    return await client.get_glif(STICKER_GLIF_ID, token=TOKEN)


async def run(client: GlifClient) -> object:
    return await client.run_glif(STICKER_GLIF_ID, {"subject": "x"}, token=TOKEN)


def assert_fit_for_members(error: GlifError) -> None:
    message = error.user_message
    assert message == str(error)
    assert message.endswith((".", "!", "?", "…"))
    assert TOKEN not in message
    assert TOKEN not in (error.detail or "")


async def test_401_is_an_invalid_token(glif_client: GlifClient, fake_glif: FakeGlif) -> None:
    fake_glif.valid_tokens = {"another-token"}
    with pytest.raises(GlifInvalidToken) as caught:
        await glif_client.me(TOKEN)
    assert_fit_for_members(caught.value)
    with pytest.raises(GlifInvalidToken):
        await run(glif_client)


async def test_401_without_a_token_asks_for_one(
    glif_client: GlifClient, fake_glif: FakeGlif
) -> None:
    fake_glif.inject("glifs", status=401, json=load_fixture("unauthorized-401"))
    with pytest.raises(GlifInvalidToken, match="needs an API token"):
        await glif_client.get_glif(STICKER_GLIF_ID)


@pytest.mark.parametrize("call", [read, run])
async def test_429_with_retry_after_seconds(
    glif_client: GlifClient, fake_glif: FakeGlif, call: GlifCall
) -> None:
    for route in ("glifs", "run"):
        fake_glif.inject(
            route, status=429, headers={"Retry-After": "60"}, json=load_fixture("rate-limited-429")
        )
    with pytest.raises(GlifRateLimited) as caught:
        await call(glif_client)
    assert caught.value.retry_after == 60
    assert "60 seconds" in str(caught.value)
    assert_fit_for_members(caught.value)
    assert len(fake_glif.requests) == 1


async def test_429_with_an_http_date(glif_client: GlifClient, fake_glif: FakeGlif) -> None:
    later = datetime.now(UTC) + timedelta(minutes=5)
    fake_glif.inject(
        "glifs", status=429, headers={"Retry-After": format_datetime(later, usegmt=True)}
    )
    with pytest.raises(GlifRateLimited) as caught:
        await read(glif_client)
    assert caught.value.retry_after is not None
    assert 290 <= caught.value.retry_after <= 300


async def test_429_without_a_hint_has_no_retry_after(
    glif_client: GlifClient, fake_glif: FakeGlif
) -> None:
    fake_glif.inject("glifs", status=429, body=b"slow down", content_type="text/plain")
    with pytest.raises(GlifRateLimited) as caught:
        await read(glif_client)
    assert caught.value.retry_after is None
    assert "try again later" in str(caught.value)


async def test_run_error_with_http_200_keeps_glifs_text(
    glif_client: GlifClient, fake_glif: FakeGlif
) -> None:
    fake_glif.set_run_response(STICKER_GLIF_ID, "simple-api-error-strict")
    with pytest.raises(GlifRunFailed) as caught:
        await run(glif_client)
    assert caught.value.glif_text == "Missing required input(s): subject"
    assert "Missing required input(s): subject" in str(caught.value)
    assert_fit_for_members(caught.value)


async def test_run_of_an_unknown_glif_fails_with_glifs_text(glif_client: GlifClient) -> None:
    with pytest.raises(GlifRunFailed, match="Glif not found"):
        await glif_client.run_glif("cm0doesnotexist0000000000", {}, token=TOKEN)


async def test_long_run_errors_are_trimmed_and_tokens_redacted(
    glif_client: GlifClient, fake_glif: FakeGlif
) -> None:
    fake_glif.set_run_response(
        STICKER_GLIF_ID, {"error": f"bad input for token {TOKEN}: " + "x" * 5000}
    )
    with pytest.raises(GlifRunFailed) as caught:
        await run(glif_client)
    assert caught.value.glif_text is not None
    assert len(caught.value.glif_text) <= 300
    assert_fit_for_members(caught.value)


@pytest.mark.parametrize(
    ("error", "retry_after"),
    [
        ("Rate limit exceeded, please try again later", None),
        ("Too many requests, try again in 30 seconds", 30),
        ("rate_limited: retry in 2 minutes", 120),
    ],
)
async def test_rate_limit_wording_in_a_200_is_rate_limited(
    glif_client: GlifClient, fake_glif: FakeGlif, error: str, retry_after: float | None
) -> None:
    fake_glif.set_run_response(STICKER_GLIF_ID, {"error": error})
    with pytest.raises(GlifRateLimited) as caught:
        await run(glif_client)
    assert caught.value.retry_after == retry_after


async def test_retry_after_from_the_body(glif_client: GlifClient, fake_glif: FakeGlif) -> None:
    fake_glif.set_run_response(STICKER_GLIF_ID, {"error": "rate limited", "retryAfter": 12})
    with pytest.raises(GlifRateLimited) as caught:
        await run(glif_client)
    assert caught.value.retry_after == 12


async def test_unauthorized_wording_in_a_200_is_an_invalid_token(
    glif_client: GlifClient, fake_glif: FakeGlif
) -> None:
    fake_glif.set_run_response(STICKER_GLIF_ID, load_fixture("unauthorized-401"))
    with pytest.raises(GlifInvalidToken):
        await run(glif_client)


async def test_read_error_with_http_200_is_unavailable_or_not_found(
    glif_client: GlifClient, fake_glif: FakeGlif
) -> None:
    fake_glif.inject("glifs", json={"error": "Internal error"}, times=1)
    fake_glif.inject("glifs", json={"error": "Glif not found"}, times=1)
    with pytest.raises(GlifUnavailable):
        await read(glif_client)
    with pytest.raises(GlifNotFound):
        await read(glif_client)


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_5xx_reads_are_retried_then_unavailable(
    make_client: ClientFactory, fake_glif: FakeGlif, status: int
) -> None:
    fake_glif.inject("glifs", status=status, body=b"<html>Bad gateway</html>")
    with pytest.raises(GlifUnavailable) as caught:
        await read(make_client(read_attempts=3))
    assert len(fake_glif.requests) == 3
    assert_fit_for_members(caught.value)


async def test_5xx_then_success_after_a_retry(
    make_client: ClientFactory, fake_glif: FakeGlif
) -> None:
    fake_glif.inject("glifs", status=503, times=2)
    glif = await make_client(read_attempts=3).get_glif(STICKER_GLIF_ID)
    assert glif.id == STICKER_GLIF_ID
    assert [request.status for request in fake_glif.requests] == [503, 503, 200]


async def test_4xx_reads_are_not_retried(glif_client: GlifClient, fake_glif: FakeGlif) -> None:
    fake_glif.inject("glifs", status=400, json={"error": "bad request"})
    with pytest.raises(GlifUnavailable):
        await read(glif_client)
    assert len(fake_glif.requests) == 1


async def test_404_is_not_found(glif_client: GlifClient, fake_glif: FakeGlif) -> None:
    fake_glif.inject("glifs", status=404, body=b"Not Found", content_type="text/plain")
    with pytest.raises(GlifNotFound):
        await read(glif_client)


async def test_runs_are_never_retried(glif_client: GlifClient, fake_glif: FakeGlif) -> None:
    fake_glif.inject("run", status=502)
    with pytest.raises(GlifUnavailable):
        await run(glif_client)
    assert len(fake_glif.requests) == 1


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<html><body>Cloudflare says hi</body></html>", "text/html"),
        (b"", "application/json"),
        (b"   ", "application/json"),
        (b'{"truncated": ', "application/json"),
        (b"\xff\xfe\x00garbage", "application/octet-stream"),
    ],
)
@pytest.mark.parametrize("call", [read, run])
async def test_unreadable_bodies_are_unavailable(
    glif_client: GlifClient,
    fake_glif: FakeGlif,
    body: bytes,
    content_type: str,
    call: GlifCall,
) -> None:
    for route in ("glifs", "run"):
        fake_glif.inject(route, body=body, content_type=content_type)
    with pytest.raises(GlifUnavailable) as caught:
        await call(glif_client)
    assert_fit_for_members(caught.value)


@pytest.mark.parametrize("payload", [{"unexpected": "shape"}, "a string", 42, [1, 2]])
async def test_unexpected_shapes_are_unavailable(
    glif_client: GlifClient, fake_glif: FakeGlif, payload: object
) -> None:
    fake_glif.inject("glifs", json=payload)
    with pytest.raises(GlifUnavailable):
        await read(glif_client)


async def test_run_answer_without_output_is_unavailable(
    glif_client: GlifClient, fake_glif: FakeGlif
) -> None:
    fake_glif.set_run_response(STICKER_GLIF_ID, {"id": STICKER_GLIF_ID})
    with pytest.raises(GlifUnavailable):
        await run(glif_client)


async def test_slow_read_times_out_as_unavailable(
    make_client: ClientFactory, fake_glif: FakeGlif
) -> None:
    fake_glif.inject("glifs", delay=30)
    client = make_client(read_timeout=0.05, read_attempts=2)
    with pytest.raises(GlifTimedOut) as caught:
        await read(client)
    assert isinstance(caught.value, GlifUnavailable)
    assert len(fake_glif.requests) == 2
    assert_fit_for_members(caught.value)


async def test_slow_run_times_out_and_says_how_long_it_waited(
    make_client: ClientFactory, fake_glif: FakeGlif
) -> None:
    fake_glif.hold_runs()
    with pytest.raises(GlifTimedOut, match="did not finish within 1 second"):
        await run(make_client(run_timeout=0.05))
    assert len(fake_glif.requests) == 1


async def test_connection_refused_is_unavailable(make_client: ClientFactory) -> None:
    client = make_client(api_url="http://127.0.0.1:9/api", read_attempts=2)
    with pytest.raises(GlifUnavailable):
        await read(client)


async def test_oversized_answers_are_unavailable(
    make_client: ClientFactory, fake_glif: FakeGlif
) -> None:
    with pytest.raises(GlifUnavailable):
        await read(make_client(max_body_bytes=100))


async def test_a_held_run_finishes_when_released(
    glif_client: GlifClient, fake_glif: FakeGlif
) -> None:
    gate = fake_glif.hold_runs(STICKER_GLIF_ID)
    running = asyncio.create_task(run(glif_client))
    await fake_glif.wait_for(lambda requests: len(requests) == 1)
    assert fake_glif.in_flight_runs == 1
    assert not running.done()
    gate.set()
    await running
    assert fake_glif.in_flight_runs == 0


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, GlifInvalidToken),
        (403, GlifUnavailable),
        (404, GlifNotFound),
        (410, GlifNotFound),
        (418, GlifUnavailable),
        (429, GlifRateLimited),
        (500, GlifUnavailable),
        (304, GlifUnavailable),
    ],
)
def test_statuses_of_reads(status: int, error: type[GlifError]) -> None:
    with pytest.raises(error):
        interpret(HttpAnswer(status, {}, b""), Purpose.READ, token=None)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (400, b"", GlifRunFailed),
        (422, b'{"error": "Missing input: subject"}', GlifRunFailed),
        (403, b'{"error": "Invalid API token"}', GlifInvalidToken),
        (200, b'{"error": true}', GlifRunFailed),
        (200, b'{"error": {"message": "Too many requests"}}', GlifRateLimited),
    ],
)
def test_statuses_of_runs(status: int, body: bytes, error: type[GlifError]) -> None:
    with pytest.raises(error):
        interpret(HttpAnswer(status, {}, body), Purpose.RUN, token=TOKEN)


def test_an_empty_error_field_is_no_error() -> None:
    payload = interpret(
        HttpAnswer(200, {}, b'{"error": null, "output": "x"}'), Purpose.RUN, token=None
    )
    assert payload == {"error": None, "output": "x"}
