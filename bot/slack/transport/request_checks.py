"""Checks on Slack requests beyond Bolt's signature check: replays, retries and the workspace.

Bolt's `RequestVerification` already refuses a bad signature and a timestamp more than five minutes
from now (401). What a valid signature does not stop:

- **a replay**: the same signed body and timestamp sent again within those five minutes. The web
  process remembers each verified (timestamp, signature) until it is too old to verify anyway, and
  refuses a second sighting with 401. Slack never resends a request as it was: every Events API
  retry is a new request, signed afresh, with `X-Slack-Retry-Num`.
- **a retry of an event already worked**: such a retry (a new signature, the same `event_id`) is
  answered 200 and not dispatched again. Thread notes are also idempotent by message ts
  (`CaseWork.note_from_thread`), which covers retries that reach another replica.
- **another workspace**: a request whose team (`team_id` of a command or event envelope, `team.id`
  of an interaction) is not the workspace of the bot token is refused with 403. The expected team is
  `SLACK_TEAM_ID`, else learnt once from `auth.test` with the app's own client.

The replay and retry checks are HTTP concerns and run in the web route (`bot/slack/transport/bolt_route.py`),
before a request can be handed to a listener process (each of which has its own memory). The
workspace check runs there too, and also as a Bolt middleware, so that Socket Mode requests, which
never pass through HTTP, get it as well.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import parse_qs

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.signature import Clock, SignatureVerifier

from socialdesk.metrics import Metrics

log = logging.getLogger(__name__)

# slack_sdk's SignatureVerifier refuses timestamps more than this far from now, in either direction.
SIGNATURE_WINDOW_SECONDS: Final = 300
Headers = Mapping[str, str | Sequence[str]]


@dataclass(frozen=True, slots=True)
class Refusal:
    status: int
    reason: str
    label: str  # the metric's reason label


def team_of(body: Mapping[str, Any]) -> str | None:
    """The workspace a parsed Slack request comes from: a command's or an event envelope's `team_id`,
    an interaction's `team.id`. None when the request names none (url_verification, org-wide apps)."""
    team = body.get("team_id")
    if isinstance(team, str) and team:
        return team
    nested = body.get("team")
    if isinstance(nested, Mapping):
        team = nested.get("id")
        if isinstance(team, str) and team:
            return team
    return None


def parse_raw(body: str, content_type: str) -> dict[str, Any]:
    """The request body as Bolt would parse it; {} when it cannot be read (Bolt will refuse it)."""
    try:
        if "application/x-www-form-urlencoded" in content_type:
            form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
            payload = form.get("payload")
            parsed = json.loads(payload) if payload is not None else form
        else:
            parsed = json.loads(body) if body.strip() else {}
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


@dataclass
class WorkspaceGuard:
    """Knows the one workspace this bot serves and refuses requests from any other."""

    client: WebClient
    configured: str | None = None
    _learnt: str | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def known(self) -> bool:
        return (self.configured or self._learnt) is not None

    def expected(self) -> str | None:
        if self.configured:
            return self.configured
        with self._lock:
            if self._learnt is None:
                try:
                    team = self.client.auth_test().get("team_id")
                except (SlackApiError, SlackClientError, OSError) as exc:  # tried again on the next request
                    log.warning("auth.test failed; cannot tell this bot's workspace: %s", type(exc).__name__)
                    return None
                self._learnt = str(team) if team else None
            return self._learnt

    def refusal(self, team: str | None) -> Refusal | None:
        if team is None:
            return None
        expected = self.expected()
        if expected is None:
            reason = "the workspace this bot serves is not known yet; try again"
            return Refusal(503, reason, "workspace_unknown")
        if team != expected:
            return Refusal(403, f"this bot serves another Slack workspace than {team}", "other_workspace")
        return None


def install_workspace_check(app: App, guard: WorkspaceGuard, metrics: Metrics) -> None:
    """A global Bolt middleware (HTTP and Socket Mode): call it before `ack_first`, so that a refused
    request is not acknowledged first."""

    def same_workspace(body: dict[str, Any], next_: Callable[[], BoltResponse]) -> BoltResponse:
        refused = guard.refusal(team_of(body))
        if refused is None:
            return next_()
        metrics.requests_refused.labels(route="/slack/events", reason=refused.label).inc()
        log.warning("slack request refused: %s", refused.reason)
        return BoltResponse(status=refused.status, body=refused.reason)

    app.middleware(same_workspace)


def _first(value: str | Sequence[str] | None) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else (value[0] if value else "")


@dataclass
class SlackRequestChecks:
    """Replay, retry and workspace checks for POST /slack/events, run before Bolt or a listener process."""

    signing_secret: str
    workspace: WorkspaceGuard
    metrics: Metrics
    now: Callable[[], float] = time.time  # Slack signs with wall-clock time, so this is wall-clock too
    _seen: OrderedDict[tuple[str, str], int] = field(default_factory=OrderedDict, init=False, repr=False)
    _events: OrderedDict[str, int] = field(default_factory=OrderedDict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def refusal(self, body: str, headers: Headers) -> Refusal | None:
        """Why this request must not be dispatched, or None. A request whose signature does not verify
        is let through: Bolt refuses it with its own 401."""
        stamp = _first(headers.get("x-slack-request-timestamp"))
        signature = _first(headers.get("x-slack-signature"))
        if not stamp.isascii() or not stamp.isdigit() or len(stamp) > 12:
            return Refusal(401, "X-Slack-Request-Timestamp is missing or not a number", "forged")
        verifier = SignatureVerifier(self.signing_secret, clock=_WallClock(self.now))
        if not verifier.is_valid(body, stamp, signature):
            return None
        parsed = parse_raw(body, _first(headers.get("content-type")))
        event_id = parsed.get("event_id") if isinstance(parsed.get("event_id"), str) else None
        is_retry = bool(_first(headers.get("x-slack-retry-num")))
        with self._lock:
            self._forget_old()
            if (stamp, signature) in self._seen:
                reason = "replayed request: this signature was already used"
                return self._count(Refusal(401, reason, "replayed"))
            self._seen[(stamp, signature)] = int(stamp)
            if event_id is not None:
                if is_retry and event_id in self._events:
                    return self._count(Refusal(200, "retry of an event already received", "retry"))
                self._events[event_id] = int(stamp)
        return self._count_or_none(self.workspace.refusal(team_of(parsed)))

    def _forget_old(self) -> None:
        """Drop what no longer verifies (timestamps older than the signature window)."""
        oldest = int(self.now()) - SIGNATURE_WINDOW_SECONDS - 1
        _expire(self._seen, oldest)
        _expire(self._events, oldest)

    def _count(self, refused: Refusal) -> Refusal:
        self.metrics.requests_refused.labels(route="/slack/events", reason=refused.label).inc()
        log.warning("slack request refused: %s", refused.reason)
        return refused

    def _count_or_none(self, refused: Refusal | None) -> Refusal | None:
        return None if refused is None else self._count(refused)


def _expire(memory: OrderedDict[Any, int], oldest: int) -> None:
    """Oldest first, in arrival order: Slack's timestamps arrive nearly in order, so a late one at
    worst stays a little longer than it must."""
    while memory:
        key, stamp = next(iter(memory.items()))
        if stamp >= oldest:
            return
        memory.pop(key)


class _WallClock(Clock):
    """slack_sdk's clock over an injectable `now`."""

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now

    def now(self) -> float:
        return self._now()
