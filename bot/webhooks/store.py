"""Hooks: created, listed with their counts, rotated and deleted by server admins.

Every request to the endpoint looks its hook up, so hooks are kept in memory once read. This store
is the only writer of the `hooks` table, which keeps that copy true: the process must build one
`HookStore` and share it between the endpoint and the admin commands.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
from dataclasses import dataclass, field

import aiosqlite

from bot.clock import Clock, utc_now
from bot.database import Database
from bot.errors import UserFacingError
from bot.webhooks.auth import check_chosen_secret, generate_secret, hash_secret

MAX_HOOK_NAME_LENGTH = 64
_HOOK_NAME = re.compile(r"[\w .-]+")
# 16 random bytes: a 128-bit id that cannot be guessed or enumerated.
_HOOK_ID_BYTES = 16
HOOK_PATH_PREFIX = "/hooks/glide/"


class HookAdminError(UserFacingError):
    """An admin's request about hooks cannot be done; the message says why."""


@dataclass(frozen=True, slots=True)
class Hook:
    id: str
    guild_id: int
    channel_id: int
    name: str
    glif_id: str | None
    secret_sha256: bytes = field(repr=False)
    created_by: int
    created_at: str


@dataclass(frozen=True, slots=True)
class HookSummary:
    hook: Hook
    received: int
    delivered: int
    pending: int
    failed: int
    # Why the latest event that failed for good could not be delivered, while it is kept.
    last_failure: str | None


def hook_url(public_url: str, hook_id: str) -> str:
    return f"{public_url.rstrip('/')}{HOOK_PATH_PREFIX}{hook_id}"


def check_hook_name(name: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= MAX_HOOK_NAME_LENGTH:
        raise HookAdminError(f"A hook name must be 1 to {MAX_HOOK_NAME_LENGTH} characters long.")
    if not _HOOK_NAME.fullmatch(name):
        raise HookAdminError(
            "A hook name may only contain letters, digits, spaces and the characters - _ ."
        )
    return name


_SELECT_HOOKS = """
    SELECT id, guild_id, channel_id, name, glif_id, secret_sha256, created_by, created_at
    FROM hooks
"""


def _hook_from_row(row: aiosqlite.Row) -> Hook:
    return Hook(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        name=row["name"],
        glif_id=row["glif_id"],
        secret_sha256=bytes(row["secret_sha256"]),
        created_by=row["created_by"],
        created_at=row["created_at"],
    )


class HookStore:
    def __init__(self, database: Database, *, now: Clock = utc_now) -> None:
        self._database = database
        self._now = now
        self._known: dict[str, Hook] = {}
        # Bumped by every change, so that a read which raced a change does not cache stale data.
        self._generation = 0

    def __repr__(self) -> str:
        return f"HookStore({self._database!r})"

    async def create_hook(
        self,
        *,
        guild_id: int,
        channel_id: int,
        name: str,
        created_by: int,
        glif_id: str | None = None,
        secret: str | None = None,
    ) -> tuple[Hook, str]:
        """The new hook and its secret, which is shown to the admin once and never kept."""
        secret = generate_secret() if secret is None else _checked_secret(secret)
        hook = Hook(
            id=secrets.token_urlsafe(_HOOK_ID_BYTES),
            guild_id=guild_id,
            channel_id=channel_id,
            name=check_hook_name(name),
            glif_id=glif_id,
            secret_sha256=hash_secret(secret),
            created_by=created_by,
            created_at=self._now().isoformat(),
        )
        try:
            await self._database.execute(
                """
                INSERT INTO hooks
                    (id, guild_id, channel_id, name, glif_id, secret_sha256, created_by, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
                (
                    hook.id,
                    hook.guild_id,
                    hook.channel_id,
                    hook.name,
                    hook.glif_id,
                    hook.secret_sha256,
                    hook.created_by,
                    hook.created_at,
                ),
            )
        except sqlite3.IntegrityError:
            raise HookAdminError(
                f"This server already has a hook named {hook.name!r}; pick another name."
            ) from None
        self._known[hook.id] = hook
        return hook, secret

    async def get_hook(self, hook_id: str) -> Hook | None:
        known = self._known.get(hook_id)
        if known is not None:
            return known
        generation = self._generation
        row = await self._database.fetch_one(_SELECT_HOOKS + "WHERE id = ?", (hook_id,))
        if row is None:
            return None
        hook = _hook_from_row(row)
        if generation == self._generation:
            self._known[hook.id] = hook
        return hook

    async def find_hook(self, guild_id: int, reference: str) -> Hook | None:
        """A hook of this server by id or by name (what an admin types or picks)."""
        row = await self._database.fetch_one(
            _SELECT_HOOKS + "WHERE guild_id = ? AND (id = ? OR name = ?)",
            (guild_id, reference, reference.strip()),
        )
        return _hook_from_row(row) if row is not None else None

    async def hooks_of(self, guild_id: int) -> list[Hook]:
        """This server's hooks by name, without the counts that `list_hooks` adds up."""
        rows = await self._database.fetch_all(
            _SELECT_HOOKS + "WHERE guild_id = ? ORDER BY name", (guild_id,)
        )
        return [_hook_from_row(row) for row in rows]

    async def list_hooks(self, guild_id: int) -> list[HookSummary]:
        rows = await self._database.fetch_all(
            """
            SELECT id, guild_id, channel_id, name, glif_id, secret_sha256, created_by, created_at,
                   received_count, delivered_count, failed_count,
                   (SELECT count(*) FROM hook_events AS e
                    WHERE e.hook_id = hooks.id AND e.state = 'pending') AS pending_count,
                   (SELECT e.failure_reason FROM hook_events AS e
                    WHERE e.hook_id = hooks.id AND e.state = 'failed'
                    ORDER BY e.id DESC LIMIT 1) AS last_failure
            FROM hooks WHERE guild_id = ? ORDER BY name
            """,
            (guild_id,),
        )
        return [
            HookSummary(
                hook=_hook_from_row(row),
                received=row["received_count"],
                delivered=row["delivered_count"],
                pending=row["pending_count"],
                failed=row["failed_count"],
                last_failure=row["last_failure"],
            )
            for row in rows
        ]

    async def delete_hook(self, guild_id: int, hook_id: str) -> bool:
        """Delete the hook and its events; its URL answers 404 from now on."""
        deleted = await self._database.execute(
            "DELETE FROM hooks WHERE id = ? AND guild_id = ?", (hook_id, guild_id)
        )
        self._forget(hook_id)
        return bool(deleted)

    async def rotate_secret(self, guild_id: int, hook_id: str, secret: str | None = None) -> str:
        """Replace the hook's secret; the old one stops working at once."""
        secret = generate_secret() if secret is None else _checked_secret(secret)
        secret_sha256 = hash_secret(secret)
        changed = await self._database.execute(
            "UPDATE hooks SET secret_sha256 = ? WHERE id = ? AND guild_id = ?",
            (secret_sha256, hook_id, guild_id),
        )
        self._forget(hook_id)
        if not changed:
            raise HookAdminError("This server has no such hook; pick one from the list.")
        return secret

    def _forget(self, hook_id: str) -> None:
        self._generation += 1
        self._known.pop(hook_id, None)


def _checked_secret(secret: str) -> str:
    try:
        return check_chosen_secret(secret)
    except ValueError as error:
        raise HookAdminError(str(error)) from None
