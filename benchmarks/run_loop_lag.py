"""Event-loop lag while many glif runs are in flight.

50 runs go through RunQueue(concurrency=50). Each one posts to a fake Glif on 127.0.0.1 that
answers after a delay with a VIDEO output, downloads that video (a few MiB) through MediaFetcher
and renders the result. Meanwhile a probe sleeps 5 ms again and again and records how late it
wakes: that lateness is what every other command handler would wait on.

The fake Glif and media host run in a process of their own, as remote servers would.

    .venv/bin/python -m benchmarks.run_loop_lag [--runs 50] [--delay 1.0] [--media-mib 4]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import statistics
import sys
import time

import aiohttp
from aiohttp import web

from benchmarks.figures import percentile
from bot.garbage_collection import freeze_startup_objects
from bot.glif.models import RunResult
from bot.runs.media import MediaFetcher
from bot.runs.queue import RunQueue
from bot.runs.render import RenderedRun, render_run

PROBE_INTERVAL = 0.005
MIB = 1024 * 1024


async def serve_fake_glif(delay: float, media_bytes: int) -> None:
    """The fake simple API and media host; prints its port, then serves until killed."""
    media = bytes(range(256)) * (media_bytes // 256)

    async def run_glif(request: web.Request) -> web.Response:
        body = await request.json()
        await asyncio.sleep(delay)
        url = f"http://127.0.0.1:{request.url.port}/media/{body['id']}.mp4"
        return web.json_response(
            {
                "id": body["id"],
                "inputs": body.get("inputs", {}),
                "output": url,
                "outputFull": {"type": "VIDEO", "value": url},
                "price": "1.25",
            }
        )

    async def serve_media(_request: web.Request) -> web.Response:
        return web.Response(body=media, content_type="video/mp4")

    app = web.Application()
    app.router.add_post("/", run_glif)
    app.router.add_get("/media/{name}", serve_media)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=512)
    await site.start()
    print(site._server.sockets[0].getsockname()[1], flush=True)  # type: ignore[union-attr]
    await asyncio.Event().wait()


async def start_fake_glif(delay: float, media_mib: float) -> tuple[asyncio.subprocess.Process, int]:
    # A process of its own, as remote servers are: in a thread it would compete for the GIL.
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "benchmarks.run_loop_lag",
        "--serve",
        "--delay",
        str(delay),
        "--media-mib",
        str(media_mib),
        stdout=asyncio.subprocess.PIPE,
    )
    assert server.stdout is not None
    port = int(await server.stdout.readline())
    return server, port


async def probe_lag(stop: asyncio.Event, lags: list[float]) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(PROBE_INTERVAL)
        lags.append(time.perf_counter() - started - PROBE_INTERVAL)


async def measure(
    port: int, runs: int, media_bytes: int
) -> tuple[float, list[float], list[RenderedRun], MediaFetcher]:
    """Run everything once; returns the wall time, the probe's lags and the rendered runs."""
    queue = RunQueue(concurrency=runs, per_member=1)
    connector = aiohttp.TCPConnector(limit=runs)
    async with (
        aiohttp.ClientSession(connector=connector) as glif,
        MediaFetcher(["127.0.0.1"], allow_private_addresses=True) as fetcher,
    ):

        async def run_once(number: int) -> RenderedRun:
            started = time.perf_counter()
            async with glif.post(
                f"http://127.0.0.1:{port}/",
                json={"id": f"glif{number}", "inputs": {"prompt": "a corgi"}},
            ) as response:
                result = RunResult.model_validate(await response.json())
            media = await fetcher.fetch(result.output or "", 25 * MIB)
            if media is None or media.size != media_bytes:
                raise RuntimeError(f"run {number}: the media download failed")
            return render_run(
                glif_name="Bench Glif",
                glif_url="https://glif.app/glifs/bench",
                runner_name=f"member {number}",
                duration_seconds=time.perf_counter() - started,
                result=result,
                media=media,
                upload_limit=25 * MIB,
            )

        stop = asyncio.Event()
        lags: list[float] = []
        probe = asyncio.create_task(probe_lag(stop, lags))
        started = time.perf_counter()
        try:
            tickets = [
                queue.submit(number, functools.partial(run_once, number)) for number in range(runs)
            ]
            rendered = await asyncio.gather(*(ticket.result() for ticket in tickets))
        finally:
            stop.set()
            await probe
        return time.perf_counter() - started, lags, rendered, fetcher


async def benchmark(runs: int, delay: float, media_mib: float) -> None:
    server, port = await start_fake_glif(delay, media_mib)
    # Frozen as in the bot once set up, so that the collector's full passes walk what its would.
    freeze_startup_objects()
    try:
        elapsed, lags, rendered, fetcher = await measure(port, runs, int(media_mib * MIB))
    finally:
        server.terminate()
        await server.wait()

    uploaded = sum(len(run.files) for run in rendered)
    lags_ms = sorted(lag * 1000 for lag in lags)
    p99 = percentile(lags_ms, 0.99)
    print(
        f"{runs} runs ({delay:.1f} s fake Glif + {media_mib:g} MiB download each, "
        f"{fetcher.max_concurrent_downloads} downloads at a time, {uploaded} files rendered) "
        f"in {elapsed:.2f} s"
    )
    print(
        f"event-loop lag over {len(lags_ms)} probes: max {lags_ms[-1]:.2f} ms, "
        f"p99 {p99:.2f} ms, median {statistics.median(lags_ms):.2f} ms (goal: max < 20 ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--delay", type=float, default=1.0, help="seconds the fake Glif takes")
    parser.add_argument("--media-mib", type=float, default=4.0)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.serve:
        asyncio.run(serve_fake_glif(arguments.delay, int(arguments.media_mib * MIB)))
    else:
        asyncio.run(benchmark(arguments.runs, arguments.delay, arguments.media_mib))


if __name__ == "__main__":
    main()
