"""Pytest fixtures for code that talks to Glif: a running ``FakeGlif`` and a client on it."""

from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.glif.client import GlifClient
from tests.fakes.glif import FakeGlif


@pytest.fixture
async def fake_glif() -> AsyncIterator[FakeGlif]:
    async with FakeGlif() as fake:
        yield fake


@pytest.fixture
async def glif_client(fake_glif: FakeGlif) -> AsyncIterator[GlifClient]:
    """A client with production defaults, except that retries do not wait."""
    async with aiohttp.ClientSession() as session:
        yield GlifClient(
            session,
            api_url=fake_glif.api_url,
            simple_api_url=fake_glif.simple_api_url,
            backoff_base=0,
        )
