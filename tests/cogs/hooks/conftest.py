import pytest

from tests.harness import Harness


@pytest.fixture
async def admin_harness(harness: Harness) -> Harness:
    """A harness connected to the gateway: `channel` options resolve from the guild's cache."""
    await harness.connect_gateway()
    return harness
