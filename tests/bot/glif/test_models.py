from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bot.glif.models import Glif, Me, Run, RunResult, Sphere, User
from bot.glif.outputs import OutputKind
from bot.glif.parsers import (
    parse_glif,
    parse_glifs,
    parse_me,
    parse_run_result,
    parse_runs,
    parse_sphere,
    parse_spheres,
    parse_user,
)
from tests.fakes.glif import FIXTURES_DIR, STICKER_GLIF_ID, load_fixture

GLIF_LIST_FIXTURES = ["glif-detail", "glifs-search-page", "glifs-featured", "glifs-empty"]
RUN_FIXTURES = {
    "simple-api-image": OutputKind.IMAGE,
    "simple-api-image-doc-example": OutputKind.IMAGE,
    "simple-api-text": OutputKind.TEXT,
    "simple-api-audio": OutputKind.AUDIO,
    "simple-api-video": OutputKind.VIDEO,
    "simple-api-json": OutputKind.JSON,
    "simple-api-html": OutputKind.HTML,
}


def test_every_fixture_is_covered_by_a_model_test() -> None:
    covered = {
        *GLIF_LIST_FIXTURES,
        *RUN_FIXTURES,
        "glif-create-response",
        "runs-list",
        "user",
        "me",
        "spheres-list",
        "sphere-detail",
        # Error bodies are covered by the client's error tests.
        "simple-api-error",
        "simple-api-error-strict",
        "rate-limited-429",
        "unauthorized-401",
    }
    assert {path.stem for path in FIXTURES_DIR.glob("*.json")} == covered


@pytest.mark.parametrize("name", GLIF_LIST_FIXTURES)
def test_glif_lists_parse(name: str) -> None:
    payload = load_fixture(name)
    glifs = parse_glifs(payload)
    assert [glif.id for glif in glifs] == [item["id"] for item in payload]


def test_glif_detail_carries_every_field() -> None:
    glif = parse_glif(load_fixture("glif-detail"), glif_id=STICKER_GLIF_ID)
    assert glif.name == "Sticker Maker"
    assert glif.description == "Turn anything into a cute die-cut sticker"
    assert glif.image_url is not None
    assert glif.image_url.endswith("fakecover0001.png")
    assert glif.created_at == datetime(2024, 9, 2, 14, 3, 11, 201000, tzinfo=UTC)
    assert glif.published_at == datetime(2024, 9, 2, 15, tzinfo=UTC)
    assert glif.featured_at is None
    assert glif.output_type == "IMAGE"
    assert glif.completed_run_count == 1234
    assert glif.average_duration_ms == 23456
    assert glif.like_count == 12
    assert glif.comment_count == 3
    assert glif.user is not None
    assert glif.user.username == "stickerwizard"
    assert glif.forked_from_id is None
    assert glif.nodes is not None
    assert [node["name"] for node in glif.nodes][:2] == ["subject", "style"]
    assert glif.web_url == f"https://glif.app/@stickerwizard/glifs/{STICKER_GLIF_ID}"


def test_list_items_have_no_graph() -> None:
    glifs = parse_glifs(load_fixture("glifs-search-page"))
    assert all(glif.nodes is None for glif in glifs)
    assert glifs[1].forked_from_id == STICKER_GLIF_ID


def test_created_glif_is_a_bare_object_with_legacy_counts() -> None:
    payload = load_fixture("glif-create-response")
    glif = parse_glif(payload, glif_id=payload["id"])
    assert glif.published_at is None
    assert glif.average_duration_ms is None
    assert (glif.like_count, glif.comment_count) == (0, 0)
    assert glif.nodes is not None
    assert len(glif.nodes) == 2


@pytest.mark.parametrize(
    "counts",
    [
        {"_count": {"likes": 7, "comments": 2}},
        {"likeCount": 7, "commentCount": 2},
        {"likeCount": None, "commentCount": None, "_count": {"likes": 7, "comments": 2}},
    ],
)
def test_both_count_shapes_are_normalised(counts: dict[str, object]) -> None:
    glif = Glif.model_validate({"id": "cmx", **counts})
    assert (glif.like_count, glif.comment_count) == (7, 2)


