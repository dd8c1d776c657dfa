"""Deciding between running at once and asking in a form, from a glif's inputs alone."""

from __future__ import annotations

from bot.glif.forms import InputField, InputKind
from cogs.runs_inputs import (
    UNUSED_IMAGE,
    UNUSED_PROMPT,
    GivenInputs,
    blank_value,
    plan_inputs,
)


def text(name: str, default: str | None = None) -> InputField:
    return InputField(name=name, label=name, kind=InputKind.TEXT, default=default)


def image(name: str) -> InputField:
    return InputField(name=name, label=name, kind=InputKind.IMAGE)


def choice(
    name: str, *choices: str, default: str | None = None, randomize: bool = False
) -> InputField:
    return InputField(
        name=name,
        label=name,
        kind=InputKind.CHOICE,
        default=default,
        choices=choices,
        randomize=randomize,
    )


def test_a_glif_without_inputs_runs_at_once() -> None:
    plan = plan_inputs([], GivenInputs())

    assert not plan.needs_form
    assert plan.known == {}


def test_prompt_and_image_that_cover_every_input_run_at_once() -> None:
    plan = plan_inputs(
        [text("subject"), image("photo")], GivenInputs(prompt="a cat", image_url="https://x/y.png")
    )

    assert not plan.needs_form
    assert plan.known == {"subject": "a cat", "photo": "https://x/y.png"}


def test_a_second_text_input_needs_the_form_with_the_prompt_prefilled() -> None:
    plan = plan_inputs([text("first"), text("second", "b")], GivenInputs(prompt="typed"))

    assert [field.name for field in plan.asked] == ["first", "second"]
    assert plan.prefill == {"first": "typed"}
    assert plan.known == {}
    assert plan.completed({"first": "changed", "second": None}) == {
        "first": "changed",
        "second": "b",
    }


def test_an_image_given_stays_out_of_the_form() -> None:
    plan = plan_inputs(
        [image("photo"), choice("style", "a", "b")], GivenInputs(image_url="https://x/y.png")
    )

    assert [field.name for field in plan.asked] == ["style"]
    assert plan.completed({"style": "b"}) == {"photo": "https://x/y.png", "style": "b"}


def test_unused_prompt_and_image_are_noted() -> None:
    plan = plan_inputs([], GivenInputs(prompt="p", image_url="https://x/y.png"))

    assert plan.notes == (UNUSED_PROMPT, UNUSED_IMAGE)


def test_beyond_five_inputs_the_rest_take_their_defaults_and_the_prompt_is_kept() -> None:
    fields = [choice(f"pick{number}", "x", "y") for number in range(5)]
    fields += [text("words"), text("late", "default")]

    plan = plan_inputs(fields, GivenInputs(prompt="kept"))

    assert [field.name for field in plan.asked] == [f"pick{number}" for number in range(5)]
    assert plan.known == {"words": "kept", "late": "default"}
    assert plan.prefill == {}
    assert plan.notes == (
        "This glif has 7 inputs to fill in; the form asked for the first 5, and the remaining "
        "1 took its default.",
    )


def test_blank_values() -> None:
    assert blank_value(text("t")) == ""
    assert blank_value(text("t", "d")) == "d"
    assert blank_value(choice("c", "x", "y")) == "x"
    assert blank_value(choice("c", "x", "y", default="y")) == "y"
    assert blank_value(choice("c", "x", "y", default="y", randomize=True)) in {"x", "y"}
    assert blank_value(image("i")) == ""
