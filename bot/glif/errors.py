"""Typed failures of the Glif API.

Every error's ``str()`` is one sentence fit to show a Discord member. Anything that only helps an
operator (status codes, Glif's raw wording for read failures) goes to ``detail``, which is meant for
logs. Neither ever contains a token: the client redacts the caller's token from any text that Glif
sends back before it reaches an error.
"""

from __future__ import annotations

from typing import ClassVar

_MAX_GLIF_TEXT = 300


def shorten(text: str, limit: int = _MAX_GLIF_TEXT) -> str:
    """Collapse whitespace and cut ``text`` to ``limit`` characters, marking the cut."""
    collapsed = " ".join(text.split())
    if len(collapsed) <= limit:
        return collapsed
    return collapsed[: limit - 1].rstrip() + "…"


def describe_wait(seconds: float) -> str:
    """Turn a wait in seconds into words such as ``"about 2 minutes"``."""
    if seconds < 90:
        whole = max(1, round(seconds))
        return f"{whole} second" if whole == 1 else f"{whole} seconds"
    minutes = round(seconds / 60)
    return f"about {minutes} minutes"


class GlifError(Exception):
    """Base class of every failure the Glif client reports."""

    default_message: ClassVar[str] = "Something went wrong while talking to Glif; try again later."
    outcome: ClassVar[str] = "error"

    def __init__(self, message: str | None = None, *, detail: str | None = None) -> None:
        super().__init__(message or self.default_message)
        self.detail = detail

    @property
    def user_message(self) -> str:
        return str(self)


class GlifInvalidToken(GlifError):
    """Glif refused the token (HTTP 401, or an error body that says so)."""

    default_message = "Glif did not accept the API token; set a new one and try again."
    outcome = "invalid_token"


class GlifTokenRequired(GlifInvalidToken):
    """Glif answered 401 to a request sent without a token: one is needed, none was refused."""

    default_message = "Glif needs an API token for this; set one and try again."


class GlifRateLimited(GlifError):
    """Glif asked us to slow down (HTTP 429, or an error body about rate limits)."""

    outcome = "rate_limited"

    def __init__(self, retry_after: float | None = None, *, detail: str | None = None) -> None:
        if retry_after is None:
            message = "Glif is rate limiting requests right now; try again later."
        else:
            message = (
                "Glif is rate limiting requests right now; "
                f"try again in {describe_wait(retry_after)}."
            )
        super().__init__(message, detail=detail)
        self.retry_after = retry_after


class GlifRunFailed(GlifError):
    """The run was refused or failed; Glif reports this with HTTP 200 and an ``error`` field."""

    outcome = "run_failed"

    def __init__(self, glif_text: str | None = None, *, detail: str | None = None) -> None:
        self.glif_text = shorten(glif_text) if glif_text else None
        if self.glif_text:
            ending = "" if self.glif_text.endswith((".", "!", "?", "…")) else "."
            message = f"The glif run failed: {self.glif_text}{ending}"
        else:
            message = "The glif run failed; check the inputs and try again."
        super().__init__(message, detail=detail)


class GlifNotFound(GlifError):
    """Glif knows nothing under that id, slug or username."""

    default_message = "Glif has nothing under that name or id; check it and try again."
    outcome = "not_found"


class GlifUnavailable(GlifError):
    """Glif could not be reached or gave an answer we cannot use (5xx, bad body, network)."""

    default_message = "Glif is not answering properly right now; try again in a few minutes."
    outcome = "unavailable"


class GlifTimedOut(GlifUnavailable):
    """Glif did not answer within the time we allow."""

    default_message = "Glif took too long to answer; try again later."
    outcome = "timeout"
