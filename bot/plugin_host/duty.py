"""Messages to the duty channel that go out once per key: a plugin switched off, a plugin job's notice.

The key is claimed as a notice and the message queued in the outbox in one transaction, so a restart,
a second replica or a job that runs again never posts it twice.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from sqlalchemy import Engine

from socialdesk.clock import Clock
from socialdesk.outbox.queue import enqueue
from socialdesk.store.db import session_scope, writer
from socialdesk.store.notices_repo import claim_notice

log = logging.getLogger(__name__)

NOTICE_KIND = "plugin"


class DutyNotices:
    def __init__(self, *, engine: Engine, channel: str, clock: Clock, on_queued: Callable[[], None]) -> None:
        self._writer = writer(engine)
        self._channel = channel
        self._clock = clock
        self._on_queued = on_queued

    def post_once(self, key: str, text: str) -> bool:
        """Queue `text` for the duty channel unless `key` was posted before; True when queued now."""
        now = self._clock.now()
        notice = f"plugin:{key}"[:200]
        with session_scope(self._writer) as session:
            if not claim_notice(session, notice, NOTICE_KIND, now):
                return False
            enqueue(
                session,
                dedupe_key=notice,
                method="chat.postMessage",
                channel=self._channel,
                payload={"text": text[:3000], "unfurl_links": False, "unfurl_media": False},
                now=now,
            )
        self._on_queued()
        return True

    def plugin_failed(self, name: str, reason: str) -> None:
        """Once per plugin and reason: the same broken plugin at every restart is told about once."""
        digest = hashlib.sha256(reason.encode()).hexdigest()[:12]
        text = (
            f":warning: Plugin *{name}* was switched off: {reason}\n"
            "socialdesk goes on without it. `socialdesk plugins check` shows every plugin's status."
        )
        self.post_once(f"failed:{name}:{digest}", text)
