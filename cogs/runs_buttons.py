"""Buttons that keep working after a restart: Run on an info card, Re-run and Delete on results.

Each is a `DynamicItem`: discord.py rebuilds it from the clicked custom_id, which carries all the
state there is (a glif id, or a run id whose details are in the database). The items reach the
runs feature of the bot that received the click through `serve_run_buttons`.
"""

from __future__ import annotations

import re
import weakref
from typing import Any, Protocol, Self

import discord
from typing_extensions import override

from cogs.discovery_cards import RUN_BUTTON_PREFIX
from cogs.ui import reporting_errors

RERUN_PREFIX = "glif:rerun:"
DELETE_PREFIX = "glif:delete:"
OPEN_LABEL = "Open on glif.app"
_RUN_ID = r"(?P<run_id>[1-9][0-9]{0,17})"
"""Run ids are SQLite row ids; 18 digits stay below its largest integer."""

Button = discord.ui.Button[Any]


class RunActions(Protocol):
    async def run_from_card(self, interaction: discord.Interaction, glif_id: str) -> None: ...

    async def rerun(self, interaction: discord.Interaction, run_id: int) -> None: ...

    async def delete_result(self, interaction: discord.Interaction, run_id: int) -> None: ...


_served: weakref.WeakKeyDictionary[discord.Client, RunActions] = weakref.WeakKeyDictionary()


def serve_run_buttons(client: discord.Client, actions: RunActions) -> None:
    """Let clicks on these buttons that ``client`` receives reach ``actions``."""
    _served[client] = actions


def _actions(interaction: discord.Interaction) -> RunActions:
    return _served[interaction.client]


class RunButton(
    discord.ui.DynamicItem[Button], template=re.escape(RUN_BUTTON_PREFIX) + r"(?P<glif_id>.+)"
):
    """The Run button of a glif's info card (the card itself is built by discovery)."""

    def __init__(self, glif_id: str) -> None:
        super().__init__(
            discord.ui.Button(
                label="Run",
                style=discord.ButtonStyle.primary,
                custom_id=f"{RUN_BUTTON_PREFIX}{glif_id}",
            )
        )
        self.glif_id = glif_id

    @classmethod
    @override
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(match["glif_id"])

    @override
    async def callback(self, interaction: discord.Interaction) -> None:
        await reporting_errors(
            interaction, _actions(interaction).run_from_card(interaction, self.glif_id)
        )


class RerunButton(discord.ui.DynamicItem[Button], template=re.escape(RERUN_PREFIX) + _RUN_ID):
    """Runs a stored run again with the same inputs, for whoever clicks."""

    def __init__(self, run_id: int, label: str = "Re-run") -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"{RERUN_PREFIX}{run_id}",
            )
        )
        self.run_id = run_id

    @classmethod
    @override
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(int(match["run_id"]))

    @override
    async def callback(self, interaction: discord.Interaction) -> None:
        await reporting_errors(interaction, _actions(interaction).rerun(interaction, self.run_id))


class DeleteButton(discord.ui.DynamicItem[Button], template=re.escape(DELETE_PREFIX) + _RUN_ID):
    """Deletes a result message, for the member who ran it or anyone who may manage messages."""

    def __init__(self, run_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Delete",
                style=discord.ButtonStyle.danger,
                custom_id=f"{DELETE_PREFIX}{run_id}",
            )
        )
        self.run_id = run_id

    @classmethod
    @override
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(int(match["run_id"]))

    @override
    async def callback(self, interaction: discord.Interaction) -> None:
        await reporting_errors(
            interaction, _actions(interaction).delete_result(interaction, self.run_id)
        )


RUN_BUTTONS: tuple[type[discord.ui.DynamicItem[Button]], ...] = (
    RunButton,
    RerunButton,
    DeleteButton,
)
"""What the bot registers with `add_dynamic_items`, once, at start-up."""


def result_view(run_id: int, glif_url: str | None) -> discord.ui.View:
    """The buttons under a result: Re-run, Open on glif.app (a link) and Delete."""
    view = discord.ui.View(timeout=None)
    view.add_item(RerunButton(run_id))
    if glif_url:
        view.add_item(discord.ui.Button(label=OPEN_LABEL, url=glif_url))
    view.add_item(DeleteButton(run_id))
    # Stopped before it is sent, the view only carries the components: the registered dynamic
    # items answer the clicks, so nothing needs to be kept in memory for this message.
    view.stop()
    return view
