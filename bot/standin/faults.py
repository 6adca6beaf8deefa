"""Failures a test asks for: rate limits, server errors, Slack errors and slow answers.

Rules are kept in the order they were added; a call takes the first live rule for its method, and a
rule stops applying once it has been used `times` times.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class FailureRule:
    """What to do to the next `remaining` calls of `method`.

    `error` answers HTTP 200 `{"ok": false, "error": error}`; `status` 429 answers `ratelimited` with a
    `Retry-After` header, any other status a bare error page; `delay` holds the answer back first (and
    with nothing else set, then answers normally). A rule with none of these is a 429.
    """

    method: str
    status: int | None
    error: str | None
    delay: float | None
    retry_after: int
    remaining: int
    # Set when a call first uses the rule: lets a test know a delayed call has arrived, without sleeping.
    used: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)

    @property
    def answers_normally(self) -> bool:
        return self.error is None and self.status is None and self.delay is not None

    @property
    def effective_status(self) -> int:
        if self.error is not None:
            return 200
        return self.status if self.status is not None else 429


class FaultPlan:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FailureRule] = []

    def add(self, rule: FailureRule) -> None:
        if rule.remaining < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._rules.append(rule)

    def take(self, method: str) -> FailureRule | None:
        with self._lock:
            for rule in self._rules:
                if rule.method == method and rule.remaining > 0:
                    rule.remaining -= 1
                    rule.used.set()
                    if rule.remaining == 0:
                        self._rules.remove(rule)
                    return rule
            return None

    def pending(self) -> list[FailureRule]:
        with self._lock:
            return list(self._rules)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
