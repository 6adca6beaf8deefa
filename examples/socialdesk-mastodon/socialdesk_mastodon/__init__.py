"""socialdesk-mastodon: Mastodon as a channel of socialdesk, and an example of every plugin kind.

| kind          | what                                                                         |
| ------------- | ---------------------------------------------------------------------------- |
| source        | polls `GET /api/v1/notifications?types[]=mention`, replies `POST /api/v1/statuses` |
| enricher      | tags VIP customers (`SOCIALDESK_MASTODON_VIP_HANDLES`) and raises their priority |
| command       | `/social mastodon status`, `/social mastodon vip <#case>`                    |
| job           | the day's Mastodon case numbers, once a day, in the duty channel             |
| card section  | the VIP tier and why on the case card and in `/social show`                  |
| events        | notes the Mastodon cases opened, for the export                              |

socialdesk finds `plugin` through the entry point `mastodon` in the group `socialdesk.plugins`.
"""

from __future__ import annotations

from datetime import timedelta

from socialdesk.plugins import Contribution, Plugin, PluginHost, PluginOff
from socialdesk_mastodon.api import MastodonApi
from socialdesk_mastodon.command import MastodonCommand
from socialdesk_mastodon.export import DailyExport, OpenedCases
from socialdesk_mastodon.settings import MastodonSettings
from socialdesk_mastodon.source import MastodonSource
from socialdesk_mastodon.vip import VipEnricher, VipList, VipSection

__version__ = "0.1.0"


def build(settings: MastodonSettings, host: PluginHost) -> list[Contribution]:
    if settings.base_url is None or settings.token is None:
        raise PluginOff("SOCIALDESK_MASTODON_BASE_URL and SOCIALDESK_MASTODON_TOKEN are not set")
    api = MastodonApi(host.http, settings.base_url, settings.token.get_secret_value())
    source = MastodonSource(
        api, host=settings.host, every=timedelta(seconds=settings.poll_seconds), now=host.now
    )
    vips = VipList(settings.vip_handles, host=settings.host)
    opened = OpenedCases()
    return [
        source,
        VipEnricher(vips),
        MastodonCommand(api, source.poller, vips, base_url=settings.base_url),
        opened,
        DailyExport(opened, hour=settings.export_hour),
        VipSection(),
    ]


plugin = Plugin(
    name="mastodon",
    version=__version__,
    build=build,
    settings=MastodonSettings,
    description="Mastodon mentions and replies, VIP tagging, /social mastodon, a nightly export",
)
