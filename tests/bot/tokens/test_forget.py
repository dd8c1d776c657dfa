import aiosqlite
import pytest

from bot.database import Database
from bot.tokens import MemberForgetter
from tests.bot.tokens.support import make_vault, new_key, new_member_token

MEMBER = 111
OTHER_MEMBER = 222


async def count_rows(database: Database, table: str, discord_user_id: int) -> int:
    row = await database.fetch_one(
        f"SELECT count(*) FROM {table} WHERE discord_user_id = ?",  # noqa: S608 - test tables
        (discord_user_id,),
    )
    assert row is not None
    return int(row[0])


async def test_forgetting_deletes_the_token_the_quota_and_every_registered_store(
    database: Database,
) -> None:
    forgetter = MemberForgetter(database)
    vault = make_vault(
        database, [new_key()], forgetter=forgetter, shared_token=new_member_token(), daily_runs=5
    )
    await database.execute("CREATE TABLE run_history (discord_user_id INTEGER, glif TEXT)")

    async def forget_history(connection: aiosqlite.Connection, discord_user_id: int) -> None:
        await connection.execute(
            "DELETE FROM run_history WHERE discord_user_id = ?", (discord_user_id,)
        )

    forgetter.register(forget_history)
    for member in (MEMBER, OTHER_MEMBER):
        await vault.token_for_run(member)
        await vault.store(member, new_member_token(), f"glif-{member}", f"user-{member}")
        await database.execute("INSERT INTO run_history VALUES (?, 'glif-id')", (member,))

    await forgetter.forget_member(MEMBER)

    for table in ("member_tokens", "shared_token_usage", "run_history"):
        assert await count_rows(database, table, MEMBER) == 0, table
        assert await count_rows(database, table, OTHER_MEMBER) == 1, table
    assert await vault.status(MEMBER) is None


async def test_a_failing_step_forgets_nothing(database: Database) -> None:
    forgetter = MemberForgetter(database)
    vault = make_vault(database, [new_key()], forgetter=forgetter)
    token = new_member_token()
    await vault.store(MEMBER, token, "glif-user-1", "ada")

    async def failing_step(connection: aiosqlite.Connection, discord_user_id: int) -> None:
        raise RuntimeError("the history store is broken")

    forgetter.register(failing_step)

    with pytest.raises(RuntimeError, match="history store"):
        await forgetter.forget_member(MEMBER)
    assert await vault.token_for_read(MEMBER) == token
