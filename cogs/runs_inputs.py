"""Which inputs of a glif a run already has, and which the member still has to fill in.

Pure: it works on the glif's input fields (`bot.glif.forms`) and what came with the command, so
that the decision between running at once and opening a form is made without any I/O.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.glif.forms import InputField, InputKind

MAX_FORM_FIELDS = 5
"""Discord's limit of components in a modal."""

UNUSED_PROMPT = "This glif takes no text, so your prompt was not used."
UNUSED_IMAGE = "This glif takes no image, so your image was not used."


@dataclass(frozen=True, slots=True)
class GivenInputs:
    """What came with the command: text for the first text input, an image URL for the first
    image input."""

    prompt: str | None = None
    image_url: str | None = None


@dataclass(frozen=True, slots=True)
class InputPlan:
    known: dict[str, str]
    """Values settled without asking: the command's prompt and image, and defaults for inputs
    beyond what the form can hold."""
    asked: tuple[InputField, ...] = ()
    """The form's fields, in graph order; empty when the run can start at once."""
    prefill: dict[str, str] = field(default_factory=dict)
    """Text to show in asked fields instead of the block's default (the command's prompt)."""
    notes: tuple[str, ...] = ()
    """Sentences for the member about inputs that were left out."""

    @property
    def needs_form(self) -> bool:
        return bool(self.asked)

    def completed(self, answers: Mapping[str, str | None]) -> dict[str, str]:
        """Every input's value once the form is answered; a blank answer takes the default."""
        inputs = dict(self.known)
        for asked in self.asked:
            answer = answers.get(asked.name)
            inputs[asked.name] = answer if answer else blank_value(asked)
        return inputs


def plan_inputs(fields: Sequence[InputField], given: GivenInputs) -> InputPlan:
    """Run at once when the command covers every input; otherwise ask for the rest in a form."""
    text_field = next((f for f in fields if f.kind is InputKind.TEXT), None)
    image_field = next((f for f in fields if f.kind is InputKind.IMAGE), None)
    known: dict[str, str] = {}
    prefill: dict[str, str] = {}
    notes: list[str] = []
    if given.prompt is not None:
        if text_field is None:
            notes.append(UNUSED_PROMPT)
        else:
            known[text_field.name] = prefill[text_field.name] = given.prompt
    if given.image_url is not None:
        if image_field is None:
            notes.append(UNUSED_IMAGE)
        else:
            known[image_field.name] = given.image_url
    if all(f.name in known for f in fields):
        return InputPlan(known=known, notes=tuple(notes))
    # A file upload cannot be prefilled, so an image given with the command stays out of the form;
    # the prompt's field stays in, prefilled, so that the member sees it next to the others.
    candidates = [f for f in fields if not (f is image_field and f.name in known)]
    asked = candidates[:MAX_FORM_FIELDS]
    asked_names = {f.name for f in asked}
    defaulted = [f for f in candidates[MAX_FORM_FIELDS:] if f.name not in known]
    if defaulted:
        rest = "1 took its default" if len(defaulted) == 1 else f"{len(defaulted)} took defaults"
        notes.append(
            f"This glif has {len(candidates)} inputs to fill in; the form asked for the first "
            f"{MAX_FORM_FIELDS}, and the remaining {rest}."
        )
    return InputPlan(
        known={name: value for name, value in known.items() if name not in asked_names}
        | {f.name: blank_value(f) for f in defaulted},
        asked=tuple(asked),
        prefill={name: text for name, text in prefill.items() if name in asked_names},
        notes=tuple(notes),
    )


def blank_value(input_field: InputField) -> str:
    """What an input left blank is sent as: its default, a random choice where the glif picks at
    random, else the first choice, else nothing."""
    if input_field.kind is InputKind.CHOICE and input_field.choices:
        if input_field.randomize:
            return secrets.choice(input_field.choices)
        return input_field.default or input_field.choices[0]
    return input_field.default or ""
