"""Keeps secrets out of log lines: known secret values, interaction tokens and user-typed values."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping

REDACTED = "[redacted]"

# Interaction and webhook tokens travel in URL paths; they grant 15 minutes of posting as the bot.
_TOKEN_IN_PATH = re.compile(r"(/(?:webhooks|interactions)/\d+/)[^/\s?'\"]+")

# discord.py logs whole gateway payloads at DEBUG: interaction tokens, modal values (a member's
# Glif token), command options (a hook secret). Their values are user data, so none is kept.
_SENSITIVE_KEYS = frozenset({"token", "value", "values", "password", "secret"})

# Shorter values are too likely to occur in ordinary text to be replaced everywhere.
_MIN_SECRET_LENGTH = 6


class Redactor:
    """Knows the secrets of this process and removes them from text and structures."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self.add(*secrets)

    def __repr__(self) -> str:
        return f"Redactor(<{len(self._secrets)} secrets>)"

    def add(self, *secrets: str) -> None:
        fresh = {secret for secret in secrets if len(secret) >= _MIN_SECRET_LENGTH}
        with self._lock:
            if fresh <= self._secrets:
                return
            self._secrets |= fresh
            # Longest first, so that a secret containing another is removed whole.
            ordered = sorted(self._secrets, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(secret) for secret in ordered))

    def redact(self, text: str) -> str:
        pattern = self._pattern
        if pattern is not None:
            text = pattern.sub(REDACTED, text)
        return _TOKEN_IN_PATH.sub(rf"\1{REDACTED}", text)

    def redact_structure(self, value: object) -> object:
        """A copy of a JSON-like value with the values of sensitive keys blanked."""
        if isinstance(value, Mapping):
            return {
                key: REDACTED if key in _SENSITIVE_KEYS else self.redact_structure(item)
                for key, item in value.items()
            }
        if isinstance(value, list | tuple):
            return [self.redact_structure(item) for item in value]
        return value
