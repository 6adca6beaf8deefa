"""`SocketModeStandin`: the websocket end of Slack's Socket Mode, on loopback, for tests.

Slack's Socket Mode works in two steps: the app calls `apps.connections.open` with its app-level token
(xapp-) and gets a one-use `wss://.../link/?ticket=...` URL, then opens a websocket there. Slack sends
`hello`, then one envelope per slash command, interaction or event; the app acknowledges each by sending
back its `envelope_id` (with a `payload` when the envelope `accepts_response_payload`) within 3 seconds.

Attached to a `SlackStandin`, this serves that websocket with a real server (`websockets`, threads) and
makes the stand-in's `apps.connections.open` hand out tickets for it:

    with SlackStandin() as slack, SocketModeStandin(slack) as sockets:
        # run the app with SLACK_API_URL=slack.url and SLACK_APP_TOKEN=slack.app_token
        sockets.wait_connected()
        envelope_id = sockets.slash_command({...the form fields Slack sends over HTTP, as a dict...})
        ack = sockets.wait_for_ack(envelope_id)

Needs the `websockets` library (the `dev` extra); `socialdesk.standin` itself does not import this module.
"""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from socialdesk.standin.server import SlackStandin
from socialdesk.standin.workspace import APP_ID

log = logging.getLogger(__name__)

LINK_PATH = "/link/"
# Envelope types whose `payload` Slack lets the ack answer with (a command's message, a modal's
# response_action, a select's options); the others ignore an ack payload.
_RESPONSE_PAYLOAD_INTERACTIONS = frozenset({"view_submission", "block_suggestion"})
_THREAD_JOIN_TIMEOUT = 5.0


@dataclass(frozen=True)
class Ack:
    """What the app sent back for one envelope."""

    envelope_id: str
    payload: dict[str, Any] | None
    seconds: float  # from sending the envelope to receiving this ack


