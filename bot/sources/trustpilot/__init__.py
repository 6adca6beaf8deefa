"""The built-in Trustpilot plugin, entry point `socialdesk.sources.trustpilot:plugin`: the business unit's
service reviews, polled, answered with the business's one public reply.

| variable                      | what                                                                 |
| ----------------------------- | -------------------------------------------------------------------- |
| `TRUSTPILOT_API_KEY`          | the application's API key (Trustpilot Business > Integrations > API) |
| `TRUSTPILOT_API_SECRET`       | the application's secret                                             |
| `TRUSTPILOT_BUSINESS_UNIT_ID` | the business unit (profile) whose reviews are read                   |
| `TRUSTPILOT_BUSINESS_USER_ID` | the business user named as the replies' author                       |
| `TRUSTPILOT_API_URL`          | default `https://api.trustpilot.com`                                 |
| `TRUSTPILOT_TOKEN_URL`        | default Trustpilot's client-credentials token endpoint               |

Without the key, the secret or the business unit the plugin is off (listed as such, not an error).
"""

from __future__ import annotations

from collections.abc import Iterable

from socialdesk.plugins.plugin import Contribution, Plugin, PluginHost, PluginOff
from socialdesk.sources.settings_base import present
from socialdesk.sources.trustpilot.api import Api
from socialdesk.sources.trustpilot.auth import AccessTokens
from socialdesk.sources.trustpilot.poller import TrustpilotPoller
from socialdesk.sources.trustpilot.replies import TrustpilotReplies
from socialdesk.sources.trustpilot.settings import TrustpilotSettings
from socialdesk.sources.trustpilot.source import TRUSTPILOT, TrustpilotSource


def _build(settings: TrustpilotSettings, host: PluginHost) -> Iterable[Contribution]:
    key, secret = present(settings.trustpilot_api_key), present(settings.trustpilot_api_secret)
    unit = settings.trustpilot_business_unit_id
    if key is None or secret is None or not unit:
        missing = [
            name
            for name, value in (
                ("TRUSTPILOT_API_KEY", key),
                ("TRUSTPILOT_API_SECRET", secret),
                ("TRUSTPILOT_BUSINESS_UNIT_ID", unit),
            )
            if not value
        ]
        raise PluginOff(f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set")
    tokens = AccessTokens(host.http, settings.trustpilot_token_url, key=key, secret=secret)
    api = Api(host.http, settings.trustpilot_api_url, tokens, key)
    user = settings.trustpilot_business_user_id
    return [
        TrustpilotSource(
            poller=TrustpilotPoller(api, unit),
            replies=TrustpilotReplies(api, user),
            business_user_id=user,
            now=host.now,
        )
    ]


plugin = Plugin(
    name="trustpilot",
    version="1.0",
    build=_build,
    settings=TrustpilotSettings,
    env_prefix="",  # TRUSTPILOT_API_KEY, TRUSTPILOT_API_SECRET, TRUSTPILOT_BUSINESS_UNIT_ID, ...
    description="Trustpilot: the business unit's service reviews polled (new and edited), one reply each",
)

__all__ = ["TRUSTPILOT", "TrustpilotSettings", "TrustpilotSource", "plugin"]
