"""socialdesk's conformance harness passes on the Threads source: every recorded delivery, signed, to
its cards through `/webhooks/threads`, redelivered without a second card, and a reply to the first case
reaching the stand-in in two steps."""

from __future__ import annotations

from datetime import timedelta

from socialdesk.standin.platforms.threads_api import ThreadsApiStandIn
from socialdesk.testing import Desk, check_source


def test_the_source_conforms(desk: Desk, api: ThreadsApiStandIn) -> None:
    # Replies go under the recorded posts: the stand-in knows the one the first sample answers.
    root = api.add_post("Our autumn sale", id="17890000000000001", at=desk.clock.now() - timedelta(days=1))
    api.add_post("my order never arrived", username="dana.rides", reply_to=root, id="17890000000000101")

    report = check_source(desk, desk.source("threads"))

    assert [(s.name, s.delivered_as, len(s.cases)) for s in report.samples] == [
        ("reply_webhook", "webhook", 1),
        ("mention_webhook", "webhook", 1),
        ("mention_entry", "webhook", 1),
        ("delete_webhook", "webhook", 0),
    ]
    [published] = api.published()
    assert report.reply is not None and report.reply.external_id == published.id
    assert published.replied_to == "17890000000000101"
