"""Whatever a member types into a slash-command option, however long or odd (control characters,
NUL, right-to-left and zero-width marks, emoji, look-alike slashes), the parsers answer with a
value of the documented shape, found in the text, or with the project's own error."""

import re
import unicodedata
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import UserFacingError
from bot.glif.references import InvalidReference, parse_glif_reference, parse_sphere_reference
from bot.webhooks.auth import MIN_SECRET_LENGTH, SecretRejected, check_chosen_secret
from bot.webhooks.store import HookAdminError, check_hook_name
from cogs.discovery_references import parse_username

BOUNDED = settings(max_examples=200, deadline=None, derandomize=True, database=None)
# Discord caps a string option at 6000 characters.
MAX_OPTION_LENGTH = 6000

ODD_CHARACTERS = [
    "\x00",
    "\t",
    "\n",
    "\r",
    "\x0b",
    "\x1b",
    "\x7f",
    "\x85",
    "\u00a0",
    "\u200b",  # zero-width space
    "\u200c",
    "\u200d",
    "\u200e",  # left-to-right mark
    "\u200f",  # right-to-left mark
    "\u202e",  # right-to-left override
    "\u2066",
    "\u2028",
    "\ufeff",
    "\ufffd",
    "\u0130",  # İ, which lower-cases to two characters
    "\u0131",
    "\u212a",  # Kelvin sign, which lower-cases to k
    "\uff0f",  # fullwidth solidus
    "\uff20",  # fullwidth commercial at
    "\u2044",  # fraction slash
    "\u0301",  # combining acute accent
    "\U0001f600",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "٣",  # Arabic-Indic digit three, a \\d and a \\w
]
LINK_PIECES = [
    "https://",
    "http://",
    "ftp://",
    "glif.app",
    "www.glif.app",
    "GLIF.APP",
    "glif.app.evil.example",
    "/",
    "//",
    "/glifs/",
    "/spheres/",
    "@",
    "@stickerwizard",
    "<",
    ">",
    "?",
    "#",
    "%2F",
    ":",
    ":443",
    "[",
    "]",
    "[::1]",
    "..",
    "cmfakeglif1sticker0000000",
    "memes",
    " ",
]

odd_text = st.lists(
    st.sampled_from(ODD_CHARACTERS) | st.sampled_from(LINK_PIECES) | st.text(max_size=4),
    max_size=40,
).map("".join)
long_text = st.builds(
    lambda piece, repeat: (piece * repeat)[:MAX_OPTION_LENGTH],
    odd_text.filter(bool),
    st.integers(min_value=1, max_value=MAX_OPTION_LENGTH),
)
option_text = odd_text | long_text | st.text(max_size=MAX_OPTION_LENGTH)

GLIF_ID = re.compile(r"[a-z0-9]{20,32}")
SPHERE = re.compile(r"[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?")
USERNAME = re.compile(r"[\w.-]{1,64}")

REFERENCE_PARSERS: dict[str, tuple[Callable[[str], str], re.Pattern[str]]] = {
    "glif": (parse_glif_reference, GLIF_ID),
    "sphere": (parse_sphere_reference, SPHERE),
}


@pytest.mark.parametrize("kind", sorted(REFERENCE_PARSERS))
@BOUNDED
@given(text=option_text)
def test_references_are_found_in_the_text_or_refused(kind: str, text: str) -> None:
    parse, shape = REFERENCE_PARSERS[kind]
    try:
        reference = parse(text)
    except InvalidReference as error:
        refusal = error.user_message
    else:
        assert shape.fullmatch(reference)
        assert reference in text.lower()
        return
    assert refusal


@BOUNDED
@given(text=option_text)
def test_usernames_are_found_in_the_text_or_refused(text: str) -> None:
    try:
        username = parse_username(text)
    except UserFacingError as error:
        refusal = error.message
    else:
        assert USERNAME.fullmatch(username)
        assert username in text
        return
    assert refusal


@BOUNDED
@given(text=option_text)
def test_hook_names_are_plain_or_refused(text: str) -> None:
    try:
        name = check_hook_name(text)
    except HookAdminError:
        return
    assert name == name.strip()
    assert all(
        character in " .-_" or unicodedata.category(character)[0] in "LN" for character in name
    ), name


def rejection_of(secret: str) -> str:
    with pytest.raises(SecretRejected) as rejected:
        check_chosen_secret(secret)
    return str(rejected.value)


# One sentence per way of being unfit, the same whatever the secret, so none can echo it.
SECRET_REJECTIONS = {rejection_of(""), rejection_of(" " * MIN_SECRET_LENGTH)}


@BOUNDED
@given(text=option_text)
def test_chosen_secrets_are_kept_as_typed_or_refused_without_echo(text: str) -> None:
    try:
        secret = check_chosen_secret(text)
    except SecretRejected as error:
        reason = str(error)
    else:
        assert secret == text
        return
    assert reason in SECRET_REJECTIONS


@pytest.mark.parametrize("text", ["https://glif.app/@sticker\twizard", "glif.app/@sticker\nwizard"])
def test_a_profile_link_with_whitespace_inside_is_refused(text: str) -> None:
    with pytest.raises(UserFacingError):
        parse_username(text)
