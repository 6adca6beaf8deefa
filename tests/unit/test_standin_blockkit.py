"""Block Kit limits as Slack enforces them, checked without any server."""

from __future__ import annotations

from typing import Any

import pytest

from socialdesk.standin.blockkit import validate_blocks, validate_view


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def button(text: str = "Claim", *, value: str = "v", action_id: str = "case.claim") -> dict[str, Any]:
    return {"type": "button", "text": plain(text), "value": value, "action_id": action_id}


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": mrkdwn(text)}


def options(n: int) -> list[dict[str, Any]]:
    return [{"text": plain(f"Option {i}"), "value": f"v{i}"} for i in range(n)]


CASE_CARD: list[dict[str, Any]] = [
    {"type": "header", "text": plain("#12 · P2 · X complaint")},
    {
        "type": "section",
        "block_id": "case:12:facts",
        "text": mrkdwn("*@casey* says the parcel never came"),
        "fields": [mrkdwn("*Sentiment*\nNegative"), mrkdwn("*Priority*\nP2")],
        "accessory": button("Claim"),
    },
    {
        "type": "context",
        "elements": [
            mrkdwn("posted 5 min ago"),
            {"type": "image", "image_url": "https://x.example/a.png", "alt_text": "avatar"},
        ],
    },
    {"type": "divider"},
    {
        "type": "actions",
        "elements": [
            button("Claim"),
            {**button("Resolve", action_id="case.resolve"), "style": "danger"},
            {"type": "overflow", "action_id": "case.more", "options": options(3)},
            {
                "type": "static_select",
                "action_id": "case.assign",
                "placeholder": plain("Assign"),
                "options": options(4),
            },
        ],
    },
    {
        "type": "image",
        "image_url": "https://x.example/chart.png",
        "alt_text": "SLA chart",
        "title": plain("SLA"),
    },
    {
        "type": "rich_text",
        "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": "hi"}]}],
    },
]


def test_a_realistic_case_card_is_valid() -> None:
    assert validate_blocks(CASE_CARD, surface="message") == []


@pytest.mark.parametrize(("surface", "limit"), [("message", 50), ("modal", 100), ("home", 100)])
def test_block_count_limit_per_surface(surface: Any, limit: int) -> None:
    assert validate_blocks([{"type": "divider"}] * limit, surface=surface) == []
    errors = validate_blocks([{"type": "divider"}] * (limit + 1), surface=surface)
    assert errors == [f"no more than {limit} items allowed [json-pointer:/blocks]"]


@pytest.mark.parametrize(
    ("block", "pointer", "reason"),
    [
        (section("x" * 3001), "/blocks/0/text/text", "must be less than 3001 characters"),
        (section(""), "/blocks/0/text/text", "must be more than 0 characters"),
        (
            {"type": "header", "text": plain("h" * 151)},
            "/blocks/0/text/text",
            "must be less than 151 characters",
        ),
        ({"type": "header", "text": mrkdwn("*bold*")}, "/blocks/0/text/type", "must be a valid enum value"),
        (
            {"type": "actions", "elements": [button("b" * 76)]},
            "/blocks/0/elements/0/text/text",
            "must be less than 76 characters",
        ),
        (
            {"type": "actions", "elements": [button(value="v" * 2001)]},
            "/blocks/0/elements/0/value",
            "must be less than 2001 characters",
        ),
        (
            {"type": "actions", "elements": [button(action_id="a" * 256)]},
            "/blocks/0/elements/0/action_id",
            "must be less than 256 characters",
        ),
        (
            {"type": "divider", "block_id": "b" * 256},
            "/blocks/0/block_id",
            "must be less than 256 characters",
        ),
        (
            {"type": "actions", "elements": [button()] * 26},
            "/blocks/0/elements",
            "no more than 25 items allowed",
        ),
        (
            {"type": "context", "elements": [mrkdwn("c")] * 11},
            "/blocks/0/elements",
            "no more than 10 items allowed",
        ),
        (
            {"type": "section", "fields": [mrkdwn("f")] * 11},
            "/blocks/0/fields",
            "no more than 10 items allowed",
        ),
        (
            {"type": "section", "fields": [mrkdwn("f" * 2001)]},
            "/blocks/0/fields/0/text",
            "must be less than 2001 characters",
        ),
        ({"type": "section"}, "/blocks/0", "must provide text or fields"),
        ({"type": "carousel"}, "/blocks/0/type", "unsupported block type: carousel"),
        ({"type": "actions", "elements": []}, "/blocks/0/elements", "must provide a non-empty array"),
        (
            {"type": "actions", "elements": [{"type": "plain_text_input", "action_id": "x"}]},
            "/blocks/0/elements/0/type",
            "unsupported element type: plain_text_input",
        ),
        (
            {"type": "actions", "elements": [{"type": "overflow", "options": options(1)}]},
            "/blocks/0/elements/0/options",
            "must provide at least 2 items",
        ),
        (
            {"type": "actions", "elements": [{**button(), "style": "loud"}]},
            "/blocks/0/elements/0/style",
            "must be a valid enum value",
        ),
        (
            {"type": "image", "image_url": "https://x.example/a.png"},
            "/blocks/0/alt_text",
            "must provide a string",
        ),
        ("divider", "/blocks/0", "must provide an object"),
    ],
)
def test_each_limit_is_reported_with_slacks_wording_and_a_json_pointer(
    block: Any, pointer: str, reason: str
) -> None:
    errors = validate_blocks([block], surface="message")
    assert len(errors) == 1, errors
    assert errors[0].startswith(reason)
    assert errors[0].endswith(f"[json-pointer:{pointer}]") or f"[json-pointer:{pointer}]" in errors[0]


