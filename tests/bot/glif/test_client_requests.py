"""Each client method sends the request Glif expects and parses the fake's answer."""

import logging
from collections.abc import Awaitable, Callable

import pytest

from bot.glif.client import GlifClient, Visibility
from bot.glif.errors import GlifInvalidToken, GlifNotFound, GlifRunFailed
from bot.glif.outputs import OutputKind
from tests.bot.glif.conftest import ClientFactory
from tests.fakes.glif import MEMES_SPHERE_ID, STICKER_GLIF_ID, FakeGlif, RecordedRequest

TOKEN = "glif-secret-token-0123456789"


def only_request(fake: FakeGlif) -> RecordedRequest:
    assert len(fake.requests) == 1
    return fake.requests[0]


async def test_get_glif(glif_client: GlifClient, fake_glif: FakeGlif) -> None:
    glif = await glif_client.get_glif(STICKER_GLIF_ID)
    assert glif.name == "Sticker Maker"
    request = only_request(fake_glif)
    assert (request.method, request.path) == ("GET", "/api/glifs")
    assert request.query == {"id": STICKER_GLIF_ID}
    assert request.authorization is None


async def test_token_is_sent_as_bearer_only_when_given(
    glif_client: GlifClient, fake_glif: FakeGlif
) -> None:
    await glif_client.get_glif(STICKER_GLIF_ID, token=TOKEN)
    assert only_request(fake_glif).authorization == f"Bearer {TOKEN}"


async def test_unknown_glif_is_not_found(glif_client: GlifClient) -> None:
    with pytest.raises(GlifNotFound):
        await glif_client.get_glif("cm0doesnotexist0000000000")


async def test_search_glifs(glif_client: GlifClient, fake_glif: FakeGlif) -> None:
    glifs = await glif_client.search_glifs("sticker", page=1, limit=3)
    assert [glif.name for glif in glifs][:2] == ["Sticker Maker", "Sticker Pack Meme"]
    assert only_request(fake_glif).query == {"q": "sticker", "page": "1", "limit": "3"}


async def test_search_beyond_the_last_page_is_empty(glif_client: GlifClient) -> None:
    assert await glif_client.search_glifs("sticker", page=2) == []


async def test_page_and_limit_are_kept_within_glifs_bounds(
    glif_client: GlifClient, fake_glif: FakeGlif
) -> None:
    await glif_client.search_glifs("x", page=0, limit=500)
    assert only_request(fake_glif).query == {"q": "x", "page": "1", "limit": "100"}


async def test_featured_glifs(glif_client: GlifClient, fake_glif: FakeGlif) -> None:
    glifs = await glif_client.featured_glifs()
    assert glifs[0].featured_at is not None
    assert only_request(fake_glif).query == {"featured": "1", "page": "1", "limit": "20"}


async def test_user_glifs(glif_client: GlifClient, fake_glif: FakeGlif) -> None:
    glifs = await glif_client.user_glifs("memelord", limit=10)
    assert {glif.user.username for glif in glifs if glif.user} == {"memelord"}
    assert only_request(fake_glif).query == {"username": "memelord", "page": "1", "limit": "10"}


async def test_get_run(glif_client: GlifClient, fake_glif: FakeGlif) -> None:
    run = await glif_client.get_run("q3fakerun2sticker0000000")
    assert run.inputs["mood"] == "chill"
    request = only_request(fake_glif)
    assert (request.path, request.query) == ("/api/runs", {"id": "q3fakerun2sticker0000000"})


async def test_glif_runs(glif_client: GlifClient, fake_glif: FakeGlif) -> None:
    runs = await glif_client.glif_runs(STICKER_GLIF_ID, page=1, limit=5)
    assert len(runs) == 3
    assert only_request(fake_glif).query == {"glifId": STICKER_GLIF_ID, "page": "1", "limit": "5"}


async def test_user_runs(glif_client: GlifClient, fake_glif: FakeGlif) -> None:
    runs = await glif_client.user_runs("pixelpal")
    assert [run.id for run in runs] == ["q3fakerun1sticker0000000"]
    assert only_request(fake_glif).query["username"] == "pixelpal"


async def test_get_user(glif_client: GlifClient, fake_glif: FakeGlif) -> None:
    user = await glif_client.get_user("stickerwizard")
    assert user.name == "Sticker Wizard"
    request = only_request(fake_glif)
    assert (request.path, request.query) == ("/api/user", {"username": "stickerwizard"})


