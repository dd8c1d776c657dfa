"""An asyncio client for Glif's read API (glif.app/api) and run API (simple-api.glif.app)."""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp
from yarl import URL

from bot.glif.cache import ReadCache, cache_key
from bot.glif.errors import (
    GlifError,
    GlifInvalidToken,
    GlifNotFound,
    GlifTimedOut,
    GlifUnavailable,
    describe_wait,
)
from bot.glif.models import Glif, Me, Run, RunResult, Sphere, User
from bot.glif.parsers import (
    SphereLookup,
    parse_glif,
    parse_glifs,
    parse_me,
    parse_run,
    parse_run_result,
    parse_runs,
    parse_sphere,
    parse_spheres,
    parse_user,
)
from bot.glif.responses import HttpAnswer, Purpose, interpret

_log = logging.getLogger(__name__)

OnCall = Callable[[str, float, str], None]
"""Called once per client call with (endpoint, seconds taken, outcome); must not raise."""

Parsed = TypeVar("Parsed")

_MAX_PAGE_SIZE = 100
_CHUNK_BYTES = 64 * 1024
_CUID = re.compile(r"c[a-z0-9]{24}")


class Visibility(StrEnum):
    """Who may see a run on glif.app."""

    PUBLIC = "PUBLIC"
    PRIVATE = "PRIVATE"


@dataclass(slots=True)
class _CallRecord:
    outcome: str = "ok"


