"""Hook secrets: generated, stored as SHA-256 only, and checked against the `Authorization` header.

Three header forms are accepted, because Glide and common tools differ:
`Basic <secret>` (what Glide sends), `Basic base64(user:<secret>)` (RFC 7617, `curl -u x:secret`)
and `Bearer <secret>`. `Basic X` is ambiguous between the first two, so both readings are tried.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterator

# 32 bytes: 256 bits, well past the 128 that make guessing hopeless.
_GENERATED_SECRET_BYTES = 32
MIN_SECRET_LENGTH = 16
MAX_SECRET_LENGTH = 256
# Visible ASCII only: the secret travels in an HTTP header and is typed into Glide. No backtick:
# the one-time reply shows the secret in a code block, which backticks would end early.
_SECRET_PATTERN = re.compile(r"[\x21-\x5f\x61-\x7e]+")

WWW_AUTHENTICATE_CHALLENGES = ('Basic realm="glifbot"', 'Bearer realm="glifbot"')


class SecretRejected(ValueError):
    """A secret chosen by an admin is unfit; the message says why and never contains it."""


def generate_secret() -> str:
    return secrets.token_urlsafe(_GENERATED_SECRET_BYTES)


def check_chosen_secret(secret: str) -> str:
    if not MIN_SECRET_LENGTH <= len(secret) <= MAX_SECRET_LENGTH:
        raise SecretRejected(
            f"The secret must be {MIN_SECRET_LENGTH} to {MAX_SECRET_LENGTH} characters long."
        )
    if not _SECRET_PATTERN.fullmatch(secret):
        raise SecretRejected(
            "The secret may only contain visible ASCII characters: no spaces, no backticks."
        )
    return secret


def hash_secret(secret: str) -> bytes:
    # A plain hash is enough: secrets are random or at least 16 characters, not passwords.
    # surrogateescape: header bytes that were not UTF-8 arrive as lone surrogates.
    return hashlib.sha256(secret.encode("utf-8", "surrogateescape")).digest()


def candidate_secrets(authorization: str | None) -> Iterator[str]:
    """Every secret the header could be carrying, the likeliest reading first."""
    if not authorization:
        return
    scheme, _, credentials = authorization.strip().partition(" ")
    credentials = credentials.strip()
    scheme = scheme.lower()
    if not credentials or scheme not in {"basic", "bearer"}:
        return
    yield credentials
    if scheme == "basic":
        password = _rfc7617_password(credentials)
        if password is not None:
            yield password


def _rfc7617_password(credentials: str) -> str | None:
    try:
        decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
    except ValueError:  # not base64 (binascii.Error), or not UTF-8 once decoded
        return None
    _, colon, password = decoded.partition(":")
    return password if colon else None


def authorization_matches(authorization: str | None, secret_sha256: bytes) -> bool:
    """Whether the header carries the secret, each reading compared in constant time on hashes.

    Stopping at the first match tells a caller only which header form it used, nothing about
    the secret, and spares Glide's own form a base64 attempt.
    """
    return any(
        hmac.compare_digest(hash_secret(candidate), secret_sha256)
        for candidate in candidate_secrets(authorization)
    )
