"""Builds the aiohttp application; it knows nothing of Discord beyond a state callback."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from bot.database import Database
from bot.web.health import DATABASE_KEY, DISCORD_STATE_KEY, healthz


def create_web_app(*, database: Database, discord_state: Callable[[], str]) -> web.Application:
    app = web.Application()
    app[DATABASE_KEY] = database
    app[DISCORD_STATE_KEY] = discord_state
    app.router.add_get("/healthz", healthz)
    return app
