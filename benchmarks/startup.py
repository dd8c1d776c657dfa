"""Start-up time and idle memory of the real `python -m bot` process, against the fakes.

    .venv/bin/python -m benchmarks.startup [runs]

Prints, per run and as medians: seconds from spawn to the gateway IDENTIFY, to `on_ready`
("Connected to Discord"), and the process's resident memory (VmRSS) after 5 s idle.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tests.fakes.discord import FakeDiscord
from tests.fakes.discord_context import pointing_discord_at
from tests.fakes.glif import FakeGlif
from tests.test_process import bot_environment

READY = re.compile(rb"Connected to Discord as")
IDLE_SECONDS = 5


def resident_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def one_run(discord: FakeDiscord, glif: FakeGlif) -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory() as directory:
        environment = bot_environment(Path(directory), discord, glif)
        environment["LOG_LEVEL"] = "INFO"
        identified_before = len(discord.identify_payloads)
        started = time.monotonic()
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=directory, env=environment,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        assert process.stdout is not None
        identified_at = 0.0
        output = b""
        while not READY.search(output):
            output += await asyncio.wait_for(process.stdout.readline(), 30)
            if not identified_at and len(discord.identify_payloads) > identified_before:
                identified_at = time.monotonic() - started
        ready_at = time.monotonic() - started
        identified_at = identified_at or ready_at
        await asyncio.sleep(IDLE_SECONDS)
        rss = resident_kib(process.pid)
        process.terminate()
        await process.communicate()
        return identified_at, ready_at, rss


async def main(runs: int) -> None:
    async with FakeGlif() as glif:
        discord = FakeDiscord()
        await discord.start()
        try:
            with pointing_discord_at(discord):
                results = [await one_run(discord, glif) for _ in range(runs)]
        finally:
            await discord.close()
    for index, (identified, ready, rss) in enumerate(results, start=1):
        print(
            f"run {index}: identify {identified:.2f} s, ready {ready:.2f} s, "
            f"idle RSS {rss / 1024:.1f} MiB"
        )
    print(
        f"median: identify {statistics.median(r[0] for r in results):.2f} s, "
        f"ready {statistics.median(r[1] for r in results):.2f} s, "
        f"idle RSS {statistics.median(r[2] for r in results) / 1024:.1f} MiB"
    )


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 3))
