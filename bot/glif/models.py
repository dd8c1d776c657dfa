"""Shapes of Glif's JSON, parsed tolerantly.

Glif calls its API a beta that may change without notice, so these models accept what has been
seen in the wild and degrade rather than fail: unknown keys are ignored, a missing, null or
ill-typed optional field falls back to its default, and lists drop the items they cannot read.
Only identity (a glif or run id, a sphere id or slug, the user of ``/me``) is required.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from pydantic import (
    AfterValidator,
    AliasChoices,
    AliasPath,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    FiniteFloat,
    PlainValidator,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from bot.glif.outputs import OutputKind, is_nsfw_placeholder, resolve_kind

GLIF_WEB_URL = "https://glif.app"

Model = TypeVar("Model", bound=BaseModel)


def _falls_back_to(default: Any) -> WrapValidator:
    def validate(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(value)
        except ValidationError:
            return default

    return WrapValidator(validate)


def _upper(text: str) -> str:
    return text.strip().upper()


def _upper_or_none(text: str | None) -> str | None:
    return (text and _upper(text)) or None


def _assume_utc(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _output_text(value: Any) -> str | None:
    """Glif's ``output`` as a string: arrays yield their first element, other JSON is re-encoded."""
    while isinstance(value, list):
        value = value[0] if value else None
    if value is None or isinstance(value, str):
        return value
    try:
        return json.dumps(value)
    except (TypeError, ValueError, RecursionError):
        return None


def _decimal_or_none(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = Decimal(str(value).strip())
    except (ArithmeticError, ValueError):
        return None
    return number if number.is_finite() else None


def _string_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {
        str(key): item if isinstance(item, str) else (_output_text(item) or "")
        for key, item in value.items()
    }


def _dicts_or_none(value: Any) -> list[dict[str, Any]] | None:
    if not isinstance(value, list):
        return None
    return [item for item in value if isinstance(item, dict)]


def valid_items(model: type[Model], value: Any) -> list[Model]:
    """The items of ``value`` that parse as ``model``; anything else is skipped."""
    if not isinstance(value, list):
        return []
    parsed = []
    for item in value:
        try:
            parsed.append(model.model_validate(item))
        except ValidationError:
            continue
    return parsed


def _items_of(model: type[Model]) -> BeforeValidator:
    def keep_valid(value: Any) -> list[Model]:
        return valid_items(model, value)

    return BeforeValidator(keep_valid)


RequiredText = Annotated[str, Field(min_length=1)]
Text = Annotated[str, _falls_back_to("")]
OptionalText = Annotated[str | None, _falls_back_to(None)]
UpperText = Annotated[str | None, AfterValidator(_upper_or_none), _falls_back_to(None)]
Count = Annotated[int, Field(ge=0), _falls_back_to(0)]
Flag = Annotated[bool, _falls_back_to(default=False)]
Number = Annotated[FiniteFloat | None, _falls_back_to(None)]
Pixels = Annotated[int | None, _falls_back_to(None)]
Timestamp = Annotated[datetime | None, AfterValidator(_assume_utc), _falls_back_to(None)]
Output = Annotated[str | None, PlainValidator(_output_text)]
Credits = Annotated[Decimal | None, PlainValidator(_decimal_or_none)]
StringMap = Annotated[dict[str, str], PlainValidator(_string_map)]


class GlifModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=True,
        extra="ignore",
        frozen=True,
    )


class User(GlifModel):
    id: Text = ""
    name: Text = ""
    username: Text = ""
    image_url: OptionalText = Field(default=None, alias="image")
    bio: OptionalText = None
    website: OptionalText = None
    location: OptionalText = None

    @property
    def display_name(self) -> str:
        return self.name or self.username or "someone"

    @property
    def profile_url(self) -> str | None:
        if not self.username:
            return None
        return f"{GLIF_WEB_URL}/@{quote(self.username, safe='')}"


class SphereSummary(GlifModel):
    """A sphere as listed, without its glifs."""

    id: Text = ""
    slug: Text = ""
    name: Text = ""
    description: OptionalText = None
    image_url: OptionalText = None
    created_at: Timestamp = None
    updated_at: Timestamp = None

    @model_validator(mode="after")
    def _has_identity(self) -> SphereSummary:
        if not (self.id or self.slug):
            raise ValueError("a sphere needs an id or a slug")
        return self

    @property
    def reference(self) -> str:
        """The slug when known (what glif.app shows), else the id."""
        return self.slug or self.id

    @property
    def web_url(self) -> str:
        # glif.app lists public spheres at /spheres; a sphere's own page at /spheres/<slug> is a
        # guess that follows that listing, not something Glif documents.
        return f"{GLIF_WEB_URL}/spheres/{quote(self.reference, safe='')}"


