"""The form that asks for a glif's inputs, and the button that opens it when Glif was slow.

One field per asked input, each in a label carrying the block's label: text as a text field with
the default (or the command's prompt) prefilled, a multipick as a select with its default chosen,
an image as a file upload whose attachment URL is what Glif receives.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import discord
from typing_extensions import override

from bot.errors import UserFacingError
from bot.glif.forms import InputField, InputKind
from cogs.discovery_text import clip, one_line
from cogs.runs_inputs import InputPlan
from cogs.ui import ReportingModal, ReportingView, edit_after_timeout

SubmitInputs = Callable[[discord.Interaction, dict[str, str]], Awaitable[None]]
OpenForm = Callable[[discord.Interaction], Awaitable[None]]

# A form still open after the interaction's 15 minutes could not be answered anyway.
FORM_TIMEOUT_SECONDS = 15 * 60
FILL_IN_TIMEOUT_SECONDS = 10 * 60
TITLE_LIMIT = 45
LABEL_LIMIT = 45
DESCRIPTION_LIMIT = 100
TEXT_LIMIT = 4000
SELECT_OPTIONS_LIMIT = 25
OPTION_TEXT_LIMIT = 100
FILL_IN_LABEL = "Fill in inputs"

Answer = Callable[[], str | None]


class RunForm(ReportingModal):
    """Collects the asked inputs and hands the completed set to ``submit``."""

    def __init__(self, glif_name: str, plan: InputPlan, submit: SubmitInputs) -> None:
        super().__init__(
            title=clip(f"Run {one_line(glif_name)}", TITLE_LIMIT), timeout=FORM_TIMEOUT_SECONDS
        )
        self._plan = plan
        self._submit = submit
        self._answers: dict[str, Answer] = {}
        for index, asked in enumerate(plan.asked):
            label, answer = _field(asked, f"glif-input-{index}", plan.prefill.get(asked.name))
            self.add_item(label)
            self._answers[asked.name] = answer

    @override
    async def on_submit(self, interaction: discord.Interaction, /) -> None:
        answers = {name: answer() for name, answer in self._answers.items()}
        await self._submit(interaction, self._plan.completed(answers))


class FillInView(ReportingView):
    """A button standing in for a form that could not be opened in time."""

    def __init__(self, asked: discord.Interaction, open_form: OpenForm) -> None:
        super().__init__(timeout=FILL_IN_TIMEOUT_SECONDS)
        self._asked = asked
        self._open_form = open_form

    @discord.ui.button(label=FILL_IN_LABEL, style=discord.ButtonStyle.primary)
    async def fill_in(
        self, interaction: discord.Interaction, _button: discord.ui.Button[FillInView]
    ) -> None:
        await self._open_form(interaction)

    @override
    async def on_timeout(self) -> None:
        await edit_after_timeout(self._asked, view=None)


def _field(
    asked: InputField, custom_id: str, prefill: str | None
) -> tuple[discord.ui.Label[RunForm], Answer]:
    if asked.kind is InputKind.CHOICE and asked.choices:
        return _choice_field(asked, custom_id)
    if asked.kind is InputKind.IMAGE:
        return _image_field(asked, custom_id)
    return _text_field(asked, custom_id, prefill)


def _label(
    asked: InputField, component: discord.ui.Item[RunForm], description: str | None = None
) -> discord.ui.Label[RunForm]:
    return discord.ui.Label(
        text=clip(one_line(asked.label) or asked.name, LABEL_LIMIT),
        description=clip(description, DESCRIPTION_LIMIT) if description else None,
        component=component,
    )


def _text_field(
    asked: InputField, custom_id: str, prefill: str | None
) -> tuple[discord.ui.Label[RunForm], Answer]:
    shown = prefill if prefill is not None else asked.default
    text: discord.ui.TextInput[RunForm] = discord.ui.TextInput(
        custom_id=custom_id,
        style=discord.TextStyle.paragraph,
        default=shown[:TEXT_LIMIT] if shown else None,
        # Without a default there is nothing to send for a blank field.
        required=asked.default is None,
        max_length=TEXT_LIMIT,
    )
    hint = (
        None if asked.kind is InputKind.TEXT else f"Text or a link, as {asked.block_type} expects."
    )
    return _label(asked, text, hint), lambda: text.value.strip() or None


def _choice_field(asked: InputField, custom_id: str) -> tuple[discord.ui.Label[RunForm], Answer]:
    # Option values are indexes: choices can be longer than an option value may be.
    shown = asked.choices[:SELECT_OPTIONS_LIMIT]
    select: discord.ui.Select[RunForm] = discord.ui.Select(
        custom_id=custom_id,
        options=[
            discord.SelectOption(
                label=clip(one_line(choice), OPTION_TEXT_LIMIT) or "(blank)",
                value=str(index),
                default=choice == asked.default,
            )
            for index, choice in enumerate(shown)
        ],
        min_values=0,
        max_values=1,
        required=False,
    )
    hint = "Leave it empty to let the glif pick at random." if asked.randomize else None

    def answer() -> str | None:
        return shown[int(select.values[0])] if select.values else None

    return _label(asked, select, hint), answer


def _image_field(asked: InputField, custom_id: str) -> tuple[discord.ui.Label[RunForm], Answer]:
    upload: discord.ui.FileUpload[RunForm] = discord.ui.FileUpload(
        custom_id=custom_id, required=False, max_values=1
    )
    hint = "Leave it empty to use the glif's default image." if asked.default else None

    def answer() -> str | None:
        if not upload.values:
            return None
        return image_url(upload.values[0])

    return _label(asked, upload, hint), answer


def image_url(attachment: discord.Attachment) -> str:
    """The URL Glif fetches the image from; anything that says it is not an image is refused."""
    content_type = attachment.content_type
    if content_type is not None and not content_type.startswith("image/"):
        raise UserFacingError(
            f"{discord.utils.escape_markdown(attachment.filename)} is not an image; "
            "give a PNG, JPEG, GIF or WebP file."
        )
    return attachment.url
