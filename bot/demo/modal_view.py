"""An open modal drawn in the terminal: its display blocks as in a channel, its inputs with what the
pretend user has entered so far, the `form ...` words that change them, and any errors the bot sent
back. Pure: a function of the form and the user names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.text import Text

from socialdesk.demo.forms import WORD_OF, OpenForm, input_name
from socialdesk.demo.mrkdwn import sanitize
from socialdesk.demo.terminal import render_blocks


def render_form(form: OpenForm, *, owner: str, users: Mapping[str, str]) -> RenderableType:
    payload = form.view.payload
    parts: list[RenderableType] = []
    for block in payload.get("blocks") or []:
        if block.get("type") == "input" and "element" in block:
            parts.extend(_input(block, form.values.get(block["block_id"]) or {}, users))
            error = form.errors.get(block["block_id"])
            if error:
                parts.append(_indented(Text(f"⛔ {sanitize(error)}", style="bold red")))
        else:
            parts.extend(render_blocks([block], users))
    stray = form.errors.get("")
    if stray:
        parts.append(Text(f"⛔ {sanitize(stray)}", style="bold red"))
    submit = _label(payload.get("submit")) or "Submit"
    footer = Text.assemble(
        (f"[ {_label(payload.get('close')) or 'Cancel'} ] ", "bold"),
        (f"[ {submit} ]", "bold green"),
        ("   → form send | form cancel", "dim"),
    )
    parts.extend([Text(""), footer])
    title = Text(f"{_label(payload.get('title'))} · a form only {owner} sees", style="bold magenta")
    return Panel(Group(*parts), title=title, title_align="left", border_style="magenta", padding=(0, 1))


def _input(block: dict[str, Any], state: dict[str, Any], users: Mapping[str, str]) -> list[RenderableType]:
    element = block["element"]
    word = WORD_OF.get(input_name(block["block_id"]), block["block_id"])
    label = Text(_label(block.get("label")), style="bold")
    if block.get("optional"):
        label.append(" (optional)", style="dim")
    kind = element.get("type")
    lines: list[RenderableType] = [label]
    if kind in ("static_select", "radio_buttons", "checkboxes"):
        chosen = _chosen_values(state)
        for option in element.get("options") or []:
            on = option["value"] in chosen
            mark = ("☑" if on else "☐") if kind == "checkboxes" else ("●" if on else "○")
            lines.append(
                Text(f"  {mark} {sanitize(_label(option.get('text')))}  ({sanitize(option['value'])})")
            )
        hint = "on|off" if kind == "checkboxes" else "<choice>"
    elif kind == "users_select":
        user = state.get("selected_user")
        lines.append(_indented(Text(f"👤 @{users.get(user, user)}" if user else "(nobody chosen)")))
        hint = "<person>"
    else:
        value = state.get("value")
        shown = Text(f"✎ {sanitize(value)}") if value else Text(f"✎ {_placeholder(element)}", style="dim")
        lines.append(_indented(shown))
        hint = "<words>"
    live = " (updates the form as you go)" if block.get("dispatch_action") else ""
    lines.append(_indented(Text(f"→ form {word} {hint}{live}", style="dim")))
    return lines


def _indented(text: Text) -> RenderableType:
    # Wrapped lines of a long reply stay under the field, not back at the panel's edge.
    return Padding(text, (0, 0, 0, 2))


def _chosen_values(state: dict[str, Any]) -> set[str]:
    if "selected_options" in state:
        return {str(o.get("value")) for o in state.get("selected_options") or []}
    selected = state.get("selected_option")
    return {str(selected.get("value"))} if isinstance(selected, dict) else set()


def _placeholder(element: dict[str, Any]) -> str:
    return sanitize(_label(element.get("placeholder"))) or "(empty)"


def _label(obj: object) -> str:
    return str(obj.get("text", "")) if isinstance(obj, Mapping) else ""
