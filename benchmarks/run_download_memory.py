"""Memory of concurrent media downloads against the size of the files.

20 downloads of a 10 MiB file run at once through MediaFetcher with a 25 MiB limit, and every
result is kept, as the bot keeps a file until it is uploaded. A bounded downloader needs the
files' total (200 MiB) plus a small constant; one that buffered twice or grew by doubling would
need far more. Resident memory comes from ru_maxrss, Python allocations from tracemalloc
(which does not see the download buffers: they are anonymous mappings).
The file server runs in a process of its own so that its buffers are not counted.

    .venv/bin/python -m benchmarks.run_download_memory [--chunked] [--downloads 20] [--file-mib 10]

``--chunked`` serves the file without Content-Length, so the size is only known while reading.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tracemalloc

from aiohttp import web

from bot.runs.media import MediaFetcher

MIB = 1024 * 1024
LIMIT = 25 * MIB
CHUNK = 256 * 1024


async def serve_file(file_bytes: int) -> None:
    """Serve the file with and without Content-Length; prints the port, serves until killed."""
    content = bytes(range(256)) * (file_bytes // 256)

    async def declared(_request: web.Request) -> web.Response:
        return web.Response(body=content, content_type="video/mp4")

    async def chunked(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "video/mp4"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        view = memoryview(content)
        for start in range(0, len(content), CHUNK):
            await response.write(view[start : start + CHUNK])
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_get("/declared.mp4", declared)
    app.router.add_get("/chunked.mp4", chunked)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(site._server.sockets[0].getsockname()[1], flush=True)  # type: ignore[union-attr]
    await asyncio.Event().wait()


def max_rss_bytes() -> int:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


async def benchmark(downloads: int, file_mib: float, chunked: bool) -> None:
    file_bytes = int(file_mib * MIB) // 256 * 256
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "benchmarks.run_download_memory",
        "--serve",
        "--file-mib",
        str(file_mib),
        stdout=asyncio.subprocess.PIPE,
    )
    assert server.stdout is not None
    port = int(await server.stdout.readline())
    url = f"http://127.0.0.1:{port}/{'chunked' if chunked else 'declared'}.mp4"
    try:
        async with MediaFetcher(
            ["127.0.0.1"], allow_private_addresses=True, max_concurrent_downloads=downloads
        ) as fetcher:
            # One warm-up download, so that imports and connection set-up are not counted.
            warm = await fetcher.fetch(url, LIMIT)
            if warm is None:
                raise RuntimeError("the warm-up download failed")
            del warm
            rss_before = max_rss_bytes()
            tracemalloc.start()
            baseline, _ = tracemalloc.get_traced_memory()
            results = await asyncio.gather(*(fetcher.fetch(url, LIMIT) for _ in range(downloads)))
            held, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            rss_growth = max_rss_bytes() - rss_before
    finally:
        server.terminate()
        await server.wait()

    if any(result is None or result.size != file_bytes for result in results):
        raise RuntimeError("a download failed")
    total = downloads * file_bytes
    mode = "chunked, no Content-Length" if chunked else "with Content-Length"
    print(f"{downloads} concurrent downloads of {file_bytes / MIB:g} MiB ({mode}), limit 25 MiB")
    print(f"  files' total:           {total / MIB:8.1f} MiB")
    print(
        f"  tracemalloc peak:       {(peak - baseline) / MIB:8.1f} MiB "
        f"(over the total: {(peak - baseline - total) / MIB:+.1f} MiB; "
        f"held at the end: {(held - baseline) / MIB:.1f} MiB)"
    )
    print(
        f"  ru_maxrss growth:       {rss_growth / MIB:8.1f} MiB "
        f"(over the total: {(rss_growth - total) / MIB:+.1f} MiB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--downloads", type=int, default=20)
    parser.add_argument("--file-mib", type=float, default=10.0)
    parser.add_argument("--chunked", action="store_true")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.serve:
        asyncio.run(serve_file(int(arguments.file_mib * MIB) // 256 * 256))
    else:
        asyncio.run(benchmark(arguments.downloads, arguments.file_mib, arguments.chunked))


if __name__ == "__main__":
    main()
