"""Driving discovery commands through the fakes as a member would, and reading what they show."""

from __future__ import annotations

from typing import Any

from tests import payloads
from tests.fakes.discord import CALLBACK_AUTOCOMPLETE
from tests.harness import Harness

ATTRIBUTION = {"name": "powered by glif.app", "url": "https://glif.app"}
STICKER_ID = "cmfakeglif1sticker0000000"
TOKEN = "glif-token-xyz-0123456789abcdef"


async def run_command(
    harness: Harness,
    command: str,
    subcommand: str,
    *options: payloads.Part,
    actor: payloads.Actor | None = None,
) -> dict[str, Any]:
    """Send a slash command and wait until the bot has finished handling it.

    Waiting for discord.py's completion event (not for the fake's record of the reply) means the
    card's view is registered before a test clicks on it.
    """
    payload = payloads.slash_command(
        harness.env,
        actor or payloads.Actor.member(),
        command,
        payloads.subcommand(subcommand, *options),
    )
    completed = harness.bot.wait_for(
        "app_command_completion",
        check=lambda interaction, _command: interaction.id == int(payload["id"]),
        timeout=5,
    )
    harness.dispatch(payload)
    await completed
    return payload


def card_of(harness: Harness, payload: dict[str, Any]) -> dict[str, Any]:
    """The message the interaction's reply became, as Discord stores it."""
    return harness.discord.original_message(payload["token"])


async def private_reply(harness: Harness, payload: dict[str, Any]) -> dict[str, Any]:
    """The ephemeral message that told the member something went wrong (after a deferral)."""
    token = payload["token"]
    followup = await harness.discord.wait_for_request("POST", rf"/webhooks/\d+/{token}")
    sent: dict[str, Any] = followup.json
    return sent


def components(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [child for row in message["components"] for child in row["components"]]


def button(message: dict[str, Any], label: str) -> dict[str, Any]:
    [found] = [c for c in components(message) if c["type"] == 2 and c.get("label") == label]
    return found


def select(message: dict[str, Any]) -> dict[str, Any]:
    [found] = [c for c in components(message) if c["type"] == 3]
    return found


def glif_requests(harness: Harness, **query: str) -> list[Any]:
    """Requests to /api/glifs whose query has these parameters."""
    return [
        request
        for request in harness.glif.requests_to("glifs")
        if all(request.query.get(key) == value for key, value in query.items())
    ]


def glif_payload(number: int, *, name: str | None = None, creator: str = "zoe") -> dict[str, Any]:
    """A list item of /api/glifs, shaped like the fixtures."""
    return {
        "id": f"cmfakeglif{number:015d}",
        "name": name or f"Glif {number:02d}",
        "description": f"Glif number {number}",
        "imageUrl": None,
        "completedSpellRunCount": 100 - number,
        "averageDuration": 1500,
        "outputType": "IMAGE",
        "user": {"id": f"cmfakeuser{number:015d}", "name": creator.title(), "username": creator},
    }


def autocomplete(harness: Harness, typed: str, subcommand: str = "info") -> dict[str, Any]:
    payload = payloads.autocomplete(
        harness.env,
        payloads.Actor.member(),
        "glif",
        payloads.subcommand(subcommand, payloads.opt_string("glif", typed, focused=True)),
    )
    return harness.dispatch(payload)


async def choices_for(harness: Harness, typed: str, subcommand: str = "info") -> list[Any]:
    payload = autocomplete(harness, typed, subcommand)
    callback = await harness.discord.wait_for_callback(int(payload["id"]))
    assert callback.json["type"] == CALLBACK_AUTOCOMPLETE
    choices: list[Any] = callback.data["choices"]
    return choices


def click(
    harness: Harness, message: dict[str, Any], label: str, actor: payloads.Actor
) -> dict[str, Any]:
    custom_id = button(message, label)["custom_id"]
    return harness.dispatch(payloads.button_click(harness.env, actor, custom_id, source=message))


def choose(
    harness: Harness, message: dict[str, Any], value: str, actor: payloads.Actor
) -> dict[str, Any]:
    custom_id = select(message)["custom_id"]
    return harness.dispatch(
        payloads.select_menu(harness.env, actor, custom_id, [value], source=message)
    )


async def edit_by(harness: Harness, payload: dict[str, Any]) -> dict[str, Any]:
    """The message as it is once the interaction's edit of its original message is answered."""
    path = rf"/webhooks/\d+/{payload['token']}/messages/@original"
    edit = await harness.discord.wait_for_request("PATCH", path)
    assert edit.status == 200, edit.response
    return harness.discord.get_message(int(edit.response["id"]))
