"""A local stand-in for the Slack Web API, used by the tests and by `socialdesk demo`.

    with SlackStandin(channels={"social-support": "C0SUPPORT1"}) as slack:
        client = WebClient(base_url=slack.url, token=slack.token)
        client.chat_postMessage(channel="#social-support", text="hello")
        assert slack.messages("social-support")[0].text == "hello"

`socialdesk.standin.blockkit.validate_blocks` is importable on its own, without starting anything.
Socket Mode (apps.connections.open and the websocket) is `socialdesk.standin.socket_mode.SocketModeStandin`,
imported from there: it needs the `websockets` library (the `dev` extra), which the demo does not.
"""

from socialdesk.standin.blockkit import validate_blocks, validate_view
from socialdesk.standin.faults import FailureRule
from socialdesk.standin.models import (
    Ephemeral,
    RecordedCall,
    StandInUser,
    StandInUsergroup,
    StoredFile,
    StoredMessage,
    StoredView,
)
from socialdesk.standin.server import DEFAULT_APP_TOKEN, DEFAULT_TOKEN, SlackStandin

__all__ = [
    "DEFAULT_APP_TOKEN",
    "DEFAULT_TOKEN",
    "Ephemeral",
    "FailureRule",
    "RecordedCall",
    "SlackStandin",
    "StandInUser",
    "StandInUsergroup",
    "StoredFile",
    "StoredMessage",
    "StoredView",
    "validate_blocks",
    "validate_view",
]
