"""The Fernet keys that protect secrets at rest: from settings, or generated once beside the DB."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from cryptography.fernet import Fernet, MultiFernet

from bot.settings import Settings

log = logging.getLogger(__name__)

KEY_FILE_NAME = "secret.key"


class EncryptionKeyError(Exception):
    """The key file is unusable; the message says what to do."""


def load_keys(settings: Settings) -> list[str]:
    """The configured keys, first one encrypting; without any, the generated key file's key."""
    if settings.encryption_keys:
        return [key.get_secret_value() for key in settings.encryption_keys]
    return [_read_or_create_key_file(settings.data_dir / KEY_FILE_NAME)]


def build_cipher(keys: list[str]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def _read_or_create_key_file(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two processes starting at once must not each write a different key.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key_file(path)
    key = Fernet.generate_key().decode("ascii")
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(key + "\n")
    log.warning(
        "Generated a new encryption key in %s (mode 0600). Back it up: without it stored Glif "
        "tokens cannot be read. Set ENCRYPTION_KEYS to manage keys yourself.",
        path,
    )
    return key


def _read_key_file(path: Path) -> str:
    key = path.read_text("ascii").strip()
    try:
        Fernet(key)
    except ValueError:
        raise EncryptionKeyError(
            f"{path} does not hold a Fernet key; restore it from a backup or set ENCRYPTION_KEYS"
        ) from None
    return key
