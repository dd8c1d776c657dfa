import pytest

from bot.glif.forms import InputField, InputKind, input_fields
from bot.glif.parsers import parse_glif
from tests.fakes.glif import STICKER_GLIF_ID, load_fixture


def sticker_fields() -> list[InputField]:
    glif = parse_glif(load_fixture("glif-detail"), glif_id=STICKER_GLIF_ID)
    return input_fields(glif.nodes)


def test_sticker_maker_form_in_graph_order() -> None:
    assert sticker_fields() == [
        InputField(
            name="subject",
            label="What should the sticker show?",
            kind=InputKind.TEXT,
            default="a happy corgi astronaut",
            block_type="TextInputBlock",
        ),
        InputField(
            name="style",
            label="Style",
            kind=InputKind.CHOICE,
            default="Kawaii",
            choices=("Kawaii", "Pixel art", "Watercolor", "3D clay"),
            block_type="MultipickBlock",
        ),
        InputField(
            name="reference",
            label="Reference image (optional)",
            kind=InputKind.IMAGE,
            default=None,
            block_type="ImageInputBlock",
        ),
        InputField(
            name="mood",
            label="mood",
            kind=InputKind.CHOICE,
            default="cheerful",
            choices=("cheerful", "spooky", "chill"),
            randomize=True,
            block_type="MultipickBlock",
        ),
    ]


def test_created_glif_has_one_text_input() -> None:
    payload = load_fixture("glif-create-response")
    fields = input_fields(payload["data"]["nodes"])
    assert [(field.name, field.kind) for field in fields] == [("query", InputKind.TEXT)]


def test_other_input_blocks_are_kept_as_other() -> None:
    nodes = [
        {"name": "voice", "type": "AudioInputBlock", "params": {"label": "Your voice"}},
        {"name": "clip", "type": "VideoInputBlock"},
    ]
    assert [(field.name, field.kind, field.label) for field in input_fields(nodes)] == [
        ("voice", InputKind.OTHER, "Your voice"),
        ("clip", InputKind.OTHER, "clip"),
    ]


@pytest.mark.parametrize("blank", [None, "", " ", "\n\t"])
def test_blank_defaults_and_labels_become_none_and_name(blank: object) -> None:
    nodes = [
        {"name": "topic", "type": "TextInputBlock", "params": {"label": blank, "value": blank}}
    ]
    (field,) = input_fields(nodes)
    assert field.default is None
    assert field.label == "topic"


def test_malformed_nodes_are_skipped() -> None:
    nodes = [
        "junk",
        None,
        {"type": "TextInputBlock"},
        {"name": "", "type": "TextInputBlock"},
        {"name": "typeless"},
        {"name": 3, "type": "TextInputBlock"},
        {"name": "odd-params", "type": "TextInputBlock", "params": ["x"]},
        {"name": "choices", "type": "MultipickBlock", "params": {"options": "a,b", "value": 7}},
        {
            "name": "mixed",
            "type": "MultipickBlock",
            "params": {"options": ["a", None, 2, "a", " "]},
        },
        {"name": "odd-params", "type": "TextInputBlock", "params": {"label": "duplicate"}},
    ]
    fields = input_fields(nodes)
    assert [(field.name, field.label, field.default, field.choices) for field in fields] == [
        ("odd-params", "odd-params", None, ()),
        ("choices", "choices", "7", ()),
        ("mixed", "mixed", None, ("a", "2")),
    ]


@pytest.mark.parametrize("nodes", [None, {}, "nodes", 3, [[]]])
def test_anything_that_is_not_a_node_list_gives_no_inputs(nodes: object) -> None:
    assert input_fields(nodes) == []


def test_non_input_blocks_are_ignored() -> None:
    nodes = [{"name": "prompt", "type": "GPTBlock", "params": {"prompt": "{x}"}}]
    assert input_fields(nodes) == []
