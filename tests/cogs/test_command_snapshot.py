"""The commands as Discord receives them: a snapshot, and the limits only Discord enforces.

After an intended change of the commands, refresh the snapshot with
`UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/cogs/test_command_snapshot.py`.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from bot.command_sync import tree_payload
from tests.harness import Harness

SNAPSHOT = Path(__file__).with_name("command_tree.snapshot.json")
NAME = re.compile(r"^[-_\w]{1,32}$")
SUBCOMMAND_TYPES = {1, 2}


@pytest.fixture
def commands(harness: Harness) -> list[dict[str, Any]]:
    return tree_payload(harness.bot.tree, None)


def test_commands_match_the_snapshot(commands: list[dict[str, Any]]) -> None:
    rendered = json.dumps(commands, indent=2, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(rendered)
    assert rendered == SNAPSHOT.read_text(), "commands changed: see this module's docstring"


def test_spec_commands_are_all_there(commands: list[dict[str, Any]]) -> None:
    def paths(options: list[dict[str, Any]], prefix: str) -> set[str]:
        found = set()
        for option in options:
            if option["type"] in SUBCOMMAND_TYPES:
                path = f"{prefix} {option['name']}"
                nested = paths(option.get("options", []), path)
                found |= nested or {path}
        return found

    every = set().union(*(paths(c["options"], "/" + c["name"]) for c in commands))
    assert every == {
        "/glif search", "/glif featured", "/glif info", "/glif run", "/glif runs", "/glif user",
        "/glif history", "/glif token set", "/glif token status", "/glif token remove",
        "/glif forget", "/sphere list", "/sphere show", "/glifadmin webhook create",
        "/glifadmin webhook list", "/glifadmin webhook delete", "/glifadmin webhook rotate",
    }  # fmt: skip


def _walk(options: list[dict[str, Any]]) -> list[dict[str, Any]]:
    every = []
    for option in options:
        every.append(option)
        every.extend(_walk(option.get("options", [])))
    return every


def _characters(command: dict[str, Any]) -> int:
    total = len(command["name"]) + len(command["description"])
    for option in _walk(command.get("options", [])):
        total += len(option["name"]) + len(option["description"])
        total += sum(len(c["name"]) + len(str(c["value"])) for c in option.get("choices", []))
    return total


def test_discord_limits_hold(commands: list[dict[str, Any]]) -> None:
    assert len(commands) <= 100
    for command in commands:
        assert _characters(command) <= 4000, command["name"]
        for item in [command, *_walk(command.get("options", []))]:
            assert NAME.match(item["name"]), item["name"]
            assert item["name"] == item["name"].lower(), item["name"]
            assert 1 <= len(item["description"]) <= 100, item["name"]
            children = item.get("options", [])
            assert len(children) <= 25, item["name"]
            assert len({child["name"] for child in children}) == len(children), item["name"]
            required = [child.get("required", False) for child in children]
            assert required == sorted(required, reverse=True), f"{item['name']}: required first"
            assert len(item.get("choices", [])) <= 25, item["name"]


def test_admin_commands_are_guild_only_and_default_to_manage_server(
    commands: list[dict[str, Any]],
) -> None:
    admin = next(command for command in commands if command["name"] == "glifadmin")
    assert admin["contexts"] == [0]
    manage_guild = 1 << 5
    assert int(admin["default_member_permissions"]) == manage_guild
