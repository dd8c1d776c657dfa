"""Whatever body arrives, `parse_glide_body` answers with Glide's model or a `BodyError` (intake
maps that, and only that, to 400); what it accepts survives being stored and read back."""

import contextlib
import json
import math
from datetime import UTC
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.webhooks.models import (
    MAX_KEY_LENGTH,
    AppAction,
    BodyError,
    format_number,
    param_as_text,
    parse_glide_body,
    parse_iso_datetime,
)
from tests.hardening.strategies import iso_date_times, json_values, near_glide_bodies

BOUNDED = settings(max_examples=200, deadline=None, derandomize=True, database=None)


def parses_or_refuses(text: str) -> None:
    """An accepted body must also survive its trip through the database to the delivery worker,
    which reads it back with `AppAction.model_validate_json`."""
    try:
        body = parse_glide_body(text)
    except BodyError:
        return
    for param in body.params.values():
        assert param.value is not None
        assert isinstance(param_as_text(param), str)
    if isinstance(body, AppAction):
        stored = body.model_dump_json(by_alias=True)
        assert AppAction.model_validate_json(stored) == body


@BOUNDED
@given(text=st.text(max_size=300))
def test_any_text_is_read_or_refused(text: str) -> None:
    parses_or_refuses(text)


@BOUNDED
@given(value=json_values)
def test_any_json_value_is_read_or_refused(value: Any) -> None:
    parses_or_refuses(json.dumps(value))


@BOUNDED
@given(body=near_glide_bodies())
def test_bodies_close_to_glides_are_read_or_refused(body: dict[str, object]) -> None:
    parses_or_refuses(json.dumps(body))


@BOUNDED
@given(body=near_glide_bodies(), cut=st.integers(min_value=0))
def test_truncated_bodies_are_refused(body: dict[str, object], cut: int) -> None:
    text = json.dumps(body)
    with pytest.raises(BodyError):
        parse_glide_body(text[: cut % len(text)])


MARKED_POSITIONS: list[tuple[str, ...]] = [
    ("hookKind",),
    ("appID",),
    ("idempotencyKey",),
    ("timestamp",),
    ("params",),
    ("params", "p"),
    ("params", "p", "type"),
    ("params", "p", "value"),
]


@BOUNDED
@given(
    position=st.sampled_from(MARKED_POSITIONS),
    marker=st.from_regex(r"zq[A-Za-z]{10}", fullmatch=True),
    wrap=st.sampled_from(["bare", "list", "object", "too long"]),
    kind=st.sampled_from(["number", "boolean", "date-time"]),
)
def test_refusals_never_echo_the_value_sent(
    position: tuple[str, ...], marker: str, wrap: str, kind: str
) -> None:
    wrong: object = {
        "bare": marker,
        "list": [marker],
        "object": {"k": marker},
        "too long": marker * (MAX_KEY_LENGTH // len(marker) + 1),
    }[wrap]
    body: dict[str, Any] = {
        "hookKind": "app-action",
        "appID": "app-123",
        "idempotencyKey": "k",
        "params": {"p": {"type": kind, "value": None}},
    }
    container = body
    for key in position[:-1]:
        container = container[key]
    container[position[-1]] = wrong
    try:
        parse_glide_body(json.dumps(body))
    except BodyError as error:
        reason = str(error)
    else:
        return
    assert reason
    assert marker not in reason


@BOUNDED
@given(text=st.text(max_size=60) | iso_date_times)
def test_iso_date_times_are_aware_or_refused(text: str) -> None:
    with contextlib.suppress(ValueError):
        assert parse_iso_datetime(text).tzinfo is not None


@pytest.mark.parametrize("timestamp", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_an_accepted_timestamp_has_a_utc_value(timestamp: str) -> None:
    body = {"hookKind": "app-action", "appID": "A", "idempotencyKey": "k", "timestamp": timestamp}
    with contextlib.suppress(BodyError):
        moment = parse_glide_body(json.dumps(body)).moment
        assert moment is not None
        moment.astimezone(UTC)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_json_number_literals_are_refused_anywhere(literal: str) -> None:
    text = (
        '{"hookKind": "app-action", "appID": "A", "idempotencyKey": "k", "extra": ' + literal + "}"
    )
    with pytest.raises(BodyError, match="not JSON"):
        parse_glide_body(text)


@BOUNDED
@given(value=st.floats(allow_nan=False, allow_infinity=False))
def test_numbers_are_written_back_exactly(value: float) -> None:
    written = format_number(value)
    assert float(written) == value
    if value.is_integer() and math.fabs(value) < 1e16:
        assert written.removeprefix("-").isdigit(), written
