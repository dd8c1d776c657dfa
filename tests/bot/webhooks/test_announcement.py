import json
from collections.abc import Mapping
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.webhooks.announcement import (
    MAX_DESCRIPTION,
    MAX_FIELD_NAME,
    MAX_FIELD_VALUE,
    MAX_FIELDS,
    MAX_FOOTER,
    MAX_TITLE,
    MAX_TOTAL,
    Announcement,
    build_announcement,
)
from bot.webhooks.models import AppAction, parse_glide_body

RECEIVED = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def body(params: Mapping[str, object], **extra: object) -> AppAction:
    raw = {"hookKind": "app-action", "appID": "app-1", "idempotencyKey": "k", **extra}
    parsed = parse_glide_body(json.dumps({**raw, "params": params}))
    assert isinstance(parsed, AppAction)
    return parsed


def assert_within_discord_limits(announcement: Announcement) -> None:
    assert 0 < len(announcement.title) <= MAX_TITLE
    assert len(announcement.description) <= MAX_DESCRIPTION
    assert len(announcement.footer) <= MAX_FOOTER
    assert len(announcement.fields) <= MAX_FIELDS
    for name, value in announcement.fields:
        assert name.strip()
        assert len(name) <= MAX_FIELD_NAME
        assert value.strip()
        assert len(value) <= MAX_FIELD_VALUE
    assert announcement.total_length() <= MAX_TOTAL


def test_params_are_formatted_by_type() -> None:
    announcement = build_announcement(
        "Orders",
        body(
            {
                "name": {"type": "string", "value": "Ada <@123>"},
                "count": {"type": "number", "value": 12},
                "price": {"type": "number", "value": 2.5},
                "paid": {"type": "boolean", "value": True},
                "shipped": {"type": "boolean", "value": False},
                "due": {"type": "date-time", "value": "2026-11-22T10:00:00.000Z"},
                "note": {"type": "string", "value": ""},
            },
            timestamp="2026-11-22T09:30:00Z",
        ),
        RECEIVED,
    )
    assert announcement.fields == (
        ("name", "Ada <@123>"),
        ("count", "12"),
        ("price", "2.5"),
        ("paid", "yes"),
        ("shipped", "no"),
        ("due", "<t:1795341600:f>"),
        ("note", "(empty)"),
    )
    assert announcement.title == "Orders"
    assert "`app-1`" in announcement.description
    assert announcement.timestamp == datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
    assert f"<t:{int(announcement.timestamp.timestamp())}:f>" in announcement.description


def test_without_a_timestamp_the_time_received_is_shown() -> None:
    announcement = build_announcement("Orders", body({}), RECEIVED)
    assert announcement.timestamp == RECEIVED
    assert announcement.fields == ()
    assert_within_discord_limits(announcement)


def test_a_hundred_long_params_still_make_a_valid_message() -> None:
    params = {f"param {n}": {"type": "string", "value": "y" * 2000} for n in range(100)}
    announcement = build_announcement("Orders", body(params), RECEIVED)
    assert_within_discord_limits(announcement)
    assert len(announcement.fields) == MAX_FIELDS
    assert all(value.endswith("…") for _, value in announcement.fields)
    assert announcement.description.endswith("…and 75 more params")


def test_long_names_and_app_id_are_cut() -> None:
    params = {"n" * 5000: {"type": "string", "value": "v" * 5000}}
    announcement = build_announcement("Orders", body(params, appID="a`" * 250), RECEIVED)
    assert_within_discord_limits(announcement)
    assert announcement.fields[0][0].endswith("…")
    assert "a`" not in announcement.description


def test_twenty_six_short_params_show_twenty_five() -> None:
    params = {f"p{n}": {"type": "number", "value": n} for n in range(26)}
    announcement = build_announcement("Orders", body(params), RECEIVED)
    assert [value for _, value in announcement.fields] == [str(n) for n in range(25)]
    assert announcement.description.endswith("…and 1 more param")


_param = st.one_of(
    st.builds(lambda v: {"type": "string", "value": v}, st.text(max_size=3000)),
    st.builds(
        lambda v: {"type": "number", "value": v}, st.floats(allow_nan=False, allow_infinity=False)
    ),
    st.builds(lambda v: {"type": "boolean", "value": v}, st.booleans()),
    st.builds(
        lambda v: {"type": "date-time", "value": v.isoformat()},
        # Naive on purpose: Glide may omit the offset, which is then read as UTC.
        st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),  # noqa: DTZ001
    ),
)


@settings(max_examples=60, deadline=None)
@given(
    params=st.dictionaries(st.text(max_size=400), _param, max_size=60),
    hook_name=st.text(min_size=1, max_size=64).filter(str.strip),
    app_id=st.text(max_size=512),
)
def test_any_event_fits_discords_limits(
    params: dict[str, object], hook_name: str, app_id: str
) -> None:
    announcement = build_announcement(hook_name.strip(), body(params, appID=app_id), RECEIVED)
    assert_within_discord_limits(announcement)
