import pytest

from bot.glif.references import (
    InvalidGlifReference,
    InvalidSphereReference,
    parse_glif_reference,
    parse_sphere_reference,
)

GLIF_ID = "cmfakeglif1sticker0000000"


@pytest.mark.parametrize(
    "text",
    [
        GLIF_ID,
        f"  {GLIF_ID}\n",
        GLIF_ID.upper(),
        "clgh1vxtu0011mo081dplq3xs",
        f"https://glif.app/glifs/{GLIF_ID}",
        f"https://glif.app/glifs/{GLIF_ID}/",
        f"https://glif.app/@stickerwizard/glifs/{GLIF_ID}",
        f"https://www.glif.app/@stickerwizard/glifs/{GLIF_ID}?utm_source=discord",
        f"http://glif.app/glifs/{GLIF_ID}#runs",
        f"https://glif.app/glifs/{GLIF_ID}/source",
        f"https://glif.app/glifs/{GLIF_ID}/embed?mode=last_10_runs&ar=landscape",
        f"glif.app/glifs/{GLIF_ID}",
        f"<https://glif.app/glifs/{GLIF_ID}>",
        f"https://GLIF.app:443/glifs/{GLIF_ID}",
    ],
)
def test_glif_references(text: str) -> None:
    expected = "clgh1vxtu0011mo081dplq3xs" if "clgh" in text else GLIF_ID
    assert parse_glif_reference(text) == expected


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("", "Give a glif id"),
        ("   ", "Give a glif id"),
        ("sticker maker", "not a glif id"),
        ("short1", "not a glif id"),
        (f"https://evil.example/glifs/{GLIF_ID}", "not a glif id"),
        (f"ftp://glif.app/glifs/{GLIF_ID}", "not a glif id"),
        ("https://glif.app/@stickerwizard", "does not point to a glif"),
        ("https://glif.app/glifs/", "does not point to a glif"),
        ("https://glif.app/glifs/not-an-id", "does not point to a glif"),
        ("https://glif.app/spheres/memes", "does not point to a glif"),
        ("http://[::1", "not a glif id"),
    ],
)
def test_invalid_glif_references_say_what_to_do(text: str, hint: str) -> None:
    with pytest.raises(InvalidGlifReference, match=hint) as caught:
        parse_glif_reference(text)
    assert isinstance(caught.value, ValueError)
    assert caught.value.user_message == str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("memes", "memes"),
        ("Memes", "memes"),
        ("cmfakesphere1memes0000000", "cmfakesphere1memes0000000"),
        ("https://glif.app/spheres/memes", "memes"),
        ("https://www.glif.app/spheres/pixel-art/?tab=glifs", "pixel-art"),
        ("glif.app/spheres/memes", "memes"),
    ],
)
def test_sphere_references(text: str, expected: str) -> None:
    assert parse_sphere_reference(text) == expected


@pytest.mark.parametrize(
    "text", ["", "two words", "https://glif.app/glifs/x", "https://other.test/spheres/memes", "-x-"]
)
def test_invalid_sphere_references(text: str) -> None:
    with pytest.raises(InvalidSphereReference):
        parse_sphere_reference(text)
