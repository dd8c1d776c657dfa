"""Downloading a run's audio or video for upload to Discord, capped and kept off private networks.

The output URL comes from Glif, that is from the outside, so the download must not become a way to
reach the bot's own network (SSRF) or to exhaust its memory:

- only http(s) URLs on the configured media hosts are fetched, and redirects (at most three) are
  followed by hand so that every hop passes the same checks;
- names are resolved by `PublicAddressResolver`, the resolver of the fetcher's own connector, which
  refuses the name when any address is loopback, private, link-local, reserved or multicast; the
  connection then goes to the addresses it checked, so a second lookup cannot swap them;
- IP literals skip resolvers in aiohttp, so they are checked before the request;
- the body is refused by its Content-Length, and otherwise read only up to the limit plus one byte;
- at most ``max_concurrent_downloads`` bodies stream at once: the loop serves every ready socket
  in each turn, so fifty simultaneous fast downloads would make each turn long enough to delay
  every other command, while a few at a time move the same bytes with short turns.

Every refusal or failure returns None (the caller links to the output instead) and logs at INFO.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import logging
import mimetypes
import mmap
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from types import TracebackType

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

log = logging.getLogger(__name__)

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# aiohttp hands over at most one socket read (256 KiB) per chunk.
_WHOLE_CHUNKS_ABOVE = 1024 * 1024
_UNSAFE_FILENAME_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_FILENAME = 100
_MAX_SUFFIX = 10


class AddressRefused(OSError):
    """A host name resolved to an address the bot must not connect to."""

    def __init__(self, reason: str) -> None:
        # With an errno, OSError keeps the reason as strerror, which aiohttp's error message shows.
        super().__init__(errno.EACCES, reason)


def is_public_address(address: str) -> bool:
    """Whether ``address`` (an IP literal) is a public unicast address on the internet."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is not None:
            ip = embedded
    return ip.is_global and not (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
    )


class PublicAddressResolver(AbstractResolver):
    """Resolves through ``inner`` and refuses names with any non-public address."""

    def __init__(self, inner: AbstractResolver, *, allow_private_addresses: bool = False) -> None:
        self._inner = inner
        self._allow_private_addresses = allow_private_addresses

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        if not results:
            raise AddressRefused(f"{host} resolved to no address")
        if not self._allow_private_addresses:
            refused = [
                result["host"] for result in results if not is_public_address(result["host"])
            ]
            if refused:
                raise AddressRefused(f"{host} resolves to non-public address {refused[0]}")
        return results

    async def close(self) -> None:
        await self._inner.close()


@dataclass(frozen=True, slots=True)
class FetchedMedia:
    data: bytes
    filename: str
    content_type: str

    @property
    def size(self) -> int:
        return len(self.data)


