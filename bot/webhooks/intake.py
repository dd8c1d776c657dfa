"""`POST /hooks/glide/{hook_id}`: SPEC §4's table, checked in this order:

unknown hook 404, then the secret 401 (before a byte of the body is read), then the content
type 415, then the size 413 (by `Content-Length`, and again while reading), then the body itself
400. Only then is an app-action stored or an api-column answered. Every error body is
`{"error": "<short reason>"}` and nothing ever redirects.
"""

from __future__ import annotations

import asyncio
import codecs
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Protocol

from aiohttp import hdrs, web
from multidict import CIMultiDict

from bot.webhooks.api_column import (
    ApiColumnAnswerer,
    ApiColumnBusy,
    ApiColumnRunFailed,
    NoGlifBound,
)
from bot.webhooks.auth import WWW_AUTHENTICATE_CHALLENGES, authorization_matches
from bot.webhooks.events import NewEvent
from bot.webhooks.metrics import hook_requests
from bot.webhooks.models import ApiColumn, AppAction, BodyError, parse_glide_body
from bot.webhooks.openapi import openapi_document
from bot.webhooks.store import HOOK_PATH_PREFIX, Hook
from bot.webhooks.writer import HookGone, StoreOutcome, StoreUnavailable

MAX_BODY_BYTES = 64 * 1024
# A client that stalls mid-body must not hold a handler (and its memory) open indefinitely.
BODY_READ_SECONDS = 10
# Glide retries on its own schedule; this tells anything else that honours the header.
STORE_RETRY_AFTER_SECONDS = 30
HOOK_ROUTE = HOOK_PATH_PREFIX + "{hook_id}"
# Built once: these two answers are most of the endpoint's traffic.
_STORE_ANSWERS = {
    outcome: json.dumps({"status": outcome.value}).encode() for outcome in StoreOutcome
}
# The metrics label of requests refused before their hook kind was known.
_UNPARSED = "unparsed"


class HookLookup(Protocol):
    async def get_hook(self, hook_id: str) -> Hook | None: ...


class EventSink(Protocol):
    async def store(self, event: NewEvent) -> StoreOutcome: ...


@dataclass(frozen=True, slots=True)
class HookIntake:
    """What the endpoint needs: hooks to check requests against, a place for events, and an
    answerer for API columns."""

    hooks: HookLookup
    events: EventSink
    api_column: ApiColumnAnswerer
    clock: Callable[[], float] = field(default=time.time)


INTAKE_KEY = web.AppKey("hook_intake", HookIntake)


def add_hook_routes(app: web.Application, intake: HookIntake) -> None:
    """Serve the webhook endpoint and `GET /openapi.json` from `app`."""
    app[INTAKE_KEY] = intake
    resource = app.router.add_resource(HOOK_ROUTE, name="glide_hook")
    resource.add_route(hdrs.METH_POST, receive_glide_hook)
    resource.add_route(hdrs.METH_ANY, _method_not_allowed)
    # A trailing slash, an empty id or a sub-path is an unknown hook too, answered in JSON.
    app.router.add_route(
        hdrs.METH_ANY, HOOK_PATH_PREFIX.rstrip("/") + "{rest:(/.*)?}", _no_such_hook
    )
    app.router.add_get("/openapi.json", openapi_document)


def error_response(
    status: HTTPStatus, reason: str, headers: CIMultiDict[str] | None = None
) -> web.Response:
    return web.json_response({"error": reason}, status=status, headers=headers)


async def receive_glide_hook(request: web.Request) -> web.Response:
    kind, response = await _handle(request)
    hook_requests(kind, response.status).inc()
    return response


