"""Autocomplete answer time of the ``glif`` option with a warm cache, through the real bot.

    .venv/bin/python -m benchmarks.autocomplete [autocompletes]

A real GlifBot, logged in against the fake Discord and the fake Glif, gets INTERACTION_CREATE
payloads of type 4 (``/glif info glif:<typed text>``) with varied text: whole words, prefixes,
two words, nothing, and text that matches nothing. Glif knows 3000 glifs, and every text used has
been searched once beforehand, so the cache is warm and holds a few thousand glifs to filter. Each
sample is the time from handing the payload to discord.py to the fake having answered the
autocomplete callback (type 8), so it includes discord.py's dispatch, the handler and the local
HTTP round trip. For comparison, the handler's own cost (``GlifSuggestions.suggest``) is timed
directly on the same texts.
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.figures import latency_summary
from cogs.discovery import Discovery
from tests import payloads
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord_context import pointing_discord_at
from tests.fakes.glif import FakeGlif
from tests.harness import Harness, make_settings, running_harness

GLIFS = 3000
WORDS = [
    "sticker", "meme", "haiku", "video", "trailer", "galaxy", "brain", "portrait", "anime",
    "pixel", "watercolor", "music", "poem", "story", "logo", "emoji", "cat", "dog", "robot",
    "space", "retro", "comic", "sketch", "neon", "selfie", "clay",
]  # fmt: skip
SEED = 20261122


def glif_payload(number: int, rng: random.Random) -> dict[str, Any]:
    name = " ".join(rng.sample(WORDS, 3)).title()
    creator = f"creator{number % 97}"
    return {
        "id": f"cmbenchglif{number:014d}",
        "name": f"{name} {number}",
        "completedSpellRunCount": rng.randrange(10_000),
        "user": {"id": f"cmbenchuser{number % 97:014d}", "name": creator, "username": creator},
    }


def typed_texts(rng: random.Random) -> list[str]:
    texts = {""}
    for word in WORDS:
        texts.update(word[:length] for length in range(2, len(word) + 1))
    texts.update(
        f"{first} {second[:3]}" for first, second in zip(WORDS, reversed(WORDS), strict=True)
    )
    texts.update("".join(rng.choices("qxzjv", k=6)) for _ in range(20))
    return sorted(texts)


def search_results(
    glifs: Sequence[dict[str, Any]], texts: Sequence[str], rng: random.Random
) -> dict[str, Any]:
    """Up to 25 matches per text, shuffled so that texts bring different glifs into memory."""
    results = {}
    for text in texts:
        words = text.split()
        found = [g for g in glifs if all(w in g["name"].casefold() for w in words)]
        rng.shuffle(found)
        results[text] = found[:25]
    return results


async def warm(harness: Harness, discovery: Discovery, texts: Sequence[str]) -> None:
    """Type every text once, as members would, and let each background search finish."""
    await discovery.suggestions.settle()
    for text in texts:
        await answer_time(harness, text)
        await discovery.suggestions.settle()


async def answer_time(harness: Harness, text: str) -> float:
    payload = payloads.autocomplete(
        harness.env,
        payloads.Actor.member(),
        "glif",
        payloads.subcommand("info", payloads.opt_string("glif", text, focused=True)),
    )
    harness.discord.clear()
    interaction = payload["id"]
    started = time.perf_counter()
    harness.dispatch(payload)
    await harness.discord.wait_for(
        lambda request: request.path.startswith(f"/interactions/{interaction}/")
    )
    return time.perf_counter() - started


def report(label: str, samples: Sequence[float]) -> None:
    print(f"{label}: {latency_summary(samples)}")


async def main(count: int) -> None:
    rng = random.Random(SEED)
    glifs = [glif_payload(number, rng) for number in range(GLIFS)]
    texts = typed_texts(rng)
    async with FakeGlif() as glif:
        results = search_results(glifs, texts, rng)
        glif.search_results.update(results)
        remembered = len({g["id"] for found in results.values() for g in found})
        discord = FakeDiscord()
        await discord.start()
        try:
            with pointing_discord_at(discord), tempfile.TemporaryDirectory() as directory:
                settings = make_settings(Path(directory), discord, glif)
                async with running_harness(settings, discord, glif) as harness:
                    cog = harness.bot.get_cog("GlifCog")
                    discovery: Discovery = cog.discovery  # type: ignore[union-attr]
                    await warm(harness, discovery, texts)
                    searches_before = len(glif.requests)
                    sample = rng.choices(texts, k=count)
                    end_to_end = [await answer_time(harness, text) for text in sample]
                    handler = []
                    for text in sample:
                        started = time.perf_counter()
                        discovery.suggestions.suggest(text)
                        handler.append(time.perf_counter() - started)
                    assert len(glif.requests) == searches_before, "the cache was not warm"
        finally:
            await discord.close()
    print(
        f"{len(texts)} distinct texts, all searched beforehand; "
        f"{remembered} of Glif's {GLIFS} glifs in memory"
    )
    report("interaction -> callback", end_to_end)
    report("suggest() alone       ", handler)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
