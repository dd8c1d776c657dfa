"""Prometheus metrics for operators, in the default registry that `GET /metrics` shows.

Counters and histograms are updated where things happen. Gauges that describe state (queue
length, pending events, the Discord connection) are read just before each scrape, through the
refreshers the web app is given, so nothing has to keep them in step.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from bot.database import Database
from bot.runs.queue import RunQueue

# Outcomes the Glif client reports that are answers, not failures.
_GLIF_SUCCESSES = frozenset({"ok", "cache_hit", "not_modified"})

GLIF_CALL_SECONDS = Histogram(
    "glifbot_glif_call_seconds",
    "Latency of calls to Glif by endpoint (cache hits included, near zero).",
    ["endpoint"],
    buckets=(0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
)
GLIF_CALL_ERRORS = Counter(
    "glifbot_glif_call_errors",
    "Failed calls to Glif by endpoint and kind (invalid_token, rate_limited, run_failed, ...).",
    ["endpoint", "kind"],
)
RUNS_WAITING = Gauge("glifbot_runs_queued", "Glif runs waiting in the queue.")
RUNS_IN_FLIGHT = Gauge("glifbot_runs_in_flight", "Glif runs running now.")
RUNS_FINISHED = Counter(
    "glifbot_runs_finished",
    "Glif runs finished, by outcome (succeeded or an error kind).",
    ["outcome"],
)
WEBHOOK_EVENTS = Gauge(
    "glifbot_webhook_events", "Stored webhook events by state (pending, failed).", ["state"]
)
DELIVERY_LAG_SECONDS = Histogram(
    "glifbot_webhook_delivery_lag_seconds",
    "Time from accepting an app-action to its announcement in Discord.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800),
)
DISCORD_CONNECTED = Gauge(
    "glifbot_discord_connected", "1 while the gateway connection is up and ready, else 0."
)


def record_glif_call(endpoint: str, seconds: float, outcome: str) -> None:
    """The Glif client's `on_call` hook."""
    GLIF_CALL_SECONDS.labels(endpoint).observe(seconds)
    if outcome not in _GLIF_SUCCESSES:
        GLIF_CALL_ERRORS.labels(endpoint, outcome).inc()


def refresh_run_queue(queue: RunQueue) -> None:
    stats = queue.stats()
    RUNS_WAITING.set(stats.waiting)
    RUNS_IN_FLIGHT.set(stats.running)


async def refresh_webhook_events(database: Database) -> None:
    rows = await database.fetch_all(
        "SELECT state, COUNT(*) AS events FROM hook_events "
        "WHERE state IN ('pending', 'failed') GROUP BY state"
    )
    counts = {row["state"]: row["events"] for row in rows}
    for state in ("pending", "failed"):
        WEBHOOK_EVENTS.labels(state).set(counts.get(state, 0))


def refresh_discord_state(state: str) -> None:
    DISCORD_CONNECTED.set(1 if state == "connected" else 0)
