"""Load test of the webhook endpoint against a bare aiohttp app.

    .venv/bin/python -m benchmarks.webhook_load [--connections 32] [--seconds 20] [--rounds 3]
                       [--keys random|increasing] [--requests 20000] [--tool wrk|python]

With wrk installed (`apt-get install wrk`) the load comes from wrk, whose C client leaves more of
this machine's two cores to the servers; otherwise from a Python client (`--tool python`).

Each server runs in its own process on 127.0.0.1 (the client gets the other core): first the real
endpoint (real SQLite in a temporary directory, WAL, synchronous=FULL, group-committing writer),
then a bare app that reads the body and answers 200. Every request is a Glide app-action with a
unique idempotency key. Once set up, each server freezes its start-up objects out of garbage
collection, as the bot does before it connects. Prints accepted requests per second, latency
percentiles and the ratio, the server's CPU time per request, and checks that the real endpoint
stored exactly as many events as it accepted.

Both targets are measured in rounds, each the endpoint then the bare app, in fresh processes. A
slow spell of a shared machine can fall on one target of a round and not the other, so the last
line gives the median of each figure over the rounds, beside the lowest ratio and the highest p99.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import multiprocessing
import re
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

import aiohttp
from aiohttp import web

from benchmarks.figures import percentile
from bot.database import Database
from bot.garbage_collection import freeze_startup_objects
from bot.web.app import create_web_app
from bot.web.server import WebServer
from bot.webhooks.api_column import ApiColumnCoordinator
from bot.webhooks.delivery import DeliveryWorker, Post
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


@dataclass(frozen=True)
class Round:
    """One measurement of both targets, the endpoint first."""

    ratio: float
    endpoint_p50: float
    endpoint_p99: float

    @classmethod
    def of(cls, endpoint: Measurement, bare: Measurement) -> Round:
        return cls(endpoint.rate / bare.rate, endpoint.p50, endpoint.p99)


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    accepted: int = 0
    other: dict[str, int] = field(default_factory=dict)


class InstantSender:
    """Stands in for Discord so that delivery's reads and writes compete with the endpoint."""

    def __init__(self) -> None:
        self.sent = 0

    async def send(self, channel_id: int, post: Post, nonce: str) -> int:  # noqa: ARG002 - the protocol's signature
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
        freeze_startup_objects()
        pipe.send((server.port, hook.id, secret))
        cpu_seconds = await _serve_until_stopped(pipe)
        await server.stop()
        await writer.stop()
        await delivery.stop()
        row = await database.fetch_one("SELECT count(*) FROM hook_events")
        pipe.send((row[0] if row else -1, cpu_seconds))
        await database.close()


async def _bare_handler(request: web.Request) -> web.Response:
    await request.read()
    return web.json_response({"status": "accepted"})


async def _serve_bare(pipe: Connection) -> None:
    app = web.Application()
    app.router.add_post("/hooks/glide/{hook_id}", _bare_handler)
    server = WebServer(app, "127.0.0.1", 0)
    await server.start()
    freeze_startup_objects()
    pipe.send((server.port, "bare", "secret"))
    cpu_seconds = await _serve_until_stopped(pipe)
    await server.stop()
    pipe.send((-1, cpu_seconds))


async def _serve_until_stopped(pipe: Connection) -> float:
    """Serve until the parent says stop; returns the CPU seconds this process (all of its
    threads) spent meanwhile, a figure that a busy or noisy machine disturbs less than rates."""
    started = time.process_time()
    await asyncio.get_running_loop().run_in_executor(None, pipe.recv)
    return time.process_time() - started


def _server_process(kind: str, pipe: Connection, with_delivery: bool) -> None:
    if kind == "endpoint":
        asyncio.run(_serve_endpoint(pipe, with_delivery))
    else:
        asyncio.run(_serve_bare(pipe))


@dataclass(frozen=True)
class ServerProcess:
    """A server in a process of its own, as in production, talking to this one over a pipe."""

    target: Target
    pipe: Connection
    process: BaseProcess

    @classmethod
    def start(cls, kind: str, arguments: argparse.Namespace) -> ServerProcess:
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(
            target=_server_process, args=(kind, child, arguments.with_delivery)
        )
        process.start()
        port, hook_id, secret = parent.recv()
        return cls(Target(kind, port, hook_id, secret), parent, process)

    def stop(self) -> tuple[int, float]:
        """The events the server stored (-1 for the bare app) and the CPU seconds it spent."""
        self.pipe.send("stop")
        stored, cpu_seconds = self.pipe.recv()
        self.process.join()
        return stored, cpu_seconds