def test_limits_at_exactly_the_maximum_are_accepted() -> None:
    blocks = [
        section("x" * 3000),
        {"type": "header", "text": plain("h" * 150)},
        {
            "type": "actions",
            "block_id": "b" * 255,
            "elements": [button("b" * 75, value="v" * 2000, action_id="a" * 255)] * 25,
        },
        {"type": "context", "elements": [mrkdwn("c")] * 10},
    ]
    assert validate_blocks(blocks, surface="message") == []


def test_several_problems_are_all_reported() -> None:
    errors = validate_blocks(
        [section("x" * 3001), {"type": "header", "text": plain("h" * 151)}], surface="message"
    )
    assert len(errors) == 2


def test_duplicate_block_ids_are_refused() -> None:
    errors = validate_blocks(
        [{"type": "divider", "block_id": "a"}, {"type": "divider", "block_id": "a"}], surface="home"
    )
    assert errors == ["duplicate block_id: a [json-pointer:/blocks/1/block_id]"]


def test_block_types_depend_on_the_surface() -> None:
    file_block = {"type": "file", "external_id": "ABCD1", "source": "remote"}
    assert validate_blocks([file_block], surface="message") == []
    assert validate_blocks([file_block], surface="modal") == [
        "unsupported block type: file on a modal [json-pointer:/blocks/0/type]"
    ]


def test_input_blocks_need_a_label_and_an_input_element() -> None:
    good = {
        "type": "input",
        "label": plain("Reply"),
        "element": {"type": "plain_text_input", "action_id": "reply", "multiline": True},
    }
    assert validate_blocks([good], surface="modal") == []
    bad = {"type": "input", "label": plain("Reply"), "element": button()}
    assert validate_blocks([bad], surface="modal") == [
        "unsupported element type: button [json-pointer:/blocks/0/element/type]"
    ]


def test_blocks_must_be_a_list() -> None:
    assert validate_blocks({"type": "divider"}, surface="message") == [
        "must provide an array [json-pointer:/blocks]"
    ]


def modal(**overrides: Any) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": "case.reply",
        "title": plain("Reply to #12"),
        "submit": plain("Send"),
        "close": plain("Cancel"),
        "blocks": [
            {
                "type": "input",
                "label": plain("Reply"),
                "element": {"type": "plain_text_input", "action_id": "text"},
            }
        ],
    }
    view.update(overrides)
    return view


def test_a_valid_modal_and_home_tab() -> None:
    assert validate_view(modal(), surface="modal") == []
    assert validate_view({"type": "home", "blocks": [section("Queue: 3 open")]}, surface="home") == []


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"title": plain("t" * 25)}, "must be less than 25 characters [json-pointer:/view/title/text]"),
        ({"submit": plain("s" * 25)}, "must be less than 25 characters [json-pointer:/view/submit/text]"),
        ({"close": plain("c" * 25)}, "must be less than 25 characters [json-pointer:/view/close/text]"),
        (
            {"title": mrkdwn("*t*")},
            "must be a valid enum value [json-pointer:/view/title/type] (expected plain_text)",
        ),
        (
            {"submit": None},
            "must provide submit when the view contains input blocks [json-pointer:/view/submit]",
        ),
        (
            {"private_metadata": "m" * 3001},
            "must be less than 3001 characters [json-pointer:/view/private_metadata]",
        ),
        ({"callback_id": "c" * 256}, "must be less than 256 characters [json-pointer:/view/callback_id]"),
        (
            {"blocks": [{"type": "divider"}] * 101},
            "no more than 100 items allowed [json-pointer:/view/blocks]",
        ),
    ],
)
def test_modal_limits(overrides: dict[str, Any], expected: str) -> None:
    assert validate_view(modal(**overrides), surface="modal") == [expected]


def test_view_type_must_match_the_method() -> None:
    assert validate_view(modal(), surface="home") == [
        "must be a valid enum value [json-pointer:/view/type] (expected home)"
    ]
    assert validate_view("modal") == ["must provide an object [json-pointer:/view]"]
