"""The sentences members read about their Glif token.

Names and labels come from Glif and are untrusted, so they are shown with Markdown escaped.
"""

from __future__ import annotations

from discord.utils import escape_markdown, format_dt

from bot.glif.models import CreditBalance, Me
from bot.tokens import StoredTokenInfo
from bot.tokens.vault import GLIF_API_SETTINGS_URL

# Angle brackets keep Discord from unfurling a preview of the settings page under the reply.
HOW_TO_SET = f"create one at <{GLIF_API_SETTINGS_URL}> and set it with `/glif token set`"

TOKEN_REFUSED = (
    "Glif refused that token, so nothing was stored; copy it again from "
    f"<{GLIF_API_SETTINGS_URL}> and retry `/glif token set`."
)
GLIF_UNREACHABLE = (
    "Glif could not be reached to check the token, so nothing was stored; "
    "try again in a few minutes."
)
TOKEN_REMOVED = (
    "Your Glif token is deleted from this bot. It still works on glif.app until you revoke it "
    f"at <{GLIF_API_SETTINGS_URL}>."
)
NOTHING_TO_REMOVE = "You have no Glif token stored here, so there was nothing to delete."

FORGET_QUESTION = (
    "This deletes everything this bot stores about you: your Glif token, your run history and "
    "your count of shared runs. It cannot be undone."
)
FORGOTTEN = "Done: this bot no longer stores anything about you."
FORGET_CANCELLED = "Cancelled; nothing was deleted."
FORGET_EXPIRED = "This confirmation expired; nothing was deleted. Run `/glif forget` again."
NOT_YOUR_CONFIRMATION = "Only the member who ran `/glif forget` can answer this."


def token_saved(me: Me) -> str:
    return (
        f"Token saved for Glif account {account(me)}: {credit_balance(me.credits)}. "
        "Your runs here are billed to it from now on."
    )


def token_status(me: Me, stored: StoredTokenInfo) -> str:
    return (
        f"Your token is for Glif account {account(me)}: {credit_balance(me.credits)}. "
        f"Saved {format_dt(stored.updated_at, 'R')}."
    )


def credits_unavailable(stored: StoredTokenInfo) -> str:
    return (
        f"Your token is for Glif account {stored_account(stored)}; credits unavailable, "
        "as Glif is not answering right now."
    )


def token_no_longer_accepted(stored: StoredTokenInfo) -> str:
    return (
        f"Glif no longer accepts your token for {stored_account(stored)}; set a new one with "
        "`/glif token set`."
    )


def token_unreadable(stored: StoredTokenInfo) -> str:
    return (
        f"Your token for {stored_account(stored)} can no longer be read by this bot (its "
        "encryption key changed); set it again with `/glif token set`."
    )


def no_token(shared_runs_left: int | None, shared_daily_runs: int) -> str:
    if shared_runs_left is None:
        return f"You have no Glif token here; to run glifs, {HOW_TO_SET}."
    runs = "run" if shared_daily_runs == 1 else "runs"
    return (
        "You have no Glif token here, so your runs use this server's shared token: "
        f"{shared_runs_left} of {shared_daily_runs} {runs} left today (they come back at "
        f"midnight UTC). To use your own, {HOW_TO_SET}."
    )


def account(me: Me) -> str:
    name = escape_markdown(me.user.display_name)
    if me.user.username and me.user.username != me.user.display_name:
        return f"**{name}** (@{escape_markdown(me.user.username)})"
    return f"**{name}**"


def stored_account(stored: StoredTokenInfo) -> str:
    if not stored.glif_username:
        return "your Glif account"
    return f"@{escape_markdown(stored.glif_username)}"


def credit_balance(balance: CreditBalance) -> str:
    if balance.remaining is None:
        return "Glif did not say how many credits are left"
    if balance.limit is None:
        text = f"{amount(balance.remaining)} credits left"
    else:
        text = f"{amount(balance.remaining)} of {amount(balance.limit)} credits left"
    if balance.label:
        text += f" ({escape_markdown(balance.label)})"
    return text


def amount(value: float) -> str:
    """Credits as people write them: `187.25`, `250`, `1,500`."""
    return f"{value:,.2f}".rstrip("0").rstrip(".")
