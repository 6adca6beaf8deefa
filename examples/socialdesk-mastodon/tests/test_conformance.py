"""socialdesk's conformance harness passes on the Mastodon source: every sample page to its cards, and a
reply to the first case reaching the stand-in."""

from __future__ import annotations

import json

from mastodon_standin import MastodonStandIn

from socialdesk.testing import Desk, check_source


def test_the_source_conforms(desk: Desk, mastodon: MastodonStandIn) -> None:
    source = desk.source("mastodon")
    for sample in source.samples():  # replies go under the recorded statuses: the stand-in knows them
        mastodon.remember(json.loads(sample.body))

    report = check_source(desk, source)

    assert [(s.name, s.delivered_as, len(s.cases)) for s in report.samples] == [
        ("public mention", "poll page", 1),
        ("direct message", "poll page", 1),
        ("a favourite is not a mention", "poll page", 0),
    ]
    [posted] = mastodon.posted
    assert report.reply is not None and report.reply.external_id == posted["id"]
    assert posted["in_reply_to_id"] == "111000000000000001"