class MediaFetcher:
    """Downloads media from allowed hosts with its own guarded HTTP session.

    It owns its session because the SSRF guard lives in the session's connector: a session
    handed in from elsewhere could resolve and connect anywhere. Create it while the event loop
    runs and `close()` it on shutdown (or use ``async with``).

    ``resolver`` replaces the system resolver (tests map names to a local server with it);
    ``allow_private_addresses`` exists for such tests only and is off by default.
    """

    def __init__(
        self,
        allowed_hosts: Iterable[str],
        *,
        resolver: AbstractResolver | None = None,
        allow_private_addresses: bool = False,
        total_timeout: float = 120.0,
        connect_timeout: float = 10.0,
        read_timeout: float = 30.0,
        max_redirects: int = 3,
        max_concurrent_downloads: int = 4,
    ) -> None:
        self.allowed_hosts = frozenset(host.lower().rstrip(".") for host in allowed_hosts)
        self.allow_private_addresses = allow_private_addresses
        self.total_timeout = total_timeout
        self.max_redirects = max_redirects
        self.max_concurrent_downloads = max_concurrent_downloads
        self._download_slots = asyncio.Semaphore(max_concurrent_downloads)
        guard = PublicAddressResolver(
            resolver or aiohttp.ThreadedResolver(),
            allow_private_addresses=allow_private_addresses,
        )
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(resolver=guard),
            timeout=aiohttp.ClientTimeout(sock_connect=connect_timeout, sock_read=read_timeout),
            # Proxies from the environment would resolve names themselves, past the guard.
            trust_env=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            headers={"User-Agent": "glifbot", "Accept-Encoding": "identity"},
        )

    async def __aenter__(self) -> MediaFetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        await self._session.close()

    def refusal(self, url: URL) -> str | None:
        """Why ``url`` must not be fetched, or None when it may be."""
        if url.scheme not in {"http", "https"}:
            return f"scheme {url.scheme or '(none)'} is not http(s)"
        host = (url.host or "").lower().rstrip(".")
        if not host:
            return "the URL has no host"
        if host not in self.allowed_hosts:
            return f"{host} is not a media host"
        if _is_ip_literal(host) and not (self.allow_private_addresses or is_public_address(host)):
            return f"{host} is not a public address"
        return None

    async def fetch(self, url: str, limit_bytes: int) -> FetchedMedia | None:
        """The file at ``url`` if it may be fetched and has at most ``limit_bytes``, else None."""
        try:
            target = URL(url.strip())
        except (ValueError, TypeError):
            log.info("Not downloading an output: its URL cannot be read")
            return None
        try:
            async with self._download_slots, asyncio.timeout(self.total_timeout):
                return await self._fetch_following_redirects(target, limit_bytes)
        except TimeoutError:
            log.info(
                "Not uploading %s: the download took over %s s",
                _loggable(target),
                self.total_timeout,
            )
        except (aiohttp.ClientError, OSError, ValueError) as error:
            log.info("Not uploading %s: %s", _loggable(target), str(error) or type(error).__name__)
        return None

    async def _fetch_following_redirects(self, url: URL, limit_bytes: int) -> FetchedMedia | None:
        for _hop in range(self.max_redirects + 1):
            reason = self.refusal(url)
            if reason is not None:
                log.info("Not downloading %s: %s", _loggable(url), reason)
                return None
            async with self._session.get(url, allow_redirects=False) as response:
                if response.status in _REDIRECT_STATUSES:
                    location = response.headers.get("Location")
                    if not location:
                        log.info("Not uploading %s: redirect without a location", _loggable(url))
                        return None
                    url = url.join(URL(location)).with_fragment(None)
                    continue
                if response.status != 200:
                    log.info("Not uploading %s: HTTP %d", _loggable(url), response.status)
                    return None
                return await _read_capped(response, url, limit_bytes)
        log.info("Not uploading %s: more than %d redirects", _loggable(url), self.max_redirects)
        return None


async def _read_capped(
    response: aiohttp.ClientResponse, url: URL, limit_bytes: int
) -> FetchedMedia | None:
    declared = response.content_length
    if declared is not None and declared > limit_bytes:
        log.info(
            "Not uploading %s: %d bytes is over the %d-byte limit",
            _loggable(url),
            declared,
            limit_bytes,
        )
        return None
    exact = declared is not None and "Content-Encoding" not in response.headers
    # An anonymous mapping: only the pages written take memory, and closing it hands them back
    # to the system at once, where a growing buffer would leave abandoned copies in the heap.
    with mmap.mmap(-1, max(1, declared if exact and declared else limit_bytes)) as buffer:
        while True:
            chunk = await _next_chunk(response.content, limit_bytes + 1 - buffer.tell())
            if not chunk:
                break
            if buffer.tell() + len(chunk) > limit_bytes:
                log.info("Not uploading %s: over the %d-byte limit", _loggable(url), limit_bytes)
                return None
            buffer.write(chunk)
        data = buffer[: buffer.tell()]
    return FetchedMedia(
        data=data,
        filename=media_filename(url, response.content_type),
        content_type=response.content_type,
    )


async def _next_chunk(body: aiohttp.StreamReader, room: int) -> bytes:
    """The next piece of ``body``; ``room`` is what may still be read, the proving byte included.

    Far from the limit, a whole chunk as aiohttp received it (one socket read at most), which
    copies nothing; near it, no more than ``room``, so reading stops one byte past the limit.
    """
    if room <= _WHOLE_CHUNKS_ABOVE:
        return await body.read(room)
    while True:
        chunk, end_of_http_chunk = await body.readchunk()
        if chunk or not end_of_http_chunk:
            return chunk


def media_filename(url: URL, content_type: str) -> str:
    """A safe file name for Discord from the URL's last path segment and the content type."""
    name = PurePosixPath(url.path).name
    stem, suffix = PurePosixPath(name).stem, PurePosixPath(name).suffix
    stem = _UNSAFE_FILENAME_CHARACTERS.sub("_", stem).strip("._") or "output"
    suffix = _UNSAFE_FILENAME_CHARACTERS.sub("", suffix)
    if not 2 <= len(suffix) <= _MAX_SUFFIX:
        suffix = mimetypes.guess_extension(content_type) or ".bin"
    return stem[: _MAX_FILENAME - len(suffix)] + suffix


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


def _loggable(url: URL) -> str:
    # Query strings of signed media URLs can carry credentials.
    return str(url.with_query(None).with_fragment(None))
