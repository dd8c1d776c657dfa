import pytest

from cogs.discovery import Discovery
from tests.harness import Harness


@pytest.fixture
async def discovery(harness: Harness) -> Discovery:
    """The bot's one Discovery, its featured glifs already read (so requests start quiet)."""
    cog = harness.bot.get_cog("GlifCog")
    assert cog is not None
    found: Discovery = cog.discovery  # type: ignore[attr-defined]
    await found.suggestions.settle()
    return found
