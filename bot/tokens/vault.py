"""Members' Glif tokens at rest, and the choice of token for each run.

This is the only module that decrypts tokens. Every token it handles is registered with the
redactor before it is returned, so no log line can show it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

import aiosqlite
from cryptography.fernet import InvalidToken, MultiFernet
from pydantic import SecretStr

from bot.clock import Clock, utc_now
from bot.database import Database
from bot.errors import UserFacingError
from bot.redaction import Redactor
from bot.tokens.forget import MemberForgetter
from bot.tokens.quota import SharedRunQuota

log = logging.getLogger(__name__)

GLIF_API_SETTINGS_URL = "https://glif.app/settings/api-tokens"
_HOW_TO_SET_A_TOKEN = f"create one at {GLIF_API_SETTINGS_URL} and set it with `/glif token set`"

_UPSERT_MEMBER_ROW = """
INSERT INTO member_tokens
    (discord_user_id, token_ciphertext, glif_user_id, glif_username, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (discord_user_id) DO UPDATE SET
    token_ciphertext = excluded.token_ciphertext,
    glif_user_id = excluded.glif_user_id,
    glif_username = excluded.glif_username,
    updated_at = excluded.updated_at
"""


class TokenSource(StrEnum):
    OWN = "own"
    SHARED = "shared"


@dataclass(frozen=True, slots=True)
class RunToken:
    """The token one run goes out with.

    `shared_run_day` is the UTC day a shared run was counted on, so that a refund after midnight
    gives the run back to the day that paid for it.
    """

    token: SecretStr
    source: TokenSource
    discord_user_id: int
    shared_run_day: date | None = None


@dataclass(frozen=True, slots=True)
class StoredTokenInfo:
    """What `/glif token status` may show. `readable` is False when the configured keys no
    longer decrypt the token: the member has to set it again."""

    glif_user_id: str
    glif_username: str
    created_at: datetime
    updated_at: datetime
    readable: bool


# The name reads as the situation the cog handles; an Error suffix would add nothing.
class NoTokenAvailable(UserFacingError):
    """The member has no token of their own and the shared token cannot serve them."""

    def __init__(self, message: str, *, resets_at: datetime | None = None) -> None:
        super().__init__(message)
        self.resets_at = resets_at

    @classmethod
    def no_shared_token(cls) -> NoTokenAvailable:
        return cls(f"Running glifs here needs your own Glif token: {_HOW_TO_SET_A_TOKEN}.")

    @classmethod
    def shared_runs_used_up(cls, daily_runs: int, resets_at: datetime) -> NoTokenAvailable:
        runs = "run" if daily_runs == 1 else "runs"
        when = f"<t:{int(resets_at.timestamp())}:R>"
        return cls(
            f"You have used today's {daily_runs} shared {runs}, which come back {when} "
            f"(midnight UTC); to run now, {_HOW_TO_SET_A_TOKEN}.",
            resets_at=resets_at,
        )


class TokenVault:
    def __init__(
        self,
        database: Database,
        cipher: MultiFernet,
        redactor: Redactor,
        forgetter: MemberForgetter,
        *,
        shared_token: SecretStr | None,
        shared_daily_runs: int,
        clock: Clock = utc_now,
    ) -> None:
        self._database = database
        self._cipher = cipher
        self._redactor = redactor
        self._clock = clock
        self._quota = SharedRunQuota(database, shared_daily_runs, clock)
        # A shared token with no runs a day serves nobody; treating it as absent gives members
        # the message that tells them what they can do.
        self._shared_token = shared_token if shared_daily_runs > 0 else None
        if shared_token is not None:
            redactor.add(shared_token.get_secret_value())
        forgetter.register(self._forget_token)
        forgetter.register(self._quota.forget_member)

    def __repr__(self) -> str:
        shared = "unset" if self._shared_token is None else "set"
        return f"TokenVault(shared_token={shared}, shared_daily_runs={self._quota.daily_runs})"

    async def store(
        self, discord_user_id: int, token: str, glif_user_id: str, glif_username: str
    ) -> None:
        self._redactor.add(token)
        now = self._clock().astimezone(UTC).isoformat()
        await self._database.execute(
            _UPSERT_MEMBER_ROW,
            (
                discord_user_id,
                self._seal(discord_user_id, token),
                glif_user_id,
                glif_username,
                now,
                now,
            ),
        )

    async def status(self, discord_user_id: int) -> StoredTokenInfo | None:
        row = await self._database.fetch_one(
            "SELECT token_ciphertext, glif_user_id, glif_username, created_at, updated_at "
            "FROM member_tokens WHERE discord_user_id = ?",
            (discord_user_id,),
        )
        if row is None:
            return None
        return StoredTokenInfo(
            glif_user_id=row["glif_user_id"],
            glif_username=row["glif_username"],
            created_at=datetime.fromisoformat(row["created_at"]),
            updated_at=datetime.fromisoformat(row["updated_at"]),
            readable=self._open(discord_user_id, row["token_ciphertext"]) is not None,
        )

    async def remove(self, discord_user_id: int) -> bool:
        deleted = await self._database.execute(
            "DELETE FROM member_tokens WHERE discord_user_id = ?", (discord_user_id,)
        )
        return deleted > 0

    async def token_for_read(self, discord_user_id: int) -> str | None:
        return await self._own_token(discord_user_id)

    async def token_for_run(self, discord_user_id: int) -> RunToken:
        """The member's own token, else a counted run on the shared token, else NoTokenAvailable."""
        own = await self._own_token(discord_user_id)
        if own is not None:
            return RunToken(SecretStr(own), TokenSource.OWN, discord_user_id)
        if self._shared_token is None:
            raise NoTokenAvailable.no_shared_token()
        day = await self._quota.take(discord_user_id)
        if day is None:
            raise NoTokenAvailable.shared_runs_used_up(
                self._quota.daily_runs, self._quota.next_reset()
            )
        return RunToken(self._shared_token, TokenSource.SHARED, discord_user_id, day)

    async def refund_shared_run(self, run_token: RunToken) -> None:
        """Gives back a shared run that could not start; a member's own token needs nothing."""
        if run_token.shared_run_day is not None:
            await self._quota.refund(run_token.discord_user_id, run_token.shared_run_day)

    async def shared_runs_left(self, discord_user_id: int) -> int | None:
        """Runs left today on the shared token, or None when there is no shared token."""
        if self._shared_token is None:
            return None
        return await self._quota.runs_left(discord_user_id)

    async def _own_token(self, discord_user_id: int) -> str | None:
        row = await self._database.fetch_one(
            "SELECT token_ciphertext FROM member_tokens WHERE discord_user_id = ?",
            (discord_user_id,),
        )
        return None if row is None else self._open(discord_user_id, row["token_ciphertext"])

    async def _forget_token(self, connection: aiosqlite.Connection, discord_user_id: int) -> None:
        await connection.execute(
            "DELETE FROM member_tokens WHERE discord_user_id = ?", (discord_user_id,)
        )

    def _seal(self, discord_user_id: int, token: str) -> bytes:
        # The owner's id is sealed with the token: a ciphertext copied onto another member's
        # row by someone who can write the database but lacks the key does not open there.
        return self._cipher.encrypt(f"{discord_user_id}:{token}".encode())

    def _open(self, discord_user_id: int, ciphertext: bytes) -> str | None:
        try:
            plaintext = self._cipher.decrypt(ciphertext)
        except InvalidToken:
            log.warning(
                "The stored Glif token of member %s does not decrypt with the configured "
                "encryption keys; treating it as absent",
                discord_user_id,
            )
            return None
        owner, _, token = plaintext.partition(b":")
        if owner != str(discord_user_id).encode() or not token:
            log.warning(
                "The stored Glif token of member %s was not sealed for them; treating it as absent",
                discord_user_id,
            )
            return None
        text = token.decode("utf-8", errors="replace")
        self._redactor.add(text)
        return text
