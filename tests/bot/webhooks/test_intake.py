import asyncio
import base64
import json
import sqlite3

import pytest
from prometheus_client import REGISTRY

from bot.database import Database
from bot.webhooks.intake import MAX_BODY_BYTES
from bot.webhooks.openapi import OPENAPI_DOCUMENT
from bot.webhooks.store import HookStore
from tests.bot.webhooks.conftest import (
    GUILD_ID,
    Created,
    Endpoint,
    api_column,
    app_action,
    text,
)
from tests.fakes.discord_plugin import DiscordErrorCollector

DOCUMENTED = OPENAPI_DOCUMENT["paths"]["/hooks/glide/{hook_id}"]["post"]["responses"]


def basic(secret: str) -> str:
    return f"Basic {secret}"


async def stored_keys(database: Database) -> list[str]:
    rows = await database.fetch_all("SELECT idempotency_key FROM hook_events ORDER BY id")
    return [row[0] for row in rows]


def assert_error(status: int, body: object, expected_status: int) -> None:
    assert status == expected_status
    assert str(status) in DOCUMENTED
    assert isinstance(body, dict)
    assert set(body) == {"error"}
    assert isinstance(body["error"], str)
    assert body["error"]


async def test_new_app_action_is_accepted_after_it_is_stored(
    endpoint: Endpoint, created: Created, database: Database
) -> None:
    sent = json.dumps(app_action("k1", name=text("Ada")), indent=1)
    status, body, headers = await endpoint.post(
        created.hook.id, sent.encode(), authorization=basic(created.secret)
    )
    assert (status, body) == (200, {"status": "accepted"})
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert await stored_keys(database) == ["k1"]
    row = await database.fetch_one("SELECT body, state FROM hook_events")
    assert row is not None
    assert row["state"] == "pending"
    # Kept as it came, since it was valid: delivery validates the same text again.
    assert row["body"] == sent


async def test_repeated_key_is_a_duplicate_stored_once(
    endpoint: Endpoint, created: Created, database: Database
) -> None:
    answers = [
        await endpoint.post(created.hook.id, app_action("k1"), authorization=basic(created.secret))
        for _ in range(3)
    ]
    assert [body for _, body, _ in answers] == [
        {"status": "accepted"},
        {"status": "duplicate"},
        {"status": "duplicate"},
    ]
    assert await stored_keys(database) == ["k1"]


async def test_twenty_concurrent_copies_store_one(
    endpoint: Endpoint, created: Created, database: Database
) -> None:
    answers = await asyncio.gather(
        *(
            endpoint.post(created.hook.id, app_action("same"), authorization=basic(created.secret))
            for _ in range(20)
        )
    )
    statuses = sorted(body["status"] for _, body, _ in answers)
    assert statuses == ["accepted"] + ["duplicate"] * 19
    assert await stored_keys(database) == ["same"]


async def test_same_key_on_another_hook_is_its_own_event(
    endpoint: Endpoint, created: Created, hooks: HookStore, database: Database
) -> None:
    other, other_secret = await hooks.create_hook(
        guild_id=GUILD_ID, channel_id=1, name="Other", created_by=1
    )
    first = await endpoint.post(
        created.hook.id, app_action("k"), authorization=basic(created.secret)
    )
    second = await endpoint.post(other.id, app_action("k"), authorization=basic(other_secret))
    assert first[1] == second[1] == {"status": "accepted"}
    assert await stored_keys(database) == ["k", "k"]


@pytest.mark.parametrize("form", ["glide", "rfc7617", "bearer"])
async def test_every_accepted_authorization_form(
    endpoint: Endpoint, created: Created, form: str
) -> None:
    encoded = base64.b64encode(f"anyone:{created.secret}".encode()).decode()
    authorization = {
        "glide": f"Basic {created.secret}",
        "rfc7617": f"Basic {encoded}",
        "bearer": f"Bearer {created.secret}",
    }[form]
    status, body, _ = await endpoint.post(
        created.hook.id, app_action(), authorization=authorization
    )
    assert (status, body) == (200, {"status": "accepted"})