def _keys(order: str) -> Iterator[str]:
    """Idempotency keys, each new: `random`, as a sender's UUIDs would be, or `increasing`. While
    a UNIQUE index held them, random keys cost a page write each (see migration 0006)."""
    for number in itertools.count():
        yield uuid.uuid4().hex if order == "random" else f"{number:012d}"


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
    target: Target, connections: int, total: int, seconds: float, key_order: str
) -> tuple[Tally, float]:
    url = f"http://127.0.0.1:{target.port}/hooks/glide/{target.hook_id}"
    headers = {"Authorization": f"Basic {target.secret}", "Content-Type": "application/json"}
    connector = aiohttp.TCPConnector(limit=connections)
    tally = Tally()
    issued = 0
    keys = _keys(key_order)

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

        await asyncio.gather(*(post(next(keys), record=False) for _ in range(WARMUP_REQUESTS)))

        deadline = time.perf_counter() + seconds

        async def client() -> None:
            nonlocal issued
            while issued < total and time.perf_counter() < deadline:
                issued += 1
                await post(next(keys), record=True)

        began = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(connections)))
        elapsed = time.perf_counter() - began
    return tally, elapsed


def _run_target(kind: str, arguments: argparse.Namespace) -> tuple[Tally, float, int, float]:
    server = ServerProcess.start(kind, arguments)
    try:
        tally, elapsed = asyncio.run(
            _load(
                server.target,
                arguments.connections,
                arguments.requests,
                arguments.seconds,
                arguments.keys,
            )
        )
    finally:
        stored, cpu_seconds = server.stop()
    return tally, elapsed, stored, cpu_seconds / (WARMUP_REQUESTS + tally.accepted)


# The same body as `_body`, each request with a new idempotency key: in random order like
# `_keys`' when the second argument says so, then the run's prefix, the wrk thread's number and
# a counter, which keep every key unique.
_WRK_SCRIPT = """
local threads = 0
function setup(thread)
  thread:set("thread_number", threads)
  threads = threads + 1
end
local sent = 0
local prefix = ""
local random_order = false
function init(args)
  prefix = args[1]
  random_order = args[2] == "random"
  math.randomseed(os.time() + thread_number)
end
request = function()
  sent = sent + 1
  local order = ""
  if random_order then
    order = string.format("%08x%08x-", math.random(0, 2147483647), math.random(0, 2147483647))
  end
  local body = string.format(
    '{"hookKind": "app-action", "appID": "bench-app", "idempotencyKey": "%s%s-%d-%d", '
    .. '"timestamp": "2026-11-22T10:00:00.000Z", "params": {'
    .. '"name": {"type": "string", "value": "Ada Lovelace"}, '
    .. '"score": {"type": "number", "value": 12}, '
    .. '"paid": {"type": "boolean", "value": true}, '
    .. '"due": {"type": "date-time", "value": "2026-11-23T09:00:00.000Z"}}}',
    order, prefix, thread_number, sent)
  return wrk.format("POST", nil, nil, body)
end
"""
_WRK_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0}


@dataclass(frozen=True)
class Measurement:
    accepted: int
    rate: float
    p50: float
    p99: float


def _seconds(text: str) -> float:
    number = text.rstrip("usm")
    return float(number) * _WRK_UNITS[text[len(number) :]]


def _wrk(
    target: Target, arguments: argparse.Namespace, seconds: float, script: Path, prefix: str
) -> Measurement:
    url = f"http://127.0.0.1:{target.port}/hooks/glide/{target.hook_id}"
    command = [
        "wrk", "-t1", f"-c{arguments.connections}", f"-d{seconds:g}s", "--latency",
        "-s", str(script), "-H", "Content-Type: application/json",
        "-H", f"Authorization: Basic {target.secret}", url, "--", prefix, arguments.keys,
    ]  # fmt: skip
    # The command is built here from our own values: nothing untrusted reaches it.
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    total = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    elapsed = _seconds(re.search(r"requests in ([\d.]+\w+),", output).group(1))  # type: ignore[union-attr]
    accepted = total - (int(failed.group(1)) if failed else 0)
    quantiles = {
        match.group(1): _seconds(match.group(2))
        for match in re.finditer(r"^\s+(50|99)%\s+([\d.]+\w+)$", output, re.MULTILINE)
    }
    return Measurement(accepted, accepted / elapsed, quantiles["50"], quantiles["99"])


def _run_target_with_wrk(
    kind: str, arguments: argparse.Namespace
) -> tuple[Measurement, int, float]:
    server = ServerProcess.start(kind, arguments)
    try:
        with tempfile.TemporaryDirectory() as directory:
            script = Path(directory) / "app_action.lua"
            script.write_text(_WRK_SCRIPT)
            warm_up = _wrk(server.target, arguments, 2, script, "warm-up")
            result = _wrk(server.target, arguments, arguments.seconds, script, "measured")
    finally:
        stored, cpu_seconds = server.stop()
    cpu_per_request = cpu_seconds / (warm_up.accepted + result.accepted)
    return result, stored - warm_up.accepted, cpu_per_request


