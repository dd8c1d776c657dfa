"""A live webhook endpoint to throw bad input at: a real aiohttp server on 127.0.0.1, a real
SQLite file, and two hooks with a known secret, one bound to a glif (run by a stub, so that the
api-column path answers) and one bound to nothing."""

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Coroutine, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest
from multidict import CIMultiDictProxy

from bot.database import Database
from bot.web.app import create_web_app
from bot.web.server import WebServer
from bot.webhooks.api_column import ApiColumnCoordinator
from bot.webhooks.intake import HookIntake
from bot.webhooks.store import HOOK_PATH_PREFIX, Hook, HookStore
from bot.webhooks.writer import EventWriter

SECRET = "hardening-secret-0123456789"
GLIF_ID = "cmhardeningglif0000000000"
STUB_OUTPUT = "the stub glif's output"
# Generous for a loopback round trip; only reached when the endpoint hangs, which is a failure.
WORKER_THREAD_TIMEOUT_SECONDS = 30.0

AUTHORIZATION_FORMS = {
    "glide": f"Basic {SECRET}",
    "rfc7617": "Basic " + base64.b64encode(f"glide:{SECRET}".encode()).decode(),
    "bearer": f"Bearer {SECRET}",
}

T = TypeVar("T")


async def stub_glif(glif_id: str, inputs: dict[str, str]) -> str:
    return STUB_OUTPUT


@dataclass(frozen=True)
class Answer:
    status: int
    headers: CIMultiDictProxy[str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class LiveEndpoint:
    host: str
    port: int
    hook: Hook
    unbound_hook: Hook
    database: Database
    http: aiohttp.ClientSession
    loop: asyncio.AbstractEventLoop

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def hook_path(self, hook_id: str | None = None) -> str:
        return HOOK_PATH_PREFIX + (self.hook.id if hook_id is None else hook_id)

    async def post(
        self, body: bytes, headers: Mapping[str, str], *, hook_id: str | None = None
    ) -> Answer:
        """POST exactly these headers (aiohttp adds no Content-Type of its own) and body."""
        async with self.http.post(
            self.base_url + self.hook_path(hook_id),
            data=body,
            headers=dict(headers),
            skip_auto_headers=("Content-Type",),
            allow_redirects=False,
        ) as response:
            return Answer(response.status, response.headers, await response.read())

    async def get(self, path: str) -> Answer:
        async with self.http.get(self.base_url + path, allow_redirects=False) as response:
            return Answer(response.status, response.headers, await response.read())

    async def stored_events(self) -> int:
        row = await self.database.fetch_one("SELECT count(*) FROM hook_events")
        assert row is not None
        return int(row[0])

    def from_worker_thread(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run `coroutine` on the server's loop and wait for it, from a thread (hypothesis and
        schemathesis drive their examples synchronously while the loop serves them)."""
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        return future.result(timeout=WORKER_THREAD_TIMEOUT_SECONDS)


@pytest.fixture
async def live_endpoint(tmp_path: Path) -> AsyncIterator[LiveEndpoint]:
    database = await Database.open(tmp_path / "glifbot.sqlite3")
    hooks = HookStore(database)
    bound, _ = await hooks.create_hook(
        guild_id=1, channel_id=2, name="Bound", created_by=3, glif_id=GLIF_ID, secret=SECRET
    )
    unbound, _ = await hooks.create_hook(
        guild_id=1, channel_id=2, name="Unbound", created_by=3, secret=SECRET
    )
    writer = EventWriter(database)
    await writer.start()
    coordinator = ApiColumnCoordinator(stub_glif, runs_per_hook=4, deadline_seconds=5.0)
    app = create_web_app(
        database=database,
        discord_state=lambda: "ready",
        hooks=HookIntake(hooks=hooks, events=writer, api_column=coordinator),
    )
    server = WebServer(app, "127.0.0.1", 0)
    await server.start()
    http = aiohttp.ClientSession()
    try:
        yield LiveEndpoint(
            host="127.0.0.1",
            port=server.port,
            hook=bound,
            unbound_hook=unbound,
            database=database,
            http=http,
            loop=asyncio.get_running_loop(),
        )
    finally:
        await http.close()
        await server.stop()
        await writer.stop()
        await coordinator.close()
        await database.close()


def json_headers(authorization: str = AUTHORIZATION_FORMS["glide"]) -> dict[str, str]:
    return {"Content-Type": "application/json", "Authorization": authorization}


def error_body_problem(body: bytes) -> str | None:
    """What keeps `body` from being SPEC §4's `{"error": "<short reason>"}`, if anything."""
    try:
        error = json.loads(body)
    except ValueError:
        return f"an error body that is not JSON: {body[:80]!r}"
    if not (
        isinstance(error, dict) and set(error) == {"error"} and isinstance(error["error"], str)
    ):
        return f"an error body that is not {{'error': '<reason>'}}: {body[:80]!r}"
    if not error["error"]:
        return "an empty error reason"
    return None
