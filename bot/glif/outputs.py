"""What kind of thing a glif produced, from its declared type or, failing that, from the output."""

from __future__ import annotations

import json
import re
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit


class OutputKind(StrEnum):
    TEXT = "TEXT"
    IMAGE = "IMAGE"
    AUDIO = "AUDIO"
    VIDEO = "VIDEO"
    JSON = "JSON"
    HTML = "HTML"


_EXTENSION_KINDS = {
    **dict.fromkeys(
        (".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".bmp", ".svg"), OutputKind.IMAGE
    ),
    **dict.fromkeys((".mp4", ".webm", ".mov", ".m4v", ".mkv"), OutputKind.VIDEO),
    **dict.fromkeys(
        (".mp3", ".wav", ".ogg", ".oga", ".m4a", ".aac", ".flac", ".opus"), OutputKind.AUDIO
    ),
    **dict.fromkeys((".html", ".htm"), OutputKind.HTML),
    ".json": OutputKind.JSON,
}

# Cloudinary, where Glif stores outputs, names the resource type in the path. It files audio under
# "video/upload" too, which is why the file extension is consulted first.
_CLOUDINARY_PATH_KINDS = {"/image/upload/": OutputKind.IMAGE, "/video/upload/": OutputKind.VIDEO}

_DATA_URI_KINDS = {
    "data:image/": OutputKind.IMAGE,
    "data:video/": OutputKind.VIDEO,
    "data:audio/": OutputKind.AUDIO,
}

_NSFW_PLACEHOLDER_FOLDER = "nsfw_placeholders/"

_HTML_START = re.compile(r"<(?:!doctype\s+html|html)\b", re.IGNORECASE)
_ELEMENT_PAIR = re.compile(r"^<([a-z][a-z0-9]*)\b[^>]*>.*</\1\s*>$", re.IGNORECASE | re.DOTALL)


def declared_kind(output_type: str | None) -> OutputKind | None:
    """The kind Glif declared, when it is one we know how to show."""
    if not output_type:
        return None
    try:
        return OutputKind(output_type.strip().upper())
    except ValueError:
        return None


def resolve_kind(output_type: str | None, output: str | None) -> OutputKind | None:
    """Glif's declared type when known, else a guess from the output; ``None`` without output."""
    return declared_kind(output_type) or (sniff_kind(output) if output is not None else None)


def is_url(text: str) -> bool:
    stripped = text.strip()
    if any(character.isspace() for character in stripped):
        return False
    try:
        parts = urlsplit(stripped)
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def sniff_kind(output: str) -> OutputKind:
    """Guess the kind of an output that came without a usable ``outputFull.type``.

    URLs are classified by file extension, then by Cloudinary's resource folder; a URL that says
    neither is TEXT (a link shown as text is never wrong). Text is JSON when it parses as an
    object or array, and HTML when it starts with a doctype or ``<html>``, or is a single element
    from opening to closing tag.
    """
    stripped = output.strip()
    lowered = stripped.lower()
    for prefix, kind in _DATA_URI_KINDS.items():
        if lowered.startswith(prefix):
            return kind
    if is_url(stripped):
        path = urlsplit(stripped).path
        by_extension = _EXTENSION_KINDS.get(PurePosixPath(path).suffix.lower())
        if by_extension is not None:
            return by_extension
        for folder, kind in _CLOUDINARY_PATH_KINDS.items():
            if folder in path:
                return kind
        return OutputKind.TEXT
    if parse_json_text(stripped) is not None:
        return OutputKind.JSON
    if _HTML_START.match(stripped) or _ELEMENT_PAIR.match(stripped):
        return OutputKind.HTML
    return OutputKind.TEXT


def parse_json_text(text: str) -> dict[str, Any] | list[Any] | None:
    """The object or array ``text`` encodes, or ``None`` when it is not JSON of that sort."""
    stripped = text.strip()
    if not stripped.startswith(("{", "[")):
        return None
    try:
        value = json.loads(stripped)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict | list) else None


def is_nsfw_placeholder(output: str | None) -> bool:
    """Glif answers flagged runs with a stock image from a ``nsfw_placeholders/`` folder."""
    return output is not None and is_url(output) and _NSFW_PLACEHOLDER_FOLDER in output
