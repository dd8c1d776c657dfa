"""Reading a Glif username as members type it: ``stickerwizard``, ``@stickerwizard`` or a link
to the profile (``https://glif.app/@stickerwizard``)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bot.errors import UserFacingError

_USERNAME = re.compile(r"[\w.-]{1,64}")
_GLIF_HOSTS = frozenset({"glif.app", "www.glif.app"})

NOT_A_USERNAME = "That is not a Glif username; give it as glif.app shows it, like stickerwizard."


def parse_username(text: str) -> str:
    candidate = text.strip().removeprefix("<").removesuffix(">").strip()
    # urlsplit drops tabs and newlines silently; a username never holds any white space.
    if any(character.isspace() for character in candidate):
        raise UserFacingError(NOT_A_USERNAME)
    if "/" in candidate:
        candidate = _profile_segment(candidate)
    candidate = candidate.removeprefix("@")
    if not _USERNAME.fullmatch(candidate):
        raise UserFacingError(NOT_A_USERNAME)
    return candidate


def _profile_segment(link: str) -> str:
    try:
        parts = urlsplit(link if "://" in link else f"https://{link}")
        host = parts.hostname
    except ValueError:
        raise UserFacingError(NOT_A_USERNAME) from None
    segments = [segment for segment in parts.path.split("/") if segment]
    if host not in _GLIF_HOSTS or not segments or not segments[0].startswith("@"):
        raise UserFacingError(NOT_A_USERNAME)
    return segments[0]
