"""`SlackStandin`: a real HTTP server on loopback that answers like the Slack Web API.

It runs `http.server.ThreadingHTTPServer` in a background thread, so callers talk to it over real
sockets with their real clients (`slack_sdk.WebClient(base_url=standin.url)`, httpx, urllib), and
everything they send is recorded for tests to read back.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import socket
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from socialdesk.clock import Clock
from socialdesk.standin.calllog import CallLog, Listener
from socialdesk.standin.faults import FailureRule, FaultPlan
from socialdesk.standin.models import (
    Ephemeral,
    RecordedCall,
    StandInUser,
    StandInUsergroup,
    StoredFile,
    StoredMessage,
    StoredView,
)
from socialdesk.standin.routes import TEXT_TYPE, Reply, Request, Router
from socialdesk.standin.workspace import (
    DEFAULT_CHANNELS,
    DEFAULT_USERGROUPS,
    DEFAULT_USERS,
    ResponseUrlTarget,
    Workspace,
)

log = logging.getLogger(__name__)

DEFAULT_TOKEN = "xoxb-standin-0000000000-socialdesk"
DEFAULT_APP_TOKEN = "xapp-1-A0SDAPP001-0000000000-socialdesk"
_POLL_INTERVAL = 0.05  # how often serve_forever looks at its shutdown flag; bounds stop() latency
_THREAD_JOIN_TIMEOUT = 5.0


class SlackStandin:
    """The Slack Web API methods socialdesk uses, answered from an in-memory workspace.

    `channels` maps names to ids of channels that exist from the start (every seeded user, and the bot,
    is a member); `users` and `usergroups` seed the directory. Accepted tokens are `token` plus
    `extra_tokens`, and the app-level `app_token` (xapp-, for apps.connections.open only; each method
    refuses the kinds of token Slack refuses with `not_allowed_token_type`). `clock` drives message
    timestamps, so a ManualClock makes them reproducible.
    """

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        extra_tokens: Iterable[str] = (),
        app_token: str = DEFAULT_APP_TOKEN,
        channels: Mapping[str, str] | None = None,
        users: Iterable[StandInUser] | None = None,
        usergroups: Iterable[StandInUsergroup] | None = None,
        clock: Clock | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.token = token
        self.app_token = app_token
        self._workspace = Workspace(
            channels=DEFAULT_CHANNELS if channels is None else channels,
            users=DEFAULT_USERS if users is None else users,
            usergroups=DEFAULT_USERGROUPS if usergroups is None else usergroups,
            clock=clock,
        )
        self._log = CallLog()
        self._faults = FaultPlan()
        self._stopping = threading.Event()
        self._router = Router(
            workspace=self._workspace,
            faults=self._faults,
            log=self._log,
            tokens=frozenset({token, app_token, *extra_tokens}),
            stopping=self._stopping,
        )
        self._address = (host, port)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> SlackStandin:
        if self._server is not None:
            raise RuntimeError("the stand-in is already started")
        server = _Server(self._address, self._router)
        self._server = server
        host, port = server.server_address[:2]
        self._workspace.root_url = f"http://{host!s}:{port}"
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": _POLL_INTERVAL},
            name="slack-standin",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving: held-back (delayed) answers are abandoned and open connections closed."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(_THREAD_JOIN_TIMEOUT)
        server.join_handlers(_THREAD_JOIN_TIMEOUT)

    def __enter__(self) -> SlackStandin:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        """`http://127.0.0.1:<port>`, once started."""
        if not self._workspace.root_url:
            raise RuntimeError("start() the stand-in first: its port is chosen when it starts")
        return self._workspace.root_url

    @property
    def url(self) -> str:
        """The Web API base URL, ending in `/api/`: WebClient's `base_url`, or `SLACK_API_URL`."""
        return f"{self.root_url}/api/"

    # -- what callers did --------------------------------------------------------------------------

    @property
    def calls(self) -> list[RecordedCall]:
        return self._log.snapshot()

    @property
    def connections(self) -> int:
        """TCP connections accepted so far: a client that keeps its connection alive opens few."""
        return self._server.accepted if self._server is not None else 0

    def calls_to(self, method: str) -> list[RecordedCall]:
        return [c for c in self._log.snapshot() if c.method == method]

    def reset_calls(self) -> None:
        """Forget the recorded calls; the workspace (channels, messages, views, files) stays as it is."""
        self._log.clear()

    def on_call(self, listener: Listener) -> None:
        """Call `listener` with each RecordedCall after it is answered (on the server's thread)."""
        self._log.add_listener(listener)

    def messages(self, channel: str) -> list[StoredMessage]:
        """Top-level messages in `channel` (id, name, `#name`, or a user id for the bot's DM with them).

        Oldest first, as they stand after updates (`edited_ts` set), each with its thread `replies`.
        """
        ws = self._workspace
        with ws.lock:
            return _copy(ws.messages[ws.lookup_channel(channel).id])

    def ephemerals(self, channel: str | None = None, *, user: str | None = None) -> list[Ephemeral]:
        ws = self._workspace
        with ws.lock:
            channel_id = ws.lookup_channel(channel).id if channel else None
            return _copy(
                [
                    e
                    for e in ws.ephemerals
                    if (channel_id is None or e.channel == channel_id) and (user is None or e.user == user)
                ]
            )

    def views(self) -> list[StoredView]:
        """Every modal opened, pushed or updated and every Home tab published, oldest first."""
        with self._workspace.lock:
            return _copy(list(self._workspace.views.values()))

    def home_view(self, user_id: str) -> StoredView | None:
        ws = self._workspace
        with ws.lock:
            view_id = ws.home_views.get(user_id)
            return _copy(ws.views[view_id]) if view_id else None

    def files(self) -> list[StoredFile]:
        """Files from files.getUploadURLExternal, with the bytes POSTed to their upload URL in `content`."""
        with self._workspace.lock:
            return _copy(list(self._workspace.files.values()))

    def channel_id(self, name: str) -> str:
        return self._workspace.lookup_channel(name).id

    def channel_members(self, channel: str) -> set[str]:
        ws = self._workspace
        with ws.lock:
            return set(ws.lookup_channel(channel).members)

    # -- driving it from a test or the demo -------------------------------------------------------

    def response_url(
        self,
        token: str,
        *,
        channel: str | None = None,
        user: str | None = None,
        message_ts: str | None = None,
    ) -> str:
        """An absolute response_url on the stand-in, as Slack sends with a command or an action.

        Posts to it land in `channel` (ephemeral to `user`, or in-channel with `response_type`), and
        `replace_original` / `delete_original` act on the message at `message_ts`.
        """
        ws = self._workspace
        with ws.lock:
            channel_id = ws.lookup_channel(channel).id if channel else None
            ws.response_urls[token] = ResponseUrlTarget(token, channel_id, user, message_ts)
        return f"{self.root_url}/response/{token}"

    def enable_socket_mode(self, issue_url: Callable[[], str] | None) -> None:
        """Answer apps.connections.open with `issue_url()` (a SocketModeStandin's), or refuse it (None)."""
        with self._workspace.lock:
            self._workspace.socket_mode_url = issue_url

    def new_trigger_id(self, user_id: str | None = None) -> str:
        """A trigger_id that views.open / views.push accept once, like the ones in Slack's payloads."""
        return self._workspace.new_trigger_id(user_id)

    def fail(
        self,
        method: str,
        *,
        status: int | None = None,
        retry_after: int = 1,
        times: int = 1,
        error: str | None = None,
        delay: float | None = None,
    ) -> FailureRule:
        """Make the next `times` calls of `method` fail; see FailureRule for what each option does.

        `method` is a Web API method name, or "upload" / "response_url" for those endpoints.
        """
        rule = FailureRule(
            method=method, status=status, error=error, delay=delay, retry_after=retry_after, remaining=times
        )
        self._faults.add(rule)
        return rule

    def pending_failures(self) -> list[FailureRule]:
        return self._faults.pending()

    def clear_failures(self) -> None:
        self._faults.clear()