async def test_unknown_user_is_not_found(glif_client: GlifClient) -> None:
    with pytest.raises(GlifNotFound):
        await glif_client.get_user("nobody-at-all")


async def test_me_sends_the_token(glif_client: GlifClient, fake_glif: FakeGlif) -> None:
    me = await glif_client.me(TOKEN)
    assert me.user.username == "glifbot-tester"
    request = only_request(fake_glif)
    assert (request.path, request.authorization) == ("/api/me", f"Bearer {TOKEN}")


async def test_me_without_a_token_sends_nothing(
    glif_client: GlifClient, fake_glif: FakeGlif
) -> None:
    with pytest.raises(GlifInvalidToken):
        await glif_client.me("")
    assert fake_glif.requests == []


async def test_list_spheres(glif_client: GlifClient, fake_glif: FakeGlif) -> None:
    spheres = await glif_client.list_spheres(page=1, limit=10)
    assert [sphere.name for sphere in spheres] == ["Memes", "Stickers"]
    request = only_request(fake_glif)
    assert (request.path, request.query) == ("/api/spheres", {"page": "1", "limit": "10"})


async def test_get_sphere_by_slug(glif_client: GlifClient, fake_glif: FakeGlif) -> None:
    sphere = await glif_client.get_sphere("memes")
    assert len(sphere.glifs) == 2
    assert only_request(fake_glif).query == {"slug": "memes"}


async def test_get_sphere_by_id(glif_client: GlifClient, fake_glif: FakeGlif) -> None:
    sphere = await glif_client.get_sphere(MEMES_SPHERE_ID)
    assert sphere.slug == "memes"
    assert only_request(fake_glif).query == {"id": MEMES_SPHERE_ID}


async def test_cuid_shaped_sphere_slug_falls_back_to_slug(
    glif_client: GlifClient, fake_glif: FakeGlif
) -> None:
    with pytest.raises(GlifNotFound):
        await glif_client.get_sphere("cmnotasphere0000000000000")
    assert [request.query for request in fake_glif.requests] == [
        {"id": "cmnotasphere0000000000000"},
        {"slug": "cmnotasphere0000000000000"},
    ]


async def test_run_glif_posts_named_inputs_strictly(
    glif_client: GlifClient, fake_glif: FakeGlif
) -> None:
    inputs = {"subject": "a corgi", "style": "Kawaii"}
    result = await glif_client.run_glif(
        STICKER_GLIF_ID, inputs, token=TOKEN, visibility=Visibility.PUBLIC
    )
    assert result.output_kind is OutputKind.IMAGE
    assert result.glif_id == STICKER_GLIF_ID
    request = only_request(fake_glif)
    assert (request.method, request.path) == ("POST", f"/simple/{STICKER_GLIF_ID}")
    assert request.query == {"strict": "1"}
    assert request.json == {"inputs": inputs, "visibility": "PUBLIC"}
    assert request.authorization == f"Bearer {TOKEN}"
    assert request.headers["Content-Type"].startswith("application/json")


async def test_run_glif_defaults_to_private_and_can_be_lenient(
    glif_client: GlifClient, fake_glif: FakeGlif
) -> None:
    await glif_client.run_glif(STICKER_GLIF_ID, {}, token=TOKEN, strict=False)
    request = only_request(fake_glif)
    assert request.query == {}
    assert request.json == {"inputs": {}, "visibility": "PRIVATE"}


@pytest.mark.parametrize(
    ("glif_id", "kind"),
    [
        ("cmfakeglif2haiku000000000", OutputKind.TEXT),
        ("cmfakeglif3voice000000000", OutputKind.AUDIO),
        ("cmfakeglif4trailer0000000", OutputKind.VIDEO),
        ("cmfakeglif5charcard000000", OutputKind.JSON),
        ("cmfakeglif6webpage0000000", OutputKind.HTML),
    ],
)
async def test_the_fake_answers_each_fixture_glif(
    glif_client: GlifClient, glif_id: str, kind: OutputKind
) -> None:
    result = await glif_client.run_glif(glif_id, {}, token=TOKEN)
    assert result.output_kind is kind


