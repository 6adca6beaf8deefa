"""apps.connections.open: the Web API half of Socket Mode (the websocket half is bot/standin/socket_mode.py).

Kept apart from the websocket server so that the stand-in, and `socialdesk demo` with it, does not import
a websocket library unless a test attaches a `SocketModeStandin`.
"""

from __future__ import annotations

from typing import Any

from socialdesk.standin.args import ApiError, Args
from socialdesk.standin.workspace import Workspace


def connections_open(ws: Workspace, args: Args) -> dict[str, Any]:
    """A one-use `ws://.../link/?ticket=...` URL on the attached Socket Mode stand-in."""
    issue = ws.socket_mode_url
    if issue is None:
        raise ApiError("socket_mode_not_enabled")
    return {"url": issue()}