class _Engaged(GlifModel):
    """Likes and comments, which 2023-24 responses nest in ``_count`` and 2025 ones flatten."""

    like_count: Count = 0
    comment_count: Count = 0

    @model_validator(mode="before")
    @classmethod
    def _flatten_legacy_counts(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("_count"), dict):
            return data
        counts = data["_count"]
        flattened = dict(data)
        if flattened.get("likeCount") is None:
            flattened["likeCount"] = counts.get("likes")
        if flattened.get("commentCount") is None:
            flattened["commentCount"] = counts.get("comments")
        return flattened


class Glif(_Engaged):
    id: RequiredText
    name: Text = ""
    description: OptionalText = None
    image_url: OptionalText = None
    created_at: Timestamp = None
    updated_at: Timestamp = None
    published_at: Timestamp = None
    featured_at: Timestamp = None
    output: Output = None
    output_type: UpperText = None
    user: Annotated[User | None, _falls_back_to(None)] = None
    user_id: OptionalText = None
    completed_run_count: Count = Field(default=0, alias="completedSpellRunCount")
    average_duration_ms: Number = Field(default=None, alias="averageDuration")
    spheres: Annotated[list[SphereSummary], _items_of(SphereSummary)] = []
    # None means the response carried no graph (list endpoints omit it), not "no inputs".
    nodes: Annotated[list[dict[str, Any]] | None, BeforeValidator(_dicts_or_none)] = Field(
        default=None, validation_alias=AliasChoices(AliasPath("data", "nodes"), "nodes")
    )
    forked_from_id: OptionalText = None

    @property
    def web_url(self) -> str:
        glif_path = f"glifs/{quote(self.id, safe='')}"
        if self.user is not None and self.user.username:
            return f"{GLIF_WEB_URL}/@{quote(self.user.username, safe='')}/{glif_path}"
        return f"{GLIF_WEB_URL}/{glif_path}"


class Sphere(SphereSummary):
    glifs: Annotated[list[Glif], _items_of(Glif)] = Field(
        default=[], validation_alias=AliasChoices("spells", "glifs")
    )


class Run(_Engaged):
    """A past run as listed by ``/api/runs``."""

    id: RequiredText
    created_at: Timestamp = None
    updated_at: Timestamp = None
    started_at: Timestamp = None
    completed_at: Timestamp = None
    total_duration_ms: Number = Field(default=None, alias="totalDuration")
    output: Output = None
    output_type: UpperText = None
    user_id: OptionalText = None
    glif_id: OptionalText = Field(default=None, alias="spellId")
    inputs: StringMap = {}
    public: Flag = False
    visibility: UpperText = None
    client_type: OptionalText = None
    output_image_width: Pixels = None
    output_image_height: Pixels = None
    deleted: Flag = False
    deletion_reason: OptionalText = None
    price_credits: Credits = Field(default=None, alias="totalSellingPriceCredits")
    user: Annotated[User | None, _falls_back_to(None)] = None
    glif: Annotated[Glif | None, _falls_back_to(None)] = Field(default=None, alias="spell")

    @property
    def output_kind(self) -> OutputKind | None:
        return resolve_kind(self.output_type, self.output)


class CreditBalance(GlifModel):
    # Glif does not say what period or plan ``limit`` and ``label`` refer to; shown as given.
    remaining: Number = None
    limit: Number = None
    label: OptionalText = None


class Me(GlifModel):
    user: User
    credits: Annotated[CreditBalance, _falls_back_to(CreditBalance())] = Field(
        default_factory=CreditBalance
    )


class OutputFull(BaseModel):
    """``outputFull`` of a run: ``type`` and ``value`` plus whatever else Glif adds, kept."""

    model_config = ConfigDict(extra="allow", frozen=True)

    type: Annotated[str, AfterValidator(_upper), _falls_back_to("")] = ""
    value: Output = None


class RunResult(GlifModel):
    """The simple API's answer to a successful run."""

    glif_id: Text = Field(default="", alias="id")
    inputs: StringMap = {}
    output: Output = None
    output_full: Annotated[OutputFull | None, _falls_back_to(None)] = None
    price: Credits = None

    @model_validator(mode="before")
    @classmethod
    def _output_from_output_full(cls, data: Any) -> Any:
        if not isinstance(data, dict) or data.get("output") is not None:
            return data
        full = data.get("outputFull")
        if isinstance(full, dict) and full.get("value") is not None:
            return {**data, "output": full["value"]}
        return data

    @property
    def output_kind(self) -> OutputKind | None:
        declared = self.output_full.type if self.output_full is not None else None
        return resolve_kind(declared, self.output)

    @property
    def is_nsfw_placeholder(self) -> bool:
        return is_nsfw_placeholder(self.output)
