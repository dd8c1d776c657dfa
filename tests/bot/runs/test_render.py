import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import discord
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import UserFacingError
from bot.glif.errors import (
    GlifError,
    GlifInvalidToken,
    GlifNotFound,
    GlifRateLimited,
    GlifRunFailed,
    GlifTimedOut,
    GlifUnavailable,
)
from bot.glif.models import RunResult
from bot.runs.media import FetchedMedia
from bot.runs.queue import RunCancelled
from bot.runs.render import (
    RenderedRun,
    RunFlag,
    fence,
    format_credits,
    render_run,
    render_run_error,
)

FIXTURES = Path(__file__).parents[2] / "fixtures" / "glif"
GLIF_URL = "https://glif.app/@stickerwizard/glifs/cmfakeglif1sticker0000000"


def fixture_result(name: str) -> RunResult:
    return RunResult.model_validate(json.loads((FIXTURES / name).read_text("utf-8")))


def result_of(output: Any, output_type: str | None = None, price: str | None = "0.5") -> RunResult:
    full = {"type": output_type, "value": output} if output_type else None
    return RunResult.model_validate({"output": output, "outputFull": full, "price": price})


def render(result: RunResult, **overrides: Any) -> RenderedRun:
    arguments: dict[str, Any] = {
        "glif_name": "Sticker Maker",
        "glif_url": GLIF_URL,
        "runner_name": "Ada",
        "duration_seconds": 12.3,
        "result": result,
    }
    arguments.update(overrides)
    return render_run(**arguments)


def only_embed(rendered: RenderedRun) -> discord.Embed:
    assert len(rendered.embeds) == 1
    return rendered.embeds[0]


def fields_of(embed: discord.Embed) -> dict[str, str]:
    return {str(field.name): str(field.value) for field in embed.fields}


def assert_within_discord_limits(rendered: RenderedRun) -> None:
    assert rendered.content is None or 0 < len(rendered.content) <= 2000
    assert len(rendered.embeds) <= 10
    assert len(rendered.files) <= 10
    assert sum(len(embed) for embed in rendered.embeds) <= 6000
    for embed in rendered.embeds:
        assert len(embed.title or "") <= 256
        assert len(embed.description or "") <= 4096
        assert len(embed.fields) <= 25
        for embed_field in embed.fields:
            assert 0 < len(str(embed_field.name)) <= 256
            assert 0 < len(str(embed_field.value)) <= 1024
        assert len(embed.footer.text or "") <= 2048
        assert len(embed.author.name or "") <= 256
        for url in (embed.url, embed.image.url, embed.author.url):
            assert url is None or len(url) <= 2048
    for rendered_file in rendered.files:
        assert 0 < len(rendered_file.filename) <= 100


def test_every_result_names_the_glif_the_member_the_time_and_the_price() -> None:
    embed = only_embed(render(fixture_result("simple-api-image.json")))

    assert embed.title == "Sticker Maker"
    assert embed.url == GLIF_URL
    assert embed.author.name == "powered by glif.app"
    assert embed.author.url == "https://glif.app"
    assert fields_of(embed) == {"Run by": "Ada", "Duration": "12 s", "Credits": "2.1 credits"}


def test_a_result_without_a_price_has_no_credits_field() -> None:
    embed = only_embed(render(result_of("hello", "TEXT", price=None)))
    assert "Credits" not in fields_of(embed)


def test_an_image_is_shown_from_its_url_without_upload() -> None:
    result = fixture_result("simple-api-image.json")
    rendered = render(result)
    embed = only_embed(rendered)

    assert embed.image.url == result.output
    assert rendered.files == ()
    assert rendered.flags == frozenset()


