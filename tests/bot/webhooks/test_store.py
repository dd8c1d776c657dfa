import asyncio
import hashlib
from pathlib import Path

import pytest

from bot.database import Database
from bot.webhooks.events import EventStore, NewEvent
from bot.webhooks.store import HookAdminError, HookStore, hook_url
from bot.webhooks.writer import EventWriter
from tests.bot.webhooks.conftest import ADMIN_ID, CHANNEL_ID, GUILD_ID, Created

OTHER_GUILD = 4004


async def test_created_hook_keeps_only_the_hash_of_its_secret(
    hooks: HookStore, database: Database, tmp_path: Path
) -> None:
    hook, secret = await hooks.create_hook(
        guild_id=GUILD_ID, channel_id=CHANNEL_ID, name="Orders", created_by=ADMIN_ID, glif_id="g1"
    )
    assert len(secret) >= 22  # at least 128 bits in url-safe base64
    assert len(hook.id) >= 22
    row = await database.fetch_one("SELECT * FROM hooks WHERE id = ?", (hook.id,))
    assert row is not None
    assert bytes(row["secret_sha256"]) == hashlib.sha256(secret.encode()).digest()
    for file in await asyncio.to_thread(lambda: list(tmp_path.iterdir())):
        assert secret.encode() not in await asyncio.to_thread(file.read_bytes)
    assert secret not in repr(hook)
    assert hook.secret_sha256.hex() not in repr(hook)
    assert (hook.guild_id, hook.channel_id, hook.glif_id, hook.created_by) == (
        GUILD_ID,
        CHANNEL_ID,
        "g1",
        ADMIN_ID,
    )


async def test_every_hook_gets_its_own_id_and_secret(hooks: HookStore) -> None:
    made = [
        await hooks.create_hook(guild_id=GUILD_ID, channel_id=1, name=f"h{n}", created_by=1)
        for n in range(5)
    ]
    assert len({hook.id for hook, _ in made}) == len({secret for _, secret in made}) == 5


async def test_a_chosen_secret_is_checked(hooks: HookStore) -> None:
    with pytest.raises(HookAdminError, match="16 to 256 characters"):
        await hooks.create_hook(
            guild_id=GUILD_ID, channel_id=1, name="x", created_by=1, secret="short"
        )
    with pytest.raises(HookAdminError, match="visible ASCII") as raised:
        await hooks.create_hook(
            guild_id=GUILD_ID, channel_id=1, name="x", created_by=1, secret="has spaces in it!!"
        )
    assert "has spaces" not in str(raised.value)
    _, secret = await hooks.create_hook(
        guild_id=GUILD_ID, channel_id=1, name="x", created_by=1, secret="chosen-by-admin-0123"
    )
    assert secret == "chosen-by-admin-0123"


@pytest.mark.parametrize("name", ["", "   ", "x" * 65, "bad/name", "emoji 🎉", "new\nline"])
async def test_invalid_names_are_refused(hooks: HookStore, name: str) -> None:
    with pytest.raises(HookAdminError):
        await hooks.create_hook(guild_id=GUILD_ID, channel_id=1, name=name, created_by=1)


@pytest.mark.parametrize("name", ["a", "New orders", "sheet-2.v1_final", "x" * 64, "Café"])
async def test_valid_names_are_kept(hooks: HookStore, name: str) -> None:
    hook, _ = await hooks.create_hook(
        guild_id=GUILD_ID, channel_id=1, name=f" {name} ", created_by=1
    )
    assert hook.name == name


async def test_names_are_unique_per_server(hooks: HookStore) -> None:
    await hooks.create_hook(guild_id=GUILD_ID, channel_id=1, name="Orders", created_by=1)
    with pytest.raises(HookAdminError, match="already has a hook named"):
        await hooks.create_hook(guild_id=GUILD_ID, channel_id=2, name="Orders", created_by=1)
    await hooks.create_hook(guild_id=OTHER_GUILD, channel_id=2, name="Orders", created_by=1)


async def test_find_by_id_or_name_within_the_server(hooks: HookStore, created: Created) -> None:
    assert await hooks.find_hook(GUILD_ID, created.hook.id) == created.hook
    assert await hooks.find_hook(GUILD_ID, "Orders") == created.hook
    assert await hooks.find_hook(OTHER_GUILD, created.hook.id) is None


async def test_list_counts_survive_pruning(
    database: Database, hooks: HookStore, events: EventStore, created: Created
) -> None:
    writer = EventWriter(database)
    await writer.start()
    for key in ("a", "b", "c", "d"):
        await writer.store(NewEvent(created.hook.id, key, 1_000.0, "{}"))
    await writer.stop()
    first = await events.pending_head(created.hook.id)
    assert first is not None
    await events.mark_delivered(first.event_id, 1)
    head = await events.pending_head(created.hook.id)
    assert head is not None
    await events.mark_failed(head.event_id, "gone")

    [summary] = await hooks.list_hooks(GUILD_ID)
    assert (summary.received, summary.delivered, summary.pending, summary.failed) == (4, 1, 2, 1)
    assert await events.prune(now=1_000.0 + 2 * 86_400) == 2
    [summary] = await hooks.list_hooks(GUILD_ID)
    assert (summary.received, summary.delivered, summary.pending, summary.failed) == (4, 1, 2, 1)
    assert await hooks.list_hooks(OTHER_GUILD) == []


async def test_delete_removes_the_hook_and_its_events(
    database: Database, hooks: HookStore, created: Created
) -> None:
    writer = EventWriter(database)
    await writer.start()
    await writer.store(NewEvent(created.hook.id, "a", 1.0, "{}"))
    await writer.stop()
    assert not await hooks.delete_hook(OTHER_GUILD, created.hook.id)
    assert await hooks.get_hook(created.hook.id) == created.hook
    assert await hooks.delete_hook(GUILD_ID, created.hook.id)
    assert await hooks.get_hook(created.hook.id) is None
    assert await database.fetch_all("SELECT * FROM hook_events") == []
    assert not await hooks.delete_hook(GUILD_ID, created.hook.id)


async def test_rotate_replaces_the_secret_in_this_server_only(
    hooks: HookStore, created: Created
) -> None:
    with pytest.raises(HookAdminError):
        await hooks.rotate_secret(OTHER_GUILD, created.hook.id)
    new_secret = await hooks.rotate_secret(GUILD_ID, created.hook.id)
    assert new_secret != created.secret
    hook = await hooks.get_hook(created.hook.id)
    assert hook is not None
    assert hook.secret_sha256 == hashlib.sha256(new_secret.encode()).digest()
    chosen = await hooks.rotate_secret(GUILD_ID, created.hook.id, "another-chosen-secret")
    assert chosen == "another-chosen-secret"


def test_hook_url() -> None:
    assert hook_url("https://bot.example/", "abc") == "https://bot.example/hooks/glide/abc"


async def test_hooks_of_a_server_are_its_own_by_name(hooks: HookStore) -> None:
    for guild_id, name in ((GUILD_ID, "Signups"), (OTHER_GUILD, "Alerts"), (GUILD_ID, "Orders")):
        await hooks.create_hook(
            guild_id=guild_id, channel_id=CHANNEL_ID, name=name, created_by=ADMIN_ID
        )
    assert [hook.name for hook in await hooks.hooks_of(GUILD_ID)] == ["Orders", "Signups"]