def _round_with_wrk(arguments: argparse.Namespace) -> Round:
    endpoint, stored, endpoint_cpu = _run_target_with_wrk("endpoint", arguments)
    bare, _, bare_cpu = _run_target_with_wrk("bare", arguments)
    for name, result in (("endpoint", endpoint), ("bare", bare)):
        print(
            f"{name:>9}: {result.accepted:6d} accepted = {result.rate:8.0f}/s   "
            f"p50 {result.p50 * 1000:5.2f} ms   p99 {result.p99 * 1000:5.2f} ms"
        )
    measured = Round.of(endpoint, bare)
    _report_ratio_and_cpu(measured, endpoint_cpu, bare_cpu)
    # wrk stops on a timer: requests cut off in flight, at the end of the warm-up and of the
    # measured run, may be stored without being counted.
    in_flight = 2 * arguments.connections
    verdict = "ok" if endpoint.accepted <= stored <= endpoint.accepted + in_flight else "MISMATCH"
    print(
        f"   stored: {stored} events for {endpoint.accepted} accepted "
        f"(+ at most {in_flight} cut off by wrk's timers): {verdict}"
    )
    return measured


def _report_ratio_and_cpu(measured: Round, endpoint: float, bare: float) -> None:
    print(f"    ratio: {measured.ratio:.2f} (endpoint / bare)")
    print(
        f"      cpu: endpoint {endpoint * 1e6:.0f} µs, bare {bare * 1e6:.0f} µs "
        "per request (server process, all threads, warm-up included)"
    )


def _report(name: str, tally: Tally, elapsed: float) -> Measurement:
    measured = Measurement(
        tally.accepted,
        tally.accepted / elapsed,
        percentile(tally.latencies, 0.50),
        percentile(tally.latencies, 0.99),
    )
    print(
        f"{name:>9}: {tally.accepted:6d} accepted in {elapsed:5.2f} s = {measured.rate:8.0f}/s   "
        f"p50 {measured.p50 * 1000:5.2f} ms   p99 {measured.p99 * 1000:5.2f} ms   "
        f"mean {statistics.fmean(tally.latencies) * 1000:5.2f} ms"
    )
    for label, count in tally.other.items():
        print(f"{'':>11}{count} x {label}")
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument(
        "--seconds", type=float, default=20.0, help="per target (with wrk, at most 10)"
    )
    parser.add_argument(
        "--with-delivery", action="store_true", help="also run the delivery worker (fake Discord)"
    )
    parser.add_argument(
        "--tool",
        choices=("wrk", "python"),
        default="wrk" if shutil.which("wrk") else "python",
        help="the load generator (default: wrk when installed)",
    )
    parser.add_argument(
        "--keys",
        choices=("random", "increasing"),
        default="random",
        help="the order of idempotency keys (default: random, as UUIDs)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="how many times to measure both targets, one after the other (default: 3)",
    )
    arguments = parser.parse_args()
    if arguments.rounds < 1:
        parser.error("--rounds must be at least 1")
    if arguments.tool == "wrk":
        arguments.seconds = min(arguments.seconds, 10.0)
        print(
            f"wrk, 1 thread, {arguments.connections} connections, {arguments.seconds:g} s "
            f"per target, keys in {arguments.keys} order"
        )
        measure_round = _round_with_wrk
    else:
        print(
            f"{arguments.connections} connections, at most {arguments.requests} requests or "
            f"{arguments.seconds:g} s per target, after {WARMUP_REQUESTS} warm-up requests, "
            f"keys in {arguments.keys} order"
        )
        measure_round = _round_with_python
    rounds = []
    for number in range(1, arguments.rounds + 1):
        print(f"round {number} of {arguments.rounds}")
        rounds.append(measure_round(arguments))
    _summarise(rounds)


def _round_with_python(arguments: argparse.Namespace) -> Round:
    endpoint, endpoint_elapsed, stored, endpoint_cpu = _run_target("endpoint", arguments)
    bare, bare_elapsed, _, bare_cpu = _run_target("bare", arguments)
    measured = Round.of(
        _report("endpoint", endpoint, endpoint_elapsed), _report("bare", bare, bare_elapsed)
    )
    _report_ratio_and_cpu(measured, endpoint_cpu, bare_cpu)
    expected = endpoint.accepted + WARMUP_REQUESTS
    verdict = "ok" if stored == expected else "MISMATCH"
    print(f"   stored: {stored} events for {expected} accepted (warm-up included): {verdict}")
    return measured


def _summarise(rounds: list[Round]) -> None:
    """The median of each figure over the rounds, which one slow spell does not move."""
    ratios = [round_.ratio for round_ in rounds]
    p99s = [round_.endpoint_p99 * 1000 for round_ in rounds]
    print(
        f"over {len(rounds)} rounds: ratio median {statistics.median(ratios):.2f} "
        f"(lowest {min(ratios):.2f}); endpoint p50 median "
        f"{statistics.median(round_.endpoint_p50 * 1000 for round_ in rounds):.2f} ms, "
        f"p99 median {statistics.median(p99s):.2f} ms (highest {max(p99s):.2f} ms)"
    )


if __name__ == "__main__":
    main()
