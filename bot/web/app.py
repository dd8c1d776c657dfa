"""Builds the aiohttp application; it knows nothing of Discord beyond a state callback."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from aiohttp import web

from bot.database import Database
from bot.web.health import DATABASE_KEY, DISCORD_STATE_KEY, healthz
from bot.web.metrics import REFRESHERS_KEY, MetricsRefresher, metrics
from bot.webhooks.intake import HookIntake, add_hook_routes


def create_web_app(
    *,
    database: Database,
    discord_state: Callable[[], str],
    hooks: HookIntake | None = None,
    metrics_refreshers: Sequence[MetricsRefresher] = (),
) -> web.Application:
    """`/healthz` and `/metrics`, and with `hooks` the webhook endpoint and its OpenAPI document."""
    app = web.Application()
    app[DATABASE_KEY] = database
    app[DISCORD_STATE_KEY] = discord_state
    app[REFRESHERS_KEY] = tuple(metrics_refreshers)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    if hooks is not None:
        add_hook_routes(app, hooks)
    return app
