"""Hypothesis against the live endpoint: bodies, `Authorization`, `Content-Type` and
`Content-Length` drawn at random, each answered as SPEC §4's table says and never with a 5xx.

Hypothesis drives its examples synchronously, so each test runs it in a worker thread while the
test's event loop serves the endpoint.
"""

import asyncio
import base64
import json

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.webhooks.auth import WWW_AUTHENTICATE_CHALLENGES
from bot.webhooks.models import AppAction, BodyError, parse_glide_body
from tests.hardening.conftest import (
    AUTHORIZATION_FORMS,
    SECRET,
    STUB_OUTPUT,
    Answer,
    LiveEndpoint,
    error_body_problem,
    json_headers,
)
from tests.hardening.corpus import RequestBuilder, Target, valid_app_action
from tests.hardening.raw_http import RawAnswer, exchange
from tests.hardening.strategies import near_glide_bodies

LIVE = settings(max_examples=100, deadline=None, derandomize=True, database=None)


def assert_refused(answer: Answer | RawAnswer | None, status: int) -> None:
    assert answer is not None
    assert answer.status == status, answer.body[:200]
    assert error_body_problem(answer.body) is None
    if status == 401:
        assert answer.headers.getall("WWW-Authenticate") == list(WWW_AUTHENTICATE_CHALLENGES)


def raw_exchange(
    endpoint: LiveEndpoint, request: bytes, *, half_close: bool = False
) -> RawAnswer | None:
    return endpoint.from_worker_thread(
        exchange(endpoint.host, endpoint.port, request, half_close=half_close)
    )


def request_builder(endpoint: LiveEndpoint) -> RequestBuilder:
    return RequestBuilder(Target(endpoint.host, endpoint.hook.id, SECRET))


async def test_arbitrary_bytes_are_refused_with_400(live_endpoint: LiveEndpoint) -> None:
    @LIVE
    @given(body=st.binary(max_size=2000))
    def check(body: bytes) -> None:
        answer = live_endpoint.from_worker_thread(live_endpoint.post(body, json_headers()))
        assert_refused(answer, 400)

    await asyncio.to_thread(check)
    assert await live_endpoint.stored_events() == 0


async def test_the_endpoint_answers_as_the_model_reads(live_endpoint: LiveEndpoint) -> None:
    accepted = 0

    @LIVE
    @given(
        body=near_glide_bodies(),
        bound=st.booleans(),
        form=st.sampled_from(sorted(AUTHORIZATION_FORMS)),
    )
    def check(body: dict[str, object], bound: bool, form: str) -> None:
        nonlocal accepted
        text = json.dumps(body)
        hook = live_endpoint.hook if bound else live_endpoint.unbound_hook
        answer = live_endpoint.from_worker_thread(
            live_endpoint.post(
                text.encode(), json_headers(AUTHORIZATION_FORMS[form]), hook_id=hook.id
            )
        )
        try:
            parsed = parse_glide_body(text)
        except BodyError:
            assert_refused(answer, 400)
            return
        if isinstance(parsed, AppAction):
            assert answer.status == 200
            outcome = answer.json()
            assert outcome in ({"status": "accepted"}, {"status": "duplicate"})
            accepted += outcome == {"status": "accepted"}
        elif bound:
            assert (answer.status, answer.json()) == (200, {"type": "string", "value": STUB_OUTPUT})
        else:
            assert_refused(answer, 422)

    await asyncio.to_thread(check)
    assert await live_endpoint.stored_events() == accepted


def case_variants(word: str) -> st.SearchStrategy[str]:
    return st.sampled_from([word, word.lower(), word.upper(), word.swapcase()])


spaces = st.text(alphabet=" ", min_size=1, max_size=4)
user_names = st.text(max_size=30).filter(lambda user: ":" not in user)


@st.composite
def authorization_carrying_the_secret(draw: st.DrawFn) -> str:
    """Each documented form, scheme in any case, spaces where a client might put them."""
    basic = draw(case_variants("Basic"))
    form = draw(st.sampled_from(["glide", "rfc7617", "bearer"]))
    if form == "glide":
        header = f"{basic}{draw(spaces)}{SECRET}"
    elif form == "rfc7617":
        pair = f"{draw(user_names)}:{SECRET}".encode()
        header = f"{basic}{draw(spaces)}{base64.b64encode(pair).decode()}"
    else:
        header = f"{draw(case_variants('Bearer'))}{draw(spaces)}{SECRET}"
    return draw(spaces) + header + draw(spaces)


