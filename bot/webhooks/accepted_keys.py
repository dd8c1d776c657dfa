"""The idempotency keys of the events stored in the last day: what tells a Glide retry apart.

The event writer is the only writer of events, so the keys it has stored, and those it read back
on start, are all there are. Holding them in memory spares the database an index whose random
keys would cost a page write per event (see migration 0006).
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
        self._keys: set[HookKey] = set()
        # Events arrive in time order, so the oldest key is always at the left.
        self._by_age: deque[tuple[float, HookKey]] = deque()

    def __repr__(self) -> str:
        return f"AcceptedKeys({len(self._keys)} keys)"

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: HookKey) -> bool:
        return key in self._keys

    def add(self, key: HookKey, received_at: float) -> None:
        """Remember a stored event's key, and forget those that are now past the retention."""
        hook_id, idempotency_key = key
        # One copy of each hook's id, instead of one per event.
        key = (sys.intern(hook_id), idempotency_key)
        self._keys.add(key)
        self._by_age.append((received_at, key))
        horizon = received_at - self._retention_seconds
        while self._by_age[0][0] < horizon:
            _, expired = self._by_age.popleft()
            self._keys.discard(expired)
