"""Turning an HTTP answer from Glif into a JSON payload or one of the typed errors.

Glif reports most failures as HTTP 200 with an ``error`` field "for legacy reasons", and documents
neither its rate-limit answer nor its 401 body, so both the status and the body's wording are read.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any

from bot.glif.errors import (
    GlifError,
    GlifInvalidToken,
    GlifNotFound,
    GlifRateLimited,
    GlifRunFailed,
    GlifTokenRequired,
    GlifUnavailable,
    shorten,
)

_LONGEST_WAIT_SECONDS = 24 * 60 * 60
_REDACTED = "[redacted]"

_RATE_LIMIT_WORDS = re.compile(r"rate[\s_-]*limit|too many requests", re.IGNORECASE)
_BAD_TOKEN_WORDS = re.compile(
    r"\bunauthori[sz]ed\b|\b(?:invalid|expired|missing|bad)\s+(?:api\s+)?(?:token|key)\b",
    re.IGNORECASE,
)
_NOT_FOUND_WORDS = re.compile(r"\bnot\s+found\b|\bdoes\s*n[o']t\s+exist\b", re.IGNORECASE)
_WAIT_IN_TEXT = re.compile(
    r"\bin\s+(\d+(?:\.\d+)?)\s*(s|secs?|seconds?|m|mins?|minutes?)\b", re.IGNORECASE
)


class Purpose(StrEnum):
    """Reads and runs differ in how Glif's error wording is reported."""

    READ = "read"
    RUN = "run"


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    status: int
    headers: Mapping[str, str]
    body: bytes


def interpret(
    answer: HttpAnswer, purpose: Purpose, *, token: str | None, now: datetime | None = None
) -> Any:
    """The decoded JSON of a successful answer; raises a ``GlifError`` for anything else.

    ``token`` is the one sent with the request: it decides the wording of a 401 and is scrubbed
    from any text Glif echoes back.
    """
    status = answer.status
    if status == 401:
        if token is None:
            raise GlifTokenRequired(detail="HTTP 401")
        raise GlifInvalidToken(detail="HTTP 401")
    if status == 429:
        payload = _decode_or_none(answer.body)
        wording = _redact(_error_text(payload) or "", token)
        raise GlifRateLimited(
            retry_after_seconds(answer.headers, payload, wording, now=now),
            detail=f"HTTP 429 {shorten(wording)}".rstrip(),
        )
    if status >= 500:
        raise GlifUnavailable(detail=f"HTTP {status}")
    if status in {404, 410}:
        raise GlifNotFound(detail=f"HTTP {status}")
    if 200 <= status < 300:
        payload = decode_json(answer.body)
        error_text = _error_text(payload)
        if error_text is not None:
            raise _error_from_text(
                _redact(error_text, token), purpose, answer.headers, payload, now
            )
        return payload
    error_text = _error_text(_decode_or_none(answer.body))
    if status >= 400 and error_text:
        raise _error_from_text(_redact(error_text, token), purpose, answer.headers, None, now)
    if purpose is Purpose.RUN and 400 <= status < 500:
        raise GlifRunFailed(detail=f"HTTP {status}")
    raise GlifUnavailable(detail=f"HTTP {status}")


def decode_json(body: bytes) -> Any:
    if not body.strip():
        raise GlifUnavailable(detail="empty body")
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as error:
        raise GlifUnavailable(detail="body is not JSON") from error


def retry_after_seconds(
    headers: Mapping[str, str], payload: Any, text: str, *, now: datetime | None = None
) -> float | None:
    """How long Glif asked us to wait: ``Retry-After`` (seconds or HTTP date), else the body."""
    header = next((value for name, value in headers.items() if name.lower() == "retry-after"), None)
    if header is not None:
        seconds = _seconds_or_date(header, now or datetime.now(UTC))
        if seconds is not None:
            return seconds
    if isinstance(payload, dict):
        for key in ("retryAfter", "retry_after"):
            seconds = _plain_seconds(payload.get(key))
            if seconds is not None:
                return seconds
    match = _WAIT_IN_TEXT.search(text)
    if match is None:
        return None
    amount = float(match.group(1))
    return _bounded(amount * 60 if match.group(2).lower().startswith("m") else amount)


def _error_from_text(
    text: str, purpose: Purpose, headers: Mapping[str, str], payload: Any, now: datetime | None
) -> GlifError:
    detail = f"Glif said: {shorten(text)}" if text else "Glif sent an error without text"
    if _RATE_LIMIT_WORDS.search(text):
        return GlifRateLimited(retry_after_seconds(headers, payload, text, now=now), detail=detail)
    if _BAD_TOKEN_WORDS.search(text):
        return GlifInvalidToken(detail=detail)
    if purpose is Purpose.RUN:
        return GlifRunFailed(text or None, detail=detail)
    if _NOT_FOUND_WORDS.search(text):
        return GlifNotFound(detail=detail)
    return GlifUnavailable(detail=detail)


def _error_text(payload: Any) -> str | None:
    """The ``error`` of a body: its text, ``""`` if it has no readable text, ``None`` if absent."""
    if not isinstance(payload, dict):
        return None
    error = payload.get("error")
    if error is None or error is False or error == "":
        return None
    if isinstance(error, str):
        return error.strip()
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return str(error["message"]).strip()
    return ""


def _decode_or_none(body: bytes) -> Any:
    try:
        return decode_json(body)
    except GlifUnavailable:
        return None


def _redact(text: str, token: str | None) -> str:
    return text.replace(token, _REDACTED) if token else text


def _seconds_or_date(value: str, now: datetime) -> float | None:
    seconds = _plain_seconds(value)
    if seconds is not None:
        return seconds
    try:
        moment = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return _bounded(max(0.0, (moment - now).total_seconds()))


def _plain_seconds(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        seconds = float(value)
    except (ValueError, OverflowError):
        return None
    return _bounded(seconds) if seconds >= 0 else None


def _bounded(seconds: float) -> float | None:
    if not math.isfinite(seconds):
        return None
    return min(seconds, float(_LONGEST_WAIT_SECONDS))
