"""`python -m bot rotate-keys` and the start-up key check, each run as the real process."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.database import Database
from tests.bot.tokens.support import make_vault, new_key, new_member_token
from tests.fakes.discord import FakeDiscord
from tests.fakes.glif import FakeGlif
from tests.test_process import bot_environment, run_to_end

MEMBER = 4242


async def store_token(database_path: Path, keys: list[str], token: str) -> None:
    database = await Database.open(database_path)
    try:
        await make_vault(database, keys).store(MEMBER, token, "glif-user-1", "ada")
    finally:
        await database.close()


async def read_token(database_path: Path, keys: list[str]) -> str | None:
    database = await Database.open(database_path)
    try:
        return await make_vault(database, keys).token_for_read(MEMBER)
    finally:
        await database.close()


@pytest.fixture
def environment(tmp_path: Path, fake_discord: FakeDiscord, fake_glif: FakeGlif) -> dict[str, str]:
    return bot_environment(tmp_path, fake_discord, fake_glif)


async def test_after_rotate_keys_the_new_key_alone_reads_the_token(
    tmp_path: Path, environment: dict[str, str]
) -> None:
    database_path = Path(environment["DATABASE_PATH"])
    old_key, new = new_key(), new_key()
    token = new_member_token()
    await store_token(database_path, [old_key], token)

    exit_code, stdout, stderr = await run_to_end(
        environment | {"ENCRYPTION_KEYS": f"{new},{old_key}"}, tmp_path, "rotate-keys"
    )

    assert exit_code == 0, stderr
    assert "Re-encrypted 1 stored tokens with the first key; 0 could not be opened" in stdout
    for secret in (old_key, new, token):
        assert secret not in stdout + stderr
    assert await read_token(database_path, [new]) == token
    assert await read_token(database_path, [old_key]) is None


@pytest.mark.parametrize("command", [(), ("rotate-keys",)], ids=["run", "rotate-keys"])
async def test_keys_that_open_no_stored_token_stop_the_process_with_one_line(
    tmp_path: Path,
    environment: dict[str, str],
    fake_discord: FakeDiscord,
    command: tuple[str, ...],
) -> None:
    database_path = Path(environment["DATABASE_PATH"])
    old_key, unrelated_key = new_key(), new_key()
    token = new_member_token()
    await store_token(database_path, [old_key], token)

    exit_code, stdout, stderr = await run_to_end(
        environment | {"ENCRYPTION_KEYS": unrelated_key}, tmp_path, *command
    )

    assert exit_code == 2
    [line] = stderr.splitlines()
    assert "ENCRYPTION_KEYS decrypt none of the 1 stored Glif token" in line
    assert "Traceback" not in stdout + stderr
    assert unrelated_key not in stdout + stderr
    assert fake_discord.identify_payloads == []
    assert await read_token(database_path, [old_key]) == token
