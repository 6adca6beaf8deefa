"""views.* methods: open, push and update modals; publish Home tabs.

Slack refuses a bad view with `invalid_arguments` and the reasons in `response_metadata.messages`
(not with `invalid_blocks`, which is the chat.* error), so the stand-in does the same.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from socialdesk.standin.args import ApiError, Args, invalid_arguments
from socialdesk.standin.blockkit import validate_view
from socialdesk.standin.models import StoredView
from socialdesk.standin.spec import VIEW_STACK_MAX
from socialdesk.standin.workspace import APP_ID, BOT_ID, TEAM_ID, Workspace

VIEW_SIZE_MAX = 250_000


def open_view(ws: Workspace, args: Args) -> dict[str, Any]:
    user = _exchange(ws, args)
    payload = _read_view(args, "modal")
    _check_external_id(ws, payload, None)
    view_id = ws.new_id("V")
    view = StoredView(
        id=view_id,
        type="modal",
        payload=payload,
        hash=_hash(ws),
        root_view_id=view_id,
        previous_view_id=None,
        user=user,
    )
    ws.views[view_id] = view
    return {"view": view_json(view)}


def push(ws: Workspace, args: Args) -> dict[str, Any]:
    user = _exchange(ws, args)
    payload = _read_view(args, "modal")
    _check_external_id(ws, payload, None)
    # The trigger does not say which modal it came from; the newest one open for that user is the best guess.
    modals = [v for v in ws.views.values() if v.type == "modal" and (user is None or v.user == user)]
    top = modals[-1] if modals else None
    view_id = ws.new_id("V")
    root = top.root_view_id if top else view_id
    if sum(1 for v in ws.views.values() if v.root_view_id == root) >= VIEW_STACK_MAX:
        raise ApiError("push_limit_reached")
    view = StoredView(
        id=view_id,
        type="modal",
        payload=payload,
        hash=_hash(ws),
        root_view_id=root,
        previous_view_id=top.id if top else None,
        user=user,
        via="views.push",
    )
    ws.views[view_id] = view
    return {"view": view_json(view)}


def update(ws: Workspace, args: Args) -> dict[str, Any]:
    view_id = args.string("view_id")
    external_id = args.string("external_id")
    if not view_id and not external_id:
        raise invalid_arguments("missing required field: view_id or external_id")
    current = ws.views.get(view_id) if view_id else _by_external_id(ws, external_id)
    if current is None:
        raise ApiError("not_found")
    payload = _read_view(args, current.type)
    _check_hash(args, current)
    _check_external_id(ws, payload, current.id)
    # The external_id names the view, not one version of it: an update that leaves it out keeps it.
    if "external_id" not in payload and current.payload.get("external_id"):
        payload = {**payload, "external_id": current.payload["external_id"]}
    current.payload = payload
    current.hash = _hash(ws)
    current.via = "views.update"
    return {"view": view_json(current)}


def publish(ws: Workspace, args: Args) -> dict[str, Any]:
    user = args.string("user_id") or ""
    if user not in ws.users:
        raise ApiError("user_not_found")
    payload = _read_view(args, "home")
    existing_id = ws.home_views.get(user)
    existing = ws.views.get(existing_id) if existing_id else None
    if existing is not None:
        _check_hash(args, existing)
        existing.payload = payload
        existing.hash = _hash(ws)
        return {"view": view_json(existing)}
    view_id = ws.new_id("V")
    view = StoredView(
        id=view_id,
        type="home",
        payload=payload,
        hash=_hash(ws),
        root_view_id=view_id,
        previous_view_id=None,
        user=user,
        via="views.publish",
    )
    ws.views[view_id] = view
    ws.home_views[user] = view_id
    return {"view": view_json(view)}


def view_json(view: StoredView) -> dict[str, Any]:
    """The view object Slack returns: the payload as sent plus the fields Slack fills in."""
    payload = view.payload
    return {
        "id": view.id,
        "team_id": TEAM_ID,
        "type": view.type,
        "blocks": payload.get("blocks", []),
        "private_metadata": payload.get("private_metadata", ""),
        "callback_id": payload.get("callback_id", ""),
        "state": {"values": {}},
        "hash": view.hash,
        "title": payload.get("title"),
        "clear_on_close": bool(payload.get("clear_on_close", False)),
        "notify_on_close": bool(payload.get("notify_on_close", False)),
        "close": payload.get("close"),
        "submit": payload.get("submit"),
        "previous_view_id": view.previous_view_id,
        "root_view_id": view.root_view_id,
        "app_id": APP_ID,
        "external_id": payload.get("external_id", ""),
        "app_installed_team_id": TEAM_ID,
        "bot_id": BOT_ID,
    }


def _exchange(ws: Workspace, args: Args) -> str | None:
    trigger = args.string("trigger_id") or args.string("interactivity_pointer")
    if not trigger:
        raise invalid_arguments("missing required field: trigger_id")
    return ws.exchange_trigger(trigger)


def _read_view(args: Args, expected: Literal["modal", "home"]) -> dict[str, Any]:
    raw = args.raw("view")
    if isinstance(raw, str):
        raise invalid_arguments("failed to parse view: must be a JSON object")
    if len(json.dumps(raw)) > VIEW_SIZE_MAX:
        raise ApiError("view_too_large")
    problems = validate_view(raw, surface=expected)
    if problems:
        raise invalid_arguments(*problems)
    assert isinstance(raw, dict)  # validate_view refuses anything else
    return raw


def _check_hash(args: Args, current: StoredView) -> None:
    given = args.string("hash")
    if given is not None and given != current.hash:
        raise ApiError("hash_conflict")


def _check_external_id(ws: Workspace, payload: dict[str, Any], own_id: str | None) -> None:
    external_id = payload.get("external_id")
    if not external_id:
        return
    other = _by_external_id(ws, external_id)
    if other is not None and other.id != own_id:
        raise ApiError("duplicate_external_id")


def _by_external_id(ws: Workspace, external_id: str | None) -> StoredView | None:
    for view in ws.views.values():
        if external_id and view.payload.get("external_id") == external_id:
            return view
    return None


def _hash(ws: Workspace) -> str:
    return f"{ws.now()}.{ws.new_id('h')[1:]}"
