import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from pydantic import SecretStr

from bot.encryption import KEY_FILE_NAME, EncryptionKeyError, build_cipher, load_keys
from bot.settings import Settings


def settings_for(tmp_path: Path, keys: tuple[str, ...] = ()) -> Settings:
    return Settings(
        discord_token=SecretStr("discord-token-value"),
        database_path=tmp_path / "data" / "glifbot.sqlite3",
        encryption_keys=tuple(SecretStr(key) for key in keys),
    )


def test_key_file_is_generated_once_with_mode_0600(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_for(tmp_path)
    first = load_keys(settings)
    key_file = tmp_path / "data" / KEY_FILE_NAME
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "Generated a new encryption key" in caplog.text
    assert first[0] not in caplog.text
    caplog.clear()
    assert load_keys(settings) == first
    assert "Generated" not in caplog.text


def test_configured_keys_win_and_the_first_encrypts(tmp_path: Path) -> None:
    new, old = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    keys = load_keys(settings_for(tmp_path, (new, old)))
    assert keys == [new, old]
    assert not (tmp_path / "data" / KEY_FILE_NAME).exists()
    cipher = build_cipher(keys)
    sealed = cipher.encrypt(b"glif-token")
    assert Fernet(new.encode()).decrypt(sealed) == b"glif-token"
    assert cipher.decrypt(Fernet(old.encode()).encrypt(b"older")) == b"older"
    with pytest.raises(InvalidToken):
        Fernet(old.encode()).decrypt(sealed)


def test_corrupt_key_file_is_refused(tmp_path: Path) -> None:
    key_file = tmp_path / "data" / KEY_FILE_NAME
    key_file.parent.mkdir(parents=True)
    key_file.write_text("garbage")
    with pytest.raises(EncryptionKeyError, match="restore it from a backup"):
        load_keys(settings_for(tmp_path))
