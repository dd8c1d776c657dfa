"""The input form of a glif, read from its graph (``data.nodes``, glif-api.md §7.2)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class InputKind(StrEnum):
    TEXT = "TEXT"
    CHOICE = "CHOICE"
    IMAGE = "IMAGE"
    OTHER = "OTHER"


_KIND_BY_BLOCK_TYPE = {
    "TextInputBlock": InputKind.TEXT,
    "MultipickBlock": InputKind.CHOICE,
    "ImageInputBlock": InputKind.IMAGE,
}


@dataclass(frozen=True, slots=True)
class InputField:
    """One input of a glif; ``name`` is the key the simple API expects in ``inputs``."""

    name: str
    label: str
    kind: InputKind
    default: str | None = None
    choices: tuple[str, ...] = ()
    randomize: bool = False
    block_type: str = ""


def input_fields(nodes: Any) -> list[InputField]:
    """The glif's inputs in graph order, which is also the order of positional inputs.

    Accepts anything: nodes that are not readable input blocks are skipped, so a strange graph
    yields a shorter form rather than an error. A repeated name keeps its first block, because
    named inputs cannot address the second one.
    """
    if not isinstance(nodes, list | tuple):
        return []
    fields: list[InputField] = []
    seen: set[str] = set()
    for node in nodes:
        field = _input_field(node)
        if field is not None and field.name not in seen:
            seen.add(field.name)
            fields.append(field)
    return fields


def _input_field(node: Any) -> InputField | None:
    if not isinstance(node, dict):
        return None
    name, block_type = node.get("name"), node.get("type")
    if not isinstance(name, str) or not name.strip() or not isinstance(block_type, str):
        return None
    kind = _KIND_BY_BLOCK_TYPE.get(block_type)
    if kind is None:
        if not block_type.endswith("InputBlock"):
            return None
        kind = InputKind.OTHER
    params = node.get("params")
    if not isinstance(params, dict):
        params = {}
    return InputField(
        name=name,
        label=(_text(params.get("label")) or name).strip(),
        kind=kind,
        default=_text(params.get("value")),
        choices=_choices(params.get("options")) if kind is InputKind.CHOICE else (),
        randomize=params.get("randomize") is True,
        block_type=block_type,
    )


def _text(value: Any) -> str | None:
    """A usable string, or ``None`` for null, blank or non-text values (numbers become text)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        return None
    return value


def _choices(options: Any) -> tuple[str, ...]:
    if not isinstance(options, list):
        return ()
    # Duplicates are dropped because a choice list (a Discord select) needs distinct values.
    return tuple(dict.fromkeys(text for text in map(_text, options) if text is not None))
