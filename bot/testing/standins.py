"""A base for a plugin's own platform stand-in: a real HTTP server on 127.0.0.1 that records requests.

    class ForumStandIn(StandInServer):
        def handle(self, request: RecordedRequest) -> Reply:
            if request.headers.get("authorization") != "Bearer t":
                return Reply(401, {"error": "The access token is invalid"})
            ...

    with ForumStandIn() as forum:
        forum.script(Failure(status=429, headers={"Retry-After": "30"}))   # the next call is refused

socialdesk's own platform stand-ins (X, Graph, the generic receiver) are built on the same class; see
`socialdesk.standin.platforms.base` for the details of scripted failures.
"""

from socialdesk.standin.platforms.base import Failure, RecordedRequest, Reply, StandInServer

__all__ = ["Failure", "RecordedRequest", "Reply", "StandInServer"]