def test_the_nsfw_placeholder_is_reported_not_shown() -> None:
    placeholder = (
        "https://res.cloudinary.com/dzkwltgyd/image/upload/v1690807779/"
        "nsfw_placeholders/cartoon_of_shocked_hamster_abc.jpg"
    )
    rendered = render(result_of(placeholder, "IMAGE"))
    embed = only_embed(rendered)

    assert embed.image.url is None
    assert placeholder not in (embed.description or "")
    assert "flagged" in (embed.description or "")
    assert rendered.flags == {RunFlag.NSFW_FLAGGED}


@pytest.mark.parametrize("output", [None, "", "   \n"])
def test_an_empty_output_is_said_plainly(output: str | None) -> None:
    rendered = render(result_of(output, "TEXT"))
    assert only_embed(rendered).description == "The glif finished but returned no output."
    assert rendered.flags == {RunFlag.NO_OUTPUT}


def test_short_text_is_shown_inline() -> None:
    result = fixture_result("simple-api-text.json")
    rendered = render(result)
    assert only_embed(rendered).description == result.output
    assert rendered.files == ()


def test_long_text_is_attached_with_a_preview() -> None:
    text = "\n".join(f"line {number} of a long story" for number in range(600))
    rendered = render(result_of(text, "TEXT"))
    description = only_embed(rendered).description or ""

    assert [file.filename for file in rendered.files] == ["output.txt"]
    assert rendered.files[0].data == text.encode()
    assert description.startswith("line 0 of a long story")
    assert description.endswith("*The full text is attached as output.txt.*")
    assert rendered.flags == {RunFlag.ATTACHED}
    assert_within_discord_limits(rendered)


def test_a_preview_closes_a_code_block_it_cut_open() -> None:
    text = "Here is code:\n```python\n" + "print('hi')\n" * 1000 + "```"
    description = only_embed(render(result_of(text, "TEXT"))).description or ""
    assert description.count("```") == 2


def test_text_that_is_json_is_shown_as_json() -> None:
    rendered = render(result_of('{"name":"Sir Bark","hp":42}', "TEXT"))
    assert only_embed(rendered).description == fence(
        '{\n  "name": "Sir Bark",\n  "hp": 42\n}', "json"
    )


def test_json_is_pretty_printed_in_a_code_block() -> None:
    result = fixture_result("simple-api-json.json")
    description = only_embed(render(result)).description or ""
    assert description.startswith("```json\n{\n  ")
    assert description.endswith("\n```")
    assert json.loads(description.removeprefix("```json\n").removesuffix("\n```")) == json.loads(
        result.output or ""
    )


def test_json_scalars_declared_as_json_are_shown_too() -> None:
    assert only_embed(render(result_of("42", "JSON"))).description == "```json\n42\n```"


def test_invalid_json_declared_as_json_is_shown_as_text() -> None:
    assert only_embed(render(result_of("{not json", "JSON"))).description == "{not json"


def test_long_json_is_attached() -> None:
    value = {f"key{number}": "value " * 10 for number in range(200)}
    rendered = render(result_of(json.dumps(value), "JSON"))

    assert [file.filename for file in rendered.files] == ["output.json"]
    assert json.loads(rendered.files[0].data) == value
    assert "output.json" in (only_embed(rendered).description or "")
    assert_within_discord_limits(rendered)


def test_backticks_inside_json_cannot_break_its_code_block() -> None:
    sneaky = {"text": "```\n@everyone ``````` `` `"}
    description = only_embed(render(result_of(json.dumps(sneaky), "JSON"))).description or ""
    assert description.count("```") == 2
    assert description.startswith("```json\n")
    assert description.endswith("\n```")


def test_html_is_attached_as_a_page() -> None:
    result = fixture_result("simple-api-html.json")
    rendered = render(result)
    assert [file.filename for file in rendered.files] == ["output.html"]
    assert rendered.files[0].data == (result.output or "").encode()
    assert "output.html" in (only_embed(rendered).description or "")


def test_html_given_as_a_url_is_linked() -> None:
    rendered = render(result_of("https://example.com/page.html", "HTML"))
    assert only_embed(rendered).description == "Web page: https://example.com/page.html"
    assert rendered.files == ()


