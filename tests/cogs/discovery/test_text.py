"""Glif's text made safe and short for Discord markdown."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cogs.discovery_text import duration, escape, plain, web_link


@given(st.text(), st.integers(min_value=1, max_value=300))
def test_plain_text_never_exceeds_its_limit(text: str, limit: int) -> None:
    assert len(plain(text, limit)) <= limit


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("[free nitro](https://evil.example)", r"\[free nitro\](https://evil.example)"),
        (
            "**bold** _it_ `code` ~~x~~ ||spoiler||",
            r"\*\*bold\*\* \_it\_ \`code\` \~\~x\~\~ \|\|spoiler\|\|",
        ),
        ("<@123> <t:0:R>", r"\<@123> \<t:0:R>"),
        ("# title\n> quote\n- item\n12. item", "\\# title\n\\> quote\n\\- item\n12\\. item"),
        ("die-cut #1 > 2", "die-cut #1 > 2"),
    ],
)
def test_escape_neutralises_markdown(text: str, shown: str) -> None:
    assert escape(text) == shown


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://glif.app/glifs/x", "https://glif.app/glifs/x"),
        ("https://x.example/a_(b)", "https://x.example/a_%28b%29"),
        ("javascript:alert(1)", None),
        ("https://x.example/a b", None),
        ("https://x.example/" + "a" * 400, None),
        (None, None),
    ],
)
def test_web_links_are_http_and_safe_inside_markdown(url: str | None, safe: str | None) -> None:
    assert web_link(url) == safe


@pytest.mark.parametrize(
    ("milliseconds", "shown"),
    [
        (None, None),
        (-1, None),
        (950, "0.9 s"),
        (23456, "23.5 s"),
        (95320, "1 min 35 s"),
        (7_380_000, "2 h 3 min"),
    ],
)
def test_durations_read_naturally(milliseconds: float | None, shown: str | None) -> None:
    assert duration(milliseconds) == shown
