"""Logging to stdout, with every line passed through the redactor."""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from typing import cast

from bot.redaction import Redactor

_FORMAT = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"


class RedactingFormatter(logging.Formatter):
    """Formats a record, then removes secrets from the whole text, traceback included."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__(_FORMAT)
        self._redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        if record.args:
            record = logging.makeLogRecord(record.__dict__)
            # logging passes a lone mapping argument as `args` itself, not inside a tuple.
            if isinstance(record.args, Mapping):
                record.args = cast(
                    Mapping[str, object], self._redactor.redact_structure(record.args)
                )
            else:
                record.args = tuple(
                    self._redactor.redact_structure(arg) for arg in record.args or ()
                )
        return self._redactor.redact(super().format(record))


def configure_logging(level: str, redactor: Redactor) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(RedactingFormatter(redactor))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Request-level lines carry message bodies and add nothing an operator needs.
    logging.getLogger("discord.http").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # aiosqlite's DEBUG lines repeat every statement with its parameters: hook secrets' SHA-256
    # (against which an admin's chosen secret can be guessed offline), sealed tokens, bodies.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