@pytest.mark.parametrize(
    ("fixture", "label", "filename"),
    [
        ("simple-api-audio.json", "Audio", "fakeaudio0003.mp3"),
        ("simple-api-video.json", "Video", "fakevideo0004b.mp4"),
    ],
)
def test_media_is_uploaded_when_fetched_and_linked_otherwise(
    fixture: str, label: str, filename: str
) -> None:
    result = fixture_result(fixture)
    media = FetchedMedia(b"\x00media", filename, "application/octet-stream")

    uploaded = render(result, media=media)
    assert [(file.filename, file.data) for file in uploaded.files] == [(filename, b"\x00media")]
    assert uploaded.flags == {RunFlag.ATTACHED}
    assert only_embed(uploaded).description is None

    linked = render(result)
    assert linked.files == ()
    assert only_embed(linked).description == f"{label}: {result.output}"
    assert linked.flags == {RunFlag.MEDIA_LINKED}


def test_media_over_the_upload_limit_is_linked() -> None:
    result = fixture_result("simple-api-video.json")
    media = FetchedMedia(b"x" * 100, "clip.mp4", "video/mp4")
    rendered = render(result, media=media, upload_limit=99)
    assert rendered.files == ()
    assert rendered.flags == {RunFlag.MEDIA_LINKED}


def test_an_attachment_is_cut_to_the_upload_limit() -> None:
    rendered = render(result_of("é" * 6000, "TEXT"), upload_limit=5001)
    assert len(rendered.files[0].data) == 5000
    assert rendered.flags == {RunFlag.ATTACHED, RunFlag.TRUNCATED}


def test_output_types_are_sniffed_when_undeclared() -> None:
    image = render(result_of("https://res.cloudinary.com/x/image/upload/v1/a.png"))
    assert only_embed(image).image.url == "https://res.cloudinary.com/x/image/upload/v1/a.png"
    html = render(result_of("<!DOCTYPE html><html><body>hi</body></html>"))
    assert [file.filename for file in html.files] == ["output.html"]


def test_mentions_in_outputs_stay_text() -> None:
    text = "@everyone @here <@&123> <@456> look!"
    rendered = render(result_of(text, "TEXT"), runner_name="@everyone")
    embed = only_embed(rendered)

    assert embed.description == text
    assert rendered.content is None
    assert not hasattr(rendered, "allowed_mentions")


def test_names_show_as_typed() -> None:
    embed = only_embed(render(result_of("x", "TEXT"), glif_name="**big**", runner_name="_ada_"))
    assert embed.title == "\\*\\*big\\*\\*"
    assert fields_of(embed)["Run by"] == "\\_ada\\_"


def test_a_notice_becomes_the_message_text() -> None:
    rendered = render(result_of("x", "TEXT"), notice="Ada, your run finished.")
    assert rendered.content == "Ada, your run finished."


def test_files_are_built_fresh_for_each_send() -> None:
    rendered = render(fixture_result("simple-api-html.json"))
    first, second = rendered.discord_files(), rendered.discord_files()
    assert first[0].filename == "output.html"
    assert first[0].fp is not second[0].fp
    assert first[0].fp.read() == rendered.files[0].data


@pytest.mark.parametrize(
    ("price", "text"),
    [
        ("2.1000875", "2.1 credits"),
        ("0.05", "0.05 credits"),
        ("0.001", "0.001 credits"),
        ("1", "1 credit"),
        ("0", "0 credits"),
        ("100", "100 credits"),
        ("1E+100000", "1e+100000 credits"),
        ("1E-100000", "1e-100000 credits"),
    ],
)
def test_credits_are_rounded_for_reading(price: str, text: str) -> None:
    assert format_credits(Decimal(price)) == text


def test_bad_links_are_left_out() -> None:
    embed = only_embed(render(result_of("data:image/png;base64,AAAA", "IMAGE"), glif_url="nope"))
    assert embed.url is None
    assert embed.image.url is None
    assert embed.description == "The glif returned an image that Discord cannot show."


