"""The idempotency keys of the events stored in the last day: what tells a Glide retry apart.

The event writer is the only code that inserts events, so the keys it has stored, and those it
read back on start, are all there are. Holding them in memory spares the database an index whose
random keys would cost a page write per event (see migration 0006).
"""

from __future__ import annotations

import sys
from collections import deque
from typing import TypeAlias

HookKey: TypeAlias = tuple[str, str]
"""A hook's id and one of its events' idempotency keys."""


class AcceptedKeys:
    """Keys by age: each is kept at least `retention_seconds` after its event was received."""

    def __init__(self, retention_seconds: float) -> None:
        self._retention_seconds = retention_seconds
        # Each key with when its latest event was received.
        self._latest: dict[HookKey, float] = {}
        # In arrival order, which is time order unless the clock went back; then an entry waits
        # behind a later one, and its key is kept longer, never shorter.
        self._by_age: deque[tuple[float, HookKey]] = deque()

    def __repr__(self) -> str:
        return f"AcceptedKeys({len(self._latest)} keys)"

    def __len__(self) -> int:
        return len(self._latest)

    def __contains__(self, key: HookKey) -> bool:
        return key in self._latest

    def add(self, key: HookKey, received_at: float) -> None:
        """Remember a stored event's key, and forget those that are now past the retention."""
        hook_id, idempotency_key = key
        # One copy of each hook's id, instead of one per event.
        key = (sys.intern(hook_id), idempotency_key)
        self._latest[key] = received_at
        self._by_age.append((received_at, key))
        horizon = received_at - self._retention_seconds
        while self._by_age[0][0] < horizon:
            expired_at, expired = self._by_age.popleft()
            # A key stored again after its day (the database then holds two events with it) is
            # kept for its latest event.
            if self._latest.get(expired) == expired_at:
                del self._latest[expired]
