"""What an accepted app-action looks like in Discord: a pure function from the event to an embed's
content, always within Discord's embed limits however many or long the params are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.webhooks.models import (
    AnyParam,
    AppAction,
    BooleanParam,
    DateTimeParam,
    NumberParam,
    format_number,
    parse_iso_datetime,
)

# Discord's embed limits (https://discord.com/developers/docs/resources/message#embed-object).
MAX_TITLE = 256
MAX_DESCRIPTION = 4096
MAX_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FOOTER = 2048
MAX_TOTAL = 6000

ELLIPSIS = "…"
FOOTER = "Glide webhook · glifbot"
_MAX_APP_ID_SHOWN = 100
_MAX_NOTE = 1000
# Below this, a field would say too little to be worth showing; it joins "…and N more" instead.
_MIN_FIELD_SIZE = 48
# Room kept for the "…and N more params" line, whose number is known only at the end.
_MORE_LINE_RESERVE = 40
_EMPTY = "(empty)"


@dataclass(frozen=True, slots=True)
class Announcement:
    title: str
    description: str
    fields: tuple[tuple[str, str], ...]
    timestamp: datetime
    footer: str

    def total_length(self) -> int:
        """The characters Discord counts against its 6000 limit."""
        return (
            len(self.title)
            + len(self.description)
            + len(self.footer)
            + sum(len(name) + len(value) for name, value in self.fields)
        )


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def format_param(param: AnyParam) -> str:
    match param:
        case DateTimeParam(value=str() as text):
            return f"<t:{int(parse_iso_datetime(text).timestamp())}:f>"
        case BooleanParam(value=bool() as flag):
            return "yes" if flag else "no"
        case NumberParam(value=float() as number):
            return format_number(number)
        case _:
            return str(param.value)


def build_announcement(
    hook_name: str, body: AppAction, received_at: datetime, note: str | None = None
) -> Announcement:
    """`note`, when given, is a line shown under the app and the time (why a glif did not run)."""
    moment = body.moment or received_at
    # Backticks would end the code span early; the app id is the sender's text.
    app_id = clip(body.app_id.replace("`", "'"), _MAX_APP_ID_SHOWN) or _EMPTY
    title = clip(hook_name, MAX_TITLE)
    description = f"From Glide app `{app_id}` at <t:{int(moment.timestamp())}:f>"
    if note:
        description += "\n" + clip(note, _MAX_NOTE)
    budget = MAX_TOTAL - len(title) - len(description) - len(FOOTER) - _MORE_LINE_RESERVE

    params = list(body.params.items())
    fields: list[tuple[str, str]] = []
    for name, param in params[:MAX_FIELDS]:
        # An even share of what is left, so that early long params cannot crowd out later ones.
        share = budget // (min(len(params), MAX_FIELDS) - len(fields))
        if share < _MIN_FIELD_SIZE:
            break
        field_name = clip(name.strip() or _EMPTY, min(MAX_FIELD_NAME, share // 2))
        value = format_param(param)
        field_value = clip(
            value if value.strip() else _EMPTY, min(MAX_FIELD_VALUE, share - len(field_name))
        )
        fields.append((field_name, field_value))
        budget -= len(field_name) + len(field_value)

    hidden = len(params) - len(fields)
    if hidden:
        description += f"\n{ELLIPSIS}and {hidden} more param{'s' if hidden > 1 else ''}"
    return Announcement(
        title=title,
        description=clip(description, MAX_DESCRIPTION),
        fields=tuple(fields),
        timestamp=moment,
        footer=FOOTER,
    )
