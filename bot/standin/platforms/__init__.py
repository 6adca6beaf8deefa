"""Local stand-ins for the social platforms' APIs, shared by `socialdesk demo` and the tests.

Each is a real HTTP server on 127.0.0.1 (real sockets, real JSON) that answers like the platform,
records every request (`requests`) and what it accepted, and takes scripted failures:

    with XApiStandIn(now=clock_seconds) as x, GraphApiStandIn(now=clock_seconds) as graph:
        settings = Settings(X_API_URL=x.base_url, META_GRAPH_URL=graph.base_url, ...)

- `XApiStandIn`: X API v2 mentions timeline, `POST /2/tweets`, DMs (`posted`, `dms`, `fail_next`).
- `GraphApiStandIn`: Graph comments / replies / mentions / messages (`calls`, `fail_next`, `delete`).
- `GenericReceiverStandIn`: the receiver behind `GENERIC_REPLY_URL` (`received`, `fail_next`).
"""

from socialdesk.standin.platforms.base import Failure, RecordedRequest, Reply, StandInServer
from socialdesk.standin.platforms.generic_receiver import GenericReceiverStandIn, ReceivedReply
from socialdesk.standin.platforms.graph_api import GraphApiStandIn, GraphCall, GraphObject
from socialdesk.standin.platforms.x_api import XApiStandIn

__all__ = [
    "Failure",
    "GenericReceiverStandIn",
    "GraphApiStandIn",
    "GraphCall",
    "GraphObject",
    "ReceivedReply",
    "RecordedRequest",
    "Reply",
    "StandInServer",
    "XApiStandIn",
]