def _copy(value: Any) -> Any:
    return copy.deepcopy(value)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], router: Router) -> None:
        self.router = router
        self._open: set[socket.socket] = set()
        self._handlers: set[threading.Thread] = set()
        self._tracking = threading.Lock()
        self.accepted = 0  # connections, for tests of keep-alive
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self.process_request_thread, args=(request, client_address), daemon=True
        )
        with self._tracking:
            self._handlers = {t for t in self._handlers if t.is_alive()}
            self._handlers.add(thread)
            self.accepted += 1
            if isinstance(request, socket.socket):
                self._open.add(request)
        thread.start()

    def shutdown_request(self, request: Any) -> None:
        with self._tracking:
            self._open.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hung up (a timeout, a test reading half an answer, stop()) is not a stand-in bug,
        # and socketserver's default would print a traceback to stderr for it.
        if isinstance(sys.exc_info()[1], ConnectionError):
            log.debug("stand-in: %s hung up", client_address)
        else:
            log.exception("stand-in: error while serving %s", client_address)

    def close_connections(self) -> None:
        """Wake handler threads parked on idle keep-alive connections so they can end."""
        with self._tracking:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):  # already closed by the client
                sock.shutdown(socket.SHUT_RDWR)

    def join_handlers(self, timeout: float) -> None:
        with self._tracking:
            threads = list(self._handlers)
        for thread in threads:
            thread.join(timeout)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # The headers and the body go out in two writes: with Nagle's algorithm the body waited for the
    # client's delayed ACK of the headers (40 ms) on every call of a kept-alive connection, which a
    # new connection per call hid. Slack's own servers show no such wait.
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, verb: str) -> None:
        try:
            body = self._read_body()
        except ValueError:
            self.send_error(400, "malformed body framing")
            return
        parts = urlsplit(self.path)
        request = Request(
            verb=verb,
            path=parts.path,
            query=parts.query,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        try:
            reply = self.server.router.handle(request)
        except Exception as exc:
            log.exception("stand-in failed on %s %s", verb, parts.path)
            reply = Reply(500, f"stand-in bug: {exc!r}".encode(), TEXT_TYPE)
        if reply is None:
            self.close_connection = True
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)

    def _read_body(self) -> bytes:
        """The request body; ValueError when its Content-Length or chunk sizes are not numbers."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                # Trailers end with an empty line.
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("stand-in: " + format, *args)
