"""What a hook bound to a glif posts for an app-action: the glif's output, rendered as a run.

The delivery worker composes an event again on every attempt (after Discord failed, after a
restart). The glif therefore runs on the first attempt only: its outcome is stored on the event
before anything is sent, and later attempts render that stored outcome.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.glif.models import RunResult
from bot.glif.outputs import OutputKind
from bot.runs.media import FetchedMedia, MediaFetcher
from bot.runs.render import DEFAULT_UPLOAD_LIMIT, render_run
from bot.webhooks.announcement import build_announcement
from bot.webhooks.delivery import Post, compose_announcement
from bot.webhooks.events import EventStore, PendingDelivery
from bot.webhooks.hook_glifs import GlifOutcome, HookGlifRunner
from bot.webhooks.models import AppAction, param_as_text

_UPLOADED_KINDS = frozenset({OutputKind.AUDIO, OutputKind.VIDEO})


class GlifPoster:
    """The `Compose` of the bot: params announced, or for a glif-bound hook its glif's output."""

    def __init__(self, runner: HookGlifRunner, events: EventStore, media: MediaFetcher) -> None:
        self._runner = runner
        self._events = events
        self._media = media

    def __repr__(self) -> str:
        return f"GlifPoster({self._runner!r})"

    async def compose(self, delivery: PendingDelivery) -> Post:
        if delivery.glif_id is None:
            return await compose_announcement(delivery)
        body = AppAction.model_validate_json(delivery.body_json)
        if delivery.glif_outcome is not None:
            outcome = GlifOutcome.from_json(delivery.glif_outcome)
        else:
            inputs = {name: param_as_text(param) for name, param in body.params.items()}
            outcome = await self._runner.outcome(delivery.glif_id, delivery.created_by, inputs)
            await self._events.remember_glif_outcome(delivery.event_id, outcome.to_json())
        if outcome.result is None:
            received_at = datetime.fromtimestamp(delivery.received_at, UTC)
            return build_announcement(delivery.hook_name, body, received_at, outcome.failure)
        return render_run(
            glif_name=outcome.glif_name,
            glif_url=outcome.glif_url,
            runner_name=f"webhook {delivery.hook_name}",
            duration_seconds=outcome.duration_seconds,
            result=outcome.result,
            media=await self._media_of(outcome.result),
        )

    async def _media_of(self, result: RunResult) -> FetchedMedia | None:
        """Audio or video to upload, fetched again on each attempt rather than kept in the DB."""
        if result.output_kind not in _UPLOADED_KINDS or not result.output:
            return None
        # The smallest limit of any server: the channel's own is not known here.
        return await self._media.fetch(result.output.strip(), DEFAULT_UPLOAD_LIMIT)
