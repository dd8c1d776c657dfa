"""Building blocks shared by the token tests: keys, a settable clock, a vault on a real database."""

from __future__ import annotations

import secrets
from datetime import datetime

from cryptography.fernet import Fernet
from pydantic import SecretStr

from bot.clock import Clock, utc_now
from bot.database import Database
from bot.encryption import build_cipher
from bot.redaction import Redactor
from bot.tokens import MemberForgetter, TokenVault


class SettableClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


def new_member_token() -> str:
    return "glif_" + secrets.token_urlsafe(24)


def make_vault(
    database: Database,
    keys: list[str],
    *,
    redactor: Redactor | None = None,
    forgetter: MemberForgetter | None = None,
    shared_token: str | None = None,
    daily_runs: int = 10,
    clock: Clock = utc_now,
) -> TokenVault:
    return TokenVault(
        database,
        build_cipher(keys),
        redactor or Redactor(),
        forgetter or MemberForgetter(database),
        shared_token=None if shared_token is None else SecretStr(shared_token),
        shared_daily_runs=daily_runs,
        clock=clock,
    )


async def ciphertext_of(database: Database, discord_user_id: int) -> bytes:
    row = await database.fetch_one(
        "SELECT token_ciphertext FROM member_tokens WHERE discord_user_id = ?", (discord_user_id,)
    )
    assert row is not None
    return bytes(row["token_ciphertext"])