OUTPUT_TYPES = st.sampled_from([None, "TEXT", "JSON", "HTML", "IMAGE", "AUDIO", "VIDEO", "ODD"])
NASTY_TEXT = st.text(
    alphabet=st.sampled_from(["`", "`", "`", "\n", " ", "*", "_", "@", "a", "é", "😀", "{", "}"])
    | st.characters(),
    max_size=9000,
)


@settings(max_examples=150, deadline=None)
@given(
    case=st.fixed_dictionaries(
        {
            "glif_name": st.text(max_size=1500),
            "runner_name": st.text(max_size=1500),
            "duration_seconds": st.floats(allow_nan=True, allow_infinity=True),
            "notice": st.none() | st.text(max_size=3000),
            "media": st.none()
            | st.binary(max_size=64).map(lambda data: FetchedMedia(data, "a.mp4", "v")),
        }
    ),
    output=NASTY_TEXT | st.none(),
    output_type=OUTPUT_TYPES,
    price=st.none() | st.decimals(allow_nan=False, allow_infinity=False).map(str),
)
def test_every_rendering_fits_discord_limits(
    case: dict[str, Any], output: str | None, output_type: str | None, price: str | None
) -> None:
    assert_within_discord_limits(render(result_of(output, output_type, price), **case))


@settings(max_examples=100, deadline=None)
@given(value=st.recursive(st.none() | st.integers() | st.text(), st.lists))
def test_json_code_blocks_always_hold(value: Any) -> None:
    description = only_embed(render(result_of(json.dumps([value]), "JSON"))).description or ""
    if description.startswith("```json"):
        assert description.count("```") == 2
        assert description.endswith("\n```")


NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            GlifInvalidToken(),
            "Sticker Maker did not run: Glif refused the API token; "
            "set a new one with `/glif token set`.",
        ),
        (
            GlifRateLimited(retry_after=90),
            "Sticker Maker did not run: Glif is rate limiting runs; "
            f"try again <t:{int(NOW) + 90}:R>.",
        ),
        (
            GlifRateLimited(),
            "Sticker Maker did not run: Glif is rate limiting runs; try again later.",
        ),
        (
            GlifRunFailed("Missing required input(s): subject"),
            "Sticker Maker failed; Glif said: Missing required input(s): subject",
        ),
        (GlifRunFailed(), "Sticker Maker failed; check the inputs and try again."),
        (
            GlifTimedOut(),
            "Sticker Maker took longer than 10 min, so the run was stopped; try again later.",
        ),
        (
            TimeoutError(),
            "Sticker Maker took longer than 10 min, so the run was stopped; try again later.",
        ),
        (
            GlifUnavailable(),
            "Sticker Maker did not run: Glif could not be reached; try again in a few minutes.",
        ),
        (
            GlifNotFound(),
            "Glif could not find Sticker Maker; it may have been deleted or made private.",
        ),
        (RunCancelled(), "Sticker Maker was cancelled before it finished."),
        (UserFacingError("Set a Glif token first."), "Set a Glif token first."),
        (
            GlifError("Glif sent nonsense."),
            "Sticker Maker did not run: Glif sent nonsense.",
        ),
        (
            KeyError("boom"),
            "Sticker Maker did not run because of an unexpected error; try again later.",
        ),
    ],
)
def test_run_errors_say_what_happened_and_what_to_do(error: Exception, expected: str) -> None:
    assert render_run_error("Sticker Maker", error, timeout_seconds=600, now=NOW) == expected


def test_run_errors_keep_glif_text_and_names_short_and_plain() -> None:
    message = render_run_error("*" * 500, GlifRunFailed("`rm -rf` **now** " * 100))
    assert len(message) < 1000
    assert "**" not in message.replace("\\*", "")
    assert render_run_error("", GlifUnavailable()).startswith("The glif did not run")