@pytest.mark.parametrize(
    "authorization",
    [None, "Basic wrong-secret-wrong-secret", "Bearer ", "Token abc", "Basic", ""],
)
async def test_missing_or_wrong_secret_is_401_with_challenges(
    endpoint: Endpoint, created: Created, database: Database, authorization: str | None
) -> None:
    status, body, headers = await endpoint.post(
        created.hook.id, app_action(), authorization=authorization
    )
    assert_error(status, body, 401)
    assert headers.getall("WWW-Authenticate") == [
        'Basic realm="glifbot"',
        'Bearer realm="glifbot"',
    ]
    assert await stored_keys(database) == []


async def test_rotated_secret_replaces_the_old_one(
    endpoint: Endpoint, created: Created, hooks: HookStore
) -> None:
    new_secret = await hooks.rotate_secret(GUILD_ID, created.hook.id)
    old = await endpoint.post(created.hook.id, app_action("a"), authorization=basic(created.secret))
    new = await endpoint.post(created.hook.id, app_action("b"), authorization=basic(new_secret))
    assert (old[0], new[0]) == (401, 200)


async def test_unknown_hook_is_404_even_without_a_secret(endpoint: Endpoint) -> None:
    status, body, _ = await endpoint.post("no-such-hook", app_action(), authorization=None)
    assert_error(status, body, 404)


async def test_deleted_hook_answers_404(
    endpoint: Endpoint, created: Created, hooks: HookStore, database: Database
) -> None:
    await endpoint.post(created.hook.id, app_action("k1"), authorization=basic(created.secret))
    assert await hooks.delete_hook(GUILD_ID, created.hook.id)
    status, body, _ = await endpoint.post(
        created.hook.id, app_action("k2"), authorization=basic(created.secret)
    )
    assert_error(status, body, 404)
    assert await stored_keys(database) == []