async def _handle(request: web.Request) -> tuple[str, web.Response]:
    intake = request.app[INTAKE_KEY]
    hook = await intake.hooks.get_hook(request.match_info["hook_id"])
    if hook is None:
        return _UNPARSED, error_response(HTTPStatus.NOT_FOUND, "unknown hook")
    if not authorization_matches(request.headers.get(hdrs.AUTHORIZATION), hook.secret_sha256):
        challenges = CIMultiDict[str]()
        for challenge in WWW_AUTHENTICATE_CHALLENGES:
            challenges.add(hdrs.WWW_AUTHENTICATE, challenge)
        return _UNPARSED, error_response(
            HTTPStatus.UNAUTHORIZED, "missing or wrong secret", challenges
        )
    media_problem = _media_type_problem(request)
    if media_problem is not None:
        return _UNPARSED, error_response(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, media_problem)
    try:
        raw = await _read_body(request)
    except TimeoutError:
        return _UNPARSED, error_response(HTTPStatus.REQUEST_TIMEOUT, "the body took too long")
    except web.RequestPayloadError:
        return _UNPARSED, error_response(
            HTTPStatus.BAD_REQUEST, "body could not be decoded as its Content-Encoding says"
        )
    if raw is None:
        return _UNPARSED, error_response(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"body is over {MAX_BODY_BYTES // 1024} KiB"
        )
    try:
        # RFC 8259 lets a parser ignore a byte order mark, and some clients send one.
        text = raw.removeprefix(codecs.BOM_UTF8).decode("utf-8")
        body = parse_glide_body(text)
    except UnicodeDecodeError:
        return _UNPARSED, error_response(HTTPStatus.BAD_REQUEST, "body is not UTF-8")
    except BodyError as error:
        return _UNPARSED, error_response(HTTPStatus.BAD_REQUEST, str(error))
    if isinstance(body, AppAction):
        return body.hook_kind, await _accept_action(intake, hook, body, text)
    return body.hook_kind, await _answer_column(intake, hook, body)


def _media_type_problem(request: web.Request) -> str | None:
    if hdrs.CONTENT_TYPE not in request.headers:
        return "Content-Type must be application/json"
    media_type = request.content_type
    if media_type != "application/json" and not (
        media_type.startswith("application/") and media_type.endswith("+json")
    ):
        return "Content-Type must be application/json"
    if (request.charset or "utf-8").lower() not in {"utf-8", "utf8"}:
        return "the body must be UTF-8"
    return None


async def _read_body(request: web.Request) -> bytes | None:
    declared = request.content_length
    if declared is not None and declared > MAX_BODY_BYTES:
        return None
    # A body sent with its headers is already buffered whole; only one still arriving needs to
    # be read piece by piece, under a deadline.
    if request.content.is_eof():
        body = request.content.read_nowait()
        return body if len(body) <= MAX_BODY_BYTES else None
    async with asyncio.timeout(BODY_READ_SECONDS):
        return await _read_capped(request)


async def _read_capped(request: web.Request) -> bytes | None:
    """The body, or None once it is known to exceed the cap; never more than the cap is kept."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.readany():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def _accept_action(
    intake: HookIntake, hook: Hook, body: AppAction, body_json: str
) -> web.Response:
    # The text as received is kept: it has just been validated, and delivery validates it again.
    event = NewEvent(
        hook_id=hook.id,
        idempotency_key=body.idempotency_key,
        received_at=intake.clock(),
        body_json=body_json,
    )
    try:
        outcome = await intake.events.store(event)
    except HookGone:
        return error_response(HTTPStatus.NOT_FOUND, "unknown hook")
    except StoreUnavailable:
        return _retry_later(
            "the event could not be stored; try again later", STORE_RETRY_AFTER_SECONDS
        )
    return web.Response(
        body=_STORE_ANSWERS[outcome], content_type="application/json", charset="utf-8"
    )


async def _answer_column(intake: HookIntake, hook: Hook, body: ApiColumn) -> web.Response:
    try:
        value = await intake.api_column.answer(hook, body.params)
    except NoGlifBound as error:
        return error_response(HTTPStatus.UNPROCESSABLE_ENTITY, str(error))
    except ApiColumnRunFailed as error:
        return error_response(HTTPStatus.BAD_GATEWAY, str(error))
    except ApiColumnBusy as error:
        return _retry_later(str(error), error.retry_after)
    return web.json_response({"type": "string", "value": value})


def _retry_later(reason: str, retry_after: int) -> web.Response:
    headers = CIMultiDict({hdrs.RETRY_AFTER: str(retry_after)})
    return error_response(HTTPStatus.SERVICE_UNAVAILABLE, reason, headers)


async def _no_such_hook(_: web.Request) -> web.Response:
    return error_response(HTTPStatus.NOT_FOUND, "unknown hook")


async def _method_not_allowed(_: web.Request) -> web.Response:
    headers = CIMultiDict({hdrs.ALLOW: hdrs.METH_POST})
    return error_response(HTTPStatus.METHOD_NOT_ALLOWED, "only POST is allowed here", headers)
