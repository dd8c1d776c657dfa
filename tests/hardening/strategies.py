"""Hypothesis strategies for what Glide sends, right and nearly right."""

import copy
from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from bot.webhooks.models import MAX_KEY_LENGTH

PARAM_TYPES = ("string", "number", "boolean", "date-time")

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)

utc_offsets = st.timedeltas(
    min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59)
).map(lambda offset: timezone(timedelta(minutes=offset // timedelta(minutes=1))))
glide_date_times = st.sampled_from(
    ["2026-11-22T10:00:00.000Z", "2026-11-22", "2026-11-22T10:00:00+14:00", "2026-W47-7"]
)
iso_date_times = (
    st.datetimes(timezones=st.none() | utc_offsets).map(datetime.isoformat) | glide_date_times
)

RIGHT_VALUES: dict[str, st.SearchStrategy[object]] = {
    "string": st.none() | st.text(max_size=50),
    "number": st.none()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False),
    "boolean": st.none() | st.booleans(),
    "date-time": st.none() | iso_date_times,
}

param_names = st.text(max_size=20)


def param_of(kind: str) -> st.SearchStrategy[dict[str, object]]:
    return st.fixed_dictionaries({"type": st.just(kind), "value": RIGHT_VALUES[kind]})


glide_params = st.dictionaries(
    param_names, st.sampled_from(PARAM_TYPES).flatmap(param_of), max_size=6
)
shared_fields = {"timestamp": st.none() | iso_date_times, "params": glide_params}
glide_bodies = st.fixed_dictionaries(
    {
        "hookKind": st.just("app-action"),
        "appID": st.text(max_size=40),
        "idempotencyKey": st.text(min_size=1, max_size=40),
    },
    optional=shared_fields,
) | st.fixed_dictionaries(
    {"hookKind": st.just("api-column"), "appID": st.text(max_size=40)},
    optional={"idempotencyKey": st.none() | st.text(min_size=1, max_size=40), **shared_fields},
)


@st.composite
def near_glide_bodies(draw: st.DrawFn) -> dict[str, Any]:
    """One of Glide's bodies with up to three fields, top-level or in a param, replaced by any
    JSON value, deleted, or stretched past their limits."""
    body: dict[str, Any] = copy.deepcopy(draw(glide_bodies))
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        container = body
        params = body.get("params")
        param_containers: list[dict[str, Any]] = (
            [param for param in params.values() if isinstance(param, dict)]
            if isinstance(params, dict)
            else []
        )
        in_a_param = draw(st.booleans())
        if param_containers and in_a_param:
            container = draw(st.sampled_from(param_containers))
        key = draw(st.sampled_from([*sorted(container), "unknown"]))
        change = draw(st.sampled_from(["replace", "delete", "stretch"]))
        if change == "delete":
            container.pop(key, None)
        elif change == "stretch":
            container[key] = "x" * (MAX_KEY_LENGTH + 1)
        else:
            container[key] = draw(json_values)
    return body
