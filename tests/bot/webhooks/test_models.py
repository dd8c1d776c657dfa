import json

import pytest

from bot.webhooks.models import (
    ApiColumn,
    AppAction,
    BodyError,
    NumberParam,
    format_number,
    param_as_text,
    parse_glide_body,
)


def parse(body: object) -> AppAction | ApiColumn:
    return parse_glide_body(json.dumps(body))


def test_glides_example_body() -> None:
    parsed = parse(
        {
            "hookKind": "app-action",
            "appID": "APP",
            "idempotencyKey": "K",
            "timestamp": "2026-11-22T10:00:00.000Z",
            "params": {
                "name": {"type": "string", "value": "Ada"},
                "score": {"type": "number", "value": 12},
            },
        }
    )
    assert isinstance(parsed, AppAction)
    assert (parsed.app_id, parsed.idempotency_key) == ("APP", "K")
    assert parsed.moment is not None
    assert parsed.moment.isoformat() == "2026-11-22T10:00:00+00:00"
    assert [param_as_text(p) for p in parsed.params.values()] == ["Ada", "12"]


def test_null_values_count_as_missing_params() -> None:
    parsed = parse(
        {
            "hookKind": "api-column",
            "appID": "A",
            "params": {
                "a": {"type": "string", "value": None},
                "b": {"type": "boolean", "value": False},
            },
        }
    )
    assert list(parsed.params) == ["b"]
    assert parsed.idempotency_key is None


def test_date_time_without_offset_is_utc() -> None:
    parsed = parse({"hookKind": "api-column", "appID": "A", "timestamp": "2026-11-22T10:00:00"})
    assert parsed.moment is not None
    assert parsed.moment.utcoffset() is not None
    assert parsed.moment.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


def column_with(param: str) -> str:
    return '{"hookKind": "api-column", "appID": "A", "params": {"p": ' + param + "}}"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{", "body is not JSON"),
        (column_with('{"type": "number", "value": true}'), "params.p.value"),
        (column_with('{"type": "number", "value": NaN}'), "body is not JSON"),
        (column_with('{"type": "number", "value": 1e999}'), "params.p.value"),
        (column_with('{"type": "boolean", "value": "yes"}'), "params.p.value"),
        (column_with('{"type": "string", "value": 5}'), "params.p.value"),
        (column_with('{"type": "string"}'), "params.p.value: Field required"),
        ('{"hookKind": "app-action", "appID": "A", "idempotencyKey": 7}', "idempotencyKey"),
        ('{"hookKind": "app-action", "appID": "A", "idempotencyKey": ""}', "idempotencyKey"),
        ('{"hookKind": "api-column"}', "appID: Field required"),
        ('"just a string"', "body: Input should be an object"),
    ],
)
def test_wrong_shapes_name_the_problem(raw: str, message: str) -> None:
    with pytest.raises(BodyError, match=message.replace(".", r"\.")) as raised:
        parse_glide_body(raw)
    # Values the sender wrote are never echoed back.
    assert "yes" not in str(raised.value)


@pytest.mark.parametrize(
    ("value", "text"), [(12.0, "12"), (-3.0, "-3"), (2.5, "2.5"), (1e20, "1e+20"), (0.1, "0.1")]
)
def test_numbers_are_written_plainly(value: float, text: str) -> None:
    assert format_number(value) == text
    assert param_as_text(NumberParam(type="number", value=value)) == text
