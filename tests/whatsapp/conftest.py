"""WhatsApp's tests: the local Cloud API on the test's clock, and socialdesk with the whatsapp plugin and
two approved templates in its config."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from socialdesk.clock import ManualClock
from socialdesk.config import Config, WhatsApp, load_config
from socialdesk.domain.message_templates import MessageTemplate, TemplateParam
from socialdesk.sources import meta, whatsapp
from socialdesk.sources.meta.verify import sign_meta
from socialdesk.sources.whatsapp.samples import at, load
from socialdesk.standin.platforms.whatsapp_api import WhatsAppCloudStandIn
from socialdesk.testing import Desk, DeskFactory
from socialdesk.testing.desk import desk_settings

PHONE_ID = "106540352242922"  # the business number's id, as in the recorded samples
TOKEN = "whatsapp-test-token-0123"
APP_SECRET = "meta-app-secret-for-whatsapp"
VERIFY_TOKEN = "verify-me"
CUSTOMER = "447700900123"  # the recorded text message's sender (Ofcom's range for drama)

TEMPLATES = [
    MessageTemplate(
        name="case_followup",
        language="en_US",
        title="Follow up on the case",
        text="Hi {{1}}, this is about your case {{2}}. Reply here and we'll pick it up.",
        params=[
            TemplateParam(label="customer name", value="{{ customer_name }}"),
            TemplateParam(label="case", value="{{ case_ref }}"),
        ],
    ),
    MessageTemplate(name="hello_world", language="en_US"),
]


def signed(payload: dict[str, Any], secret: str = APP_SECRET) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    return body, {"Content-Type": "application/json", **sign_meta(body, secret)}


def text_message(now: datetime, *, id: str, text: str, sender: str = CUSTOMER, name: str = "Ana Ruiz") -> Any:
    payload = at(load("text_message.json"), now, phone_number_id=PHONE_ID)
    value = payload["entry"][0]["changes"][0]["value"]
    value["contacts"] = [{"profile": {"name": name}, "wa_id": sender}]
    message = value["messages"][0]
    message["id"], message["from"], message["text"]["body"] = id, sender, text
    return payload


@pytest.fixture
def api(socialdesk_clock: ManualClock) -> Iterator[WhatsAppCloudStandIn]:
    now = socialdesk_clock.now
    templates = {(t.name, t.language): len(t.params) for t in TEMPLATES}
    with WhatsAppCloudStandIn(
        now=lambda: now().timestamp(), phone_number_id=PHONE_ID, access_token=TOKEN, templates=templates
    ) as server:
        yield server


@pytest.fixture
def env(api: WhatsAppCloudStandIn) -> dict[str, str]:
    return {
        "WHATSAPP_PHONE_NUMBER_ID": PHONE_ID,
        "WHATSAPP_TOKEN": TOKEN,
        "META_GRAPH_URL": api.graph_url,
        "META_APP_SECRET": APP_SECRET,
        "META_VERIFY_TOKEN": VERIFY_TOKEN,
    }


@pytest.fixture
def config(socialdesk_desk: DeskFactory) -> Config:
    base = load_config(desk_settings(socialdesk_desk.database_url, socialdesk_desk.slack.url).config_path())
    return base.model_copy(update={"whatsapp": WhatsApp(templates=TEMPLATES)})


@pytest.fixture
def desk(socialdesk_desk: DeskFactory, env: dict[str, str], config: Config) -> Desk:
    return socialdesk_desk(plugins=[whatsapp.plugin], env=env, config=config)


@pytest.fixture
def meta_desk(socialdesk_desk: DeskFactory, env: dict[str, str], config: Config) -> Desk:
    """The Meta source too, with the same app secret: it owns `/webhooks/meta`."""
    return socialdesk_desk(
        plugins=[meta.plugin, whatsapp.plugin],
        env=env,
        config=config,
        META_APP_SECRET=APP_SECRET,
        META_VERIFY_TOKEN=VERIFY_TOKEN,
    )


def deliver(desk: Desk, api: WhatsAppCloudStandIn, payload: Any, *, route: str = "whatsapp") -> Any:
    """Sign and POST `payload`; the stand-in learns each customer message, as WhatsApp knows it."""
    for entry in payload.get("entry", []):
        for change in entry.get("changes", []):
            for message in change.get("value", {}).get("messages", []):
                api.customer_wrote(message["from"], message["id"], float(message["timestamp"]))
    body, headers = signed(payload)
    response = desk.post_webhook(route, body, headers=headers)
    desk.settle()
    return response
