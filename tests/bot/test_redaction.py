import io
import logging

import pytest

from bot.logging_setup import RedactingFormatter
from bot.redaction import REDACTED, Redactor


def test_known_secrets_are_replaced_longest_first() -> None:
    redactor = Redactor(["abcdef", "abcdef-longer"])
    assert redactor.redact("x abcdef-longer y abcdef") == f"x {REDACTED} y {REDACTED}"


def test_short_values_are_not_treated_as_secrets() -> None:
    redactor = Redactor(["abc"])
    assert redactor.redact("abc") == "abc"


def test_secrets_added_later_are_redacted() -> None:
    redactor = Redactor()
    assert redactor.redact("member-token-1") == "member-token-1"
    redactor.add("member-token-1")
    assert redactor.redact("member-token-1") == REDACTED


@pytest.mark.parametrize(
    "path",
    ["/webhooks/123456/aW50ZXJhY3Rpb246MTIz", "/interactions/98765/aW50ZXJhY3Rpb24/callback"],
)
def test_tokens_in_discord_paths_are_redacted(path: str) -> None:
    redacted = Redactor().redact(f"POST https://discord.com/api/v10{path} failed")
    assert "aW50ZXJhY3Rpb24" not in redacted
    assert REDACTED in redacted


def test_structures_lose_values_of_sensitive_keys() -> None:
    payload = {
        "t": "INTERACTION_CREATE",
        "d": {
            "token": "interaction-token",
            "data": {
                "options": [{"name": "secret", "value": "hook-secret"}],
                "components": [{"components": [{"custom_id": "token", "value": "glif-token"}]}],
            },
        },
    }
    text = str(Redactor().redact_structure(payload))
    for secret in ("interaction-token", "hook-secret", "glif-token"):
        assert secret not in text
    assert "INTERACTION_CREATE" in text


def _fail_with(secret: str) -> None:
    raise RuntimeError(f"failed with {secret}")


def test_formatter_redacts_arguments_and_tracebacks() -> None:
    redactor = Redactor(["the-discord-token"])
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter(redactor))
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("payload %s", {"d": {"token": "interaction-secret"}})
        try:
            _fail_with("the-discord-token")
        except RuntimeError:
            logger.exception("boom")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert "interaction-secret" not in output
    assert "the-discord-token" not in output
    assert f"'token': '{REDACTED}'" in output
    assert f"RuntimeError: failed with {REDACTED}" in output
