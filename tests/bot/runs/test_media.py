import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp
import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from bot.runs.media import (
    AddressRefused,
    MediaFetcher,
    PublicAddressResolver,
    is_public_address,
    media_filename,
)
from tests.ports import closed_port

SMALL = bytes(range(256)) * 40  # 10 240 bytes
KIB = 1024
MIB = 1024 * KIB


class FakeResolver(AbstractResolver):
    """Maps test host names to fixed addresses, like a DNS zone we control."""

    def __init__(self, addresses: dict[str, list[str]]) -> None:
        self.addresses = addresses
        self.asked: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.asked.append(host)
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in self.addresses.get(host, [])
        ]

    async def close(self) -> None:
        return None


@dataclass
class MediaServer:
    """A media host on 127.0.0.1 that records what it was asked and what it sent."""

    port: int = 0
    requests: list[str] = field(default_factory=list)
    streamed_bytes: int = 0
    stream_ended: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    activity: asyncio.Condition = field(default_factory=asyncio.Condition)
    active: int = 0
    most_active: int = 0

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self.record])
        app.router.add_get("/small.mp3", self.small)
        app.router.add_get("/huge.mp4", self.declared_huge)
        app.router.add_get("/endless.mp4", self.endless_chunked)
        app.router.add_get("/stalled.mp4", self.stalled)
        app.router.add_get("/missing.mp4", self.missing)
        app.router.add_get("/to-small", self.redirect_to(lambda: "/small.mp3"))
        app.router.add_get(
            "/to-elsewhere", self.redirect_to(lambda: self.url("/small.mp3", "evil.test"))
        )
        app.router.add_get("/to-file", self.redirect_to(lambda: "file:///etc/passwd"))
        app.router.add_get("/loop", self.redirect_to(lambda: "/loop"))
        return app

    @web.middleware
    async def record(
        self,
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        self.requests.append(f"{request.host} {request.path}")
        return await handler(request)

    async def small(self, request: web.Request) -> web.Response:
        return web.Response(body=SMALL, content_type="audio/mpeg")

    async def declared_huge(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "video/mp4"})
        response.content_length = 500 * MIB
        await response.prepare(request)
        await response.write(b"\0" * (256 * KIB))
        await self.release.wait()
        return response

    async def endless_chunked(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "video/mp4"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        chunk = b"\1" * (64 * KIB)
        try:
            for _ in range(64 * MIB // len(chunk)):
                await response.write(chunk)
                self.streamed_bytes += len(chunk)
        except (ConnectionError, RuntimeError):
            pass
        finally:
            self.stream_ended.set()
        return response

    async def missing(self, request: web.Request) -> web.Response:
        raise web.HTTPNotFound

    async def stalled(self, request: web.Request) -> web.StreamResponse:
        async with self.activity:
            self.active += 1
            self.most_active = max(self.most_active, self.active)
            self.activity.notify_all()
        await self.release.wait()
        self.active -= 1
        return web.Response(body=SMALL)

    @staticmethod
    def redirect_to(target: Callable[[], str]) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handler(request: web.Request) -> web.Response:
            raise web.HTTPFound(target())

        return handler


@pytest.fixture
async def server() -> AsyncIterator[MediaServer]:
    state = MediaServer()
    runner = web.AppRunner(state.app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    state.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield state
    state.release.set()
    await runner.cleanup()


@pytest.fixture
async def local_fetcher() -> AsyncIterator[MediaFetcher]:
    """A fetcher allowed to reach the local test server, as only tests may do."""
    resolver = FakeResolver({"media.test": ["127.0.0.1"], "evil.test": ["127.0.0.1"]})
    async with MediaFetcher(
        ["media.test", "127.0.0.1"], resolver=resolver, allow_private_addresses=True
    ) as fetcher:
        yield fetcher


@pytest.fixture
def bytes_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every body read the client makes, in bytes."""
    reads: list[int] = []
    original_read = aiohttp.StreamReader.read
    original_readchunk = aiohttp.StreamReader.readchunk

    async def counting_read(self: aiohttp.StreamReader, n: int = -1) -> bytes:
        data = await original_read(self, n)
        reads.append(len(data))
        return data

    async def counting_readchunk(self: aiohttp.StreamReader) -> tuple[bytes, bool]:
        data, end_of_http_chunk = await original_readchunk(self)
        reads.append(len(data))
        return data, end_of_http_chunk

    monkeypatch.setattr(aiohttp.StreamReader, "read", counting_read)
    monkeypatch.setattr(aiohttp.StreamReader, "readchunk", counting_readchunk)
    return reads


async def test_a_file_under_the_limit_is_downloaded(
    server: MediaServer, local_fetcher: MediaFetcher
) -> None:
    media = await local_fetcher.fetch(server.url("/small.mp3", "media.test"), 1 * MIB)

    assert media is not None
    assert media.data == SMALL
    assert media.size == len(SMALL)
    assert media.filename == "small.mp3"
    assert media.content_type == "audio/mpeg"


async def test_a_file_of_exactly_the_limit_is_downloaded(
    server: MediaServer, local_fetcher: MediaFetcher
) -> None:
    media = await local_fetcher.fetch(server.url("/small.mp3"), len(SMALL))
    assert media is not None
    assert media.data == SMALL


async def test_a_declared_size_over_the_limit_is_refused_without_reading(
    server: MediaServer, local_fetcher: MediaFetcher, bytes_read: list[int]
) -> None:
    assert await local_fetcher.fetch(server.url("/huge.mp4"), 10 * MIB) is None
    assert bytes_read == []


async def test_an_undeclared_size_stops_one_byte_past_the_limit(
    server: MediaServer,
    local_fetcher: MediaFetcher,
    bytes_read: list[int],
    caplog: pytest.LogCaptureFixture,
) -> None:
    limit = 3 * MIB
    with caplog.at_level(logging.INFO, logger="bot.runs.media"):
        assert await local_fetcher.fetch(server.url("/endless.mp4"), limit) is None

    assert sum(bytes_read) == limit + 1
    assert "over the 3145728-byte limit" in caplog.text
    async with asyncio.timeout(10):
        await server.stream_ended.wait()
    # The server gave up well before its 64 MiB: only socket buffers took more than the client.
    assert server.streamed_bytes < 32 * MIB


async def test_a_host_not_in_the_list_is_not_contacted(
    server: MediaServer, caplog: pytest.LogCaptureFixture
) -> None:
    async with MediaFetcher(["res.cloudinary.com"], allow_private_addresses=True) as fetcher:
        with caplog.at_level(logging.INFO, logger="bot.runs.media"):
            assert await fetcher.fetch(server.url("/small.mp3"), MIB) is None
    assert server.requests == []
    assert "127.0.0.1 is not a media host" in caplog.text


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "10.0.0.1", "169.254.169.254", "192.168.1.1", "[::1]", "[::ffff:127.0.0.1]"],
)
async def test_private_address_literals_are_refused_by_default(
    server: MediaServer, host: str
) -> None:
    bare = host.strip("[]")
    async with MediaFetcher([bare]) as fetcher:
        assert await fetcher.fetch(server.url("/small.mp3", host), MIB) is None
    assert server.requests == []


async def test_names_resolving_to_private_addresses_are_refused_by_default(
    server: MediaServer, caplog: pytest.LogCaptureFixture
) -> None:
    resolver = FakeResolver({"media.test": ["127.0.0.1"]})
    async with MediaFetcher(["media.test"], resolver=resolver) as fetcher:
        with caplog.at_level(logging.INFO, logger="bot.runs.media"):
            assert await fetcher.fetch(server.url("/small.mp3", "media.test"), MIB) is None
    assert resolver.asked == ["media.test"]
    assert server.requests == []
    assert "non-public address 127.0.0.1" in caplog.text


async def test_localhost_is_refused_through_the_system_resolver(server: MediaServer) -> None:
    async with MediaFetcher(["localhost"]) as fetcher:
        assert await fetcher.fetch(server.url("/small.mp3", "localhost"), MIB) is None
    assert server.requests == []


async def test_redirects_on_allowed_hosts_are_followed(
    server: MediaServer, local_fetcher: MediaFetcher
) -> None:
    media = await local_fetcher.fetch(server.url("/to-small", "media.test"), MIB)
    assert media is not None
    assert media.data == SMALL


async def test_a_redirect_to_a_host_not_in_the_list_is_refused(
    server: MediaServer, local_fetcher: MediaFetcher
) -> None:
    assert await local_fetcher.fetch(server.url("/to-elsewhere", "media.test"), MIB) is None
    assert server.requests == [f"media.test:{server.port} /to-elsewhere"]


async def test_a_redirect_to_another_scheme_is_refused(
    server: MediaServer, local_fetcher: MediaFetcher
) -> None:
    assert await local_fetcher.fetch(server.url("/to-file", "media.test"), MIB) is None


async def test_redirects_stop_after_three_hops(
    server: MediaServer, local_fetcher: MediaFetcher
) -> None:
    assert await local_fetcher.fetch(server.url("/loop", "media.test"), MIB) is None
    assert len(server.requests) == 4


@pytest.mark.parametrize(
    "url", ["ftp://media.test/x.mp3", "file:///etc/passwd", "not a url", "//media.test/x.mp3", ""]
)
async def test_only_http_urls_are_fetched(local_fetcher: MediaFetcher, url: str) -> None:
    assert await local_fetcher.fetch(url, MIB) is None


@pytest.mark.parametrize("url", ["ftp://media.test/x.mp3", "ws://media.test/x.mp3"])
def test_a_scheme_other_than_http_is_refused_on_an_allowed_host(
    local_fetcher: MediaFetcher, url: str
) -> None:
    # fetch() alone could not show it: aiohttp refuses these schemes too, after the bot's check.
    assert local_fetcher.refusal(URL(url)) == f"scheme {URL(url).scheme} is not http(s)"


async def test_an_error_status_gives_none(server: MediaServer, local_fetcher: MediaFetcher) -> None:
    assert await local_fetcher.fetch(server.url("/missing.mp4"), MIB) is None


async def test_a_stalled_download_times_out(server: MediaServer) -> None:
    async with MediaFetcher(
        ["127.0.0.1"], allow_private_addresses=True, total_timeout=0.3
    ) as fetcher:
        assert await fetcher.fetch(server.url("/stalled.mp4"), MIB) is None


async def test_only_so_many_downloads_stream_at_once(server: MediaServer) -> None:
    async with MediaFetcher(
        ["127.0.0.1"], allow_private_addresses=True, max_concurrent_downloads=2
    ) as fetcher:
        downloads = [
            asyncio.create_task(fetcher.fetch(server.url("/stalled.mp4"), MIB)) for _ in range(3)
        ]
        async with server.activity:
            await server.activity.wait_for(lambda: server.active == 2)
        server.release.set()
        results = await asyncio.gather(*downloads)

    assert [result.data if result else None for result in results] == [SMALL] * 3
    assert server.most_active == 2


async def test_an_unreachable_host_gives_none() -> None:
    async with MediaFetcher(["127.0.0.1"], allow_private_addresses=True) as fetcher:
        assert await fetcher.fetch(f"http://127.0.0.1:{closed_port()}/x.mp4", MIB) is None


async def test_the_guard_refuses_a_name_when_any_address_is_private() -> None:
    inner = FakeResolver({"mixed.test": ["93.184.216.34", "10.1.2.3"], "none.test": []})
    guard = PublicAddressResolver(inner)
    with pytest.raises(AddressRefused, match=r"10\.1\.2\.3"):
        await guard.resolve("mixed.test", 443)
    with pytest.raises(AddressRefused, match="no address"):
        await guard.resolve("none.test", 443)


async def test_the_guard_passes_public_addresses() -> None:
    guard = PublicAddressResolver(FakeResolver({"cdn.test": ["93.184.216.34", "2606:4700::1"]}))
    results = await guard.resolve("cdn.test", 443)
    assert [result["host"] for result in results] == ["93.184.216.34", "2606:4700::1"]


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:4700::1", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.0.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),  # noqa: S104 - an address under test, nothing binds to it
        ("224.0.0.1", False),
        ("240.0.0.1", False),
        ("255.255.255.255", False),
        ("::1", False),
        ("::", False),
        ("fe80::1%eth0", False),
        ("fc00::1", False),
        ("ff02::1", False),
        ("::ffff:10.0.0.1", False),
        ("2002:0a00:0001::1", False),
        ("not an address", False),
    ],
)
def test_public_addresses_are_told_apart(address: str, public: bool) -> None:
    assert is_public_address(address) is public


@pytest.mark.parametrize(
    ("url", "content_type", "name"),
    [
        ("https://res.cloudinary.com/x/video/upload/v1/out/clip.mp4", "video/mp4", "clip.mp4"),
        ("https://res.cloudinary.com/x/a/voice%20line.mp3", "audio/mpeg", "voice_line.mp3"),
        ("https://res.cloudinary.com/x/a/noext", "audio/mpeg", "noext.mp3"),
        ("https://res.cloudinary.com/", "application/octet-stream", "output.bin"),
        ("https://h.test/../../etc/passwd", "text/plain", "passwd.txt"),
        ("https://h.test/" + "a" * 300 + ".wav", "audio/wav", "a" * 96 + ".wav"),
    ],
)
def test_file_names_are_safe(url: str, content_type: str, name: str) -> None:
    assert media_filename(URL(url), content_type) == name
