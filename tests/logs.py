"""Waiting for a log line: how a test sees that work with no other visible trace has happened."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator


@contextlib.contextmanager
def waiting_for_log(logger_name: str, text: str) -> Iterator[asyncio.Event]:
    """An event set once `logger_name` logs, at INFO or above, a message containing `text`."""
    seen = asyncio.Event()

    class Watcher(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if text in record.getMessage():
                seen.set()

    watcher = Watcher(level=logging.INFO)
    logger = logging.getLogger(logger_name)
    previous_level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(watcher)
    try:
        yield seen
    finally:
        logger.removeHandler(watcher)
        logger.setLevel(previous_level)
