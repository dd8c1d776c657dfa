from pathlib import Path

from discord import app_commands

from bot.command_sync import sync_if_changed, tree_hash, tree_payload
from bot.settings import Settings
from tests.fakes.discord import FakeDiscord
from tests.fakes.glif import FakeGlif
from tests.harness import make_settings, running_harness

GLOBAL_SYNC = r"/applications/\d+/commands"


def guild_sync(guild_id: int) -> str:
    return rf"/applications/\d+/guilds/{guild_id}/commands"


async def test_syncs_once_then_not_again_on_restart(
    settings: Settings, fake_discord: FakeDiscord, fake_glif: FakeGlif
) -> None:
    async with running_harness(settings, fake_discord, fake_glif) as harness:
        synced = fake_discord.find("PUT", GLOBAL_SYNC)
        assert len(synced) == 1
        assert synced[0].json == tree_payload(harness.bot.tree, None)
    async with running_harness(settings, fake_discord, fake_glif):
        assert len(fake_discord.find("PUT", GLOBAL_SYNC)) == 1


async def test_changed_tree_syncs_again(
    settings: Settings, fake_discord: FakeDiscord, fake_glif: FakeGlif
) -> None:
    async with running_harness(settings, fake_discord, fake_glif) as harness:
        before = tree_hash(tree_payload(harness.bot.tree, None))

        async def extra(_: object) -> None:
            """Never called."""

        harness.bot.tree.add_command(
            app_commands.Command(name="extra", description="x", callback=extra)
        )
        assert tree_hash(tree_payload(harness.bot.tree, None)) != before
        synced = await sync_if_changed(harness.bot.tree, harness.services.database, None)
        assert synced == ["global"]
    assert len(fake_discord.find("PUT", GLOBAL_SYNC)) == 2


async def test_dev_guild_is_synced_too(
    tmp_path: Path, fake_discord: FakeDiscord, fake_glif: FakeGlif
) -> None:
    settings = make_settings(tmp_path, fake_discord, fake_glif, dev_guild_id=fake_discord.guild_id)
    async with running_harness(settings, fake_discord, fake_glif):
        assert len(fake_discord.find("PUT", guild_sync(fake_discord.guild_id))) == 1
    async with running_harness(settings, fake_discord, fake_glif):
        assert len(fake_discord.find("PUT", guild_sync(fake_discord.guild_id))) == 1
        assert len(fake_discord.find("PUT", GLOBAL_SYNC)) == 1
