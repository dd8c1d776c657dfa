"""`GET /metrics`: the Prometheus exposition of the default registry."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

log = logging.getLogger(__name__)

MetricsRefresher = Callable[[], Awaitable[None]]
REFRESHERS_KEY: web.AppKey[tuple[MetricsRefresher, ...]] = web.AppKey("metrics_refreshers")


async def metrics(request: web.Request) -> web.Response:
    for refresh in request.app[REFRESHERS_KEY]:
        try:
            await refresh()
        except (sqlite3.Error, ValueError):
            # A database that cannot answer must not hide every other figure.
            log.warning("Could not refresh a metric before a scrape", exc_info=True)
    return web.Response(
        body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST}
    )
