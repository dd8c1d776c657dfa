from bot.database import Database
from tests.bot.tokens.support import ciphertext_of, make_vault, new_key, new_member_token

MEMBER = 111


def database_files(database: Database) -> dict[str, bytes]:
    wal = database.path.with_name(database.path.name + "-wal")
    return {path.name: path.read_bytes() for path in (database.path, wal) if path.exists()}


async def test_the_token_never_reaches_the_database_or_its_wal_in_clear(
    database: Database,
) -> None:
    token = new_member_token()
    vault = make_vault(database, [new_key()])
    await vault.store(MEMBER, token, "glif-user-1", "ada")
    await vault.token_for_read(MEMBER)
    ciphertext = await ciphertext_of(database, MEMBER)

    before_checkpoint = database_files(database)
    # The ciphertext being found shows the search reads the bytes the store wrote.
    assert ciphertext in before_checkpoint["glifbot.sqlite3-wal"]
    for name, content in before_checkpoint.items():
        assert token.encode() not in content, name

    await database.fetch_one("PRAGMA wal_checkpoint(TRUNCATE)")
    after_checkpoint = database_files(database)
    assert ciphertext in after_checkpoint["glifbot.sqlite3"]
    for name, content in after_checkpoint.items():
        assert token.encode() not in content, name
