"""`GET /healthz`: whether the database answers and the Discord connection is up."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus

from aiohttp import web

from bot.database import Database

DATABASE_KEY = web.AppKey("database", Database)
DISCORD_STATE_KEY: web.AppKey[Callable[[], str]] = web.AppKey("discord_state")


async def healthz(request: web.Request) -> web.Response:
    database_ok = await request.app[DATABASE_KEY].is_healthy()
    body = {
        "status": "ok" if database_ok else "unavailable",
        "database": "ok" if database_ok else "unavailable",
        "discord": request.app[DISCORD_STATE_KEY](),
    }
    # Only the database decides: without Discord, webhooks are still accepted and kept.
    status = HTTPStatus.OK if database_ok else HTTPStatus.SERVICE_UNAVAILABLE
    return web.json_response(body, status=status)