async def first_line_after_headers_only(endpoint: Endpoint, head: str) -> bytes:
    """Send a request's head without its body and read the status line of the answer; an answer
    proves that the server decided without the body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", endpoint.port)
    writer.write(head.encode())
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), timeout=5)
    writer.close()
    await writer.wait_closed()
    return status_line


async def test_secret_is_checked_before_the_body_is_read(
    endpoint: Endpoint, created: Created
) -> None:
    status_line = await first_line_after_headers_only(
        endpoint,
        f"POST /hooks/glide/{created.hook.id} HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n",
    )
    assert status_line.startswith(b"HTTP/1.1 401")


async def test_oversized_content_length_is_413_before_the_body_is_read(
    endpoint: Endpoint, created: Created
) -> None:
    status_line = await first_line_after_headers_only(
        endpoint,
        f"POST /hooks/glide/{created.hook.id} HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Basic {created.secret}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {MAX_BODY_BYTES + 1}\r\n\r\n",
    )
    assert status_line.startswith(b"HTTP/1.1 413")


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin-1"],
)
async def test_content_type_other_than_json_is_415(
    endpoint: Endpoint, created: Created, content_type: str
) -> None:
    status, body, _ = await endpoint.post(
        created.hook.id,
        app_action(),
        authorization=basic(created.secret),
        content_type=content_type,
    )
    assert_error(status, body, 415)


async def test_missing_content_type_is_415(endpoint: Endpoint, created: Created) -> None:
    async with endpoint.http.post(
        endpoint.url(created.hook.id),
        data=json.dumps(app_action()).encode(),
        headers={"Authorization": basic(created.secret)},
        skip_auto_headers=["Content-Type"],
    ) as response:
        assert_error(response.status, await response.json(), 415)


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=UTF-8", "application/vnd.glide+json"]
)
async def test_json_media_types_are_accepted(
    endpoint: Endpoint, created: Created, content_type: str
) -> None:
    status, _, _ = await endpoint.post(
        created.hook.id,
        app_action(),
        authorization=basic(created.secret),
        content_type=content_type,
    )
    assert status == 200


async def test_body_over_64_kib_by_content_length_is_413(
    endpoint: Endpoint, created: Created
) -> None:
    body = json.dumps(app_action(big=text("x" * MAX_BODY_BYTES))).encode()
    status, answer, _ = await endpoint.post(
        created.hook.id, body, authorization=basic(created.secret)
    )
    assert_error(status, answer, 413)


async def test_chunked_body_over_64_kib_is_413(
    endpoint: Endpoint, created: Created, database: Database
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", endpoint.port)
    writer.write(
        f"POST /hooks/glide/{created.hook.id} HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Basic {created.secret}\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n".encode()
    )
    chunk = b'{"pad": "' + b"x" * 4096
    for _ in range(20):
        writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
    writer.write(b"0\r\n\r\n")
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), timeout=5)
    writer.close()
    await writer.wait_closed()
    assert status_line.startswith(b"HTTP/1.1 413")
    assert await stored_keys(database) == []


async def test_body_of_exactly_64_kib_is_read(endpoint: Endpoint, created: Created) -> None:
    body = app_action(pad=text(""))
    overhead = len(json.dumps(body).encode())
    body["params"] = {"pad": text("x" * (MAX_BODY_BYTES - overhead))}
    encoded = json.dumps(body).encode()
    assert len(encoded) == MAX_BODY_BYTES
    status, _, _ = await endpoint.post(
        created.hook.id, encoded, authorization=basic(created.secret)
    )
    assert status == 200


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b"\xff\xfe not utf-8", "not UTF-8"),
        (b"{not json", "not JSON"),
        (b"", "not JSON"),
        (b"[]", "body: Input should be an object"),
        (b'{"hookKind": "app-action", "appID": "a"}', "idempotencyKey"),
        (b'{"hookKind": "sheet-thing", "appID": "a"}', "hookKind"),
        (b'{"appID": "a", "idempotencyKey": "k"}', "hookKind"),
        (
            b'{"hookKind": "app-action", "appID": "a", "idempotencyKey": "k",'
            b' "params": {"n": {"type": "number", "value": "12"}}}',
            "params.n.value",
        ),
        (
            b'{"hookKind": "app-action", "appID": "a", "idempotencyKey": "k",'
            b' "params": {"d": {"type": "date-time", "value": "last tuesday"}}}',
            "params.d.value: must be an ISO 8601 date-time",
        ),
        (
            b'{"hookKind": "app-action", "appID": "a", "idempotencyKey": "k",'
            b' "params": {"p": {"type": "color", "value": "red"}}}',
            "params.p.type",
        ),
    ],
)
async def test_bad_bodies_are_400_naming_the_problem(
    endpoint: Endpoint, created: Created, database: Database, raw: bytes, problem: str
) -> None:
    status, body, _ = await endpoint.post(created.hook.id, raw, authorization=basic(created.secret))
    assert_error(status, body, 400)
    assert problem in body["error"]
    assert await stored_keys(database) == []


async def test_extra_keys_and_missing_params_are_tolerated(
    endpoint: Endpoint, created: Created
) -> None:
    body = {"hookKind": "app-action", "appID": "a", "idempotencyKey": "k", "newField": [1, 2]}
    status, answer, _ = await endpoint.post(
        created.hook.id, body, authorization=basic(created.secret)
    )
    assert (status, answer) == (200, {"status": "accepted"})


async def test_failed_write_is_503_with_retry_after_and_stores_nothing(
    endpoint: Endpoint,
    created: Created,
    database: Database,
    fail_on_discord_errors: DiscordErrorCollector,
) -> None:
    fail_on_discord_errors.expect("Could not store a webhook event: database or disk is full")
    await endpoint.post(created.hook.id, app_action("before"), authorization=basic(created.secret))
    # Cap the file at its current size: a new event needs pages the database may not have.
    row = await database.fetch_one("PRAGMA page_count")
    assert row is not None
    await database.fetch_one(f"PRAGMA max_page_count = {row[0]}")
    big = app_action("during", big=text("x" * 30_000))
    status, body, headers = await endpoint.post(
        created.hook.id, big, authorization=basic(created.secret)
    )
    assert_error(status, body, 503)
    assert int(headers["Retry-After"]) > 0
    assert await stored_keys(database) == ["before"]

    await database.fetch_one("PRAGMA max_page_count = 1073741823")
    status, body, _ = await endpoint.post(created.hook.id, big, authorization=basic(created.secret))
    assert (status, body) == (200, {"status": "accepted"})


async def test_closed_database_is_503(
    endpoint: Endpoint,
    created: Created,
    database: Database,
    fail_on_discord_errors: DiscordErrorCollector,
) -> None:
    fail_on_discord_errors.expect("Could not store a webhook event")
    await database.close()
    status, body, headers = await endpoint.post(
        created.hook.id, app_action(), authorization=basic(created.secret)
    )
    assert_error(status, body, 503)
    assert "Retry-After" in headers
    with pytest.raises((ValueError, sqlite3.Error)):
        await stored_keys(database)


async def test_other_methods_are_405_json_never_a_redirect(
    endpoint: Endpoint, created: Created
) -> None:
    async with endpoint.http.get(endpoint.url(created.hook.id), allow_redirects=False) as response:
        assert_error_any = await response.json()
        assert response.status == 405
        assert response.headers["Allow"] == "POST"
        assert set(assert_error_any) == {"error"}


async def test_openapi_document_is_served(endpoint: Endpoint) -> None:
    async with endpoint.http.get(f"{endpoint.base_url}/openapi.json") as response:
        assert response.status == 200
        document = await response.json()
    assert document == json.loads(json.dumps(OPENAPI_DOCUMENT))
    assert document["openapi"].startswith("3.")
    documented = set(document["paths"]["/hooks/glide/{hook_id}"]["post"]["responses"])
    assert documented == {"200", "400", "401", "404", "408", "413", "415", "422", "502", "503"}


async def test_api_column_on_a_hook_without_glif_is_422(
    endpoint: Endpoint, created: Created
) -> None:
    status, body, _ = await endpoint.post(
        created.hook.id, api_column(q=text("x")), authorization=basic(created.secret)
    )
    assert_error(status, body, 422)


@pytest.mark.parametrize("credentials", [b"\xc3\xa9t\xc3\xa9", b"\xff\xfe"])
async def test_undecodable_authorization_is_401(
    endpoint: Endpoint, created: Created, credentials: bytes
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", endpoint.port)
    writer.write(
        f"POST /hooks/glide/{created.hook.id} HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: application/json\r\nContent-Length: 2\r\n".encode()
        + b"Authorization: Basic "
        + credentials
        + b"\r\n\r\n{}"
    )
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), timeout=5)
    writer.close()
    await writer.wait_closed()
    assert status_line.startswith(b"HTTP/1.1 401")


async def test_a_byte_order_mark_is_ignored(
    endpoint: Endpoint, created: Created, database: Database
) -> None:
    sent = json.dumps(app_action())
    raw = b"\xef\xbb\xbf" + sent.encode()
    status, body, _ = await endpoint.post(created.hook.id, raw, authorization=basic(created.secret))
    assert (status, body) == (200, {"status": "accepted"})
    row = await database.fetch_one("SELECT body FROM hook_events")
    assert row is not None
    assert row["body"] == sent


async def test_a_body_that_stalls_is_408(
    endpoint: Endpoint, created: Created, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.webhooks.intake.BODY_READ_SECONDS", 0.05)
    reader, writer = await asyncio.open_connection("127.0.0.1", endpoint.port)
    writer.write(
        f"POST /hooks/glide/{created.hook.id} HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Basic {created.secret}\r\nContent-Type: application/json\r\n"
        "Content-Length: 100\r\n\r\n"
        '{"hookKind": '.encode()
    )
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), 5)
    writer.close()
    assert status_line.startswith(b"HTTP/1.1 408")
    row = await database.fetch_one("SELECT COUNT(*) FROM hook_events")
    assert row is not None
    assert row[0] == 0


def requests_counted(kind: str, status: int) -> float:
    value = REGISTRY.get_sample_value(
        "glifbot_webhook_requests_total", {"kind": kind, "status": str(status)}
    )
    return value or 0.0


async def test_requests_are_counted_by_kind_and_status(
    endpoint: Endpoint, created: Created
) -> None:
    before = (requests_counted("app-action", 200), requests_counted("unparsed", 401))
    for key in ("k1", "k2"):
        await endpoint.post(created.hook.id, app_action(key), authorization=basic(created.secret))
    await endpoint.post(created.hook.id, app_action("k3"), authorization=basic("wrong" * 4))
    after = (requests_counted("app-action", 200), requests_counted("unparsed", 401))
    assert (after[0] - before[0], after[1] - before[1]) == (2, 1)
