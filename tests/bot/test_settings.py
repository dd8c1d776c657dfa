from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.settings import Settings, SettingsError, load_settings

ALL_SETTINGS = [
    "DISCORD_TOKEN", "DATABASE_PATH", "ENCRYPTION_KEYS", "GLIF_API_TOKEN",
    "SHARED_TOKEN_DAILY_RUNS", "RUN_CONCURRENCY", "RUNS_PER_USER", "HTTP_HOST", "HTTP_PORT",
    "GLIF_RUN_TIMEOUT", "MEDIA_HOSTS", "HOOK_RUN_CONCURRENCY", "API_COLUMN_DEADLINE",
    "PUBLIC_URL", "DEV_GUILD_ID", "GLIF_API_URL", "GLIF_SIMPLE_API_URL", "DISCORD_API_URL",
    "DISCORD_GATEWAY_URL", "LOG_LEVEL",
]  # fmt: skip


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ALL_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_only_the_token_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "discord-token-value")
    settings = load_settings()
    assert settings.database_path == Path("data/glifbot.sqlite3")
    assert settings.http_port == 8080
    assert settings.shared_token_daily_runs == 10
    assert settings.media_hosts == ("res.cloudinary.com",)
    assert settings.public_url == "http://localhost:8080"
    assert settings.discord_gateway_url is None


def test_missing_token_names_the_setting_in_one_line() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert "DISCORD_TOKEN is required" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("RUN_CONCURRENCY", "0", "RUN_CONCURRENCY is invalid"),
        ("HTTP_PORT", "70000", "HTTP_PORT is invalid"),
        ("GLIF_API_URL", "ftp://example.com", "GLIF_API_URL is invalid"),
        ("DISCORD_GATEWAY_URL", "https://gateway", "DISCORD_GATEWAY_URL is invalid"),
        ("LOG_LEVEL", "CHATTY", "LOG_LEVEL is invalid"),
        ("ENCRYPTION_KEYS", "not-a-key", "ENCRYPTION_KEYS is invalid"),
    ],
)
def test_invalid_value_names_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "discord-token-value")
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=expected):
        load_settings()


def test_invalid_key_is_not_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "discord-token-value")
    monkeypatch.setenv("ENCRYPTION_KEYS", f"{Fernet.generate_key().decode()},almost-a-key-secret")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "almost-a-key-secret" not in str(caught.value)
    assert "key 2" in str(caught.value)


def test_lists_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    keys = [Fernet.generate_key().decode() for _ in range(2)]
    monkeypatch.setenv("DISCORD_TOKEN", "discord-token-value")
    monkeypatch.setenv("ENCRYPTION_KEYS", " , ".join(keys))
    monkeypatch.setenv("MEDIA_HOSTS", "Res.Cloudinary.com, media.example.org")
    settings = load_settings()
    assert [key.get_secret_value() for key in settings.encryption_keys] == keys
    assert settings.media_hosts == ("res.cloudinary.com", "media.example.org")


def test_dotenv_file_is_read_and_empty_values_mean_unset(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "DISCORD_TOKEN=from-dotenv-file\nGLIF_API_TOKEN=\nLOG_LEVEL=debug\n"
    )
    settings = load_settings()
    assert settings.discord_token.get_secret_value() == "from-dotenv-file"
    assert settings.glif_api_token is None
    assert settings.log_level == "DEBUG"


def test_secrets_never_show_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("DISCORD_TOKEN", "discord-token-value")
    monkeypatch.setenv("GLIF_API_TOKEN", "glif-shared-token")
    monkeypatch.setenv("ENCRYPTION_KEYS", key)
    settings = load_settings()
    for text in (repr(settings), str(settings), str(settings.model_dump())):
        for secret in ("discord-token-value", "glif-shared-token", key):
            assert secret not in text
    assert set(settings.secrets()) == {"discord-token-value", "glif-shared-token", key}


def test_env_example_lists_every_setting() -> None:
    example = (Path(__file__).parents[2] / ".env.example").read_text()
    declared = {name.upper() for name in Settings.model_fields}
    listed = {
        line.split("=", 1)[0] for line in example.splitlines() if "=" in line and line[0] != "#"
    }
    assert listed == declared == set(ALL_SETTINGS)
