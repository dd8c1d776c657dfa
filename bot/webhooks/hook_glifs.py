"""A hook's glif, run on the own Glif token of the member who created the hook.

An API column wants the bare output; an app-action keeps what the run came to (its output, or why
it did not run) as a `GlifOutcome`, which is stored on the event and posted from there.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.glif.client import GlifClient
from bot.glif.errors import GlifError
from bot.glif.models import RunResult
from bot.runs.render import render_run_error
from bot.tokens import TokenVault
from bot.webhooks.api_column import RunGlif

log = logging.getLogger(__name__)


class CreatorTokenMissing(GlifError):
    """The hook's creator has removed their Glif token (or it can no longer be decrypted)."""

    default_message = (
        "the member who created this webhook has no Glif API token any more; "
        "they can set one with /glif token set"
    )
    outcome = "no_token"


@dataclass(frozen=True, slots=True)
class GlifOutcome:
    """What a glif made of one app-action: `result` when it ran, else `failure`, a sentence."""

    glif_name: str
    glif_url: str | None = None
    duration_seconds: float = 0.0
    result: RunResult | None = None
    failure: str | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "glif_name": self.glif_name,
                "glif_url": self.glif_url,
                "duration_seconds": self.duration_seconds,
                "result": _result_payload(self.result) if self.result is not None else None,
                "failure": self.failure,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> GlifOutcome:
        stored = json.loads(text)
        result = stored["result"]
        return cls(
            glif_name=stored["glif_name"],
            glif_url=stored["glif_url"],
            duration_seconds=stored["duration_seconds"],
            result=RunResult.model_validate(result) if result is not None else None,
            failure=stored["failure"],
        )


def _result_payload(result: RunResult) -> dict[str, Any]:
    """The run as Glif answered it, reduced to what rendering reads back."""
    full = result.output_full
    return {
        "id": result.glif_id,
        "inputs": result.inputs,
        "output": result.output,
        "outputFull": {"type": full.type, "value": full.value} if full is not None else None,
        "price": str(result.price) if result.price is not None else None,
    }


class HookGlifRunner:
    def __init__(
        self,
        glif: GlifClient,
        tokens: TokenVault,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._glif = glif
        self._tokens = tokens
        self._clock = clock

    def __repr__(self) -> str:
        return f"HookGlifRunner({self._glif!r})"

    def output_as(self, creator_id: int) -> RunGlif:
        """The API column's runner: the glif's output, paid with the creator's token."""

        async def run_for_column(glif_id: str, inputs: dict[str, str]) -> str:
            token = await self._creator_token(creator_id)
            result = await self._glif.run_glif(glif_id, inputs, token=token)
            return result.output or ""

        return run_for_column

    async def outcome(self, glif_id: str, creator_id: int, inputs: dict[str, str]) -> GlifOutcome:
        """Run the glif for an app-action; a failure is part of the outcome, not raised."""
        glif_name = ""
        try:
            token = await self._creator_token(creator_id)
            glif = await self._glif.get_glif(glif_id, token)
            glif_name = glif.name
            started = self._clock()
            result = await self._glif.run_glif(glif_id, inputs, token=token)
        except GlifError as error:
            log.info("The glif of a webhook event did not run: %s", error.detail or error)
            return GlifOutcome(glif_name, failure=render_run_error(glif_name, error))
        return GlifOutcome(
            glif_name,
            glif_url=glif.web_url,
            duration_seconds=self._clock() - started,
            result=result,
        )

    async def _creator_token(self, creator_id: int) -> str:
        token = await self._tokens.token_for_read(creator_id)
        if token is None:
            raise CreatorTokenMissing
        return token
