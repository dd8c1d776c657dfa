"""Re-encrypting stored tokens under the first key, and checking that the keys still open them.

Neither function sees a token in clear: `MultiFernet.rotate` re-encrypts inside cryptography,
and the check verifies each ciphertext's signature, which only the key that made it can produce.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from cryptography.fernet import InvalidToken, MultiFernet

from bot.database import Database

log = logging.getLogger(__name__)


# Named for the situation the start-up and CLI code catch; an Error suffix would add nothing.
class KeysDoNotDecrypt(Exception):
    """Tokens are stored but none of the configured keys opens any of them."""

    def __init__(self, stored: int) -> None:
        tokens = "token" if stored == 1 else "tokens"
        super().__init__(
            f"the configured ENCRYPTION_KEYS decrypt none of the {stored} stored Glif {tokens}; "
            "put the key that encrypted them back, after the new one to rotate (NEW,OLD)"
        )
        self.stored = stored


@dataclass(frozen=True, slots=True)
class RotationReport:
    rotated: int
    undecryptable: int


@dataclass(frozen=True, slots=True)
class KeyCheckReport:
    stored: int
    decryptable: int


async def rotate_keys(database: Database, cipher: MultiFernet) -> RotationReport:
    """Re-encrypts every stored token with the first key, all in one transaction.

    Tokens that no key opens are left as they are and counted: they are unreadable either way,
    and refusing to rotate the others would let one bad row block rotation for good.
    """
    async with database.transaction() as connection:
        async with connection.execute(
            "SELECT discord_user_id, token_ciphertext FROM member_tokens"
        ) as cursor:
            rows = list(await cursor.fetchall())
        rotated = []
        for row in rows:
            try:
                rotated.append((cipher.rotate(row["token_ciphertext"]), row["discord_user_id"]))
            except InvalidToken:
                continue
        if rows and not rotated:
            raise KeysDoNotDecrypt(len(rows))
        await connection.executemany(
            "UPDATE member_tokens SET token_ciphertext = ? WHERE discord_user_id = ?", rotated
        )
    report = RotationReport(rotated=len(rotated), undecryptable=len(rows) - len(rotated))
    if report.undecryptable:
        log.warning(
            "Re-encrypted %d stored Glif tokens; %d decrypt with none of the configured keys "
            "and were left as they are (those members must set their token again)",
            report.rotated,
            report.undecryptable,
        )
    return report


async def check_keys_decrypt(database: Database, cipher: MultiFernet) -> KeyCheckReport:
    """Raises KeysDoNotDecrypt when tokens are stored and no key opens any; warns when some fail."""
    rows = await database.fetch_all("SELECT token_ciphertext FROM member_tokens")
    report = KeyCheckReport(
        stored=len(rows),
        decryptable=sum(_opens(cipher, row["token_ciphertext"]) for row in rows),
    )
    if report.stored and not report.decryptable:
        raise KeysDoNotDecrypt(report.stored)
    if report.decryptable < report.stored:
        log.warning(
            "The configured ENCRYPTION_KEYS decrypt %d of the %d stored Glif tokens; the other "
            "members must set their token again unless the key that encrypted them is put back",
            report.decryptable,
            report.stored,
        )
    return report


def _opens(cipher: MultiFernet, ciphertext: bytes) -> bool:
    try:
        cipher.extract_timestamp(ciphertext)
    except InvalidToken:
        return False
    return True