def test_missing_and_ill_typed_optional_fields_fall_back_to_defaults() -> None:
    glif = Glif.model_validate(
        {
            "id": "cmx",
            "name": None,
            "createdAt": "not a date",
            "averageDuration": "slow",
            "completedSpellRunCount": -3,
            "user": "someone",
            "spheres": [{"slug": "memes"}, "junk", {}],
            "data": {"nodes": "not a list"},
            "somethingNew": {"nested": True},
        }
    )
    assert glif.name == ""
    assert glif.created_at is None
    assert glif.average_duration_ms is None
    assert glif.completed_run_count == 0
    assert glif.user is None
    assert [sphere.slug for sphere in glif.spheres] == ["memes"]
    assert glif.nodes is None


def test_glif_without_owner_links_to_the_short_url() -> None:
    assert Glif(id="cmx").web_url == "https://glif.app/glifs/cmx"


def test_runs_list_parses_including_an_unfinished_run() -> None:
    runs = parse_runs(load_fixture("runs-list"))
    assert len(runs) == 3
    first, _, unfinished = runs
    assert first.glif_id == STICKER_GLIF_ID
    assert first.total_duration_ms == 21800
    assert first.price_credits == Decimal("2.1000875")
    assert first.inputs["style"] == "Pixel art"
    assert first.visibility == "PUBLIC"
    assert first.public is True
    assert first.output_kind is OutputKind.IMAGE
    assert first.glif is not None
    assert first.glif.name == "Sticker Maker"
    assert first.user is not None
    assert first.user.username == "pixelpal"
    assert unfinished.output is None
    assert unfinished.completed_at is None
    assert unfinished.price_credits is None
    assert unfinished.output_kind is None


def test_user_and_profile_url() -> None:
    user = parse_user(load_fixture("user"), username="stickerwizard")
    assert user.bio == "I make stickers"
    assert user.image_url is not None
    assert user.profile_url == "https://glif.app/@stickerwizard"
    assert User(name="Ada").display_name == "Ada"
    assert User().profile_url is None


def test_user_in_an_array_of_one() -> None:
    user = parse_user([load_fixture("user")], username="StickerWizard")
    assert user.id == "cmfakeuser1wiz00000000000"


def test_me() -> None:
    me = parse_me(load_fixture("me"))
    assert me.user.username == "glifbot-tester"
    assert me.credits.remaining == 187.25
    assert me.credits.limit == 250
    assert me.credits.label == "Free plan"


def test_me_without_credits_still_names_the_account() -> None:
    me = Me.model_validate({"user": {"id": "u", "username": "ada"}, "credits": "lots"})
    assert me.credits.remaining is None


def test_spheres_list() -> None:
    spheres = parse_spheres(load_fixture("spheres-list"))
    assert [sphere.slug for sphere in spheres] == ["memes", "stickers"]
    assert all(sphere.glifs == [] for sphere in spheres)
    assert spheres[0].web_url == "https://glif.app/spheres/memes"


def test_sphere_with_glifs_under_spells() -> None:
    sphere = parse_sphere(load_fixture("sphere-detail"), lookup=("slug", "memes"))
    assert sphere.name == "Memes"
    assert [glif.name for glif in sphere.glifs] == ["Sticker Pack Meme", "Galaxy Brain Expander"]


def test_sphere_with_glifs_under_glifs() -> None:
    detail = load_fixture("sphere-detail")
    detail["glifs"] = detail.pop("spells")
    sphere = parse_sphere(detail, lookup=("slug", "memes"))
    assert len(sphere.glifs) == 2


def test_sphere_as_a_bare_array_of_glifs_takes_the_requested_slug() -> None:
    glifs = load_fixture("sphere-detail")["spells"]
    sphere = parse_sphere(glifs, lookup=("slug", "memes"))
    assert sphere.slug == "memes"
    assert sphere.web_url == "https://glif.app/spheres/memes"
    assert len(sphere.glifs) == 2


def test_sphere_as_an_array_of_one_sphere() -> None:
    sphere = parse_sphere(
        [load_fixture("sphere-detail")], lookup=("id", "cmfakesphere1memes0000000")
    )
    assert sphere.slug == "memes"
    assert len(sphere.glifs) == 2


def test_sphere_identity_is_required() -> None:
    assert Sphere.model_validate({"slug": "memes"}).reference == "memes"
    assert Sphere.model_validate({"id": "cmx"}).reference == "cmx"


@pytest.mark.parametrize(("name", "kind"), RUN_FIXTURES.items())
def test_run_results_parse_with_their_kind(name: str, kind: OutputKind) -> None:
    payload = load_fixture(name)
    result = parse_run_result(payload)
    assert result.glif_id == payload["id"]
    assert result.output == payload["output"]
    assert result.output_kind is kind
    assert result.price == Decimal(payload["price"])
    assert result.inputs == payload["inputs"]
    assert result.is_nsfw_placeholder is False


