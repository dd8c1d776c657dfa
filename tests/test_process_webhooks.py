"""The real `python -m bot` process, killed between accepting an app-action and announcing it:
the next start announces it, and Discord ends up with exactly one message."""

from __future__ import annotations

import re
from pathlib import Path

from bot.database import Database
from bot.webhooks import Hook, HookStore
from tests.bot.webhooks.conftest import app_action, text
from tests.cogs.hooks.support import messages_path, post_app_action
from tests.fakes.discord import FakeDiscord
from tests.fakes.glif import FakeGlif
from tests.test_process import SHUTDOWN_LIMIT, bot_environment, started_bot

CONNECTED = re.compile(rb"Connected to Discord as")
# On restart the event may wait for the retry the killed process had scheduled (5 s).
RESEND_TIMEOUT = 15.0


async def create_hook(database_path: Path, discord: FakeDiscord) -> tuple[Hook, str]:
    database = await Database.open(database_path)
    try:
        return await HookStore(database).create_hook(
            guild_id=discord.guild_id, channel_id=discord.channel_id, name="Orders", created_by=1
        )
    finally:
        await database.close()


async def test_an_action_accepted_before_a_kill_is_announced_once_after_restart(
    tmp_path: Path, fake_discord: FakeDiscord, fake_glif: FakeGlif
) -> None:
    environment = bot_environment(tmp_path, fake_discord, fake_glif)
    hook, secret = await create_hook(Path(environment["DATABASE_PATH"]), fake_discord)
    messages = messages_path(fake_discord)
    # Discord makes the message but its answer is lost, so the bot must send again; it is
    # killed before it can.
    fake_discord.fail("POST", messages, status=503, after_effects=True)

    async with started_bot(environment, tmp_path) as first:
        await first.read_until(CONNECTED)
        action = app_action("order-1", who=text("Ada"))
        bot_url = f"http://127.0.0.1:{first.port}"
        status, body, _ = await post_app_action(bot_url, hook.id, action, secret)
        assert (status, body) == (200, {"status": "accepted"})
        await fake_discord.wait_for_request("POST", messages)
        first.process.kill()
        await first.process.wait()
    [made] = fake_discord.messages

    async with started_bot(environment, tmp_path) as second:
        resent = await fake_discord.wait_for(
            lambda request: request.matches("POST", messages) and request.status == 200,
            RESEND_TIMEOUT,
        )
        assert await second.stop() < SHUTDOWN_LIMIT
        assert second.process.returncode == 0

    attempts = fake_discord.find("POST", messages)
    assert len(attempts) == 2
    assert attempts[0].json["nonce"] == attempts[1].json["nonce"]
    assert resent.response["id"] == str(made)
    assert list(fake_discord.messages) == [made]
    for output in (first.output, second.output):
        assert secret not in output.decode()
    assert "Traceback" not in second.output.decode()
