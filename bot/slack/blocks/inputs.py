"""Block Kit input blocks and elements for modals. Each input's block_id is also its action_id, so a
submission's state and a `response_action: errors` map use one name."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from socialdesk.slack.blocks.kit import Block, plain_text

MAX_OPTIONS = 100
MAX_OPTION_TEXT = 75
MAX_LABEL = 2000
MAX_PLACEHOLDER = 150


def option(label: str, value: str) -> dict[str, Any]:
    return {"text": plain_text(label, MAX_OPTION_TEXT), "value": value[:150]}


def input_block(
    block_id: str, label: str, element: dict[str, Any], *, optional: bool = False, hint: str | None = None
) -> Block:
    element = {**element, "action_id": block_id}
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain_text(label, MAX_LABEL),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain_text(hint, MAX_LABEL)
    return block


def text_input(
    *,
    multiline: bool = False,
    initial: str | None = None,
    placeholder: str | None = None,
    max_length: int = 3000,
) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "multiline": multiline, "max_length": max_length}
    if initial:
        element["initial_value"] = initial[:max_length]
    if placeholder:
        element["placeholder"] = plain_text(placeholder, MAX_PLACEHOLDER)
    return element


def static_select(
    options: Sequence[tuple[str, str]], *, initial: str | None = None, placeholder: str = "Choose…"
) -> dict[str, Any]:
    shown = [option(label, value) for label, value in options][:MAX_OPTIONS]
    element: dict[str, Any] = {
        "type": "static_select",
        "options": shown,
        "placeholder": plain_text(placeholder, MAX_PLACEHOLDER),
    }
    chosen = next((o for o in shown if o["value"] == initial), None)
    if chosen is not None:
        element["initial_option"] = chosen
    return element


def radio_buttons(options: Sequence[tuple[str, str]], *, initial: str | None = None) -> dict[str, Any]:
    shown = [option(label, value) for label, value in options]
    element: dict[str, Any] = {"type": "radio_buttons", "options": shown}
    chosen = next((o for o in shown if o["value"] == initial), None)
    if chosen is not None:
        element["initial_option"] = chosen
    return element


def users_select(*, initial: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "users_select", "placeholder": plain_text("Choose someone", 150)}
    if initial:
        element["initial_user"] = initial
    return element


def modal(
    *, callback_id: str, title: str, blocks: list[Block], submit: str | None, private_metadata: str
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain_text(title, 24),
        "close": plain_text("Cancel", 24),
        "blocks": blocks,
        "private_metadata": private_metadata,
    }
    if submit:
        view["submit"] = plain_text(submit, 24)
    return view


def _element(state: dict[str, Any], block_id: str) -> dict[str, Any]:
    return _mapping(_mapping(_mapping(state.get("values")).get(block_id)).get(block_id))


def state_value(state: dict[str, Any], block_id: str) -> str | None:
    """The text or single choice of one input in a view submission's `state.values`.

    Only text comes out: a value of another type, or an element of another kind than the form has
    (a forged submission sending checkboxes where a text box was), reads as nothing entered."""
    element = _element(state, block_id)
    kind = element.get("type")
    if kind in ("static_select", "radio_buttons", "external_select"):
        return _text(_mapping(element.get("selected_option")).get("value"))
    if kind == "users_select":
        return _text(element.get("selected_user"))
    if kind == "checkboxes":
        return None
    return _text(element.get("value"))


def state_choices(state: dict[str, Any], block_id: str) -> list[str]:
    """The values ticked in a checkboxes input; [] for anything else."""
    element = _element(state, block_id)
    chosen = element.get("selected_options") if element.get("type") == "checkboxes" else None
    values = [_text(_mapping(o).get("value")) for o in chosen] if isinstance(chosen, list) else []
    return [v for v in values if v is not None]


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
