"""Load test of the webhook endpoint against a bare aiohttp app, in one run.

    .venv/bin/python -m benchmarks.webhook_load [--connections 32] [--requests 20000] [--seconds 20]

Each server runs in its own process on 127.0.0.1 (the client gets the other core): first the real
endpoint (real SQLite in a temporary directory, WAL, synchronous=FULL, group-committing writer),
then a bare app that reads the body and answers 200. Every request is a Glide app-action with a
unique idempotency key. Prints accepted requests per second, latency percentiles and the ratio,
and checks that the real endpoint stored exactly as many events as it accepted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.database import Database
from bot.web.app import create_web_app
from bot.web.server import WebServer
from bot.webhooks.announcement import Announcement
from bot.webhooks.api_column import ApiColumnCoordinator
from bot.webhooks.delivery import DeliveryWorker
from bot.webhooks.events import EventStore
from bot.webhooks.intake import HookIntake, add_hook_routes
from bot.webhooks.store import HookStore
from bot.webhooks.writer import EventWriter

WARMUP_REQUESTS = 500


@dataclass(frozen=True)
class Target:
    name: str
    port: int
    hook_id: str
    secret: str


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    accepted: int = 0
    other: dict[str, int] = field(default_factory=dict)


class InstantSender:
    """Stands in for Discord so that delivery's reads and writes compete with the endpoint."""

    def __init__(self) -> None:
        self.sent = 0

    async def send(self, channel_id: int, announcement: Announcement, nonce: str) -> int:  # noqa: ARG002 - the protocol's signature
        self.sent += 1
        return self.sent


async def _never_run(*_: object) -> str:
    raise AssertionError("the benchmark sends app-actions only")


async def _serve_endpoint(pipe: Connection, with_delivery: bool) -> None:
    with tempfile.TemporaryDirectory() as directory:
        database = await Database.open(Path(directory) / "bench.sqlite3")
        hooks = HookStore(database)
        hook, secret = await hooks.create_hook(guild_id=1, channel_id=1, name="Bench", created_by=1)
        events = EventStore(database)
        delivery = DeliveryWorker(events, InstantSender())
        writer = EventWriter(database, on_stored=delivery.notify if with_delivery else lambda: None)
        await writer.start()
        if with_delivery:
            await delivery.start()
        coordinator = ApiColumnCoordinator(_never_run, runs_per_hook=4, deadline_seconds=25)
        app = create_web_app(database=database, discord_state=lambda: "ready")
        add_hook_routes(app, HookIntake(hooks=hooks, events=writer, api_column=coordinator))
        server = WebServer(app, "127.0.0.1", 0)
        await server.start()
        pipe.send((server.port, hook.id, secret))
        await asyncio.get_running_loop().run_in_executor(None, pipe.recv)
        await server.stop()
        await writer.stop()
        await delivery.stop()
        row = await database.fetch_one("SELECT count(*) FROM hook_events")
        pipe.send(row[0] if row else -1)
        await database.close()


async def _bare_handler(request: web.Request) -> web.Response:
    await request.read()
    return web.json_response({"status": "accepted"})


async def _serve_bare(pipe: Connection) -> None:
    app = web.Application()
    app.router.add_post("/hooks/glide/{hook_id}", _bare_handler)
    server = WebServer(app, "127.0.0.1", 0)
    await server.start()
    pipe.send((server.port, "bare", "secret"))
    await asyncio.get_running_loop().run_in_executor(None, pipe.recv)
    await server.stop()
    pipe.send(-1)


def _server_process(kind: str, pipe: Connection, with_delivery: bool) -> None:
    if kind == "endpoint":
        asyncio.run(_serve_endpoint(pipe, with_delivery))
    else:
        asyncio.run(_serve_bare(pipe))


