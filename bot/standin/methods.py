"""The Web API method table: which handler answers which method, after Slack's required-argument check."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from socialdesk.standin import apps, chat, conversations, files, history, people, pins, views
from socialdesk.standin.args import ApiError, Args, invalid_arguments
from socialdesk.standin.spec import SPECS, MethodSpec, token_type
from socialdesk.standin.workspace import Workspace

Handler = Callable[[Workspace, Args], dict[str, Any]]

HANDLERS: dict[str, Handler] = {
    "apps.connections.open": apps.connections_open,
    "auth.test": people.auth_test,
    "chat.postMessage": chat.post_message,
    "chat.update": chat.update,
    "chat.postEphemeral": chat.post_ephemeral,
    "chat.getPermalink": chat.get_permalink,
    "conversations.create": conversations.create,
    "conversations.invite": conversations.invite,
    "conversations.join": conversations.join,
    "conversations.info": conversations.info,
    "conversations.list": conversations.list_channels,
    "conversations.setTopic": conversations.set_topic,
    "conversations.setPurpose": conversations.set_purpose,
    "conversations.history": history.history,
    "pins.add": pins.add,
    "pins.list": pins.list_pins,
    "views.open": views.open_view,
    "views.push": views.push,
    "views.update": views.update,
    "views.publish": views.publish,
    "files.getUploadURLExternal": files.get_upload_url,
    "files.completeUploadExternal": files.complete_upload,
    "users.info": people.users_info,
    "usergroups.users.list": people.usergroup_members,
}


def spec_for(method: str) -> MethodSpec | None:
    return SPECS.get(method)


def dispatch(ws: Workspace, method: str, args: Mapping[str, Any], token: str | None = None) -> dict[str, Any]:
    """Answer one authenticated call with Slack's JSON body; never raises for a caller's mistake.

    `token` (already known to be valid) is checked against the kinds of token the method takes.
    """
    spec = SPECS.get(method)
    handler = HANDLERS.get(method)
    if spec is None or handler is None:
        return {"ok": False, "error": "unknown_method", "req_method": method}
    wrapped = Args(args)
    try:
        if token is not None and token_type(token) not in spec.token_types:
            raise ApiError("not_allowed_token_type")
        _check_required(spec, wrapped)
        with ws.lock:
            return {"ok": True, **handler(ws, wrapped)}
    except ApiError as error:
        return error.body()


def _check_required(spec: MethodSpec, args: Args) -> None:
    for name in sorted(spec.required - {"token"}):
        if not args.present(name):
            specific = spec.missing_errors.get(name)
            raise ApiError(specific) if specific else invalid_arguments(f"missing required field: {name}")
