"""`/glif forget`: erasing everything the bot stores about one member, all or nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiosqlite

from bot.database import Database

ForgetStep = Callable[[aiosqlite.Connection, int], Awaitable[None]]
"""Deletes one store's rows about a member (given by Discord user id) through the connection."""


class MemberForgetter:
    """The single entry point of `/glif forget`.

    Each store that keeps member data takes this object when it is built and registers its own
    step there, so a new store cannot be left out of forgetting by an oversight elsewhere. All
    steps run in one transaction: a member is forgotten entirely or not at all. A step must use
    the connection it is given, because the transaction holds the database's write lock.
    """

    def __init__(self, database: Database) -> None:
        self._database = database
        self._steps: list[ForgetStep] = []

    def __repr__(self) -> str:
        return f"MemberForgetter(<{len(self._steps)} steps>)"

    def register(self, step: ForgetStep) -> None:
        self._steps.append(step)

    async def forget_member(self, discord_user_id: int) -> None:
        async with self._database.transaction() as connection:
            for step in self._steps:
                await step(connection, discord_user_id)
