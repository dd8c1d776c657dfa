"""The sentences server admins read about their webhooks; every one is for their eyes only.

A secret appears in two replies only, right after it was made: it is never stored in clear, so it
cannot be shown again.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.webhooks import Hook, HookSummary
from cogs.discovery_text import plain

MAX_MESSAGE = 2000
_MAX_NAME = 100
_MAX_REASON = 200

NO_HOOKS = "This server has no webhooks yet; create one with `/glifadmin webhook create`."
OWN_GLIF_ACCOUNT_NEEDED = (
    "A webhook that runs a glif runs it on your own Glif token; set yours with "
    "`/glif token set`, then create the webhook again."
)


def created(hook: Hook, url: str, secret: str, glif_name: str | None) -> str:
    runs = f", running **{plain(glif_name, _MAX_NAME)}** on your Glif token" if glif_name else ""
    return (
        f"Webhook **{_name(hook)}** created: it posts to <#{hook.channel_id}>{runs}.\n"
        f"In Glide, add a webhook with this URL and the secret below as its password.\n"
        f"URL: `{url}`\n{_secret(secret)}"
    )


def rotated(hook: Hook, url: str, secret: str) -> str:
    return (
        f"Webhook **{_name(hook)}** has a new secret; the old one no longer works. "
        f"Put the new one in Glide.\nURL: `{url}`\n{_secret(secret)}"
    )


def deleted(hook: Hook) -> str:
    return (
        f"Webhook **{_name(hook)}** is deleted, with any announcements it still had to post; "
        "its URL answers 404 from now on."
    )


def no_such_hook(reference: str) -> str:
    return (
        f"This server has no webhook called **{plain(reference, _MAX_NAME)}**; "
        "pick one from the list."
    )


def cannot_post(channel_id: int, missing: Sequence[str]) -> str:
    return (
        f"I can't post in <#{channel_id}>: I need {', '.join(missing)} there. "
        "Grant it in the channel's settings and try again."
    )


def listed(summaries: Sequence[HookSummary]) -> str:
    """One line per hook; lines that would not fit in one message are counted instead."""
    if not summaries:
        return NO_HOOKS
    text = "Webhooks of this server:"
    for index, summary in enumerate(summaries):
        line = "\n" + _summary_line(summary)
        # Each line leaves room to say how many did not fit after it.
        left_after = len(summaries) - index - 1
        reserve = len(_more(left_after)) if left_after else 0
        if len(text) + len(line) + reserve > MAX_MESSAGE:
            return text + _more(len(summaries) - index)
        text += line
    return text


def _more(count: int) -> str:
    return f"\n…and {count} more."


def _summary_line(summary: HookSummary) -> str:
    hook = summary.hook
    glif = f", glif `{hook.glif_id}`" if hook.glif_id else ""
    line = (
        f"• **{_name(hook)}** → <#{hook.channel_id}>{glif}: {summary.received} received, "
        f"{summary.delivered} delivered, {summary.pending} pending, {summary.failed} failed"
    )
    if summary.last_failure:
        line += f" (last failure: {plain(summary.last_failure, _MAX_REASON)})"
    return line


def _name(hook: Hook) -> str:
    return plain(hook.name, _MAX_NAME)


def _secret(secret: str) -> str:
    # A code block: copied whole with one tap, and shown as typed.
    return f"Secret (shown only now):\n```\n{secret}\n```"
