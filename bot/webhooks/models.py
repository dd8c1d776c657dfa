"""The body Glide sends to a webhook, validated: wrong shapes are refused with a message naming the
problem, unknown keys are ignored so that Glide may add fields without breaking us."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
)
from pydantic_core import from_json

MAX_KEY_LENGTH = 512
MAX_APP_ID_LENGTH = 512


class BodyError(ValueError):
    """The body is not Glide's; the message names the problem without echoing any value."""


def parse_iso_datetime(text: str) -> datetime:
    """An ISO 8601 date-time; one without an offset is taken as UTC, as Glide sends UTC."""
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        # An offset can push a date past year 1 or 9999 in UTC, where nothing can show it.
        moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValueError("must be an ISO 8601 date-time") from None
    return moment


def _iso_datetime_text(text: str) -> str:
    parse_iso_datetime(text)
    return text


IsoDateTimeText = Annotated[str, AfterValidator(_iso_datetime_text)]


class _Param(BaseModel):
    model_config = ConfigDict(strict=True, frozen=True, extra="ignore")


class StringParam(_Param):
    type: Literal["string"]
    value: str | None


class NumberParam(_Param):
    type: Literal["number"]
    # Glide's numbers are JavaScript doubles, so a float holds every one of them exactly.
    value: Annotated[float, Field(allow_inf_nan=False)] | None


class BooleanParam(_Param):
    type: Literal["boolean"]
    value: bool | None


class DateTimeParam(_Param):
    type: Literal["date-time"]
    value: IsoDateTimeText | None


AnyParam = StringParam | NumberParam | BooleanParam | DateTimeParam
Param = Annotated[AnyParam, Field(discriminator="type")]


class _GlideBody(BaseModel):
    model_config = ConfigDict(strict=True, frozen=True, extra="ignore")

    app_id: str = Field(alias="appID", max_length=MAX_APP_ID_LENGTH)
    timestamp: IsoDateTimeText | None = None
    params: dict[str, Param] = Field(default_factory=dict)

    @field_validator("params", mode="after")
    @classmethod
    def _drop_empty_params(cls, params: dict[str, Param]) -> dict[str, Param]:
        # An empty cell is as good as a missing param; both leave the glif its default.
        return {name: param for name, param in params.items() if param.value is not None}

    @property
    def moment(self) -> datetime | None:
        return parse_iso_datetime(self.timestamp) if self.timestamp is not None else None


class AppAction(_GlideBody):
    hook_kind: Literal["app-action"] = Field(alias="hookKind")
    idempotency_key: str = Field(alias="idempotencyKey", min_length=1, max_length=MAX_KEY_LENGTH)


class ApiColumn(_GlideBody):
    hook_kind: Literal["api-column"] = Field(alias="hookKind")
    idempotency_key: str | None = Field(
        default=None, alias="idempotencyKey", min_length=1, max_length=MAX_KEY_LENGTH
    )


GlideBody = Annotated[AppAction | ApiColumn, Field(discriminator="hook_kind")]
HOOK_KINDS = ("app-action", "api-column")


_BODY: TypeAdapter[AppAction | ApiColumn] = TypeAdapter(GlideBody)
# Error locations carry discriminator tags (the hook kind first, a param's type after its name)
# that only repeat what the sender wrote; the message reads better without them.
_PARAM_TAG_POSITION = 2


def parse_glide_body(text: str) -> AppAction | ApiColumn:
    """Validate a decoded JSON text as Glide's body, or raise `BodyError` naming the problem."""
    # NaN and Infinity are not JSON, but the parser accepts them wherever the model ignores a
    # key; the strict second parse only runs for the rare body that contains those words.
    if "NaN" in text or "Infinity" in text:
        try:
            from_json(text, allow_inf_nan=False)
        except ValueError as error:
            raise BodyError(f"body is not JSON ({error})") from None
    try:
        return _BODY.validate_json(text)
    except ValidationError as error:
        raise BodyError(_describe(error)) from None


def _describe(error: ValidationError) -> str:
    first = error.errors(include_input=False, include_url=False)[0]
    if first["type"] == "json_invalid":
        return "body is not JSON (" + str(first["msg"]).removeprefix("Invalid JSON: ") + ")"
    location = [str(part) for part in first["loc"]]
    if location[:1] and location[0] in HOOK_KINDS:
        del location[0]
    if location[:1] == ["params"] and len(location) > _PARAM_TAG_POSITION:
        del location[_PARAM_TAG_POSITION]
    message = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] in {"union_tag_not_found", "union_tag_invalid"}:
        # The tag is `hookKind` at the top and `type` inside a param.
        location.append("type" if location else "hookKind")
        expected = first.get("ctx", {}).get("expected_tags")
        message = f"must be one of {expected}" if expected else "Field required"
    return f"{'.'.join(location) or 'body'}: {message}"


def format_number(value: float) -> str:
    """A number as people write it: 12 rather than 12.0, and no exponent for whole amounts."""
    if value.is_integer() and math.fabs(value) < 1e16:
        return str(int(value))
    return repr(value)


def param_as_text(param: AnyParam) -> str:
    """The text a glif receives for a param; date-times keep the ISO form Glide sent."""
    match param:
        case NumberParam(value=float() as number):
            return format_number(number)
        case BooleanParam(value=bool() as flag):
            return "true" if flag else "false"
        case _:
            return str(param.value)
