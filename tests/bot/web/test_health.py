from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.database import Database
from bot.web.app import create_web_app
from bot.web.server import WebServer


@pytest.fixture
async def server(database: Database) -> AsyncIterator[WebServer]:
    server = WebServer(
        create_web_app(database=database, discord_state=lambda: "connecting"), "127.0.0.1", 0
    )
    await server.start()
    yield server
    await server.stop()


async def test_healthz_reports_database_and_discord(server: WebServer) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{server.port}/healthz") as response,
    ):
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("application/json")
        assert await response.json() == {
            "status": "ok",
            "database": "ok",
            "discord": "connecting",
        }


async def test_healthz_is_503_when_the_database_is_unusable(
    server: WebServer, database: Database
) -> None:
    await database.close()
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{server.port}/healthz") as response,
    ):
        assert response.status == 503
        assert (await response.json())["database"] == "unavailable"
