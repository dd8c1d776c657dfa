"""Sync commands only when the tree changed, so restarts spend none of the daily quota."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, datetime
from typing import Any

import discord
from discord import app_commands

from bot.database import Database

log = logging.getLogger(__name__)


def tree_payload(tree: app_commands.CommandTree[Any], guild: discord.Object | None) -> list[Any]:
    """The JSON Discord would receive for this scope, as `tree.sync` builds it."""
    return [command.to_dict(tree) for command in tree.get_commands(guild=guild)]


def tree_hash(payload: list[Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


async def sync_if_changed(
    tree: app_commands.CommandTree[Any], database: Database, dev_guild_id: int | None
) -> list[str]:
    """Sync each scope whose commands changed since its last sync; returns the scopes synced."""
    scopes: list[tuple[str, discord.Object | None]] = [("global", None)]
    if dev_guild_id is not None:
        guild = discord.Object(id=dev_guild_id)
        tree.copy_global_to(guild=guild)
        scopes.append((f"guild:{dev_guild_id}", guild))

    synced = []
    for scope, scope_guild in scopes:
        digest = tree_hash(tree_payload(tree, scope_guild))
        row = await database.fetch_one(
            "SELECT tree_hash FROM command_sync WHERE scope = ?", (scope,)
        )
        if row is not None and row["tree_hash"] == digest:
            log.info("Commands for %s unchanged since the last sync; not syncing", scope)
            continue
        commands = await tree.sync(guild=scope_guild)
        await database.execute(
            "INSERT INTO command_sync (scope, tree_hash, synced_at) VALUES (?, ?, ?) "
            "ON CONFLICT (scope) DO UPDATE SET tree_hash = excluded.tree_hash, "
            "synced_at = excluded.synced_at",
            (scope, digest, datetime.now(UTC).isoformat()),
        )
        log.info("Synced %d commands for %s", len(commands), scope)
        synced.append(scope)
    return synced