async def test_a_test_can_choose_the_run_answer(
    glif_client: GlifClient, fake_glif: FakeGlif
) -> None:
    fake_glif.set_run_response(STICKER_GLIF_ID, "simple-api-text")
    assert (await glif_client.run_glif(STICKER_GLIF_ID, {}, token=TOKEN)).output_kind is (
        OutputKind.TEXT
    )
    fake_glif.set_run_response(STICKER_GLIF_ID, {"output": "custom"})
    assert (await glif_client.run_glif(STICKER_GLIF_ID, {}, token=TOKEN)).output == "custom"


async def test_run_with_an_empty_token_sends_nothing(
    glif_client: GlifClient, fake_glif: FakeGlif
) -> None:
    with pytest.raises(GlifInvalidToken):
        await glif_client.run_glif(STICKER_GLIF_ID, {}, token="")
    assert fake_glif.requests == []


async def test_glif_ids_are_escaped_in_the_run_path(
    glif_client: GlifClient, fake_glif: FakeGlif
) -> None:
    with pytest.raises(GlifRunFailed):
        await glif_client.run_glif("../api/me", {}, token=TOKEN)
    request = only_request(fake_glif)
    assert (request.route, request.glif_id) == ("run", "../api/me")


async def test_calls_are_logged_without_tokens_or_queries(
    glif_client: GlifClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.glif")
    await glif_client.search_glifs("my secret search", token=TOKEN)
    await glif_client.run_glif(STICKER_GLIF_ID, {"subject": "x"}, token=TOKEN)
    messages = [record.getMessage() for record in caplog.records]
    assert any("GET /api/glifs -> 200" in message for message in messages)
    assert any(f"POST /simple/{STICKER_GLIF_ID} -> 200" in message for message in messages)
    assert not any(TOKEN in message or "secret" in message for message in messages)


def test_repr_holds_no_secrets() -> None:
    client = GlifClient(
        session=None,  # type: ignore[arg-type]
        api_url="https://glif.app/api",
        simple_api_url="https://simple-api.glif.app",
    )
    assert repr(client) == (
        "GlifClient(api_url='https://glif.app/api', simple_api_url='https://simple-api.glif.app')"
    )


async def test_on_call_reports_each_call(make_client: ClientFactory) -> None:
    calls: list[tuple[str, str]] = []
    client = make_client(
        on_call=lambda endpoint, _seconds, outcome: calls.append((endpoint, outcome))
    )
    await client.get_glif(STICKER_GLIF_ID)
    await client.get_glif(STICKER_GLIF_ID)
    with pytest.raises(GlifNotFound):
        await client.get_glif("cm0doesnotexist0000000000")
    await client.run_glif(STICKER_GLIF_ID, {}, token=TOKEN)
    assert calls == [
        ("glifs", "ok"),
        ("glifs", "cache_hit"),
        ("glifs", "not_found"),
        ("run", "ok"),
    ]


READS: dict[str, Callable[[GlifClient, str | None], Awaitable[object]]] = {
    "get_glif": lambda client, token: client.get_glif(STICKER_GLIF_ID, token=token),
    "search_glifs": lambda client, token: client.search_glifs("sticker", token=token),
    "featured_glifs": lambda client, token: client.featured_glifs(token=token),
    "user_glifs": lambda client, token: client.user_glifs("memelord", token=token),
    "get_run": lambda client, token: client.get_run("q3fakerun1sticker0000000", token=token),
    "glif_runs": lambda client, token: client.glif_runs(STICKER_GLIF_ID, token=token),
    "user_runs": lambda client, token: client.user_runs("pixelpal", token=token),
    "get_user": lambda client, token: client.get_user("stickerwizard", token=token),
    "list_spheres": lambda client, token: client.list_spheres(token=token),
    "get_sphere": lambda client, token: client.get_sphere("memes", token=token),
}


@pytest.mark.parametrize("method", READS)
@pytest.mark.parametrize("token", [None, TOKEN])
async def test_reads_send_a_bearer_token_only_when_given(
    glif_client: GlifClient, fake_glif: FakeGlif, method: str, token: str | None
) -> None:
    await READS[method](glif_client, token)
    request = only_request(fake_glif)
    assert request.method == "GET"
    assert request.path.startswith("/api/")
    assert request.authorization == (f"Bearer {token}" if token else None)
