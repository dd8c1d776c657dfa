import base64
import re

import pytest

from bot.webhooks.auth import (
    SecretRejected,
    authorization_matches,
    candidate_secrets,
    check_chosen_secret,
    generate_secret,
    hash_secret,
)

SECRET = "s3cret-value-for-tests"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_generated_secrets_are_long_url_safe_and_distinct() -> None:
    secrets = {generate_secret() for _ in range(50)}
    assert len(secrets) == 50
    for secret in secrets:
        assert re.fullmatch(r"[A-Za-z0-9_-]{43,}", secret)


@pytest.mark.parametrize(
    "header",
    [
        f"Basic {SECRET}",
        f"basic {SECRET}",
        f"Basic {b64('x:' + SECRET)}",
        f"Basic {b64(':' + SECRET)}",
        f"Bearer {SECRET}",
        f"BEARER   {SECRET}  ",
    ],
)
def test_accepted_forms(header: str) -> None:
    assert authorization_matches(header, hash_secret(SECRET))


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Basic",
        "Bearer ",
        f"Token {SECRET}",
        f"Basic {SECRET}x",
        f"Basic {b64(SECRET)}",  # RFC 7617 needs the colon
        f"Basic {b64('x:wrong')}",
        SECRET,
    ],
)
def test_refused_forms(header: str | None) -> None:
    assert not authorization_matches(header, hash_secret(SECRET))


def test_a_password_with_colons_is_kept_whole() -> None:
    secret = "with:colons:inside-it"
    assert list(candidate_secrets(f"Basic {b64('user:' + secret)}"))[-1] == secret
    assert authorization_matches(f"Basic {b64('user:' + secret)}", hash_secret(secret))
    assert authorization_matches(f"Basic {secret}", hash_secret(secret))


def test_chosen_secret_rules() -> None:
    assert check_chosen_secret("x" * 16) == "x" * 16
    all_but_backtick = "".join(chr(code) for code in range(0x21, 0x7F) if chr(code) != "`")
    assert check_chosen_secret(all_but_backtick) == all_but_backtick
    for bad in (
        "x" * 15,
        "x" * 257,
        "tab\tinside-secret",
        "ünïcödé-secret-value",
        "would```end-a-code-block",
    ):
        with pytest.raises(SecretRejected) as raised:
            check_chosen_secret(bad)
        assert bad not in str(raised.value)
