"""Whatever Glif sends, the parsers answer with a model or a ``GlifError``, nothing else."""

import contextlib
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.glif.errors import GlifError
from bot.glif.forms import input_fields
from bot.glif.outputs import sniff_kind
from bot.glif.parsers import (
    parse_glif,
    parse_glifs,
    parse_me,
    parse_run,
    parse_run_result,
    parse_runs,
    parse_sphere,
    parse_spheres,
    parse_user,
)
from bot.glif.references import InvalidReference, parse_glif_reference, parse_sphere_reference
from bot.glif.responses import HttpAnswer, Purpose, interpret
from tests.fakes.glif import STICKER_GLIF_ID, load_fixture

BOUNDED = settings(max_examples=200, deadline=None)
SECRET = "Zq9-secret"

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=30,
)

PARSERS: dict[str, Callable[[Any], object]] = {
    "glif": lambda payload: parse_glif(payload, glif_id=STICKER_GLIF_ID),
    "glifs": parse_glifs,
    "run": lambda payload: parse_run(payload, run_id="q3fakerun1sticker0000000"),
    "runs": parse_runs,
    "user": lambda payload: parse_user(payload, username="stickerwizard"),
    "me": parse_me,
    "spheres": parse_spheres,
    "sphere by slug": lambda payload: parse_sphere(payload, lookup=("slug", "memes")),
    "sphere by id": lambda payload: parse_sphere(payload, lookup=("id", "cmx")),
    "run result": parse_run_result,
}

FIXTURE_FOR_PARSER = {
    "glif": "glif-detail",
    "glifs": "glifs-featured",
    "run": "runs-list",
    "runs": "runs-list",
    "user": "user",
    "me": "me",
    "spheres": "spheres-list",
    "sphere by slug": "sphere-detail",
    "sphere by id": "sphere-detail",
    "run result": "simple-api-image",
}


def parses_or_raises_glif_error(parser: Callable[[Any], object], payload: Any) -> None:
    with contextlib.suppress(GlifError):
        parser(payload)


def mutate(payload: Any, data: st.DataObject) -> Any:
    """Replace one value somewhere in ``payload`` with arbitrary JSON."""
    if isinstance(payload, list) and payload:
        index = data.draw(st.integers(0, len(payload) - 1))
        return [*payload[:index], mutate(payload[index], data), *payload[index + 1 :]]
    if isinstance(payload, dict) and payload:
        key = data.draw(st.sampled_from(sorted(payload)))
        if data.draw(st.booleans()):
            return {**payload, key: data.draw(json_values)}
        return {**payload, key: mutate(payload[key], data)}
    return data.draw(json_values)


@BOUNDED
@given(payload=json_values)
def test_arbitrary_json(payload: Any) -> None:
    for parser in PARSERS.values():
        parses_or_raises_glif_error(parser, payload)


@BOUNDED
@given(name=st.sampled_from(sorted(PARSERS)), data=st.data())
def test_fixtures_with_one_value_replaced(name: str, data: st.DataObject) -> None:
    payload = mutate(load_fixture(FIXTURE_FOR_PARSER[name]), data)
    parses_or_raises_glif_error(PARSERS[name], payload)


@pytest.mark.parametrize("purpose", list(Purpose))
@BOUNDED
@given(
    status=st.sampled_from([200, 201, 204, 304, 400, 401, 403, 404, 418, 429, 500, 503]),
    body=st.binary(max_size=200),
    retry_after=st.none() | st.text(max_size=40),
)
def test_arbitrary_bytes(
    purpose: Purpose, status: int, body: bytes, retry_after: str | None
) -> None:
    headers = {} if retry_after is None else {"Retry-After": retry_after}
    with contextlib.suppress(GlifError):
        payload = interpret(HttpAnswer(status, headers, body), purpose, token=SECRET)
        for parser in PARSERS.values():
            parses_or_raises_glif_error(parser, payload)


@pytest.mark.parametrize("purpose", list(Purpose))
@BOUNDED
@given(
    status=st.sampled_from([200, 400, 401, 403, 404, 422, 429, 500]),
    before=st.text(max_size=30),
    after=st.text(max_size=30),
)
def test_a_token_echoed_by_glif_never_reaches_an_error(
    purpose: Purpose, status: int, before: str, after: str
) -> None:
    body = json.dumps({"error": f"{before}{SECRET}{after}"}).encode()
    with pytest.raises(GlifError) as caught:
        interpret(HttpAnswer(status, {}, body), purpose, token=SECRET)
    assert SECRET not in str(caught.value)
    assert SECRET not in (caught.value.detail or "")


@BOUNDED
@given(error=json_values)
def test_any_truthy_error_field_is_an_error(error: Any) -> None:
    answer = HttpAnswer(200, {}, json.dumps({"error": error, "output": "x"}).encode())
    try:
        interpret(answer, Purpose.RUN, token=None)
    except GlifError:
        return
    assert error in (None, False, "")


@BOUNDED
@given(nodes=json_values)
def test_forms_never_fail(nodes: Any) -> None:
    for field in input_fields(nodes):
        assert field.name
        assert field.label


@BOUNDED
@given(text=st.text(max_size=80))
def test_references_raise_only_invalid_reference(text: str) -> None:
    for parse in (parse_glif_reference, parse_sphere_reference):
        with contextlib.suppress(InvalidReference):
            parse(text)


@BOUNDED
@given(text=st.text(max_size=80))
def test_sniffing_never_fails(text: str) -> None:
    sniff_kind(text)
