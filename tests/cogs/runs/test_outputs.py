"""What a finished run posts, for each kind of output Glif returns."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.runs.store import RunStatus
from tests import payloads
from tests.cogs.runs.support import (
    SHARED_TOKEN,
    TEST_GLIF_ID,
    buttons,
    glif_url,
    handled,
    result_of,
    run_command,
    serve_glif,
)
from tests.fakes.discord import (
    CALLBACK_DEFERRED_MESSAGE,
    NO_MENTIONS,
    RecordedRequest,
    is_ephemeral,
)
from tests.fakes.glif import MediaFile, load_fixture
from tests.harness import Harness

MIB = 1024 * 1024
RUNNER = payloads.Actor.member("ada", nick="Ada Lovelace")


def run_response(output: str | None, output_type: str | None, price: str = "0.5") -> dict[str, Any]:
    full = {"type": output_type, "value": output} if output_type else None
    return {"id": TEST_GLIF_ID, "inputs": {}, "output": output, "outputFull": full, "price": price}


async def run_and_wait(
    harness: Harness, response: str | dict[str, Any], **options: Any
) -> tuple[dict[str, Any], RecordedRequest]:
    """Runs the test glif with Glif answering ``response``; returns the command and its result."""
    serve_glif(harness.glif, run_response=response)
    payload = await handled(
        harness, run_command(harness, actor=RUNNER, prompt="autumn rain", **options)
    )
    return payload, await result_of(harness, payload)


def fields_of(embed: dict[str, Any]) -> dict[str, str]:
    return {field["name"]: field["value"] for field in embed["fields"]}


async def test_an_image_is_shown_inline_with_who_ran_it_what_it_cost_and_the_buttons(
    harness: Harness,
) -> None:
    payload, result = await run_and_wait(harness, "simple-api-image")

    deferral = await harness.discord.wait_for_callback(int(payload["id"]))
    assert deferral.json["type"] == CALLBACK_DEFERRED_MESSAGE
    assert not is_ephemeral(deferral.data)
    [embed] = result.json["embeds"]
    assert embed["image"]["url"] == load_fixture("simple-api-image")["output"]
    assert (embed["title"], embed["url"]) == ("Test Glif", glif_url())
    assert embed["author"] == {"name": "powered by glif.app", "url": "https://glif.app"}
    fields = fields_of(embed)
    assert fields["Run by"] == "Ada Lovelace"
    assert fields["Credits"] == "2.1 credits"
    assert fields["Duration"].endswith(" s")
    assert result.files == []
    assert result.json["allowed_mentions"] == NO_MENTIONS
    message = harness.discord.original_message(payload["token"])
    [rerun, open_link, delete] = buttons(message)
    run_id = int(rerun["custom_id"].removeprefix("glif:rerun:"))
    assert (rerun["label"], delete["custom_id"]) == ("Re-run", f"glif:delete:{run_id}")
    assert (open_link["label"], open_link["url"]) == ("Open on glif.app", glif_url())

    [sent] = harness.glif.requests_to("run")
    assert sent.path == f"/simple/{TEST_GLIF_ID}"
    assert sent.query == {"strict": "1"}
    assert sent.json == {"inputs": {"topic": "autumn rain"}, "visibility": "PRIVATE"}
    assert sent.authorization == f"Bearer {SHARED_TOKEN}"
    record = await harness.services.runs.get(run_id)
    assert record is not None
    assert (record.status, record.discord_user_id) == (RunStatus.SUCCEEDED, RUNNER.user_id)
    assert (record.channel_id, record.message_id) == (harness.env.channel_id, int(message["id"]))


async def test_a_public_run_asks_glif_for_a_public_run(harness: Harness) -> None:
    await run_and_wait(harness, "simple-api-image", private=False)

    [sent] = harness.glif.requests_to("run")
    assert sent.json["visibility"] == "PUBLIC"


async def test_short_text_is_shown_in_the_embed(harness: Harness) -> None:
    _, result = await run_and_wait(harness, "simple-api-text")

    [embed] = result.json["embeds"]
    assert embed["description"] == load_fixture("simple-api-text")["output"]
    assert fields_of(embed)["Credits"] == "0.05 credits"


async def test_long_text_comes_as_a_txt_file_with_a_preview(harness: Harness) -> None:
    long_text = "word " * 2000
    _, result = await run_and_wait(harness, run_response(long_text, "TEXT"))

    [file] = result.files
    assert file.filename == "output.txt"
    assert file.data.decode() == long_text.strip()
    [embed] = result.json["embeds"]
    assert embed["description"].startswith("word word")
    assert "output.txt" in embed["description"]


async def test_json_is_pretty_printed_in_a_code_block(harness: Harness) -> None:
    _, result = await run_and_wait(harness, "simple-api-json")

    [embed] = result.json["embeds"]
    expected = json.loads(load_fixture("simple-api-json")["output"])
    assert embed["description"] == f"```json\n{json.dumps(expected, indent=2)}\n```"


async def test_html_comes_as_an_html_file(harness: Harness) -> None:
    _, result = await run_and_wait(harness, "simple-api-html")

    [file] = result.files
    assert file.filename == "output.html"
    assert file.data.decode() == load_fixture("simple-api-html")["output"]


@pytest.mark.parametrize(
    ("output_type", "filename", "content_type"),
    [("AUDIO", "voice.mp3", "audio/mpeg"), ("VIDEO", "trailer.mp4", "video/mp4")],
)
async def test_audio_and_video_that_fit_are_uploaded_as_files(
    harness: Harness, output_type: str, filename: str, content_type: str
) -> None:
    harness.glif.media[filename] = MediaFile(256 * 1024, content_type)
    url = harness.glif.media_url(filename)

    _, result = await run_and_wait(harness, run_response(url, output_type))

    [file] = result.files
    assert file.filename == filename
    assert len(file.data) == 256 * 1024
    [embed] = result.json["embeds"]
    assert "image" not in embed
    assert harness.discord.get_message(int(result.response["id"]))["attachments"]


async def test_media_over_the_upload_limit_becomes_a_link_without_being_read_whole(
    harness: Harness,
) -> None:
    # The size is not declared, so the download has to stop by itself at the limit.
    harness.glif.media["long.mp4"] = MediaFile(64 * MIB, "video/mp4", declare_length=False)
    url = harness.glif.media_url("long.mp4")

    _, result = await run_and_wait(harness, run_response(url, "VIDEO"))

    assert result.files == []
    [embed] = result.json["embeds"]
    assert embed["description"] == f"Video: {url}"
    limit = payloads.ATTACHMENT_SIZE_LIMIT
    # The server wrote the limit plus what socket buffers took in, far from the whole 64 MiB.
    assert limit < harness.glif.media_bytes_sent["long.mp4"] < limit + 16 * MIB


async def test_a_declared_size_over_the_limit_is_not_downloaded_at_all(harness: Harness) -> None:
    harness.glif.media["huge.mp4"] = MediaFile(64 * MIB, "video/mp4")
    url = harness.glif.media_url("huge.mp4")

    _, result = await run_and_wait(harness, run_response(url, "VIDEO"))

    assert result.files == []
    assert result.json["embeds"][0]["description"] == f"Video: {url}"
    assert harness.glif.media_bytes_sent["huge.mp4"] < 8 * MIB


async def test_glifs_nsfw_placeholder_is_reported_as_flagged(harness: Harness) -> None:
    placeholder = (
        "https://res.cloudinary.com/dzkwltgyd/image/upload/v1690807779/nsfw_placeholders/"
        "cartoon_of_shocked_hamster.jpg"
    )
    _, result = await run_and_wait(harness, run_response(placeholder, "IMAGE"))

    [embed] = result.json["embeds"]
    assert "image" not in embed
    assert "flagged" in embed["description"]


async def test_an_empty_output_is_said(harness: Harness) -> None:
    _, result = await run_and_wait(harness, run_response("", "TEXT"))

    [embed] = result.json["embeds"]
    assert embed["description"] == "The glif finished but returned no output."


async def test_mentions_in_an_output_ping_nobody(harness: Harness) -> None:
    role = payloads.role("mods")
    output = f"@everyone @here <@&{role['id']}> <@{RUNNER.user_id}> look at this"

    payload, result = await run_and_wait(harness, run_response(output, "TEXT"))

    assert output in result.json["embeds"][0]["description"]
    own_webhook = f"/webhooks/{harness.env.application_id}/{payload['token']}"
    sent = [
        request
        for request in harness.discord.requests
        if request.path.startswith(own_webhook) and request.method in {"PATCH", "POST"}
    ]
    assert sent
    assert all(request.json["allowed_mentions"] == NO_MENTIONS for request in sent)