def _body(key: str) -> bytes:
    return json.dumps(
        {
            "hookKind": "app-action",
            "appID": "bench-app",
            "idempotencyKey": key,
            "timestamp": "2026-11-22T10:00:00.000Z",
            "params": {
                "name": {"type": "string", "value": "Ada Lovelace"},
                "score": {"type": "number", "value": 12},
                "paid": {"type": "boolean", "value": True},
                "due": {"type": "date-time", "value": "2026-11-23T09:00:00.000Z"},
            },
        }
    ).encode()


async def _load(
    target: Target, connections: int, total: int, seconds: float
) -> tuple[Tally, float]:
    url = f"http://127.0.0.1:{target.port}/hooks/glide/{target.hook_id}"
    headers = {"Authorization": f"Basic {target.secret}", "Content-Type": "application/json"}
    connector = aiohttp.TCPConnector(limit=connections)
    tally = Tally()
    issued = 0

    async with aiohttp.ClientSession(connector=connector) as http:

        async def post(key: str, *, record: bool) -> None:
            started = time.perf_counter()
            async with http.post(url, data=_body(key), headers=headers) as response:
                answer = await response.json()
            if not record:
                return
            tally.latencies.append(time.perf_counter() - started)
            if response.status == 200 and answer.get("status") == "accepted":
                tally.accepted += 1
            else:
                label = f"{response.status} {answer}"
                tally.other[label] = tally.other.get(label, 0) + 1

        await asyncio.gather(*(post(f"warmup-{n}", record=False) for n in range(WARMUP_REQUESTS)))

        deadline = time.perf_counter() + seconds

        async def client(number: int) -> None:
            nonlocal issued
            while issued < total and time.perf_counter() < deadline:
                issued += 1
                await post(f"c{number}-{issued}", record=True)

        began = time.perf_counter()
        await asyncio.gather(*(client(n) for n in range(connections)))
        elapsed = time.perf_counter() - began
    return tally, elapsed


def _run_target(kind: str, arguments: argparse.Namespace) -> tuple[Tally, float, int]:
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=_server_process, args=(kind, child, arguments.with_delivery))
    process.start()
    port, hook_id, secret = parent.recv()
    try:
        tally, elapsed = asyncio.run(
            _load(
                Target(kind, port, hook_id, secret),
                arguments.connections,
                arguments.requests,
                arguments.seconds,
            )
        )
    finally:
        parent.send("stop")
        stored = parent.recv()
        process.join()
    return tally, elapsed, stored


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _report(name: str, tally: Tally, elapsed: float) -> float:
    rate = tally.accepted / elapsed
    print(
        f"{name:>9}: {tally.accepted:6d} accepted in {elapsed:5.2f} s = {rate:8.0f}/s   "
        f"p50 {_percentile(tally.latencies, 0.50) * 1000:5.2f} ms   "
        f"p99 {_percentile(tally.latencies, 0.99) * 1000:5.2f} ms   "
        f"mean {statistics.fmean(tally.latencies) * 1000:5.2f} ms"
    )
    for label, count in tally.other.items():
        print(f"{'':>11}{count} x {label}")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument(
        "--with-delivery", action="store_true", help="also run the delivery worker (fake Discord)"
    )
    arguments = parser.parse_args()
    print(
        f"{arguments.connections} connections, at most {arguments.requests} requests or "
        f"{arguments.seconds:g} s per target, after {WARMUP_REQUESTS} warm-up requests"
    )
    endpoint, endpoint_elapsed, stored = _run_target("endpoint", arguments)
    bare, bare_elapsed, _ = _run_target("bare", arguments)
    endpoint_rate = _report("endpoint", endpoint, endpoint_elapsed)
    bare_rate = _report("bare", bare, bare_elapsed)
    print(f"    ratio: {endpoint_rate / bare_rate:.2f} (endpoint / bare)")
    expected = endpoint.accepted + WARMUP_REQUESTS
    verdict = "ok" if stored == expected else "MISMATCH"
    print(f"   stored: {stored} events for {expected} accepted (warm-up included): {verdict}")


if __name__ == "__main__":
    main()
