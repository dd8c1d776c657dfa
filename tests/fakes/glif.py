"""A fake Glif on real sockets: the read API, the simple (run) API and a media host.

It answers from the JSON fixtures in ``tests/fixtures/glif/``, records every request, and lets a
test inject faults per route. Routes are named ``glifs``, ``runs``, ``user``, ``me``, ``spheres``
(read API), ``run`` (simple API) and ``media``.

Synchronise with ``await fake.wait_for(predicate)``, never with sleeps; hold runs open with
``fake.hold_runs()`` (an ``asyncio.Event`` to set when they may finish).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from multidict import CIMultiDict

FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "glif"

STICKER_GLIF_ID = "cmfakeglif1sticker0000000"
MEMES_SPHERE_ID = "cmfakesphere1memes0000000"
READ_ROUTES = frozenset({"glifs", "runs", "user", "me", "spheres"})
LAST_MODIFIED = "Wed, 02 Oct 2024 10:15:00 GMT"
CLIENT_WENT_AWAY = 499  # recorded status of a request whose client disconnected mid-answer

_UNSET: Any = object()
_CHUNK_BYTES = 64 * 1024
_DEFAULT_PAGE_SIZE = 20


def load_fixture(name: str) -> Any:
    """A fixture's JSON, by file name with or without ``.json``."""
    filename = name if name.endswith(".json") else f"{name}.json"
    return json.loads((FIXTURES_DIR / filename).read_text(encoding="utf-8"))


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: CIMultiDict[str]
    json: Any
    route: str
    glif_id: str | None
    status: int | None = None  # set once the fake has answered (or the client left)

    @property
    def authorization(self) -> str | None:
        return self.headers.get("Authorization")


@dataclass
class Fault:
    """What to do to the next matching request(s) of a route.

    A fault with a ``status``, ``json`` or ``body`` replaces the answer; one with only a ``delay``
    and/or a ``gate`` holds the request and then lets the normal answer through.
    """

    status: int | None = None
    json: Any = _UNSET
    body: bytes | None = None
    content_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    gate: asyncio.Event | None = None
    times: int | None = None  # None: until cleared
    glif_id: str | None = None  # only requests about this glif

    @property
    def replaces_answer(self) -> bool:
        return self.status is not None or self.json is not _UNSET or self.body is not None

    def answer(self) -> web.Response:
        if self.body is not None:
            payload = self.body
        elif self.json is not _UNSET:
            payload = json.dumps(self.json).encode()
        else:
            payload = b""
        response = web.Response(status=self.status or 200, body=payload, headers=dict(self.headers))
        response.content_type = self.content_type
        return response


@dataclass
class MediaFile:
    size: int
    content_type: str = "video/mp4"
    declare_length: bool = True


