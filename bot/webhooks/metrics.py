"""Prometheus metrics of the webhook feature, in the default registry that `GET /metrics` shows."""

from __future__ import annotations

import functools

from prometheus_client import Counter, Histogram

HOOK_REQUESTS = Counter(
    "glifbot_webhook_requests",
    "Requests to the webhook endpoint, by hook kind and HTTP status.",
    ["kind", "status"],
)


@functools.cache
def hook_requests(kind: str, status: int) -> Counter:
    """The counter of one kind and status; `labels()` takes a lock and builds its key on every
    call, which the endpoint's hot path need not repeat for the few pairs there are."""
    return HOOK_REQUESTS.labels(kind, str(status))


WRITE_BATCH_SIZE = Histogram(
    "glifbot_webhook_write_batch_size",
    "Events committed together by the event writer.",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 1024),
)
API_COLUMN_ANSWERS = Counter(
    "glifbot_api_column_answers",
    "API-column answers by where they came from: cache, shared (joined a run in flight) or run.",
    ["source"],
)
GLIF_RUNS = Counter(
    "glifbot_api_column_glif_runs",
    "Glif runs started for API-column requests, by result.",
    ["result"],
)
DELIVERIES = Counter(
    "glifbot_webhook_deliveries",
    "Attempts to announce an event, by result: delivered, retry or failed.",
    ["result"],
)
