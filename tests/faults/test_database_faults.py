"""The database full, or locked by another connection: the endpoint answers 503 with Retry-After, a
command tells its member, nothing half-written stays behind, and all works again afterwards."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bot.command_tree import STORAGE_UNAVAILABLE
from bot.database import Database
from bot.webhooks.intake import STORE_RETRY_AFTER_SECONDS
from tests import payloads
from tests.bot.webhooks.conftest import app_action, text
from tests.cogs.hooks.support import Settlements, make_hook, post_app_action, post_hook
from tests.cogs.runs.support import (
    SHARED_DAILY_RUNS,
    dispatch,
    finished,
    original_path,
    private_notice,
    result_of,
    run_command,
    serve_glif,
)
from tests.fakes.discord_plugin import DiscordErrorCollector
from tests.faults.support import assert_announced_exactly_once
from tests.harness import Harness

# An app-action or a run's inputs this long needs pages of its own (a page is 4 KiB), which a
# full database cannot add.
LARGE_TEXT = "autumn rain on the tin roof " * 200
# Short, so that a write gives up on a locked database at once instead of after 5 s.
BUSY_TIMEOUT_MS = 100


async def scalar(database: Database, sql: str) -> Any:
    """The first column of the first row, on the bot's own connection."""
    row = await database.fetch_one(sql)
    assert row is not None
    return row[0]


async def cap_at_current_size(database: Database) -> int:
    """Let the bot's connection add no page to the database, as a full disk would; returns the
    limit to restore. `max_page_count` is the connection's own, so it is set on the bot's."""
    original = int(await scalar(database, "PRAGMA max_page_count"))
    # With no free page to reuse, any write that needs a page of its own fails. Migrations that
    # rebuild a table leave free pages behind, which VACUUM gives back.
    await database.execute("VACUUM")
    assert await scalar(database, "PRAGMA freelist_count") == 0
    pages = await scalar(database, "PRAGMA page_count")
    assert await scalar(database, f"PRAGMA max_page_count = {pages}") == pages
    return original


async def test_a_full_database_refuses_cleanly_and_recovers(
    harness: Harness, settlements: Settlements, fail_on_discord_errors: DiscordErrorCollector
) -> None:
    fail_on_discord_errors.expect(r"^Could not store a webhook event: database or disk is full$")
    database = harness.services.database
    hook, secret = await make_hook(harness)
    action = app_action("large-1", note=text(LARGE_TEXT))
    member = payloads.Actor.member()
    serve_glif(harness.glif, run_response="simple-api-text")
    original_limit = await cap_at_current_size(database)

    status, body, headers = await post_app_action(harness.web_url, hook.id, action, secret)
    assert (status, headers["Retry-After"]) == (503, str(STORE_RETRY_AFTER_SECONDS))
    assert set(body) == {"error"}
    refused_run = run_command(harness, actor=member, prompt=LARGE_TEXT)
    await finished(dispatch(harness, refused_run))
    notice = await private_notice(harness, refused_run)
    assert notice["content"] == STORAGE_UNAVAILABLE
    assert harness.discord.find("DELETE", original_path(refused_run))

    # Nothing of either was kept, and the shared run the command counted was given back.
    assert await scalar(database, "SELECT count(*) FROM hook_events") == 0
    [summary] = await harness.bot.webhooks.hooks.list_hooks(harness.discord.guild_id)
    assert summary.received == 0
    assert await harness.services.runs.count_runs(member.user_id) == 0
    assert await harness.services.tokens.shared_runs_left(member.user_id) == SHARED_DAILY_RUNS
    assert await scalar(database, "PRAGMA integrity_check") == "ok"

    await scalar(database, f"PRAGMA max_page_count = {original_limit}")
    # Glide sends the refused action again; it is new, since nothing of it was stored.
    assert await post_hook(harness, hook.id, action, secret) == (200, {"status": "accepted"})
    await settlements.wait(delivered=1)
    assert_announced_exactly_once(harness.discord, {(hook.id, "large-1")})
    rerun = run_command(harness, actor=member, prompt=LARGE_TEXT)
    await finished(dispatch(harness, rerun))
    assert (await result_of(harness, rerun)).status == 200
    assert await harness.services.runs.count_runs(member.user_id) == 1


@contextmanager
def locked_by_another_connection(harness: Harness) -> Iterator[None]:
    """Another connection, as another process would, holds the write lock until the block
    ends; SQLite's locks keep connections apart even within one process."""
    holder = sqlite3.connect(harness.services.database.path, isolation_level=None, timeout=0)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        yield
        holder.execute("ROLLBACK")
    finally:
        holder.close()


async def test_a_locked_database_answers_503_then_recovers_once_released(
    harness: Harness, settlements: Settlements, fail_on_discord_errors: DiscordErrorCollector
) -> None:
    fail_on_discord_errors.expect(r"^Could not store a webhook event: database is locked$")
    database = harness.services.database
    hook, secret = await make_hook(harness)
    await scalar(database, f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    action = app_action("while-locked", who=text("Ada"))

    with locked_by_another_connection(harness):
        status, body, headers = await post_app_action(harness.web_url, hook.id, action, secret)
        assert (status, headers["Retry-After"]) == (503, str(STORE_RETRY_AFTER_SECONDS))
        assert set(body) == {"error"}

    assert await post_hook(harness, hook.id, action, secret) == (200, {"status": "accepted"})
    await settlements.wait(delivered=1)
    assert_announced_exactly_once(harness.discord, {(hook.id, "while-locked")})
