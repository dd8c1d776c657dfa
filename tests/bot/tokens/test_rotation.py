import sqlite3

import pytest

from bot.database import Database
from bot.encryption import build_cipher
from bot.tokens import KeyCheckReport, KeysDoNotDecrypt, RotationReport
from bot.tokens.rotation import check_keys_decrypt, rotate_keys
from tests.bot.tokens.support import ciphertext_of, make_vault, new_key, new_member_token

MEMBERS = (111, 222, 333)


async def store_tokens(database: Database, keys: list[str], members: tuple[int, ...]) -> list[str]:
    vault = make_vault(database, keys)
    tokens = [new_member_token() for _ in members]
    for member, token in zip(members, tokens, strict=True):
        await vault.store(member, token, f"glif-{member}", f"user-{member}")
    return tokens


async def test_after_rotation_the_new_key_alone_decrypts_every_token(database: Database) -> None:
    old_key, new = new_key(), new_key()
    tokens = await store_tokens(database, [old_key], MEMBERS)
    before = [await ciphertext_of(database, member) for member in MEMBERS]

    report = await rotate_keys(database, build_cipher([new, old_key]))

    assert report == RotationReport(rotated=3, undecryptable=0)
    after = [await ciphertext_of(database, member) for member in MEMBERS]
    assert set(after).isdisjoint(before)
    new_key_only = make_vault(database, [new])
    assert [await new_key_only.token_for_read(member) for member in MEMBERS] == tokens
    assert await check_keys_decrypt(database, build_cipher([new])) == KeyCheckReport(3, 3)


async def test_rotation_leaves_undecryptable_tokens_and_reports_them(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    old_key, lost_key, new = new_key(), new_key(), new_key()
    await store_tokens(database, [old_key], MEMBERS[:2])
    await store_tokens(database, [lost_key], MEMBERS[2:])
    lost = await ciphertext_of(database, MEMBERS[2])

    report = await rotate_keys(database, build_cipher([new, old_key]))

    assert report == RotationReport(rotated=2, undecryptable=1)
    assert await ciphertext_of(database, MEMBERS[2]) == lost
    assert "Re-encrypted 2 stored Glif tokens; 1 decrypt with none" in caplog.text


async def test_rotation_with_keys_that_open_nothing_changes_nothing(database: Database) -> None:
    await store_tokens(database, [new_key()], MEMBERS)
    before = [await ciphertext_of(database, member) for member in MEMBERS]

    with pytest.raises(KeysDoNotDecrypt, match="decrypt none of the 3 stored Glif tokens"):
        await rotate_keys(database, build_cipher([new_key()]))

    assert [await ciphertext_of(database, member) for member in MEMBERS] == before


async def test_rotation_is_all_or_nothing(database: Database) -> None:
    old_key = new_key()
    await store_tokens(database, [old_key], MEMBERS)
    before = [await ciphertext_of(database, member) for member in MEMBERS]
    await database.execute(
        f"CREATE TRIGGER refuse_last BEFORE UPDATE ON member_tokens "
        f"WHEN NEW.discord_user_id = {MEMBERS[-1]} BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    )

    with pytest.raises(sqlite3.IntegrityError, match="disk full"):
        await rotate_keys(database, build_cipher([new_key(), old_key]))

    assert [await ciphertext_of(database, member) for member in MEMBERS] == before


async def test_rotating_an_empty_store_reports_nothing(database: Database) -> None:
    assert await rotate_keys(database, build_cipher([new_key()])) == RotationReport(0, 0)


async def test_the_key_check_refuses_keys_that_open_no_stored_token(database: Database) -> None:
    key = new_key()
    await store_tokens(database, [key], MEMBERS)

    with pytest.raises(KeysDoNotDecrypt) as refused:
        await check_keys_decrypt(database, build_cipher([new_key()]))

    message = str(refused.value)
    assert "ENCRYPTION_KEYS decrypt none of the 3 stored Glif tokens" in message
    assert "put the key that encrypted them back" in message
    assert key not in message
    assert await check_keys_decrypt(database, build_cipher([key])) == KeyCheckReport(3, 3)


async def test_the_key_check_warns_when_only_some_tokens_open(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    kept_key, lost_key = new_key(), new_key()
    await store_tokens(database, [kept_key], MEMBERS[:1])
    await store_tokens(database, [lost_key], MEMBERS[1:])

    report = await check_keys_decrypt(database, build_cipher([kept_key]))

    assert report == KeyCheckReport(stored=3, decryptable=1)
    assert "decrypt 1 of the 3 stored Glif tokens" in caplog.text


async def test_the_key_check_passes_when_nothing_is_stored(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    report = await check_keys_decrypt(database, build_cipher([new_key()]))

    assert report == KeyCheckReport(stored=0, decryptable=0)
    assert not caplog.records
