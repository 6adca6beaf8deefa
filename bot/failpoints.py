"""Failpoints: named spots where a crash test kills the process on the spot (tests only).

`failpoint("outbox.after_slack_call")` does nothing unless the process was armed with that name
(`SOCIALDESK_FAILPOINT`, read by `socialdesk.settings` and passed to `arm` by the composition root). When it
is, the process sends itself SIGKILL there: no `finally`, no flush, no atexit, exactly what a power
cut or the OOM killer does. tests/integration/test_crash_safety.py drives each name with a real
`socialdesk serve` and checks, after a restart, that nothing acknowledged was lost and nothing a
customer sees went out twice.

The names (each is one call in the code it names):
- `webhook.after_inbox_commit` (bot/web/webhooks.py): the inbox row is committed, the 200 is not sent.
- `ingest.before_commit` / `ingest.after_commit` (bot/ingest/pipeline.py): a batch of inbox items' case
  work; `ingest.mid_batch`: before each item of a batch but the first (some of its work done, none committed).
- `outbox.before_slack_call` / `outbox.after_slack_call` (bot/outbox/sender.py): Slack took the post
  but its answer is not recorded (the lost-answer case).
- `reply.before_platform_call` / `reply.after_platform_call` (bot/casework/replies.py).
- `notice.after_claim` (bot/digest/service.py): a digest's Notice and outbox rows are committed.
- `crisis.after_platform_call` (bot/crisis/publish.py): the brand post succeeded, it is not recorded.
"""

from __future__ import annotations

import os
import signal

_armed: str | None = None


def arm(name: str | None) -> None:
    """Arm the failpoint `name` for this process (None or "" disarms)."""
    global _armed
    _armed = name.strip() if name and name.strip() else None


def armed() -> str | None:
    return _armed


def failpoint(name: str) -> None:
    """Kill this process with SIGKILL if `name` is the armed failpoint; otherwise nothing (one compare)."""
    if _armed is not None and name == _armed:
        os.kill(os.getpid(), signal.SIGKILL)
