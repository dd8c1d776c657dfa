"""The form of a glif's inputs: when it opens, what it shows, and what Glif receives from it."""

from __future__ import annotations

from typing import Any

from tests import payloads
from tests.cogs.runs.support import (
    STICKER_ID,
    WAIT,
    button_id,
    choice_node,
    click,
    handled,
    result_of,
    run_command,
    runs_of,
    serve_glif,
    text_node,
)
from tests.fakes.discord import CALLBACK_MESSAGE, CALLBACK_MODAL, is_ephemeral
from tests.harness import Harness

LABEL, SELECT, TEXT_INPUT, FILE_UPLOAD = 18, 3, 4, 19
STYLES = ["Kawaii", "Pixel art", "Watercolor", "3D clay"]
MOODS = ["cheerful", "spooky", "chill"]


async def open_form(harness: Harness, payload: dict[str, Any]) -> dict[str, Any]:
    """Sends the command or click, and returns the form the bot answered with."""
    await handled(harness, payload)
    callback = await harness.discord.wait_for_callback(int(payload["id"]))
    assert callback.json["type"] == CALLBACK_MODAL
    form: dict[str, Any] = callback.data
    return form


def fields_of(form: dict[str, Any]) -> list[dict[str, Any]]:
    labels: list[dict[str, Any]] = form["components"]
    assert all(label["type"] == LABEL for label in labels)
    return labels


def submission(
    harness: Harness, form: dict[str, Any], actor: payloads.Actor, *answers: payloads.Part
) -> dict[str, Any]:
    return payloads.modal_submit(harness.env, actor, form["custom_id"], *answers)


def custom_id(label: dict[str, Any]) -> str:
    found: str = label["component"]["custom_id"]
    return found


async def test_the_sticker_form_has_a_field_per_input_and_glif_gets_named_inputs(
    harness: Harness,
) -> None:
    member = payloads.Actor.member()
    form = await open_form(harness, run_command(harness, STICKER_ID, actor=member, prompt="a cat"))

    assert form["title"] == "Run Sticker Maker"
    subject, style, reference, mood = fields_of(form)
    assert subject["label"] == "What should the sticker show?"
    assert subject["component"]["type"] == TEXT_INPUT
    assert subject["component"]["value"] == "a cat"
    assert style["label"] == "Style"
    assert style["component"]["type"] == SELECT
    assert [option["label"] for option in style["component"]["options"]] == STYLES
    assert [option.get("default", False) for option in style["component"]["options"]] == [
        True,
        False,
        False,
        False,
    ]
    assert reference["label"] == "Reference image (optional)"
    assert reference["component"]["type"] == FILE_UPLOAD
    assert mood["label"] == "mood"
    assert "random" in mood["description"]

    image = payloads.attachment("corgi.png")
    submit = submission(
        harness,
        form,
        member,
        payloads.label_text_input(custom_id(subject), "a corgi in space"),
        payloads.label_select(custom_id(style), ["1"]),
        payloads.label_file_upload(custom_id(reference), image),
        payloads.label_select(custom_id(mood), ["2"]),
    )
    await handled(harness, submit)
    result = await result_of(harness, submit)

    [sent] = harness.glif.requests_to("run")
    assert sent.path == f"/simple/{STICKER_ID}"
    assert sent.query == {"strict": "1"}
    assert sent.json == {
        "inputs": {
            "subject": "a corgi in space",
            "style": "Pixel art",
            "reference": image["url"],
            "mood": "chill",
        },
        "visibility": "PRIVATE",
    }
    assert result.json["embeds"][0]["title"] == "Sticker Maker"


async def test_blank_fields_take_the_defaults_and_a_random_pick_where_the_glif_allows(
    harness: Harness,
) -> None:
    member = payloads.Actor.member()
    form = await open_form(harness, run_command(harness, STICKER_ID, actor=member, private=False))
    subject, style, reference, mood = fields_of(form)
    assert subject["component"]["value"] == "a happy corgi astronaut"

    submit = submission(
        harness,
        form,
        member,
        payloads.label_text_input(custom_id(subject), ""),
        payloads.label_select(custom_id(style), []),
        payloads.label_file_upload(custom_id(reference)),
        payloads.label_select(custom_id(mood), []),
    )
    await handled(harness, submit)

    [sent] = harness.glif.requests_to("run")
    inputs = sent.json["inputs"]
    assert {key: inputs[key] for key in ("subject", "style", "reference")} == {
        "subject": "a happy corgi astronaut",
        "style": "Kawaii",
        "reference": "",
    }
    assert inputs["mood"] in MOODS
    assert sent.json["visibility"] == "PUBLIC"