def test_output_full_keeps_extra_keys_and_upper_cases_the_type() -> None:
    result = RunResult.model_validate(
        {"output": "x", "outputFull": {"type": "image", "value": "x", "width": 512}}
    )
    assert result.output_full is not None
    assert result.output_full.type == "IMAGE"
    assert result.output_full.model_extra == {"width": 512}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["https://a.test/1.png", "https://a.test/2.png"], "https://a.test/1.png"),
        ([], None),
        (None, None),
        ({"a": 1}, '{"a": 1}'),
        (42, "42"),
    ],
)
def test_output_is_normalised_to_text(raw: object, expected: str | None) -> None:
    assert RunResult.model_validate({"output": raw}).output == expected


def test_output_falls_back_to_output_full_value() -> None:
    result = RunResult.model_validate(
        {"output": None, "outputFull": {"type": "TEXT", "value": "hi"}}
    )
    assert result.output == "hi"
    assert result.output_kind is OutputKind.TEXT


def test_null_output_without_output_full_has_no_kind() -> None:
    result = parse_run_result({"id": "cmx", "output": None})
    assert result.output is None
    assert result.output_full is None
    assert result.output_kind is None


@pytest.mark.parametrize(
    ("price", "expected"),
    [
        ("2.1000875", Decimal("2.1000875")),
        (3, Decimal(3)),
        ("NaN", None),
        ("free", None),
        (None, None),
    ],
)
def test_price(price: object, expected: Decimal | None) -> None:
    assert RunResult.model_validate({"output": "x", "price": price}).price == expected


@pytest.mark.parametrize(
    ("output", "kind"),
    [
        ("https://res.cloudinary.com/x/image/upload/v1/a.webp", OutputKind.IMAGE),
        ("https://res.cloudinary.com/x/image/upload/v1/noextension", OutputKind.IMAGE),
        ("https://res.cloudinary.com/x/video/upload/v1/a.mp3", OutputKind.AUDIO),
        ("https://res.cloudinary.com/x/video/upload/v1/noextension", OutputKind.VIDEO),
        ("https://cdn.test/clip.MP4?sig=1", OutputKind.VIDEO),
        ("https://cdn.test/page.html", OutputKind.HTML),
        ("https://example.com/article", OutputKind.TEXT),
        ("data:image/png;base64,AAAA", OutputKind.IMAGE),
        ('{"name": "Sir Bark"}', OutputKind.JSON),
        ("[1, 2, 3]", OutputKind.JSON),
        ("{not json", OutputKind.TEXT),
        ("<!DOCTYPE html><html></html>", OutputKind.HTML),
        ("<div><p>hi</p></div>", OutputKind.HTML),
        ("a < b and c > d", OutputKind.TEXT),
        ("autumn rain whispers", OutputKind.TEXT),
    ],
)
def test_kind_is_sniffed_when_the_type_is_missing_or_unknown(output: str, kind: OutputKind) -> None:
    assert RunResult.model_validate({"output": output}).output_kind is kind
    unknown_type = {"output": output, "outputFull": {"type": "MARKDOWN", "value": output}}
    assert RunResult.model_validate(unknown_type).output_kind is kind


def test_declared_type_wins_over_sniffing() -> None:
    result = RunResult.model_validate({"output": '{"a": 1}', "outputFull": {"type": "TEXT"}})
    assert result.output_kind is OutputKind.TEXT


def test_nsfw_placeholder_is_recognised() -> None:
    url = (
        "https://res.cloudinary.com/dzkwltgyd/image/upload/v1690807779/"
        "nsfw_placeholders/cartoon_of_shocked_hamster_abc.jpg"
    )
    result = RunResult.model_validate(
        {"output": url, "outputFull": {"type": "IMAGE", "value": url}}
    )
    assert result.is_nsfw_placeholder is True
    text = RunResult.model_validate({"output": "I saved it in nsfw_placeholders/ for you"})
    assert text.is_nsfw_placeholder is False


def test_run_model_reads_legacy_counts_too() -> None:
    run = Run.model_validate({"id": "r1", "_count": {"likes": 4, "comments": 1}})
    assert (run.like_count, run.comment_count) == (4, 1)
