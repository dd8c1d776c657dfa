from collections.abc import AsyncIterator

import aiohttp
import pytest
from pydantic import SecretStr

from bot.database import Database
from bot.settings import Settings
from bot.web.app import create_web_app
from bot.web.server import WebServer
from bot.webhooks import Webhooks, add_hook_routes, hook_url
from tests.bot.webhooks.conftest import GUILD_ID, FakeSender, GlifStub, api_column, app_action, text


@pytest.fixture
def settings() -> Settings:
    return Settings(_env_file=None, discord_token=SecretStr("token"), hook_run_concurrency=2)


@pytest.fixture
async def served(
    database: Database, settings: Settings, glif_stub: GlifStub
) -> AsyncIterator[tuple[Webhooks, FakeSender, str]]:
    sender = FakeSender()
    webhooks = Webhooks(database, settings, sender=sender, run_glif_as=lambda _creator: glif_stub)
    app = create_web_app(database=database, discord_state=lambda: "ready")
    add_hook_routes(app, webhooks.intake)
    server = WebServer(app, "127.0.0.1", 0)
    await webhooks.start()
    await server.start()
    yield webhooks, sender, f"http://127.0.0.1:{server.port}"
    # The order the bot must use: no new requests, then the workers.
    await server.stop()
    await webhooks.stop()


async def test_an_accepted_action_is_announced_and_a_column_answered(
    served: tuple[Webhooks, FakeSender, str],
) -> None:
    webhooks, sender, base_url = served
    plain, plain_secret = await webhooks.hooks.create_hook(
        guild_id=GUILD_ID, channel_id=10, name="Orders", created_by=1
    )
    sheet, sheet_secret = await webhooks.hooks.create_hook(
        guild_id=GUILD_ID, channel_id=10, name="Sheet", created_by=1, glif_id="g"
    )
    async with aiohttp.ClientSession() as http:
        async with http.post(
            hook_url(base_url, plain.id),
            json=app_action("k", who=text("Ada")),
            headers={"Authorization": f"Basic {plain_secret}"},
        ) as response:
            assert (response.status, await response.json()) == (200, {"status": "accepted"})
        async with http.post(
            hook_url(base_url, sheet.id),
            json=api_column(q=text("hi")),
            headers={"Authorization": f"Bearer {sheet_secret}"},
        ) as response:
            assert response.status == 200
            assert (await response.json())["value"] == 'output for {"q": "hi"}'

    await sender.wait_for_deliveries(1)
    assert sender.delivered[0].announcement.fields == (("who", "Ada"),)
    assert "token" not in repr(webhooks)
