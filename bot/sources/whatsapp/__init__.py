"""The built-in WhatsApp plugin: entry point `socialdesk.sources.whatsapp:plugin`.

WhatsApp Business Cloud API webhooks (object `whatsapp_business_account`) at `/webhooks/whatsapp` and on
the shared `/webhooks/meta`; replies as messages to the customer's number, free text within the 24-hour
customer-service window and the config's approved templates (`whatsapp.templates`) outside it. Settings:
see `settings.py`; without `WHATSAPP_PHONE_NUMBER_ID` and `WHATSAPP_TOKEN` the plugin is off.
"""

from __future__ import annotations

from collections.abc import Iterable

from socialdesk.plugins.plugin import Contribution, Plugin, PluginHost, PluginOff
from socialdesk.plugins.replies import ErrorKind, ReplyConnector
from socialdesk.sources.settings_base import present
from socialdesk.sources.unconfigured import Unconfigured
from socialdesk.sources.whatsapp.normalize import WhatsAppNormalizer
from socialdesk.sources.whatsapp.replies import WhatsAppReplyConnector
from socialdesk.sources.whatsapp.settings import WhatsAppSettings
from socialdesk.sources.whatsapp.source import WhatsAppSource

NO_REPLIES = (
    "Replies on WhatsApp need WHATSAPP_PHONE_NUMBER_ID and WHATSAPP_TOKEN, which are not both set: ask an "
    "admin to connect the business number. Nothing was sent."
)


def build_whatsapp(settings: WhatsAppSettings, host: PluginHost) -> WhatsAppSource:
    token = present(settings.whatsapp_token)
    phone_id = settings.whatsapp_phone_number_id
    if token is None and phone_id is None:
        raise PluginOff("WHATSAPP_PHONE_NUMBER_ID and WHATSAPP_TOKEN are not set")
    connector: ReplyConnector = (
        WhatsAppReplyConnector(
            host.http,
            graph_url=settings.meta_graph_url,
            token=token.get_secret_value(),
            phone_number_id=phone_id,
        )
        if token is not None and phone_id is not None
        else Unconfigured(ErrorKind.AUTH, NO_REPLIES)
    )
    return WhatsAppSource(
        settings, connector=connector, normalizer=WhatsAppNormalizer(phone_id), now=host.now
    )


def _build(settings: WhatsAppSettings, host: PluginHost) -> Iterable[Contribution]:
    return [build_whatsapp(settings, host)]


plugin = Plugin(
    name="whatsapp",
    version="1.0",
    build=_build,
    settings=WhatsAppSettings,
    env_prefix="",  # WHATSAPP_PHONE_NUMBER_ID, WHATSAPP_TOKEN, META_GRAPH_URL, META_APP_SECRET, ...
    description="WhatsApp Business Cloud API: chats by webhook, replies in the 24-hour window or by template",
)

__all__ = ["WhatsAppSettings", "WhatsAppSource", "build_whatsapp", "plugin"]
