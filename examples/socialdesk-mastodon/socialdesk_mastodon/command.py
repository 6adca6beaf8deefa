"""`/social mastodon`: the account and the poller's position, or whether a case's customer is a VIP.

Every answer is private to the agent who asked (socialdesk answers every `/social` subcommand that way).
"""

from __future__ import annotations

from typing import Any

from socialdesk.plugins import Command, CommandCall, CommandError
from socialdesk_mastodon.api import MastodonApi, MastodonError
from socialdesk_mastodon.poller import MastodonPoller
from socialdesk_mastodon.vip import VipList

USAGE = "/social mastodon status | /social mastodon vip <#case>"


class MastodonCommand(Command):
    name = "mastodon"
    usage = USAGE
    summary = "the Mastodon account and its poller; whether a case's customer is a VIP"
    role = "agent"

    def __init__(self, api: MastodonApi, poller: MastodonPoller, vips: VipList, *, base_url: str) -> None:
        self._api = api
        self._poller = poller
        self._vips = vips
        self._base_url = base_url
        self._account: dict[str, Any] | None = None

    def run(self, call: CommandCall) -> str:
        match call.args:
            case ("status",):
                return self._status()
            case ("vip", ref):
                return self._vip(call, ref)
            case _:
                raise CommandError(f"Usage: {USAGE}")

    def _status(self) -> str:
        try:
            if self._account is None:
                self._account = self._api.verify_credentials()
            account = f"*@{self._account.get('acct', '?')}* on {self._base_url}"
        except (MastodonError, OSError) as exc:
            account = f"{self._base_url} (the account could not be read: {exc})"
        last = self._poller.last
        if last is None:
            polled = "not polled since socialdesk started"
        else:
            polled = (
                f"last poll {last.at:%Y-%m-%d %H:%M} UTC ({last.outcome}, {last.mentions} new), "
                f"cursor {last.cursor or 'none yet'}"
            )
        return f"Mastodon: {account}; {polled}; {len(self._vips)} VIP handle(s) listed."

    def _vip(self, call: CommandCall, ref: str) -> str:
        case = call.case(ref)
        if case is None:
            raise CommandError(f"There is no case {ref}. Usage: {USAGE}")
        if case.platform != "mastodon":
            return f"#{case.number} is a {case.platform} case, not a Mastodon one."
        tier = self._vips.tier(case.author_handle)
        if tier is None:
            return f"#{case.number}: @{case.author_handle} is not on the VIP list."
        return f"#{case.number}: @{case.author_handle} is a VIP ({tier})."