async def test_an_image_given_with_the_command_is_used_and_left_out_of_the_form(
    harness: Harness,
) -> None:
    member = payloads.Actor.member()
    image = payloads.attachment("reference.png")
    form = await open_form(harness, run_command(harness, STICKER_ID, actor=member, image=image))

    assert [field["label"] for field in fields_of(form)] == [
        "What should the sticker show?",
        "Style",
        "mood",
    ]
    subject, style, mood = fields_of(form)
    submit = submission(
        harness,
        form,
        member,
        payloads.label_text_input(custom_id(subject), "a dog"),
        payloads.label_select(custom_id(style), ["0"]),
        payloads.label_select(custom_id(mood), ["0"]),
    )
    await handled(harness, submit)

    [sent] = harness.glif.requests_to("run")
    assert sent.json["inputs"]["reference"] == image["url"]


async def test_a_file_that_is_not_an_image_is_refused(harness: Harness) -> None:
    document = payloads.attachment("notes.pdf", content_type="application/pdf")

    payload = await handled(harness, run_command(harness, STICKER_ID, image=document))

    callback = await harness.discord.wait_for_callback(int(payload["id"]))
    assert callback.json["type"] == CALLBACK_MESSAGE
    assert is_ephemeral(callback.data)
    assert (
        callback.data["content"] == "notes.pdf is not an image; give a PNG, JPEG, GIF or WebP file."
    )


async def test_the_info_cards_run_button_opens_the_form(harness: Harness) -> None:
    member = payloads.Actor.member()
    card = payloads.message(harness.env, components=[payloads.button_row(f"glif:run:{STICKER_ID}")])

    form = await open_form(harness, click(harness, card, f"glif:run:{STICKER_ID}", member))

    assert form["title"] == "Run Sticker Maker"
    assert len(fields_of(form)) == 4


async def test_a_glif_without_inputs_runs_at_once(harness: Harness) -> None:
    serve_glif(harness.glif, nodes=[], run_response="simple-api-text")

    payload = await handled(harness, run_command(harness))

    await result_of(harness, payload)
    [sent] = harness.glif.requests_to("run")
    assert sent.json["inputs"] == {}


async def test_a_prompt_for_a_glif_without_text_is_set_aside_and_said(harness: Harness) -> None:
    serve_glif(harness.glif, nodes=[], run_response="simple-api-text")

    payload = await handled(harness, run_command(harness, prompt="ignored"))

    result = await result_of(harness, payload)
    assert result.json["content"] == "This glif takes no text, so your prompt was not used."


async def test_more_than_five_inputs_asks_for_five_and_says_the_rest_took_defaults(
    harness: Harness,
) -> None:
    nodes = [
        text_node(f"line{number}", f"Line {number}", f"default {number}") for number in range(7)
    ]
    serve_glif(harness.glif, nodes=nodes, run_response="simple-api-text")
    member = payloads.Actor.member()
    form = await open_form(harness, run_command(harness, actor=member))

    fields = fields_of(form)
    assert [field["label"] for field in fields] == [f"Line {number}" for number in range(5)]
    answers = [
        payloads.label_text_input(custom_id(field), f"typed {index}")
        for index, field in enumerate(fields)
    ]
    submit = submission(harness, form, member, *answers)
    await handled(harness, submit)
    result = await result_of(harness, submit)

    [sent] = harness.glif.requests_to("run")
    assert sent.json["inputs"] == {
        **{f"line{number}": f"typed {number}" for number in range(5)},
        "line5": "default 5",
        "line6": "default 6",
    }
    assert result.json["content"] == (
        "This glif has 7 inputs to fill in; the form asked for the first 5, and the remaining "
        "2 took defaults."
    )


async def test_a_choice_input_becomes_a_select_of_its_choices(harness: Harness) -> None:
    nodes = [choice_node("tone", ["calm", "loud"], default="loud", label="Tone")]
    serve_glif(harness.glif, nodes=nodes, run_response="simple-api-text")

    form = await open_form(harness, run_command(harness))

    [tone] = fields_of(form)
    assert tone["component"]["type"] == SELECT
    assert [(o["label"], o.get("default", False)) for o in tone["component"]["options"]] == [
        ("calm", False),
        ("loud", True),
    ]


async def test_when_glif_is_slow_a_button_opens_the_form_later(harness: Harness) -> None:
    runs_of(harness).form_deadline = 0.05
    harness.glif.inject("glifs", delay=0.5, glif_id=STICKER_ID, times=1)
    member = payloads.Actor.member()
    payload = await handled(harness, run_command(harness, STICKER_ID, actor=member))

    callback = await harness.discord.wait_for_callback(int(payload["id"]))
    assert callback.json["type"] == CALLBACK_MESSAGE
    assert is_ephemeral(callback.data)
    assert "Fill in inputs" in callback.data["content"]
    await harness.glif.wait_for(
        lambda requests: any(r.glif_id == STICKER_ID and r.status == 200 for r in requests), WAIT
    )
    message = harness.discord.original_message(payload["token"])

    form = await open_form(
        harness, click(harness, message, button_id(message, "Fill in inputs"), member)
    )

    assert form["title"] == "Run Sticker Maker"