class GlifClient:
    """Reads are cached, revalidated and retried; runs are sent exactly once.

    The aiohttp session belongs to the caller. Tokens are given per call and never kept: the
    client's state (cache keys included) holds only hashes of them.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        api_url: str,
        simple_api_url: str,
        read_timeout: float = 10,
        run_timeout: float = 600,
        cache_ttl: float = 60,
        clock: Callable[[], float] = time.monotonic,
        read_attempts: int = 3,
        backoff_base: float = 0.25,
        backoff_cap: float = 2.0,
        cache_max_entries: int = 1024,
        max_body_bytes: int = 8 * 1024 * 1024,
        on_call: OnCall | None = None,
    ) -> None:
        if read_attempts < 1:
            raise ValueError("read_attempts must be at least 1")
        self._session = session
        self._api_url = api_url.rstrip("/")
        self._simple_api_url = simple_api_url.rstrip("/")
        self._read_timeout = read_timeout
        self._run_timeout = run_timeout
        self._read_attempts = read_attempts
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._max_body_bytes = max_body_bytes
        self._on_call = on_call
        self._cache = ReadCache(ttl=cache_ttl, max_entries=cache_max_entries, clock=clock)
        self._jitter = random.Random()  # noqa: S311 - backoff jitter, not a secret

    def __repr__(self) -> str:
        return f"GlifClient(api_url={self._api_url!r}, simple_api_url={self._simple_api_url!r})"

    async def get_glif(self, glif_id: str, token: str | None = None) -> Glif:
        """One glif with its graph (``data.nodes``); ``GlifNotFound`` for an unknown id."""
        return await self._read(
            "glifs", {"id": glif_id}, token, lambda payload: parse_glif(payload, glif_id=glif_id)
        )

    async def search_glifs(
        self, query: str, page: int = 1, limit: int = 20, token: str | None = None
    ) -> list[Glif]:
        """Public glifs matching ``query`` (without graphs)."""
        params = {"q": query, **_paging(page, limit)}
        return await self._read("glifs", params, token, parse_glifs)

    async def featured_glifs(
        self, page: int = 1, limit: int = 20, token: str | None = None
    ) -> list[Glif]:
        """The glifs featured on glif.app's home page."""
        params = {"featured": "1", **_paging(page, limit)}
        return await self._read("glifs", params, token, parse_glifs)

    async def user_glifs(
        self, username: str, page: int = 1, limit: int = 20, token: str | None = None
    ) -> list[Glif]:
        """The published glifs of a Glif user."""
        params = {"username": username, **_paging(page, limit)}
        return await self._read("glifs", params, token, parse_glifs)

    async def get_run(self, run_id: str, token: str | None = None) -> Run:
        """One public run; ``GlifNotFound`` for an unknown id."""
        return await self._read(
            "runs", {"id": run_id}, token, lambda payload: parse_run(payload, run_id=run_id)
        )

    async def glif_runs(
        self, glif_id: str, page: int = 1, limit: int = 20, token: str | None = None
    ) -> list[Run]:
        """Recent public runs of a glif."""
        params = {"glifId": glif_id, **_paging(page, limit)}
        return await self._read("runs", params, token, parse_runs)

    async def user_runs(
        self, username: str, page: int = 1, limit: int = 20, token: str | None = None
    ) -> list[Run]:
        """Recent public runs by a Glif user."""
        params = {"username": username, **_paging(page, limit)}
        return await self._read("runs", params, token, parse_runs)

    async def get_user(self, username: str, token: str | None = None) -> User:
        """A Glif user's profile; ``GlifNotFound`` when there is no such user."""
        return await self._read(
            "user",
            {"username": username},
            token,
            lambda payload: parse_user(payload, username=username),
        )

    async def me(self, token: str) -> Me:
        """The token's account and credits; never cached, so it always checks the token."""
        if not token:
            raise GlifInvalidToken("A Glif API token is needed for this; set one and try again.")
        return await self._read("me", {}, token, parse_me, cache=False)

    async def list_spheres(
        self, page: int = 1, limit: int = 20, token: str | None = None
    ) -> list[Sphere]:
        """Public spheres, without their glifs."""
        return await self._read("spheres", _paging(page, limit), token, parse_spheres)

    async def get_sphere(self, slug_or_id: str, token: str | None = None) -> Sphere:
        """A sphere with its glifs, by slug (``memes``) or id.

        Glif accepts ``slug=`` or ``id=`` and nothing tells the two apart for certain. A string
        shaped like a cuid (``c`` + 24 lowercase alphanumerics) is tried as an id first and then,
        if Glif knows no such id, as a slug; anything else is only a slug.
        """
        lookups: list[SphereLookup] = [("slug", slug_or_id)]
        if _CUID.fullmatch(slug_or_id):
            lookups.insert(0, ("id", slug_or_id))
        for lookup in lookups[:-1]:
            try:
                return await self._read_sphere(lookup, token)
            except GlifNotFound:
                continue
        return await self._read_sphere(lookups[-1], token)

    async def run_glif(
        self,
        glif_id: str,
        inputs: Mapping[str, str],
        *,
        token: str,
        visibility: Visibility = Visibility.PRIVATE,
        strict: bool = True,
    ) -> RunResult:
        """Run a glif with named inputs. Sent once, never retried: a run costs credits."""
        visibility = Visibility(visibility)  # a ValueError for anything but PUBLIC or PRIVATE
        if not token:
            raise GlifInvalidToken("Running a glif needs a Glif API token; set one and try again.")
        with self._metered("run"):
            answer = await self._exchange(
                "POST",
                f"{self._simple_api_url}/{quote(glif_id, safe='')}",
                params={"strict": "1"} if strict else {},
                headers=_auth_headers(token),
                json_body={"inputs": dict(inputs), "visibility": visibility},
                time_limit=self._run_timeout,
                timeout_message=(
                    f"The glif did not finish within {describe_wait(self._run_timeout)}; "
                    "try again later."
                ),
            )
            return parse_run_result(interpret(answer, Purpose.RUN, token=token))

    async def _read_sphere(self, lookup: SphereLookup, token: str | None) -> Sphere:
        key, value = lookup
        return await self._read(
            "spheres", {key: value}, token, lambda payload: parse_sphere(payload, lookup=lookup)
        )

    async def _read(
        self,
        endpoint: str,
        params: Mapping[str, str],
        token: str | None,
        parse: Callable[[Any], Parsed],
        *,
        cache: bool = True,
    ) -> Parsed:
        with self._metered(endpoint) as record:
            payload, record.outcome = await self._fetch(endpoint, params, token, cache=cache)
            return parse(payload)

    async def _fetch(
        self, endpoint: str, params: Mapping[str, str], token: str | None, *, cache: bool
    ) -> tuple[Any, str]:
        url = f"{self._api_url}/{endpoint}"
        key = cache_key(url, params, token)
        entry = self._cache.lookup(key) if cache else None
        if entry is not None and self._cache.is_fresh(entry):
            return entry.payload, "cache_hit"
        headers = _auth_headers(token)
        revalidation = entry.revalidation_headers() if entry is not None else {}
        answer = await self._get_with_retries(url, params, headers | revalidation)
        if answer.status == 304 and entry is not None and revalidation:
            self._cache.renew(
                key,
                entry,
                etag=answer.headers.get("ETag"),
                last_modified=answer.headers.get("Last-Modified"),
            )
            return entry.payload, "not_modified"
        payload = interpret(answer, Purpose.READ, token=token)
        if cache:
            self._cache.store(
                key,
                payload,
                etag=answer.headers.get("ETag"),
                last_modified=answer.headers.get("Last-Modified"),
            )
        return payload, "ok"

    async def _get_with_retries(
        self, url: str, params: Mapping[str, str], headers: Mapping[str, str]
    ) -> HttpAnswer:
        """GET, retrying server errors and network failures; client errors are final."""
        attempt = 1
        while True:
            try:
                answer = await self._exchange(
                    "GET", url, params=params, headers=headers, time_limit=self._read_timeout
                )
            except GlifUnavailable:
                if attempt >= self._read_attempts:
                    raise
            else:
                if answer.status < 500 or attempt >= self._read_attempts:
                    return answer
            await asyncio.sleep(self._backoff_delay(attempt))
            attempt += 1

    def _backoff_delay(self, attempt: int) -> float:
        # "Equal jitter": at least half the exponential delay, so retries still spread out.
        ceiling = min(self._backoff_cap, self._backoff_base * 2.0 ** (attempt - 1))
        return ceiling / 2 + self._jitter.uniform(0, ceiling / 2)

    async def _exchange(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str],
        headers: Mapping[str, str],
        time_limit: float,
        json_body: Any = None,
        timeout_message: str | None = None,
    ) -> HttpAnswer:
        path = URL(url).path
        started = time.perf_counter()
        try:
            async with self._session.request(
                method,
                url,
                params=params,
                headers=headers,
                json=json_body,
                timeout=aiohttp.ClientTimeout(total=time_limit),
                raise_for_status=False,
            ) as response:
                body = await self._read_body(response)
        except TimeoutError:
            _log.debug(
                "Glif %s %s timed out after %.2fs", method, path, time.perf_counter() - started
            )
            raise GlifTimedOut(
                timeout_message, detail=f"no answer within {time_limit:g}s"
            ) from None
        except aiohttp.ClientError as error:
            # The cause is dropped on purpose: aiohttp errors can carry the request headers.
            _log.debug(
                "Glif %s %s failed after %.2fs: %s",
                method,
                path,
                time.perf_counter() - started,
                type(error).__name__,
            )
            raise GlifUnavailable(detail=type(error).__name__) from None
        _log.debug(
            "Glif %s %s -> %d in %.2fs",
            method,
            path,
            response.status,
            time.perf_counter() - started,
        )
        return HttpAnswer(response.status, response.headers, body)

    async def _read_body(self, response: aiohttp.ClientResponse) -> bytes:
        too_large = GlifUnavailable(detail=f"answer larger than {self._max_body_bytes} bytes")
        if (response.content_length or 0) > self._max_body_bytes:
            raise too_large
        body = bytearray()
        async for chunk in response.content.iter_chunked(_CHUNK_BYTES):
            body += chunk
            if len(body) > self._max_body_bytes:
                raise too_large
        return bytes(body)

    @contextmanager
    def _metered(self, endpoint: str) -> Iterator[_CallRecord]:
        record = _CallRecord()
        started = time.perf_counter()
        try:
            yield record
        except GlifError as error:
            record.outcome = error.outcome
            raise
        except asyncio.CancelledError:
            record.outcome = "cancelled"
            raise
        except Exception:
            record.outcome = "error"
            raise
        finally:
            if self._on_call is not None:
                self._on_call(endpoint, time.perf_counter() - started, record.outcome)


def _paging(page: int, limit: int) -> dict[str, str]:
    return {"page": str(max(1, page)), "limit": str(min(max(1, limit), _MAX_PAGE_SIZE))}


def _auth_headers(token: str | None) -> dict[str, str]:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers
