"""One run, from an acknowledged interaction to its result or its error.

The member's token is chosen (a shared run is counted), the run is stored and queued, its
message follows the queue and the elapsed time, and the result replaces it. An error withdraws
the public message and is told to the member alone. A run that outlives the interaction's 15
minutes posts its result in the channel, naming the member.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import discord

from bot.errors import UserFacingError
from bot.glif import (
    GLIF_WEB_URL,
    Glif,
    GlifError,
    GlifInvalidToken,
    GlifRateLimited,
    RunResult,
    Visibility,
)
from bot.glif.outputs import OutputKind
from bot.interaction_replies import (
    DISCORD_REQUEST_ERRORS,
    DISCORD_UNREACHABLE,
    NO_MENTIONS,
    send_notice,
)
from bot.metrics import RUNS_FINISHED
from bot.runs.media import FetchedMedia
from bot.runs.progress import ProgressPacer, progress_text
from bot.runs.queue import QueueRefused, RunCancelled, RunTicket
from bot.runs.render import RenderedRun, render_run, render_run_error
from bot.runs.store import RunRecord
from bot.runs.tracking import follow_progress
from bot.services import Services
from bot.tokens import RunToken, TokenSource
from cogs import runs_replies as replies
from cogs.discovery_cards import UNTITLED
from cogs.discovery_text import one_line
from cogs.runs_buttons import result_view

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_SECONDS = 5.0
"""Least time between two edits of a run's message, well within Discord's edit rate."""
# Close to the interaction's end the message says where the result will go, so that a run
# outliving it does not leave "Running…" behind for good.
_EXPIRY_NOTICE_SECONDS = 60.0
_AUDIBLE = frozenset({OutputKind.AUDIO, OutputKind.VIDEO})


@dataclass(frozen=True, slots=True)
class GlifTarget:
    """The glif a run is for, as its messages show it."""

    id: str
    name: str
    url: str
    average_duration_ms: float | None = None

    @classmethod
    def of(cls, glif: Glif) -> GlifTarget:
        return cls(glif.id, one_line(glif.name) or UNTITLED, glif.web_url, glif.average_duration_ms)

    @classmethod
    def stored(cls, record: RunRecord) -> GlifTarget:
        """From the run's own record, when Glif cannot tell more right now."""
        name = one_line(record.glif_name) or UNTITLED
        return cls(record.glif_id, name, f"{GLIF_WEB_URL}/glifs/{record.glif_id}")


@dataclass(frozen=True, slots=True)
class RunRequest:
    glif: GlifTarget
    inputs: Mapping[str, str]
    visibility: Visibility
    notes: tuple[str, ...] = ()

    @property
    def notice(self) -> str | None:
        return " ".join(self.notes) or None


@dataclass(frozen=True, slots=True)
class _QueuedRun:
    interaction: discord.Interaction
    request: RunRequest
    run_id: int
    run_token: RunToken
    ticket: RunTicket[RunResult]
    message: LiveMessage


class InteractionExpired(Exception):
    """The interaction's 15 minutes are over: its message can no longer be edited."""


# Discord failing (past discord.py's own retries) or not reachable at all.
_UNREACHABLE = (discord.DiscordServerError, *DISCORD_UNREACHABLE)


class LiveMessage:
    """The run's message: the interaction's response while it lives, a channel message after."""

    def __init__(self, interaction: discord.Interaction) -> None:
        self._interaction = interaction

    def progress(self, text: str) -> str:
        remaining = self._interaction.expires_at - discord.utils.utcnow()
        if remaining < datetime.timedelta(seconds=_EXPIRY_NOTICE_SECONDS):
            return f"{text}\n{replies.POSTED_LATER}"
        return text

    async def show_progress(self, text: str) -> None:
        if self._interaction.is_expired():
            raise InteractionExpired
        await self._interaction.edit_original_response(content=text, allowed_mentions=NO_MENTIONS)

    async def show_result(
        self, rendered: RenderedRun, view: discord.ui.View, glif_name: str
    ) -> discord.Message | None:
        """The posted result, or None when it could not be posted (logged)."""
        if not self._interaction.is_expired():
            try:
                return await self._interaction.edit_original_response(
                    content=rendered.content,
                    embeds=list(rendered.embeds),
                    attachments=rendered.discord_files(),
                    view=view,
                    allowed_mentions=NO_MENTIONS,
                )
            except discord.NotFound:
                log.info("A run's message was deleted before its result; posting it anew")
            except _UNREACHABLE:
                # discord.py has already retried the edit; a fresh message is the last chance.
                log.warning(
                    "Could not show a run's result in place; posting it anew", exc_info=True
                )
        return await self._post_in_channel(rendered, view, glif_name)

    async def withdraw(self) -> None:
        """Delete the public message, so that an error can be told to the member alone."""
        if self._interaction.is_expired():
            return
        with contextlib.suppress(*DISCORD_REQUEST_ERRORS):
            await self._interaction.delete_original_response()

    async def _post_in_channel(
        self, rendered: RenderedRun, view: discord.ui.View, glif_name: str
    ) -> discord.Message | None:
        channel = self._interaction.channel
        if not isinstance(channel, discord.abc.Messageable):
            log.warning("A run's result had nowhere to go: its channel is unknown")
            return None
        heading = replies.finished_for(self._interaction.user.display_name, glif_name)
        try:
            return await channel.send(
                "\n".join(filter(None, [heading, rendered.content])),
                embeds=list(rendered.embeds),
                files=rendered.discord_files(),
                view=view,
                allowed_mentions=NO_MENTIONS,
            )
        except DISCORD_REQUEST_ERRORS:
            log.warning("Could not post a run's result in its channel", exc_info=True)
            return None


class RunExecutor:
    """Carries out runs for interactions that are already acknowledged with a public deferral."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def execute(
        self, interaction: discord.Interaction, request: RunRequest, pacer: ProgressPacer
    ) -> None:
        """Errors before the run is queued (no token, queue full) are raised; later ones are
        told to the member here. ``pacer`` spaces the edits of the run's message."""
        member = interaction.user
        run_token = await self.services.tokens.token_for_run(member.id)
        async with self._refunded_on_error(run_token):
            run_id = await self.services.runs.create(
                glif_id=request.glif.id,
                glif_name=request.glif.name,
                inputs=request.inputs,
                discord_user_id=member.id,
                guild_id=interaction.guild_id,
                channel_id=interaction.channel_id,
                visibility=request.visibility,
            )
            try:
                ticket = self.services.run_queue.submit(
                    member.id, lambda: self._run_on_glif(run_id, request, run_token)
                )
            except QueueRefused as refusal:
                await self.services.runs.finish_failure(run_id, refusal.message)
                raise
        run = _QueuedRun(interaction, request, run_id, run_token, ticket, LiveMessage(interaction))
        await self._follow(run, pacer)
        outcome: RunResult | Exception
        try:
            outcome = await ticket.result()
        except Exception as error:  # noqa: BLE001 - every failure is told to the member
            outcome = error
        if interaction.client.is_closed():
            # Nobody can be told any more; the next start marks the run as interrupted.
            log.info("Run %d ended while the bot was shutting down", run_id)
        elif isinstance(outcome, Exception):
            await self._fail(run, outcome)
        else:
            await self._deliver(run, outcome)

    async def _run_on_glif(
        self, run_id: int, request: RunRequest, run_token: RunToken
    ) -> RunResult:
        await self.services.runs.mark_running(run_id)
        return await self.services.glif.run_glif(
            request.glif.id,
            request.inputs,
            token=run_token.token.get_secret_value(),
            visibility=request.visibility,
            strict=True,
        )

    async def _follow(self, run: _QueuedRun, pacer: ProgressPacer) -> None:
        glif = run.request.glif

        def describe(ticket: RunTicket[Any]) -> str:
            text = progress_text(
                glif.name,
                ticket.state,
                ticket.position(),
                ticket.elapsed(),
                glif.average_duration_ms,
            )
            return run.message.progress("\n".join([text, *run.request.notes]))

        await follow_progress(run.ticket, describe, run.message.show_progress, pacer)

    async def _deliver(self, run: _QueuedRun, result: RunResult) -> None:
        duration = run.ticket.elapsed()
        await self.services.runs.finish_success(run.run_id, result, duration)
        RUNS_FINISHED.labels("succeeded").inc()
        glif = run.request.glif
        upload_limit = run.interaction.filesize_limit
        rendered = render_run(
            glif_name=glif.name,
            glif_url=glif.url,
            runner_name=run.interaction.user.display_name,
            duration_seconds=duration,
            result=result,
            media=await self._media(result, upload_limit),
            notice=run.request.notice,
            upload_limit=upload_limit,
        )
        view = result_view(run.run_id, glif.url)
        posted = await run.message.show_result(rendered, view, glif.name)
        if posted is not None:
            await self.services.runs.set_message(run.run_id, posted.channel.id, posted.id)

    async def _media(self, result: RunResult, upload_limit: int) -> FetchedMedia | None:
        if result.is_nsfw_placeholder or result.output_kind not in _AUDIBLE or not result.output:
            return None
        return await self.services.media.fetch(result.output.strip(), upload_limit)

    async def _fail(self, run: _QueuedRun, error: Exception) -> None:
        if _never_ran(run.ticket, error):
            await self.services.tokens.refund_shared_run(run.run_token)
        text = self._failure_text(run, error)
        await self.services.runs.finish_failure(run.run_id, text, run.ticket.elapsed() or None)
        RUNS_FINISHED.labels(_outcome(error)).inc()
        glif_id = run.request.glif.id
        if isinstance(error, GlifError | RunCancelled | UserFacingError):
            log.info("Run %d of %s failed: %s", run.run_id, glif_id, type(error).__name__)
        else:
            log.error("Run %d of %s failed unexpectedly", run.run_id, glif_id, exc_info=error)
        await run.message.withdraw()
        await send_notice(run.interaction, text)

    def _failure_text(self, run: _QueuedRun, error: Exception) -> str:
        glif_name = run.request.glif.name
        if isinstance(error, GlifInvalidToken) and run.run_token.source is TokenSource.SHARED:
            return replies.shared_token_refused(glif_name)
        return render_run_error(
            glif_name, error, timeout_seconds=self.services.settings.glif_run_timeout
        )

    @contextlib.asynccontextmanager
    async def _refunded_on_error(self, run_token: RunToken) -> AsyncIterator[None]:
        """A shared run counted for a run that could not even be queued is given back."""
        try:
            yield
        except BaseException:
            await self.services.tokens.refund_shared_run(run_token)
            raise


def _never_ran(ticket: RunTicket[RunResult], error: Exception) -> bool:
    """Whether Glif surely did not run it: refused at once, or withdrawn while queued."""
    if isinstance(error, GlifInvalidToken | GlifRateLimited):
        return True
    return isinstance(error, RunCancelled) and ticket.started_at is None


def _outcome(error: Exception) -> str:
    if isinstance(error, GlifError):
        return error.outcome
    if isinstance(error, RunCancelled):
        return "cancelled"
    return "error"
