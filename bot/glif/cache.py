"""A small TTL cache of read responses that remembers validators for conditional GETs."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

CacheKey = tuple[str, tuple[tuple[str, str], ...], str]


def cache_key(url: str, params: Mapping[str, str], token: str | None) -> CacheKey:
    """Key a response by what was asked and by whom.

    Glif may answer a token holder with more than it shows anonymously, so each token gets its own
    entries. The token is hashed to keep it out of the cache's memory and of any debug dump.
    """
    caller = "anonymous" if token is None else hashlib.sha256(token.encode()).hexdigest()
    return url, tuple(sorted(params.items())), caller


@dataclass(slots=True)
class CachedResponse:
    payload: Any
    expires_at: float
    etag: str | None
    last_modified: str | None

    def revalidation_headers(self) -> dict[str, str]:
        headers = {}
        if self.etag is not None:
            headers["If-None-Match"] = self.etag
        if self.last_modified is not None:
            headers["If-Modified-Since"] = self.last_modified
        return headers


class ReadCache:
    """Keeps decoded payloads for ``ttl`` seconds, then keeps them as a base for revalidation.

    Expired entries stay until evicted (least recently used first, beyond ``max_entries``) so a
    later read can send ``If-None-Match``/``If-Modified-Since`` and reuse the body on a 304.
    """

    def __init__(self, *, ttl: float, max_entries: int, clock: Callable[[], float]) -> None:
        self._ttl = ttl
        self._max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[CacheKey, CachedResponse] = OrderedDict()

    def lookup(self, key: CacheKey) -> CachedResponse | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def is_fresh(self, entry: CachedResponse) -> bool:
        return self._clock() < entry.expires_at

    def store(
        self, key: CacheKey, payload: Any, *, etag: str | None, last_modified: str | None
    ) -> None:
        self._entries[key] = CachedResponse(
            payload=payload,
            expires_at=self._clock() + self._ttl,
            etag=etag or None,
            last_modified=last_modified or None,
        )
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def renew(
        self, key: CacheKey, entry: CachedResponse, *, etag: str | None, last_modified: str | None
    ) -> None:
        """Glif confirmed the cached body (HTTP 304): keep it, with any updated validators."""
        self.store(
            key,
            entry.payload,
            etag=etag or entry.etag,
            last_modified=last_modified or entry.last_modified,
        )