async def test_every_form_of_the_secret_is_accepted(live_endpoint: LiveEndpoint) -> None:
    @LIVE
    @given(authorization=authorization_carrying_the_secret(), key=st.uuids())
    def check(authorization: str, key: object) -> None:
        body = json.dumps(valid_app_action(str(key))).encode()
        answer = live_endpoint.from_worker_thread(
            live_endpoint.post(body, json_headers(authorization))
        )
        assert answer.status == 200, answer.body

    await asyncio.to_thread(check)


header_bytes = st.binary(max_size=300).map(
    lambda value: value.replace(b"\r", b"").replace(b"\n", b"")
)


async def test_any_other_authorization_is_refused(live_endpoint: LiveEndpoint) -> None:
    builder = request_builder(live_endpoint)
    body = json.dumps(valid_app_action("wrong-authorization")).encode()

    @LIVE
    @given(authorization=header_bytes)
    def check(authorization: bytes) -> None:
        assume(SECRET.encode() not in authorization)
        request = builder.wire(body, headers={b"Authorization": authorization})
        answer = raw_exchange(live_endpoint, request)
        # aiohttp refuses control bytes in a header value before the application sees them.
        if answer is not None and answer.status == 400:
            return
        assert_refused(answer, 401)

    await asyncio.to_thread(check)
    assert await live_endpoint.stored_events() == 0


@st.composite
def json_media_types(draw: st.DrawFn) -> bytes:
    media_type = draw(
        st.sampled_from(
            ["application/json", "application/problem+json", "application/x-glide+json"]
        )
    )
    charset = draw(st.sampled_from(["", "utf-8", "UTF-8", "utf8", '"utf-8"']))
    parameter = f";{draw(spaces)}charset={charset}" if charset else ""
    return (draw(case_variants(media_type)) + parameter).encode()


async def test_json_media_types_are_accepted(live_endpoint: LiveEndpoint) -> None:
    builder = request_builder(live_endpoint)

    @LIVE
    @given(content_type=json_media_types(), key=st.uuids())
    def check(content_type: bytes, key: object) -> None:
        body = json.dumps(valid_app_action(str(key))).encode()
        answer = raw_exchange(
            live_endpoint, builder.wire(body, headers={b"Content-Type": content_type})
        )
        assert answer is not None
        assert answer.status == 200, answer.body

    await asyncio.to_thread(check)


async def test_any_content_type_is_answered_by_the_application(
    live_endpoint: LiveEndpoint,
) -> None:
    builder = request_builder(live_endpoint)
    body = json.dumps(valid_app_action("any-content-type")).encode()
    # Visible Latin-1 and spaces: what aiohttp lets through to the application.
    visible = st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f")

    @LIVE
    @given(content_type=st.text(alphabet=visible, max_size=80))
    def check(content_type: str) -> None:
        request = builder.wire(body, headers={b"Content-Type": content_type.encode("latin-1")})
        answer = raw_exchange(live_endpoint, request)
        assert answer is not None
        if answer.status != 200:
            assert_refused(answer, 415)

    await asyncio.to_thread(check)


async def test_any_content_length_is_refused_or_waited_for(live_endpoint: LiveEndpoint) -> None:
    builder = request_builder(live_endpoint)
    lengths = st.integers(min_value=0, max_value=2**80).map(str) | st.text(
        alphabet="0123456789+-., xXabcdef", max_size=25
    )

    @LIVE
    @given(content_length=lengths)
    def check(content_length: str) -> None:
        request = builder.wire(b"{}", headers={b"Content-Length": content_length.encode()})
        # A declared length past the two bytes sent is waited for, until the client gives up.
        answer = raw_exchange(live_endpoint, request, half_close=True)
        if answer is None:
            return
        assert answer.status in {400, 413}, answer.body
        if answer.status == 413 or answer.headers.get("Content-Type", "").startswith(
            "application/json"
        ):
            assert error_body_problem(answer.body) is None

    await asyncio.to_thread(check)
    assert await live_endpoint.stored_events() == 0