class FakeGlif:
    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.faults: dict[str, list[Fault]] = {}
        self.run_responses: dict[str, Any] = _default_run_responses()
        self.search_results: dict[str, Any] = {}
        self.valid_tokens: set[str] | None = None  # None: any bearer token is accepted
        self.conditional_get = False
        self.media: dict[str, MediaFile] = {}
        self.media_bytes_sent: dict[str, int] = {}
        self.in_flight_runs = 0
        self.max_in_flight_runs = 0
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()
        self._changed = asyncio.Condition()

    async def __aenter__(self) -> FakeGlif:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api"

    @property
    def simple_api_url(self) -> str:
        return f"{self.base_url}/simple"

    def media_url(self, name: str) -> str:
        return f"{self.base_url}/media/{name}"

    async def start(self) -> None:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/api/glifs", self._glifs, name="glifs")
        app.router.add_get("/api/runs", self._runs, name="runs")
        app.router.add_get("/api/user", self._user, name="user")
        app.router.add_get("/api/me", self._me, name="me")
        app.router.add_get("/api/spheres", self._spheres, name="spheres")
        app.router.add_post("/simple", self._run, name="run")
        app.router.add_post("/simple/{glif_id}", self._run, name="run_by_path")
        app.router.add_get("/media/{name}", self._media, name="media")
        # Handlers are cancelled when the client goes away (a client-side timeout), and the
        # short shutdown keeps teardown quick if a test leaves a request hanging.
        self._runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=0.5
        )
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def inject(self, route: str, **fault_fields: Any) -> Fault:
        """Add a fault to ``route``; faults apply in the order they were added."""
        fault = Fault(**fault_fields)
        self.faults.setdefault(route, []).append(fault)
        return fault

    def clear_faults(self, route: str | None = None) -> None:
        if route is None:
            self.faults.clear()
        else:
            self.faults.pop(route, None)

    def hold_runs(self, glif_id: str | None = None) -> asyncio.Event:
        """Keep runs (of one glif, or all) open until the returned event is set."""
        gate = asyncio.Event()
        self.inject("run", gate=gate, glif_id=glif_id)
        return gate

    def set_run_response(self, glif_id: str, response: str | dict[str, Any] | list[Any]) -> None:
        """Answer runs of ``glif_id`` with a fixture (by name) or the given JSON."""
        self.run_responses[glif_id] = response

    def requests_to(self, route: str) -> list[RecordedRequest]:
        return [request for request in self.requests if request.route == route]

    async def wait_for(
        self, predicate: Callable[[list[RecordedRequest]], bool], within: float = 5.0
    ) -> list[RecordedRequest]:
        """Wait until ``predicate(requests)`` holds, re-checked as requests arrive and finish."""
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(lambda: predicate(self.requests))
            return list(self.requests)

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        route = request.match_info.route.name or ""
        route = "run" if route == "run_by_path" else route
        record = await self._record(request, route)
        counts_as_run = route == "run"
        if counts_as_run:
            self.in_flight_runs += 1
            self.max_in_flight_runs = max(self.max_in_flight_runs, self.in_flight_runs)
        try:
            response = await self._answer(request, handler, route, record)
        except asyncio.CancelledError:
            record.status = CLIENT_WENT_AWAY
            await self._notify()
            raise
        finally:
            if counts_as_run:
                self.in_flight_runs -= 1
        record.status = response.status
        await self._notify()
        return response

    async def _answer(
        self,
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
        route: str,
        record: RecordedRequest,
    ) -> web.StreamResponse:
        fault = self._take_fault(route, record)
        if fault is not None:
            await self._pause(fault)
            if fault.replaces_answer:
                return fault.answer()
        response = await handler(request)
        if self.conditional_get and route in READ_ROUTES:
            return _conditional(request, response)
        return response

    async def _record(self, request: web.Request, route: str) -> RecordedRequest:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        glif_id = (
            request.match_info.get("glif_id")
            or (body.get("id") if isinstance(body, dict) else None)
            or request.query.get("id")
            or request.query.get("glifId")
        )
        record = RecordedRequest(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers=CIMultiDict(request.headers),
            json=body,
            route=route,
            glif_id=glif_id,
        )
        self.requests.append(record)
        await self._notify()
        return record

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def _take_fault(self, route: str, record: RecordedRequest) -> Fault | None:
        faults = self.faults.get(route, [])
        for fault in faults:
            if fault.glif_id is not None and fault.glif_id != record.glif_id:
                continue
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    faults.remove(fault)
            return fault
        return None

    async def _pause(self, fault: Fault) -> None:
        async def hold() -> None:
            if fault.gate is not None:
                await fault.gate.wait()
            if fault.delay:
                await asyncio.sleep(fault.delay)

        holding = asyncio.ensure_future(hold())
        closing = asyncio.ensure_future(self._closing.wait())
        try:
            await asyncio.wait({holding, closing}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            holding.cancel()
            closing.cancel()

    async def _glifs(self, request: web.Request) -> web.Response:
        query = request.query
        if "id" in query:
            if query["id"] == STICKER_GLIF_ID:
                return _json(load_fixture("glif-detail"))
            return _json([glif for glif in _known_glifs() if glif["id"] == query["id"]][:1])
        if "q" in query:
            found = self.search_results.get(query["q"], "glifs-search-page")
            return _json(_page(_resolve(found), query))
        if query.get("featured") == "1":
            return _json(_page(load_fixture("glifs-featured"), query))
        if "username" in query or "userId" in query:
            owned = [glif for glif in _known_glifs() if _owned_by(glif, query)]
            return _json(_page(owned, query))
        return _json(_page(load_fixture("glifs-search-page"), query))

    async def _runs(self, request: web.Request) -> web.Response:
        query = request.query
        runs = load_fixture("runs-list")
        if "id" in query:
            return _json([run for run in runs if run["id"] == query["id"]][:1])
        glif_id = query.get("glifId") or query.get("spellId")
        if glif_id is not None:
            runs = [run for run in runs if run["spellId"] == glif_id]
        if "username" in query or "userId" in query:
            runs = [run for run in runs if _owned_by(run, query)]
        return _json(_page(runs, query))

    async def _user(self, request: web.Request) -> web.Response:
        profile = load_fixture("user")
        wanted = {request.query.get("username"), request.query.get("id")}
        if wanted & {profile["username"], profile["id"]}:
            return _json(profile)
        for user in _known_users():
            if wanted & {user["username"], user["id"]}:
                return _json(user)
        return _json({"error": "User not found"}, status=404)

    async def _me(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return _json(load_fixture("unauthorized-401"), status=401)
        return _json(load_fixture("me"))

    async def _spheres(self, request: web.Request) -> web.Response:
        query = request.query
        listed = load_fixture("spheres-list")
        if "slug" not in query and "id" not in query:
            return _json(_page(listed, query))
        for sphere in listed:
            if query.get("slug") == sphere["slug"] or query.get("id") == sphere["id"]:
                if sphere["id"] == MEMES_SPHERE_ID:
                    return _json(load_fixture("sphere-detail"))
                return _json({**sphere, "spells": []})
        return _json([])

    async def _run(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return _json(load_fixture("unauthorized-401"), status=401)
        try:
            body = json.loads(await request.read() or b"{}")
        except ValueError:
            body = {}
        body_id = body.get("id") if isinstance(body, dict) else None
        glif_id = request.match_info.get("glif_id") or body_id
        response = self.run_responses.get(glif_id) if isinstance(glif_id, str) else None
        if response is None:
            return _json({"error": f"Glif not found: {glif_id}"})
        return _json(_resolve(response))

    async def _media(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        media = self.media.get(name)
        if media is None:
            return web.Response(status=404)
        response = web.StreamResponse(headers={"Content-Type": media.content_type})
        if media.declare_length:
            response.content_length = media.size
        await response.prepare(request)
        self.media_bytes_sent.setdefault(name, 0)
        remaining = media.size
        try:
            while remaining > 0:
                chunk = b"\0" * min(_CHUNK_BYTES, remaining)
                await response.write(chunk)
                self.media_bytes_sent[name] += len(chunk)
                remaining -= len(chunk)
            await response.write_eof()
        except ConnectionResetError:
            pass  # the client stopped reading, which is what capped downloads do
        return response

    def _authorized(self, request: web.Request) -> bool:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or not token:
            return False
        return self.valid_tokens is None or token in self.valid_tokens


def _default_run_responses() -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for path in sorted(FIXTURES_DIR.glob("simple-api-*.json")):
        payload = json.loads(path.read_text(encoding="utf-8"))
        if "error" not in payload:
            responses[payload["id"]] = path.name
    return responses


def _resolve(response: Any) -> Any:
    return load_fixture(response) if isinstance(response, str) else response


def _json(payload: Any, status: int = 200) -> web.Response:
    return web.json_response(payload, status=status)


def _page(items: list[Any], query: Mapping[str, str]) -> list[Any]:
    page = _positive(query.get("page"), 1)
    limit = _positive(query.get("limit"), _DEFAULT_PAGE_SIZE)
    return items[(page - 1) * limit : page * limit]


def _positive(value: str | None, default: int) -> int:
    try:
        number = int(value) if value is not None else default
    except ValueError:
        return default
    return number if number > 0 else default


def _known_glifs() -> list[dict[str, Any]]:
    by_id: dict[str, dict[str, Any]] = {}
    sources = [
        load_fixture("glifs-search-page"),
        load_fixture("glifs-featured"),
        load_fixture("sphere-detail")["spells"],
    ]
    for glifs in sources:
        for glif in glifs:
            by_id.setdefault(glif["id"], glif)
    by_id[STICKER_GLIF_ID] = load_fixture("glif-detail")[0]
    return list(by_id.values())


def _known_users() -> list[dict[str, Any]]:
    owners = [glif["user"] for glif in _known_glifs()]
    runners = [run["user"] for run in load_fixture("runs-list")]
    return list({user["id"]: user for user in owners + runners}.values())


def _owned_by(item: Mapping[str, Any], query: Mapping[str, str]) -> bool:
    user = item.get("user") or {}
    return query.get("username") == user.get("username") or query.get("userId") == user.get("id")


def _conditional(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
    if response.status != 200 or not isinstance(response, web.Response):
        return response
    body = response.body if isinstance(response.body, bytes) else b""
    etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
    validators = {"ETag": etag, "Last-Modified": LAST_MODIFIED}
    if request.headers.get("If-None-Match") == etag or (
        "If-None-Match" not in request.headers
        and request.headers.get("If-Modified-Since") == LAST_MODIFIED
    ):
        return web.Response(status=304, headers=validators)
    response.headers.update(validators)
    return response
