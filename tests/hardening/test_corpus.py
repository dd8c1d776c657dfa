"""The seeded corpus of malformed requests against the live endpoint: each is refused with a 4xx,
the application's refusals are JSON, nothing is stored, and the endpoint still works after."""

import json
import logging
from collections.abc import Callable

import pytest

from bot.webhooks.auth import WWW_AUTHENTICATE_CHALLENGES
from tests.hardening.conftest import SECRET, LiveEndpoint, error_body_problem, json_headers
from tests.hardening.corpus import (
    Level,
    Malformed,
    RequestBuilder,
    Target,
    build_corpus,
    valid_app_action,
)
from tests.hardening.raw_http import RawAnswer, exchange

SERVER_ERROR = 500

log = logging.getLogger(__name__)


def judge(request: Malformed, answer: RawAnswer | None) -> str | None:
    """What is wrong with the answer to `request`, if anything."""
    if answer is None:
        return None if request.half_close else "the connection closed without an answer"
    if answer.status not in request.statuses:
        return f"answered {answer.status}, expected one of {sorted(request.statuses)}"
    is_json = answer.headers.get("Content-Type", "").startswith("application/json")
    if request.level is Level.APP and not is_json and answer.body:
        return f"answered {answer.status} with a body that is not JSON: {answer.body[:80]!r}"
    if is_json and answer.body:
        problem = error_body_problem(answer.body)
        if problem is not None:
            return problem
    if answer.status == 401 and answer.headers.getall("WWW-Authenticate", []) != list(
        WWW_AUTHENTICATE_CHALLENGES
    ):
        return "answered 401 without both WWW-Authenticate challenges"
    if (
        answer.status == 405
        and request.level is Level.APP
        and answer.headers.get("Allow") != "POST"
    ):
        return "answered 405 without Allow: POST"
    return None


async def test_malformed_requests_are_refused_and_leave_nothing_behind(
    live_endpoint: LiveEndpoint, record_property: Callable[[str, object], None]
) -> None:
    corpus = build_corpus(Target(live_endpoint.host, live_endpoint.hook.id, SECRET))
    stored_before = await live_endpoint.stored_events()
    problems: list[str] = []
    server_errors = 0
    for request in corpus:
        try:
            answer = await exchange(
                live_endpoint.host,
                live_endpoint.port,
                request.wire,
                after_continue=request.after_continue,
                half_close=request.half_close,
            )
        except TimeoutError:
            problems.append(f"{request.name}: neither answered nor closed in time")
            continue
        if answer is not None and answer.status >= SERVER_ERROR:
            server_errors += 1
        problem = judge(request, answer)
        if problem is not None:
            problems.append(f"{request.name}: {problem}")
    stored_after = await live_endpoint.stored_events()

    tally = f"{len(corpus)} malformed requests sent, {server_errors} answered 5xx"
    record_property("malformed_requests", len(corpus))
    record_property("server_errors", server_errors)
    log.info(tally)
    assert not problems, tally + "; wrong answers:\n" + "\n".join(problems)
    assert server_errors == 0, tally
    assert stored_after == stored_before, f"{tally}; {stored_after - stored_before} were stored"

    health = await live_endpoint.get("/healthz")
    assert health.status == 200, tally
    accepted = await live_endpoint.post(
        json.dumps(valid_app_action("after-the-corpus")).encode(), json_headers()
    )
    assert (accepted.status, accepted.json()) == (200, {"status": "accepted"}), tally
    assert await live_endpoint.stored_events() == stored_before + 1, tally


def test_the_corpus_is_the_same_every_time() -> None:
    target = Target("127.0.0.1", "hook-id", SECRET)
    assert build_corpus(target) == build_corpus(target)


@pytest.mark.parametrize("encoding", [b"gzip", b"deflate"])
@pytest.mark.parametrize("late", [False, True], ids=["with the head", "after 100 Continue"])
async def test_a_body_that_does_not_decompress_is_refused_with_400(
    live_endpoint: LiveEndpoint, encoding: bytes, late: bool
) -> None:
    builder = RequestBuilder(Target(live_endpoint.host, live_endpoint.hook.id, SECRET))
    body = json.dumps(valid_app_action("not-compressed")).encode()
    headers: dict[bytes, bytes | None] = {b"Content-Encoding": encoding}
    if late:
        headers[b"Expect"] = b"100-continue"
        head = builder.wire(headers={**headers, b"Content-Length": str(len(body)).encode()})
        answer = await exchange(live_endpoint.host, live_endpoint.port, head, after_continue=body)
    else:
        answer = await exchange(
            live_endpoint.host, live_endpoint.port, builder.wire(body, headers=headers)
        )
    assert answer is not None
    assert answer.status == 400
    assert error_body_problem(answer.body) is None
    assert await live_endpoint.stored_events() == 0


@pytest.mark.parametrize("suffix", ["/", "/extra"])
async def test_every_refusal_under_the_hook_prefix_is_json(
    live_endpoint: LiveEndpoint, suffix: str
) -> None:
    answer = await live_endpoint.post(
        json.dumps(valid_app_action("prefix")).encode(),
        json_headers(),
        hook_id=live_endpoint.hook.id + suffix,
    )
    assert answer.status == 404
    assert error_body_problem(answer.body) is None
