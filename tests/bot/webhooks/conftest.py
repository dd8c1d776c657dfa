import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from multidict import CIMultiDictProxy

from bot.database import Database
from bot.web.app import create_web_app
from bot.web.server import WebServer
from bot.webhooks.announcement import Announcement
from bot.webhooks.api_column import ApiColumnAnswerer, ApiColumnCoordinator
from bot.webhooks.delivery import Post
from bot.webhooks.events import EventStore
from bot.webhooks.intake import HookIntake, add_hook_routes
from bot.webhooks.store import Hook, HookStore
from bot.webhooks.writer import EventWriter

GUILD_ID = 1001
CHANNEL_ID = 2002
ADMIN_ID = 3003


@pytest.fixture
def hooks(database: Database) -> HookStore:
    return HookStore(database)


@pytest.fixture
def events(database: Database) -> EventStore:
    return EventStore(database)


@dataclass
class Created:
    hook: Hook
    secret: str


@pytest.fixture
async def created(hooks: HookStore) -> Created:
    hook, secret = await hooks.create_hook(
        guild_id=GUILD_ID, channel_id=CHANNEL_ID, name="Orders", created_by=ADMIN_ID
    )
    return Created(hook, secret)


@dataclass
class GlifStub:
    """A glif runner whose runs finish when the test says so."""

    calls: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    started: asyncio.Event = field(default_factory=asyncio.Event)
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    error: Exception | None = None

    def __post_init__(self) -> None:
        self.release.set()

    async def __call__(self, glif_id: str, inputs: dict[str, str]) -> str:
        self.calls.append((glif_id, inputs))
        self.started.set()
        await self.release.wait()
        self.finished.set()
        if self.error is not None:
            raise self.error
        return f"output for {json.dumps(inputs, sort_keys=True)}"


@pytest.fixture
def glif_stub() -> GlifStub:
    return GlifStub()


@pytest.fixture
async def writer(database: Database) -> AsyncIterator[EventWriter]:
    writer = EventWriter(database)
    await writer.start()
    yield writer
    await writer.stop()


@dataclass
class Endpoint:
    base_url: str
    http: aiohttp.ClientSession
    coordinator: ApiColumnCoordinator
    port: int

    def url(self, hook_id: str) -> str:
        return f"{self.base_url}/hooks/glide/{hook_id}"

    async def post(
        self,
        hook_id: str,
        body: object,
        *,
        authorization: str | None,
        content_type: str = "application/json",
    ) -> tuple[int, Any, CIMultiDictProxy[str]]:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"Content-Type": content_type}
        if authorization is not None:
            headers["Authorization"] = authorization
        async with self.http.post(
            self.url(hook_id), data=data, headers=headers, allow_redirects=False
        ) as response:
            return response.status, await response.json(), response.headers


EndpointFactory = Callable[..., Awaitable[Endpoint]]


@pytest.fixture
async def make_endpoint(
    database: Database, hooks: HookStore, writer: EventWriter, glif_stub: GlifStub
) -> AsyncIterator[EndpointFactory]:
    servers: list[WebServer] = []
    coordinators: list[ApiColumnCoordinator] = []
    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))

    async def make(
        wrap: Callable[[ApiColumnCoordinator], ApiColumnAnswerer] | None = None,
        **coordinator_options: Any,
    ) -> Endpoint:
        options = {"runs_per_hook": 4, "deadline_seconds": 5.0, **coordinator_options}
        coordinator = ApiColumnCoordinator(glif_stub, **options)
        answerer = coordinator if wrap is None else wrap(coordinator)
        app = create_web_app(database=database, discord_state=lambda: "ready")
        add_hook_routes(app, HookIntake(hooks=hooks, events=writer, api_column=answerer))
        server = WebServer(app, "127.0.0.1", 0)
        await server.start()
        servers.append(server)
        coordinators.append(coordinator)
        return Endpoint(f"http://127.0.0.1:{server.port}", http, coordinator, server.port)

    yield make
    await http.close()
    for server in servers:
        await server.stop()
    for coordinator in coordinators:
        await coordinator.close()


@pytest.fixture
async def endpoint(make_endpoint: EndpointFactory) -> Endpoint:
    return await make_endpoint()


def app_action(key: str = "key-1", **params: dict[str, object]) -> dict[str, object]:
    return {
        "hookKind": "app-action",
        "appID": "app-123",
        "idempotencyKey": key,
        "timestamp": "2026-11-22T10:00:00.000Z",
        "params": params,
    }


def api_column(**params: dict[str, object]) -> dict[str, object]:
    return {"hookKind": "api-column", "appID": "app-123", "params": params}


def text(value: str) -> dict[str, object]:
    return {"type": "string", "value": value}


class FakeClock:
    """Wall-clock seconds that move only when told to (or when a fake sleep passes)."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


@dataclass
class Sent:
    channel_id: int
    announcement: Announcement
    nonce: str


class FakeSender:
    """Records sends; `outcomes` are raised (exceptions) in order before sends succeed. With
    `hang`, every send reaches Discord and then never returns, like a process killed mid-send."""

    def __init__(self, *outcomes: Exception, hang: bool = False) -> None:
        self.outcomes = list(outcomes)
        self.hang = hang
        self.attempts: list[Sent] = []
        self.delivered: list[Sent] = []
        self._changed = asyncio.Condition()
        self._next_message_id = 900_000

    async def send(self, channel_id: int, post: Post, nonce: str) -> int:
        # These tests bind no hook to a glif; its runs are posted through the cogs' tests.
        assert isinstance(post, Announcement), post
        sent = Sent(channel_id, post, nonce)
        async with self._changed:
            self.attempts.append(sent)
            self._changed.notify_all()
        if self.hang:
            await asyncio.Event().wait()
        if self.outcomes:
            raise self.outcomes.pop(0)
        async with self._changed:
            self.delivered.append(sent)
            self._next_message_id += 1
            self._changed.notify_all()
            return self._next_message_id

    async def wait_for_attempts(self, count: int) -> None:
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: len(self.attempts) >= count), timeout=5
            )

    async def wait_for_deliveries(self, count: int) -> None:
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: len(self.delivered) >= count), timeout=5
            )