class SocketModeStandin:
    """A Socket Mode websocket server on `host` (loopback); `port` 0 picks a free one.

    With `slack`, its apps.connections.open answers with URLs here while this is started. Like Slack,
    it pings every client; every `ping_interval` seconds here, because Slack's built-in Python client
    holds a lock in `recv` for up to 3 s and only closes its websocket once a frame arrives.
    """

    def __init__(
        self,
        slack: SlackStandin | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        app_id: str = APP_ID,
        ping_interval: float = 0.5,
    ) -> None:
        self._slack = slack
        self._address = (host, port)
        self.app_id = app_id
        self._ping_interval = ping_interval
        self._changed = threading.Condition()
        self._tickets: set[str] = set()
        self._connections: list[ServerConnection] = []
        self._connects = 0
        self._refused = 0
        self._sent_at: dict[str, float] = {}
        self._acks: dict[str, Ack] = {}
        self._received: list[Any] = []
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._root_url = ""

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> SocketModeStandin:
        if self._server is not None:
            raise RuntimeError("the Socket Mode stand-in is already started")
        host, port = self._address
        # compression=None: Slack's built-in Python client offers no extensions, so none would be agreed.
        server = serve(
            self._session,
            host,
            port,
            process_request=self._admit,
            compression=None,
            ping_interval=self._ping_interval,
        )
        self._server = server
        bound_host, bound_port = server.socket.getsockname()[:2]
        self._root_url = f"ws://{bound_host}:{bound_port}"
        self._thread = threading.Thread(target=server.serve_forever, name="socket-mode-standin", daemon=True)
        self._thread.start()
        if self._slack is not None:
            self._slack.enable_socket_mode(self.new_url)
        return self

    def stop(self) -> None:
        """Stop serving and close every open connection (the app sees the websocket close)."""
        server, self._server = self._server, None
        if server is None:
            return
        if self._slack is not None:
            self._slack.enable_socket_mode(None)
        server.shutdown()
        with self._changed:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(Exception):  # already closing on the app's side
                connection.close()
        if self._thread is not None:
            self._thread.join(_THREAD_JOIN_TIMEOUT)

    def __enter__(self) -> SocketModeStandin:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        """`ws://127.0.0.1:<port>`, once started."""
        if not self._root_url:
            raise RuntimeError("start() the Socket Mode stand-in first: its port is chosen when it starts")
        return self._root_url

    def new_url(self) -> str:
        """A one-use connection URL, as apps.connections.open answers: `ws://.../link/?ticket=...`."""
        ticket = secrets.token_hex(16)
        with self._changed:
            self._tickets.add(ticket)
        return f"{self.root_url}{LINK_PATH}?ticket={ticket}&app_id={self.app_id}"

    # -- what the app did --------------------------------------------------------------------------

    @property
    def connected(self) -> int:
        """How many websockets are open now."""
        with self._changed:
            return len(self._connections)

    @property
    def connects(self) -> int:
        """How many websockets were ever opened (a reconnect counts again)."""
        with self._changed:
            return self._connects

    @property
    def refused(self) -> int:
        """Handshakes refused for a missing, unknown or already used ticket."""
        with self._changed:
            return self._refused

    @property
    def acks(self) -> list[Ack]:
        """Acks in the order they arrived."""
        with self._changed:
            return list(self._acks.values())

    @property
    def received(self) -> list[Any]:
        """Every text message the app sent, JSON-decoded where it parses (acks included)."""
        with self._changed:
            return list(self._received)

    def wait_connected(self, count: int = 1, timeout: float = 10.0) -> None:
        """Until at least `count` websockets are open; TimeoutError after `timeout` seconds."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._connections) >= count, timeout):
                raise TimeoutError(
                    f"{len(self._connections)} Socket Mode connection(s) open after {timeout:g} s, "
                    f"expected {count} ({self._refused} handshake(s) refused)"
                )

    def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> Ack:
        """The app's ack of `envelope_id`; TimeoutError after `timeout` seconds without one."""
        with self._changed:
            if not self._changed.wait_for(lambda: envelope_id in self._acks, timeout):
                raise TimeoutError(
                    f"no ack for envelope {envelope_id} within {timeout:g} s; "
                    f"acked so far: {sorted(self._acks)}"
                )
            return self._acks[envelope_id]

    # -- sending envelopes -------------------------------------------------------------------------

    def slash_command(self, command: Mapping[str, Any]) -> str:
        """A slash command (the fields Slack would form-encode over HTTP); returns its envelope_id."""
        return self.send_envelope("slash_commands", command, accepts_response_payload=True)

    def interactive(self, payload: Mapping[str, Any]) -> str:
        """An interaction (block_actions, view_submission, shortcut, ...); returns its envelope_id."""
        accepts = payload.get("type") in _RESPONSE_PAYLOAD_INTERACTIONS
        return self.send_envelope("interactive", payload, accepts_response_payload=accepts)

    def events_api(
        self, payload: Mapping[str, Any], *, retry_attempt: int = 0, retry_reason: str = ""
    ) -> str:
        """An Events API delivery (the `event_callback` wrapper); returns its envelope_id."""
        return self.send_envelope(
            "events_api",
            payload,
            accepts_response_payload=False,
            retry_attempt=retry_attempt,
            retry_reason=retry_reason,
        )

    def send_envelope(
        self,
        envelope_type: str,
        payload: Mapping[str, Any],
        *,
        accepts_response_payload: bool,
        envelope_id: str | None = None,
        **extra: Any,
    ) -> str:
        """Send one envelope on the newest open connection, as Slack does; returns its envelope_id."""
        envelope_id = envelope_id or str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "payload": dict(payload),
            "type": envelope_type,
            "accepts_response_payload": accepts_response_payload,
            **extra,
        }
        with self._changed:
            if not self._connections:
                raise RuntimeError("no Socket Mode connection is open: start the app and wait_connected()")
            connection = self._connections[-1]
            self._sent_at[envelope_id] = time.monotonic()
        connection.send(json.dumps(envelope))
        return envelope_id

    # -- the server side ---------------------------------------------------------------------------

    def _admit(self, connection: ServerConnection, request: Request) -> Response | None:
        """Let the handshake through only for `/link/` with a ticket issued and not used yet."""
        parts = urlsplit(request.path)
        ticket = parse_qs(parts.query).get("ticket", [""])[0]
        with self._changed:
            if parts.path == LINK_PATH and ticket in self._tickets:
                self._tickets.discard(ticket)
                return None
            self._refused += 1
        log.debug("socket mode stand-in: refused handshake for %s", parts.path)
        return connection.respond(HTTPStatus.UNAUTHORIZED, "invalid or used ticket\n")

    def _session(self, connection: ServerConnection) -> None:
        with self._changed:
            self._connections.append(connection)
            self._connects += 1
            hello = _hello(len(self._connections), self.app_id)
            self._changed.notify_all()
        try:
            connection.send(json.dumps(hello))
            for message in connection:
                self._receive(message)
        except ConnectionClosed:
            pass
        finally:
            with self._changed:
                self._connections.remove(connection)
                self._changed.notify_all()

    def _receive(self, message: str | bytes) -> None:
        text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
        try:
            decoded: Any = json.loads(text)
        except ValueError:
            decoded = text
        with self._changed:
            self._received.append(decoded)
            if isinstance(decoded, dict) and isinstance(decoded.get("envelope_id"), str):
                envelope_id = decoded["envelope_id"]
                sent = self._sent_at.get(envelope_id)
                payload = decoded.get("payload")
                self._acks.setdefault(
                    envelope_id,
                    Ack(
                        envelope_id=envelope_id,
                        payload=payload if isinstance(payload, dict) else None,
                        seconds=time.monotonic() - sent if sent is not None else 0.0,
                    ),
                )
            self._changed.notify_all()


def _hello(num_connections: int, app_id: str) -> dict[str, Any]:
    """Slack's first message on every Socket Mode connection."""
    return {
        "type": "hello",
        "num_connections": num_connections,
        "debug_info": {
            "host": "applink-standin",
            "build_number": 1,
            "approximate_connection_time": 18060,
        },
        "connection_info": {"app_id": app_id},
    }
