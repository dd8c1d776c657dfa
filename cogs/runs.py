"""Running glifs: `/glif run`, the Run button of info cards, Re-run and Delete under results, and
`/glif history`.

Discord allows 3 s for the first answer, and a form can only be that first answer. So the glif
is read first, for at most ``form_deadline`` seconds, to learn whether a form is needed; if Glif
is slower, a "Fill in inputs" button stands in for the form. Everything else that takes time
(the token, the database, the queue, the run itself) comes after the acknowledgement.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord

from bot.errors import UserFacingError
from bot.glif import Glif, Visibility, input_fields, parse_glif_reference
from bot.runs.progress import ProgressPacer
from bot.runs.store import RunRecord
from bot.services import Services
from cogs import runs_replies as replies
from cogs.glif_lookup import GlifNamed, glif_id_from, read_glif
from cogs.runs_buttons import serve_run_buttons
from cogs.runs_execution import (
    PROGRESS_INTERVAL_SECONDS,
    GlifTarget,
    RunExecutor,
    RunRequest,
)
from cogs.runs_form import FillInView, RunForm, image_url
from cogs.runs_history import NO_HISTORY, HistoryPage, HistoryView, read_history_page
from cogs.runs_inputs import GivenInputs, plan_inputs
from cogs.ui import deferred

if TYPE_CHECKING:
    from bot.discord_bot import GlifBot

FORM_DEADLINE_SECONDS = 2.0
"""How long the glif may take to read before the form gives way to a button; what is left of
Discord's 3 s covers sending the form."""


@dataclass(frozen=True, slots=True)
class RunChoice:
    """What a member asked to run, before the glif's inputs are known."""

    glif_id: str
    given: GivenInputs
    visibility: Visibility


class Runs:
    """The runs feature; ``progress_interval`` and ``form_deadline`` are in seconds."""

    def __init__(
        self,
        bot: GlifBot,
        services: Services,
        *,
        glif_named: GlifNamed | None = None,
        progress_interval: float = PROGRESS_INTERVAL_SECONDS,
        form_deadline: float = FORM_DEADLINE_SECONDS,
    ) -> None:
        self.bot = bot
        self.services = services
        self.progress_interval = progress_interval
        self.form_deadline = form_deadline
        self._glif_named = glif_named
        self._executor = RunExecutor(services)
        serve_run_buttons(bot, self)

    async def run(
        self,
        interaction: discord.Interaction,
        glif: str,
        *,
        prompt: str | None,
        image: discord.Attachment | None,
        private: bool,
    ) -> None:
        given = GivenInputs(prompt=prompt, image_url=image_url(image) if image else None)
        visibility = Visibility.PRIVATE if private else Visibility.PUBLIC
        await self._prepare(
            interaction, RunChoice(glif_id_from(glif, self._glif_named), given, visibility)
        )

    async def run_from_card(self, interaction: discord.Interaction, glif_id: str) -> None:
        glif = parse_glif_reference(glif_id)
        await self._prepare(interaction, RunChoice(glif, GivenInputs(), Visibility.PRIVATE))

    async def rerun(self, interaction: discord.Interaction, run_id: int) -> None:
        async with deferred(interaction):
            record = await self.services.runs.get(run_id)
            if record is None:
                raise UserFacingError(replies.RUN_FORGOTTEN)
            target = await self._target_of(record, interaction.user.id)
            request = RunRequest(target, record.inputs, record.visibility)
            await self._executor.execute(interaction, request, self._pacer())

    async def delete_result(self, interaction: discord.Interaction, run_id: int) -> None:
        record = await self.services.runs.get(run_id)
        is_runner = record is not None and record.discord_user_id == interaction.user.id
        if not (is_runner or interaction.permissions.manage_messages):
            raise UserFacingError(replies.NOT_YOUR_RESULT)
        # For a button, the original response is the message the button is on.
        await interaction.response.defer()
        await interaction.delete_original_response()

    async def history(self, interaction: discord.Interaction) -> None:
        member, store = interaction.user.id, self.services.runs

        async def read(number: int) -> HistoryPage:
            return await read_history_page(store, member, number)

        first = await read(0)
        if not first.runs:
            await interaction.response.send_message(NO_HISTORY, ephemeral=True)
            return
        view = HistoryView(first, read, editor=interaction)
        await interaction.response.send_message(embed=view.embed(), view=view, ephemeral=True)

    async def _prepare(
        self, interaction: discord.Interaction, choice: RunChoice, *, again: bool = False
    ) -> None:
        """Open the form, or run at once when nothing is left to ask."""
        reading = self._start_reading(interaction.user.id, choice.glif_id)
        done, _ = await asyncio.wait({reading}, timeout=self.form_deadline)
        if not done:
            await self._offer_form_later(interaction, choice, again=again)
            return
        glif = reading.result()
        target = GlifTarget.of(glif)
        plan = plan_inputs(input_fields(glif.nodes), choice.given)
        if not plan.needs_form:
            request = RunRequest(target, plan.known, choice.visibility, plan.notes)
            await self._launch(interaction, request)
            return

        async def submit(submitted: discord.Interaction, inputs: dict[str, str]) -> None:
            await self._launch(submitted, RunRequest(target, inputs, choice.visibility, plan.notes))

        await interaction.response.send_modal(RunForm(target.name, plan, submit))

    async def _offer_form_later(
        self, interaction: discord.Interaction, choice: RunChoice, *, again: bool
    ) -> None:
        if again:
            # The button that was pressed is still there to press once more.
            await interaction.response.send_message(replies.STILL_SLOW, ephemeral=True)
            return

        async def open_form(pressed: discord.Interaction) -> None:
            await self._prepare(pressed, choice, again=True)

        view = FillInView(interaction, open_form)
        await interaction.response.send_message(replies.GLIF_SLOW, view=view, ephemeral=True)

    async def _launch(self, interaction: discord.Interaction, request: RunRequest) -> None:
        async with deferred(interaction):
            await self._executor.execute(interaction, request, self._pacer())

    async def _target_of(self, record: RunRecord, member_id: int) -> GlifTarget:
        """The glif as Glif shows it now, or as the run stored it when Glif cannot tell in time."""
        reading = self._start_reading(member_id, record.glif_id)
        done, _ = await asyncio.wait({reading}, timeout=self.form_deadline)
        if done and reading.exception() is None:
            return GlifTarget.of(reading.result())
        return GlifTarget.stored(record)

    def _start_reading(self, member_id: int, glif_id: str) -> asyncio.Task[Glif]:
        """Read in a task of its own, which goes on when its caller stops waiting: the result
        then lands in the client's cache, ready for the "Fill in inputs" button."""
        reading = asyncio.create_task(self._read_glif(member_id, glif_id))
        reading.add_done_callback(_mark_retrieved)
        return reading

    async def _read_glif(self, member_id: int, glif_id: str) -> Glif:
        token = await self.services.tokens.token_for_read(member_id)
        return await read_glif(self.services.glif, glif_id, token)

    def _pacer(self) -> ProgressPacer:
        return ProgressPacer(self.progress_interval)


def _mark_retrieved(reading: asyncio.Task[Glif]) -> None:
    # A read nobody waited for to the end must not be reported as an unretrieved error.
    if not reading.cancelled():
        reading.exception()
