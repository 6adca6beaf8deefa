"""socialdesk's conformance harness passes on the WhatsApp source: every recorded delivery, signed, to its
cards through `/webhooks/whatsapp`, redelivered without a second card, and a private reply to the first
case reaching the stand-in."""

from __future__ import annotations

import json

from socialdesk.sources.whatsapp.samples import SAMPLES, at, load
from socialdesk.standin.platforms.whatsapp_api import WhatsAppCloudStandIn
from socialdesk.testing import Desk, check_source

from .conftest import PHONE_ID


def test_the_source_conforms(desk: Desk, api: WhatsAppCloudStandIn) -> None:
    # WhatsApp knows the customers who wrote the samples (their window is open).
    for name, _ in SAMPLES:
        for change in at(load(name), desk.clock.now())["entry"][0]["changes"]:
            for message in change["value"].get("messages", []):
                api.customer_wrote(message["from"], message["id"], float(message["timestamp"]))

    report = check_source(desk, desk.source("whatsapp"))

    assert [(s.name, len(s.cases)) for s in report.samples] == [
        ("text_message", 1),
        ("image_with_caption", 1),
        ("list_reply", 1),
        ("reaction", 0),
        ("statuses", 0),
    ]
    [sent] = api.sent
    assert report.reply is not None and report.reply.external_id == sent.id
    assert sent.context is not None and sent.context.startswith("wamid.")


def test_the_samples_carry_the_configured_business_number(desk: Desk) -> None:
    bodies = [json.loads(s.body) for s in desk.source("whatsapp").samples()]
    numbers = {b["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] for b in bodies}
    assert numbers == {PHONE_ID}
