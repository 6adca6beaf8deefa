"""socialdesk's testing kit for plugin authors (a pytest plugin, `-p socialdesk` is loaded for you).

    def test_mention_becomes_a_card(socialdesk_desk):
        desk = socialdesk_desk(plugins=[plugin], env={"SOCIALDESK_FORUM_TOKEN": "t"})
        desk.post_webhook("forum", body, headers=sign(body))
        desk.settle()
        assert len(desk.cards()) == 1

What it offers:

- **a runtime on the Slack stand-in**: `open_desk(...)` / the `socialdesk_desk` fixture build socialdesk's
  real runtime with your plugins (installed entry points left out), an SQLite database, the Slack
  stand-in and a manual clock. `Desk.settle()` processes the inbox and sends the outbox; `cards()`,
  `cases()`, `replies()`, `duty_messages()` read back what happened;
- **signed requests**: `Desk.post_webhook(name, body, headers=...)` to `/webhooks/<name>`,
  `Desk.command("mastodon status")` and `Desk.click(action_id, value)` as signed Slack requests through
  the served app, answered privately on the stand-in (`Answers.private`);
- **the conformance harness**: `check_source(desk, source)` runs `source.samples()` end to end to cards
  and a reply;
- **time**: the `socialdesk_clock` fixture (`ManualClock`), `Desk.advance(timedelta)` which runs the jobs
  that fell due, `Desk.run_job(id)`;
- **platform stand-ins**: `StandInServer` and friends, a base for a real local HTTP server standing in
  for your platform's API.

Fixtures are all named `socialdesk_*`; importing this module starts nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# name -> module: imported when first asked for, so that loading the pytest plugin (every pytest run in an
# environment where socialdesk is installed) imports nothing heavy and starts nothing.
_EXPORTS = {
    "ManualClock": "socialdesk.clock",
    "Conformance": "socialdesk.testing.conformance",
    "ConformanceError": "socialdesk.testing.conformance",
    "SampleOutcome": "socialdesk.testing.conformance",
    "check_source": "socialdesk.testing.conformance",
    "START": "socialdesk.testing.desk",
    "Desk": "socialdesk.testing.desk",
    "DeskFactory": "socialdesk.testing.desk",
    "desk_settings": "socialdesk.testing.desk",
    "open_desk": "socialdesk.testing.desk",
    "JobClock": "socialdesk.testing.jobclock",
    "find_job": "socialdesk.testing.jobclock",
    "Card": "socialdesk.testing.reading",
    "AGENT": "socialdesk.testing.signing",
    "BOT_TOKEN": "socialdesk.testing.signing",
    "SIGNING_SECRET": "socialdesk.testing.signing",
    "SUPPORT_CHANNEL": "socialdesk.testing.signing",
    "block_action_body": "socialdesk.testing.signing",
    "slack_headers": "socialdesk.testing.signing",
    "slack_signature": "socialdesk.testing.signing",
    "slash_command_body": "socialdesk.testing.signing",
    "Answers": "socialdesk.testing.slack_requests",
    "SlackRequests": "socialdesk.testing.slack_requests",
    "get_webhook": "socialdesk.testing.slack_requests",
    "post_webhook": "socialdesk.testing.slack_requests",
    "Failure": "socialdesk.testing.standins",
    "RecordedRequest": "socialdesk.testing.standins",
    "Reply": "socialdesk.testing.standins",
    "StandInServer": "socialdesk.testing.standins",
}

if TYPE_CHECKING:
    from socialdesk.clock import ManualClock
    from socialdesk.testing.conformance import Conformance, ConformanceError, SampleOutcome, check_source
    from socialdesk.testing.desk import START, Desk, DeskFactory, desk_settings, open_desk
    from socialdesk.testing.jobclock import JobClock, find_job
    from socialdesk.testing.reading import Card
    from socialdesk.testing.signing import (
        AGENT,
        BOT_TOKEN,
        SIGNING_SECRET,
        SUPPORT_CHANNEL,
        block_action_body,
        slack_headers,
        slack_signature,
        slash_command_body,
    )
    from socialdesk.testing.slack_requests import Answers, SlackRequests, get_webhook, post_webhook
    from socialdesk.testing.standins import Failure, RecordedRequest, Reply, StandInServer

__all__ = [
    "AGENT",
    "BOT_TOKEN",
    "SIGNING_SECRET",
    "START",
    "SUPPORT_CHANNEL",
    "Answers",
    "Card",
    "Conformance",
    "ConformanceError",
    "Desk",
    "DeskFactory",
    "Failure",
    "JobClock",
    "ManualClock",
    "RecordedRequest",
    "Reply",
    "SampleOutcome",
    "SlackRequests",
    "StandInServer",
    "block_action_body",
    "check_source",
    "desk_settings",
    "find_job",
    "get_webhook",
    "open_desk",
    "post_webhook",
    "slack_headers",
    "slack_signature",
    "slash_command_body",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'socialdesk.testing' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
