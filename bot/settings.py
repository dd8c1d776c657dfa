"""Settings from the environment and `.env`, validated once at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from pydantic import AfterValidator, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
PositiveInt = Annotated[int, Field(ge=1)]


def _base_url(schemes: tuple[str, ...]) -> AfterValidator:
    def check(value: str) -> str:
        parsed = urlsplit(value.strip())
        if parsed.scheme not in schemes or not parsed.hostname:
            raise ValueError(
                f"must be a URL starting with {' or '.join(s + '://' for s in schemes)}"
            )
        return value.strip().rstrip("/")

    return AfterValidator(check)


HttpBaseUrl = Annotated[str, _base_url(("http", "https"))]
WebsocketUrl = Annotated[str, _base_url(("ws", "wss"))]


def _split_commas(value: object) -> object:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


class Settings(BaseSettings):
    """Every setting of SPEC.md §1; secrets are `SecretStr` so no repr or log shows them."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        frozen=True,
    )

    discord_token: SecretStr
    database_path: Path = Path("./data/glifbot.sqlite3")
    encryption_keys: Annotated[tuple[SecretStr, ...], NoDecode] = ()
    glif_api_token: SecretStr | None = None
    shared_token_daily_runs: Annotated[int, Field(ge=0)] = 10
    run_concurrency: PositiveInt = 4
    runs_per_user: PositiveInt = 1
    # Binding every interface is the point: Glide must reach the webhook endpoint.
    http_host: str = "0.0.0.0"  # noqa: S104
    http_port: Annotated[int, Field(ge=0, le=65535)] = 8080
    glif_run_timeout: Annotated[float, Field(gt=0)] = 600
    media_hosts: Annotated[tuple[str, ...], NoDecode] = ("res.cloudinary.com",)
    hook_run_concurrency: PositiveInt = 4
    api_column_deadline: Annotated[float, Field(gt=0)] = 25
    public_url: HttpBaseUrl = "http://localhost:8080"
    dev_guild_id: Annotated[int, Field(ge=1)] | None = None
    glif_api_url: HttpBaseUrl = "https://glif.app/api"
    glif_simple_api_url: HttpBaseUrl = "https://simple-api.glif.app"
    discord_api_url: HttpBaseUrl = "https://discord.com/api/v10"
    discord_gateway_url: WebsocketUrl | None = None
    log_level: LogLevel = "INFO"

    @field_validator("discord_token")
    @classmethod
    def _token_not_blank(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("must not be blank")
        return value

    @field_validator("encryption_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        return _split_commas(value)

    @field_validator("encryption_keys")
    @classmethod
    def _keys_are_fernet_keys(cls, value: tuple[SecretStr, ...]) -> tuple[SecretStr, ...]:
        for position, key in enumerate(value, start=1):
            try:
                Fernet(key.get_secret_value())
            except ValueError:
                # The key itself must not reach the message: only its position does.
                raise ValueError(
                    f"key {position} is not a Fernet key (32 url-safe base64-encoded bytes); "
                    "make one with `python -m bot generate-key`"
                ) from None
        return value

    @field_validator("media_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        return _split_commas(value)

    @field_validator("media_hosts")
    @classmethod
    def _hosts_are_lowercase_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(host.lower() for host in value)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @property
    def data_dir(self) -> Path:
        return self.database_path.parent

    def secrets(self) -> list[str]:
        """Every secret value held here, for the log redactor."""
        values = [self.discord_token, *self.encryption_keys]
        if self.glif_api_token is not None:
            values.append(self.glif_api_token)
        return [value.get_secret_value() for value in values]


class SettingsError(Exception):
    """Settings could not be loaded; the message is one line that names the setting."""


def load_settings(**overrides: object) -> Settings:
    """Load settings, turning pydantic's report into one line fit for a terminal."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise SettingsError(describe_validation_error(error)) from None


def describe_validation_error(error: ValidationError) -> str:
    problems = []
    for detail in error.errors(include_input=False, include_url=False):
        name = str(detail["loc"][0]).upper() if detail["loc"] else "settings"
        if detail["type"] == "missing":
            problems.append(
                f"{name} is required: set it in the environment or in .env (see .env.example)"
            )
        else:
            message = str(detail["msg"]).removeprefix("Value error, ")
            problems.append(f"{name} is invalid ({message}): fix it in the environment or in .env")
    return "; ".join(problems)
