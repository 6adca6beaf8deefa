"""Block Kit limits that Slack enforces, reported the way Slack reports them.

The stand-in uses this to refuse what Slack would refuse, and the bot's renderers use it to check
what they are about to send, so it depends on nothing but the standard library and starts no server.

Each problem is one string in Slack's own style, `"<reason> [json-pointer:/blocks/0/text/text]"`, so a
failing test prints the same text a developer would see from real Slack. Unknown keys are not
reported: Slack's schema changes faster than a hand-written copy of it, and a false refusal here would
block a valid card.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

Surface = Literal["message", "modal", "home"]

MAX_BLOCKS: dict[Surface, int] = {"message": 50, "modal": 100, "home": 100}
SECTION_TEXT_MAX = 3000
SECTION_FIELD_TEXT_MAX = 2000
SECTION_FIELDS_MAX = 10
HEADER_TEXT_MAX = 150
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
URL_MAX = 3000
ACTION_ID_MAX = 255
BLOCK_ID_MAX = 255
ACTIONS_ELEMENTS_MAX = 25
CONTEXT_ELEMENTS_MAX = 10
PLACEHOLDER_MAX = 150
LABEL_MAX = 2000
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
OPTIONS_MAX = 100
CHOICE_OPTIONS_MAX = 10
OVERFLOW_OPTIONS = (2, 5)
ALT_TEXT_MAX = 2000
MARKDOWN_BLOCK_MAX = 12000
TEXT_INPUT_MAX = 3000
VIEW_TITLE_MAX = 24
VIEW_BUTTON_MAX = 24
PRIVATE_METADATA_MAX = 3000
CALLBACK_ID_MAX = 255
EXTERNAL_ID_MAX = 255
CONFIRM_TITLE_MAX = 100
CONFIRM_TEXT_MAX = 300
CONFIRM_BUTTON_MAX = 30

_COMMON_BLOCKS = frozenset(
    {"section", "divider", "image", "actions", "context", "header", "input", "rich_text", "video"}
)
BLOCK_TYPES: dict[Surface, frozenset[str]] = {
    "message": _COMMON_BLOCKS | {"file", "markdown"},
    "modal": _COMMON_BLOCKS,
    "home": _COMMON_BLOCKS,
}

_SELECTS = frozenset(
    {"static_select", "external_select", "users_select", "conversations_select", "channels_select"}
)
_MULTI_SELECTS = frozenset("multi_" + s for s in _SELECTS)
_PICKERS = frozenset({"datepicker", "timepicker", "datetimepicker"})
_CHOICES = frozenset({"checkboxes", "radio_buttons"})
_TEXT_INPUTS = frozenset(
    {"plain_text_input", "email_text_input", "url_text_input", "number_input", "rich_text_input"}
)
ACTIONS_ELEMENTS = _SELECTS | _MULTI_SELECTS | _PICKERS | _CHOICES | {"button", "overflow", "workflow_button"}
ACCESSORY_ELEMENTS = ACTIONS_ELEMENTS | {"image"}
INPUT_ELEMENTS = _SELECTS | _MULTI_SELECTS | _PICKERS | _CHOICES | _TEXT_INPUTS | {"file_input"}

_Errors = list[str]


def validate_blocks(blocks: Any, *, surface: Surface, pointer: str = "/blocks") -> list[str]:
    """Every Block Kit problem Slack would report for `blocks` on `surface`; empty when valid."""
    errors: _Errors = []
    if not isinstance(blocks, list):
        return [f"must provide an array [json-pointer:{pointer}]"]
    limit = MAX_BLOCKS[surface]
    if len(blocks) > limit:
        errors.append(f"no more than {limit} items allowed [json-pointer:{pointer}]")
    seen_ids: set[str] = set()
    for index, block in enumerate(blocks):
        _block(block, f"{pointer}/{index}", surface, seen_ids, errors)
    return errors


def validate_view(view: Any, *, surface: Literal["modal", "home"] | None = None) -> list[str]:
    """Problems with a modal or Home tab view payload (title, buttons, metadata and its blocks)."""
    if not isinstance(view, dict):
        return ["must provide an object [json-pointer:/view]"]
    errors: _Errors = []
    kind = view.get("type")
    if kind not in ("modal", "home") or (surface is not None and kind != surface):
        errors.append(f"must be a valid enum value [json-pointer:/view/type]{_expected(surface)}")
        return errors
    if kind == "modal":
        _text(view.get("title"), "/view/title", errors, max_len=VIEW_TITLE_MAX, plain_only=True)
        for key in ("submit", "close"):
            if key in view and view[key] is not None:
                _text(view[key], f"/view/{key}", errors, max_len=VIEW_BUTTON_MAX, plain_only=True)
        blocks = view.get("blocks")
        has_input = isinstance(blocks, list) and any(
            isinstance(b, dict) and b.get("type") == "input" for b in blocks
        )
        if has_input and not view.get("submit"):
            errors.append(
                "must provide submit when the view contains input blocks [json-pointer:/view/submit]"
            )
    _max_str(view, "private_metadata", "/view", PRIVATE_METADATA_MAX, errors)
    _max_str(view, "callback_id", "/view", CALLBACK_ID_MAX, errors)
    _max_str(view, "external_id", "/view", EXTERNAL_ID_MAX, errors)
    if "blocks" not in view:
        errors.append("missing required field: blocks [json-pointer:/view/blocks]")
    else:
        errors.extend(validate_blocks(view["blocks"], surface=kind, pointer="/view/blocks"))
    return errors


def _expected(surface: str | None) -> str:
    return f" (expected {surface})" if surface else ""


def _block(block: Any, ptr: str, surface: Surface, seen_ids: set[str], errors: _Errors) -> None:
    if not isinstance(block, dict):
        errors.append(f"must provide an object [json-pointer:{ptr}]")
        return
    kind = block.get("type")
    if not isinstance(kind, str):
        errors.append(f"missing required field: type [json-pointer:{ptr}/type]")
        return
    if kind not in BLOCK_TYPES[surface]:
        errors.append(f"unsupported block type: {kind} on a {surface} [json-pointer:{ptr}/type]")
        return
    block_id = block.get("block_id")
    if block_id is not None:
        if not isinstance(block_id, str):
            errors.append(f"must provide a string [json-pointer:{ptr}/block_id]")
        elif len(block_id) > BLOCK_ID_MAX:
            errors.append(f"must be less than {BLOCK_ID_MAX + 1} characters [json-pointer:{ptr}/block_id]")
        elif block_id in seen_ids:
            errors.append(f"duplicate block_id: {block_id} [json-pointer:{ptr}/block_id]")
        else:
            seen_ids.add(block_id)
    checker = _BLOCK_CHECKS.get(kind)
    if checker is not None:
        checker(block, ptr, errors)


def _section(block: dict[str, Any], ptr: str, errors: _Errors) -> None:
    has_text = "text" in block and block["text"] is not None
    fields = block.get("fields")
    if not has_text and not fields:
        errors.append(f"must provide text or fields [json-pointer:{ptr}]")
    if has_text:
        _text(block["text"], f"{ptr}/text", errors, max_len=SECTION_TEXT_MAX)
    if fields is not None:
        if not isinstance(fields, list):
            errors.append(f"must provide an array [json-pointer:{ptr}/fields]")
        else:
            if len(fields) > SECTION_FIELDS_MAX:
                errors.append(f"no more than {SECTION_FIELDS_MAX} items allowed [json-pointer:{ptr}/fields]")
            for i, field in enumerate(fields):
                _text(field, f"{ptr}/fields/{i}", errors, max_len=SECTION_FIELD_TEXT_MAX)
    if "accessory" in block:
        _element(block["accessory"], f"{ptr}/accessory", ACCESSORY_ELEMENTS, errors)


def _header(block: dict[str, Any], ptr: str, errors: _Errors) -> None:
    _text(block.get("text"), f"{ptr}/text", errors, max_len=HEADER_TEXT_MAX, plain_only=True)


def _image_block(block: dict[str, Any], ptr: str, errors: _Errors) -> None:
    _image_source(block, ptr, errors)
    if block.get("title") is not None:
        _text(block["title"], f"{ptr}/title", errors, max_len=ALT_TEXT_MAX, plain_only=True)


def _actions(block: dict[str, Any], ptr: str, errors: _Errors) -> None:
    _element_list(
        block, ptr, errors, ACTIONS_ELEMENTS_MAX, lambda el, p: _element(el, p, ACTIONS_ELEMENTS, errors)
    )


def _context(block: dict[str, Any], ptr: str, errors: _Errors) -> None:
    def one(el: Any, p: str) -> None:
        if isinstance(el, dict) and el.get("type") == "image":
            _image_source(el, p, errors)
        else:
            _text(el, p, errors, max_len=SECTION_TEXT_MAX)

    _element_list(block, ptr, errors, CONTEXT_ELEMENTS_MAX, one)


def _input(block: dict[str, Any], ptr: str, errors: _Errors) -> None:
    _text(block.get("label"), f"{ptr}/label", errors, max_len=LABEL_MAX, plain_only=True)
    if block.get("hint") is not None:
        _text(block["hint"], f"{ptr}/hint", errors, max_len=LABEL_MAX, plain_only=True)
    if "element" not in block:
        errors.append(f"missing required field: element [json-pointer:{ptr}/element]")
    else:
        _element(block["element"], f"{ptr}/element", INPUT_ELEMENTS, errors)


def _rich_text(block: dict[str, Any], ptr: str, errors: _Errors) -> None:
    if not isinstance(block.get("elements"), list):
        errors.append(f"must provide an array [json-pointer:{ptr}/elements]")


def _video(block: dict[str, Any], ptr: str, errors: _Errors) -> None:
    for key in ("alt_text", "thumbnail_url", "video_url"):
        if not isinstance(block.get(key), str) or not block[key]:
            errors.append(f"missing required field: {key} [json-pointer:{ptr}/{key}]")
    _text(block.get("title"), f"{ptr}/title", errors, max_len=200, plain_only=True)


def _markdown(block: dict[str, Any], ptr: str, errors: _Errors) -> None:
    _plain_string(block.get("text"), f"{ptr}/text", MARKDOWN_BLOCK_MAX, errors)


def _file(block: dict[str, Any], ptr: str, errors: _Errors) -> None:
    for key in ("external_id", "source"):
        if not isinstance(block.get(key), str):
            errors.append(f"missing required field: {key} [json-pointer:{ptr}/{key}]")


_BLOCK_CHECKS: dict[str, Callable[[dict[str, Any], str, _Errors], None]] = {
    "section": _section,
    "header": _header,
    "image": _image_block,
    "actions": _actions,
    "context": _context,
    "input": _input,
    "rich_text": _rich_text,
    "video": _video,
    "markdown": _markdown,
    "file": _file,
}


def _element_list(
    block: dict[str, Any], ptr: str, errors: _Errors, limit: int, check: Callable[[Any, str], None]
) -> None:
    elements = block.get("elements")
    if not isinstance(elements, list) or not elements:
        errors.append(f"must provide a non-empty array [json-pointer:{ptr}/elements]")
        return
    if len(elements) > limit:
        errors.append(f"no more than {limit} items allowed [json-pointer:{ptr}/elements]")
    for i, element in enumerate(elements):
        check(element, f"{ptr}/elements/{i}")


def _element(element: Any, ptr: str, allowed: frozenset[str], errors: _Errors) -> None:
    if not isinstance(element, dict):
        errors.append(f"must provide an object [json-pointer:{ptr}]")
        return
    kind = element.get("type")
    if kind not in allowed:
        errors.append(f"unsupported element type: {kind} [json-pointer:{ptr}/type]")
        return
    _max_str(element, "action_id", ptr, ACTION_ID_MAX, errors)
    if element.get("confirm") is not None:
        _confirm(element["confirm"], f"{ptr}/confirm", errors)
    if element.get("placeholder") is not None:
        _text(element["placeholder"], f"{ptr}/placeholder", errors, max_len=PLACEHOLDER_MAX, plain_only=True)
    if kind in ("button", "workflow_button"):
        _text(element.get("text"), f"{ptr}/text", errors, max_len=BUTTON_TEXT_MAX, plain_only=True)
        _max_str(element, "value", ptr, BUTTON_VALUE_MAX, errors)
        _max_str(element, "url", ptr, URL_MAX, errors)
        if element.get("style") not in (None, "primary", "danger"):
            errors.append(f"must be a valid enum value [json-pointer:{ptr}/style]")
    elif kind == "image":
        _image_source(element, ptr, errors)
    elif kind == "overflow":
        low, high = OVERFLOW_OPTIONS
        _options(element.get("options"), f"{ptr}/options", errors, low=low, high=high, plain_only=True)
    elif kind in _CHOICES:
        _options(element.get("options"), f"{ptr}/options", errors, low=1, high=CHOICE_OPTIONS_MAX)
    elif kind in ("static_select", "multi_static_select"):
        _static_select(element, ptr, errors)
    elif kind == "plain_text_input":
        for key in ("max_length", "min_length"):
            value = element.get(key)
            if isinstance(value, int) and not 0 <= value <= TEXT_INPUT_MAX:
                errors.append(f"must be between 0 and {TEXT_INPUT_MAX} [json-pointer:{ptr}/{key}]")
        _max_str(element, "initial_value", ptr, TEXT_INPUT_MAX, errors)


def _static_select(element: dict[str, Any], ptr: str, errors: _Errors) -> None:
    if "options" in element:
        _options(element["options"], f"{ptr}/options", errors, low=1, high=OPTIONS_MAX, plain_only=True)
    elif "option_groups" in element:
        groups = element["option_groups"]
        if not isinstance(groups, list) or not groups:
            errors.append(f"must provide a non-empty array [json-pointer:{ptr}/option_groups]")
            return
        for i, group in enumerate(groups):
            gptr = f"{ptr}/option_groups/{i}"
            if not isinstance(group, dict):
                errors.append(f"must provide an object [json-pointer:{gptr}]")
                continue
            _text(group.get("label"), f"{gptr}/label", errors, max_len=OPTION_TEXT_MAX, plain_only=True)
            _options(
                group.get("options"), f"{gptr}/options", errors, low=1, high=OPTIONS_MAX, plain_only=True
            )
    else:
        errors.append(f"must provide options or option_groups [json-pointer:{ptr}]")


def _options(
    options: Any, ptr: str, errors: _Errors, *, low: int, high: int, plain_only: bool = False
) -> None:
    if not isinstance(options, list):
        errors.append(f"must provide an array [json-pointer:{ptr}]")
        return
    if len(options) < low:
        errors.append(f"must provide at least {low} items [json-pointer:{ptr}]")
    if len(options) > high:
        errors.append(f"no more than {high} items allowed [json-pointer:{ptr}]")
    for i, option in enumerate(options):
        optr = f"{ptr}/{i}"
        if not isinstance(option, dict):
            errors.append(f"must provide an object [json-pointer:{optr}]")
            continue
        _text(option.get("text"), f"{optr}/text", errors, max_len=OPTION_TEXT_MAX, plain_only=plain_only)
        _plain_string(option.get("value"), f"{optr}/value", OPTION_VALUE_MAX, errors)
        if option.get("description") is not None:
            _text(option["description"], f"{optr}/description", errors, max_len=OPTION_TEXT_MAX)


def _confirm(confirm: Any, ptr: str, errors: _Errors) -> None:
    if not isinstance(confirm, dict):
        errors.append(f"must provide an object [json-pointer:{ptr}]")
        return
    _text(confirm.get("title"), f"{ptr}/title", errors, max_len=CONFIRM_TITLE_MAX, plain_only=True)
    _text(confirm.get("text"), f"{ptr}/text", errors, max_len=CONFIRM_TEXT_MAX)
    _text(confirm.get("confirm"), f"{ptr}/confirm", errors, max_len=CONFIRM_BUTTON_MAX, plain_only=True)
    _text(confirm.get("deny"), f"{ptr}/deny", errors, max_len=CONFIRM_BUTTON_MAX, plain_only=True)


def _image_source(obj: dict[str, Any], ptr: str, errors: _Errors) -> None:
    if "image_url" in obj:
        _plain_string(obj["image_url"], f"{ptr}/image_url", URL_MAX, errors)
    elif not isinstance(obj.get("slack_file"), dict):
        errors.append(f"must provide image_url or slack_file [json-pointer:{ptr}]")
    _plain_string(obj.get("alt_text"), f"{ptr}/alt_text", ALT_TEXT_MAX, errors)


def _text(obj: Any, ptr: str, errors: _Errors, *, max_len: int, plain_only: bool = False) -> None:
    if obj is None:
        errors.append(f"missing required field: text object [json-pointer:{ptr}]")
        return
    if not isinstance(obj, dict):
        errors.append(f"must provide an object [json-pointer:{ptr}]")
        return
    allowed = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
    if obj.get("type") not in allowed:
        errors.append(
            f"must be a valid enum value [json-pointer:{ptr}/type] (expected {' or '.join(allowed)})"
        )
    _plain_string(obj.get("text"), f"{ptr}/text", max_len, errors)


def _plain_string(value: Any, ptr: str, max_len: int, errors: _Errors) -> None:
    if not isinstance(value, str):
        errors.append(f"must provide a string [json-pointer:{ptr}]")
    elif not value:
        errors.append(f"must be more than 0 characters [json-pointer:{ptr}]")
    elif len(value) > max_len:
        errors.append(f"must be less than {max_len + 1} characters [json-pointer:{ptr}]")


def _max_str(obj: dict[str, Any], key: str, ptr: str, max_len: int, errors: _Errors) -> None:
    value = obj.get(key)
    if value is None:
        return
    if not isinstance(value, str):
        errors.append(f"must provide a string [json-pointer:{ptr}/{key}]")
    elif len(value) > max_len:
        errors.append(f"must be less than {max_len + 1} characters [json-pointer:{ptr}/{key}]")
