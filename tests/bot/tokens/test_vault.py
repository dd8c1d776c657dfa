import sqlite3
from datetime import UTC, datetime

import pytest

from bot.database import Database
from bot.redaction import REDACTED, Redactor
from bot.tokens import MemberForgetter, NoTokenAvailable, TokenSource
from tests.bot.tokens.support import (
    SettableClock,
    ciphertext_of,
    make_vault,
    new_key,
    new_member_token,
)

MEMBER = 111
OTHER_MEMBER = 222


async def test_stored_token_is_read_back_and_described_without_itself(database: Database) -> None:
    clock = SettableClock(datetime(2026, 11, 22, 10, 0, tzinfo=UTC))
    vault = make_vault(database, [new_key()], clock=clock)
    token = new_member_token()

    assert await vault.status(MEMBER) is None
    await vault.store(MEMBER, token, "glif-user-1", "ada")

    assert await vault.token_for_read(MEMBER) == token
    info = await vault.status(MEMBER)
    assert info is not None
    assert (info.glif_user_id, info.glif_username, info.readable) == ("glif-user-1", "ada", True)
    assert info.created_at == info.updated_at == clock.now
    assert token not in repr(info)
    assert await vault.token_for_read(OTHER_MEMBER) is None


async def test_storing_again_replaces_the_token_and_keeps_the_creation_time(
    database: Database,
) -> None:
    clock = SettableClock(datetime(2026, 11, 22, 10, 0, tzinfo=UTC))
    vault = make_vault(database, [new_key()], clock=clock)
    first_set = clock.now
    await vault.store(MEMBER, new_member_token(), "glif-user-1", "ada")
    clock.now = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    replacement = new_member_token()
    await vault.store(MEMBER, replacement, "glif-user-2", "grace")

    assert await vault.token_for_read(MEMBER) == replacement
    info = await vault.status(MEMBER)
    assert info is not None
    assert (info.glif_username, info.created_at, info.updated_at) == ("grace", first_set, clock.now)


async def test_remove_deletes_the_token_and_says_whether_there_was_one(
    database: Database,
) -> None:
    vault = make_vault(database, [new_key()])
    await vault.store(MEMBER, new_member_token(), "glif-user-1", "ada")

    assert await vault.remove(MEMBER) is True
    assert await vault.status(MEMBER) is None
    assert await vault.token_for_read(MEMBER) is None
    assert await vault.remove(MEMBER) is False


async def test_every_token_handled_is_known_to_the_redactor(database: Database) -> None:
    key = new_key()
    stored, shared = new_member_token(), new_member_token()
    storing_redactor = Redactor()
    await make_vault(database, [key], redactor=storing_redactor).store(MEMBER, stored, "g", "ada")
    assert storing_redactor.redact(f"token={stored}") == f"token={REDACTED}"

    # After a restart the token is only ever decrypted, and must be registered then.
    restarted_redactor = Redactor()
    restarted = make_vault(database, [key], redactor=restarted_redactor, shared_token=shared)
    assert restarted_redactor.redact(shared) == REDACTED
    assert await restarted.token_for_read(MEMBER) == stored
    assert restarted_redactor.redact(stored) == REDACTED


async def test_no_repr_shows_a_token(database: Database) -> None:
    own, shared = new_member_token(), new_member_token()
    vault = make_vault(database, [new_key()], shared_token=shared)
    await vault.store(MEMBER, own, "glif-user-1", "ada")
    own_run = await vault.token_for_run(MEMBER)
    shared_run = await vault.token_for_run(OTHER_MEMBER)
    info = await vault.status(MEMBER)

    assert (own_run.source, shared_run.source) == (TokenSource.OWN, TokenSource.SHARED)
    assert own_run.token.get_secret_value() == own
    assert shared_run.token.get_secret_value() == shared
    for shown in (vault, own_run, shared_run, info, MemberForgetter(database)):
        for text in (repr(shown), str(shown)):
            assert own not in text
            assert shared not in text


async def test_a_corrupt_ciphertext_is_treated_as_no_token(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    vault = make_vault(database, [new_key()])
    token = new_member_token()
    await vault.store(MEMBER, token, "glif-user-1", "ada")
    original = await ciphertext_of(database, MEMBER)
    corrupt = original[:-10] + (b"A" if original[-10:-9] != b"A" else b"B") + original[-9:]
    await database.execute(
        "UPDATE member_tokens SET token_ciphertext = ? WHERE discord_user_id = ?",
        (corrupt, MEMBER),
    )

    assert await vault.token_for_read(MEMBER) is None
    with pytest.raises(NoTokenAvailable):
        await vault.token_for_run(MEMBER)
    info = await vault.status(MEMBER)
    assert info is not None
    assert info.readable is False
    assert f"member {MEMBER} does not decrypt" in caplog.text
    assert corrupt.decode() not in caplog.text
    assert token not in caplog.text


async def test_a_ciphertext_copied_onto_another_members_row_does_not_open(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    vault = make_vault(database, [new_key()])
    await vault.store(MEMBER, new_member_token(), "glif-user-1", "ada")
    await vault.store(OTHER_MEMBER, new_member_token(), "glif-user-2", "grace")
    await database.execute(
        "UPDATE member_tokens SET token_ciphertext = ? WHERE discord_user_id = ?",
        (await ciphertext_of(database, MEMBER), OTHER_MEMBER),
    )

    assert await vault.token_for_read(OTHER_MEMBER) is None
    assert f"member {OTHER_MEMBER} was not sealed for them" in caplog.text


@pytest.mark.parametrize("plaintext", [b"glif_plain_token_value", "glif_plain_token_value"])
async def test_the_schema_refuses_a_token_that_is_not_fernet_ciphertext(
    database: Database, plaintext: bytes | str
) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        await database.execute(
            "INSERT INTO member_tokens VALUES (?, ?, 'glif-user-1', 'ada', 'now', 'now')",
            (MEMBER, plaintext),
        )
