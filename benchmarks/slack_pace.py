"""The Slack stand-in with Slack's pace: one write per second per channel, 429 + Retry-After beyond it.

`PacedSlackStandin` wraps the stand-in's router: a write (chat.postMessage, chat.update,
chat.postEphemeral) to a channel less than `interval` seconds after that channel's last accepted
write is answered 429 `ratelimited` with `Retry-After: 1`, as Slack does. Every accepted write is
timed per channel, so a benchmark can report the most calls any channel took in one second.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import Any

from socialdesk.standin import SlackStandin
from socialdesk.standin.routes import Reply, Request, parse_api_request

PACED_METHODS = frozenset({"chat.postMessage", "chat.update", "chat.postEphemeral"})


class PacedSlackStandin(SlackStandin):
    def __init__(self, *, interval: float = 1.0, channels: Mapping[str, str] | None = None, **kwargs: Any):
        super().__init__(channels=channels, **kwargs)
        self.interval = interval
        self._pace_lock = threading.Lock()
        self._last: dict[str, float] = {}
        self.accepted_at: dict[str, list[float]] = defaultdict(list)  # channel -> monotonic times
        self.refused = 0
        self.accepted_methods: Counter[str] = Counter()  # accepted writes by Web API method
        inner = self._router.handle

        def handle(request: Request) -> Reply | None:
            channel = self._paced_channel(request)
            if channel is None:
                return inner(request)
            method = request.path.removeprefix("/api/")
            with self._pace_lock:
                now = time.monotonic()
                if now - self._last.get(channel, -1e9) < self.interval:
                    self.refused += 1
                    return Reply.json(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"})
                self._last[channel] = now
                self.accepted_at[channel].append(now)
                self.accepted_methods[method] += 1
            return inner(request)

        self._router.handle = handle  # type: ignore[method-assign]

    def _paced_channel(self, request: Request) -> str | None:
        method = request.path.removeprefix("/api/")
        if not request.path.startswith("/api/") or method not in PACED_METHODS:
            return None
        try:
            args, _ = parse_api_request(request, json_input=True)
        except Exception:
            return None
        channel = args.get("channel")
        return str(channel) if channel else None

    def max_per_second(self) -> int:
        """The most writes any one channel took within any one-second window."""
        best = 0
        with self._pace_lock:
            series = [list(times) for times in self.accepted_at.values()]
        for times in series:
            start = 0
            for end, at in enumerate(times):
                while at - times[start] >= 1.0:
                    start += 1
                best = max(best, end - start + 1)
        return best
