"""Reading what a member typed into a ``glif`` or ``sphere`` command option.

Autocomplete choices carry the bare glif id (or sphere slug) as their value, so a picked choice and
a pasted id take the same path.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urlsplit

# Glif ids are cuids: 25 lowercase alphanumerics today; the range leaves room for cuid2 variants.
_GLIF_ID = re.compile(r"[a-z0-9]{20,32}")
_SPHERE_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?")
_GLIF_HOSTS = {"glif.app", "www.glif.app"}


class InvalidReference(ValueError):
    """The text names no glif or sphere; ``str()`` says so in words fit for the member."""

    @property
    def user_message(self) -> str:
        return str(self)


class InvalidGlifReference(InvalidReference):
    pass


class InvalidSphereReference(InvalidReference):
    pass


def parse_glif_reference(text: str) -> str:
    """The glif id in a bare id or a glif.app glif link.

    Links may be ``/glifs/<id>`` or ``/@user/glifs/<id>``, with ``www.``, no scheme, a trailing
    slash, a query, a fragment or a sub-page such as ``/source`` or ``/embed``.
    """
    candidate = _unwrap(text)
    if not candidate:
        raise InvalidGlifReference("Give a glif id or a glif.app link to a glif.")
    if _GLIF_ID.fullmatch(candidate.lower()):
        return candidate.lower()
    link = _glif_app_link(candidate)
    if link is None:
        raise InvalidGlifReference(
            "That is not a glif id or a glif.app link; paste a link like https://glif.app/glifs/<id>."
        )
    segments = _path_segments(link)
    if segments and segments[0].startswith("@"):
        segments = segments[1:]
    if len(segments) >= 2 and segments[0] == "glifs" and _GLIF_ID.fullmatch(segments[1].lower()):
        return segments[1].lower()
    raise InvalidGlifReference(
        "That glif.app link does not point to a glif; open the glif and copy its address."
    )


def parse_sphere_reference(text: str) -> str:
    """The slug or id in a bare sphere slug/id or a ``https://glif.app/spheres/<slug>`` link."""
    candidate = _unwrap(text)
    if not candidate:
        raise InvalidSphereReference("Give a sphere name or a glif.app link to a sphere.")
    if _SPHERE_SLUG.fullmatch(candidate.lower()):
        return candidate.lower()
    link = _glif_app_link(candidate)
    if link is None:
        raise InvalidSphereReference(
            "That is not a sphere name or a glif.app link; try a link like https://glif.app/spheres/memes."
        )
    segments = _path_segments(link)
    if len(segments) >= 2 and segments[0] == "spheres":
        slug = segments[1].lower()
        if _SPHERE_SLUG.fullmatch(slug):
            return slug
    raise InvalidSphereReference(
        "That glif.app link does not point to a sphere; open the sphere and copy its address."
    )


def _unwrap(text: str) -> str:
    # Discord users wrap links in <...> to suppress embeds.
    return text.strip().removeprefix("<").removesuffix(">").strip()


def _glif_app_link(candidate: str) -> SplitResult | None:
    if any(character.isspace() for character in candidate):
        return None
    if "://" not in candidate:
        candidate = f"https://{candidate}"
    try:
        parts = urlsplit(candidate)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme not in {"http", "https"} or host not in _GLIF_HOSTS:
        return None
    return parts


def _path_segments(link: SplitResult) -> list[str]:
    return [segment for segment in link.path.split("/") if segment]
