"""A page of Mastodon notifications (what the poller stores) to socialdesk's neutral mentions.

Anyone able to reach the instance writes these statuses, so every field is read defensively: a page that
is not what Mastodon sends raises `MalformedPayload` naming the field, and the body is kept for a look.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from socialdesk.plugins import (
    Author,
    BrandAccounts,
    MalformedPayload,
    MentionKind,
    NormalizedMention,
    NormalizeResult,
    Platform,
    Skipped,
)
from socialdesk_mastodon.text import html_to_text


def _field(value: Any, key: str, where: str) -> Any:
    if not isinstance(value, dict) or value.get(key) in (None, ""):
        raise MalformedPayload(f"{where}.{key}: missing")
    return value[key]


def _id(value: Any, key: str, where: str) -> str:
    found = _field(value, key, where)
    if not isinstance(found, str | int) or not str(found).isdigit():
        raise MalformedPayload(f"{where}.{key}: expected a numeric id, got {found!r}")
    return str(found)


def _when(value: Any, where: str) -> datetime:
    try:
        when = datetime.fromisoformat(str(_field(value, "created_at", where)).replace("Z", "+00:00"))
    except ValueError:
        raise MalformedPayload(f"{where}.created_at: not an ISO 8601 time") from None
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


def qualified(acct: str, host: str) -> str:
    """`dana` (an account on our own instance) -> `dana@our.host`; remote `acct`s already carry theirs."""
    acct = acct.strip().lstrip("@").casefold()
    return acct if "@" in acct or not host else f"{acct}@{host}"


class MastodonNormalizer:
    def __init__(self, platform: Platform, host: str) -> None:
        self._platform = platform
        self._host = host

    def __call__(self, payload: Any, brand: BrandAccounts) -> NormalizeResult:
        if not isinstance(payload, list):
            raise MalformedPayload("a page of notifications must be a JSON array")
        result = NormalizeResult()
        for index, item in enumerate(payload):
            where = f"[{index}]"
            kind = _field(item, "type", where)
            if kind != "mention":
                result.skipped.append(Skipped(f"notification {item.get('id')} is a {kind}, not a mention"))
                continue
            mention = self._mention(item, where, brand)
            if mention is None:
                result.skipped.append(Skipped(f"notification {item.get('id')} is our own status"))
            else:
                result.mentions.append(mention)
        return result

    def _mention(self, item: dict[str, Any], where: str, brand: BrandAccounts) -> NormalizedMention | None:
        status = _field(item, "status", where)
        where = f"{where}.status"
        account = _field(status, "account", where)
        account_id = _id(account, "id", f"{where}.account")
        acct = str(_field(account, "acct", f"{where}.account"))
        handle = qualified(acct, self._host)
        if brand.is_own(self._platform, account_id=account_id, handle=handle):
            return None
        status_id = _id(status, "id", where)
        visibility = str(status.get("visibility") or "public")
        in_reply_to = status.get("in_reply_to_id")
        private = visibility == "direct"
        text = html_to_text(str(status.get("content") or ""))
        if status.get("spoiler_text"):  # a content warning is part of what the customer wrote
            text = f"CW: {status['spoiler_text']}\n{text}"
        return NormalizedMention(
            platform=self._platform,
            external_id=status_id,
            kind=MentionKind.DIRECT if private else MentionKind.REPLY if in_reply_to else MentionKind.POST,
            author=Author(
                id=account_id,
                handle=handle,
                name=str(account.get("display_name") or account.get("username") or acct),
                followers=account.get("followers_count")
                if isinstance(account.get("followers_count"), int)
                else None,
                url=account.get("url"),
            ),
            text=text,
            posted_at=_when(status, where),
            conversation_key=f"mastodon:dm:{account_id}"
            if private
            else f"mastodon:thread:{in_reply_to or status_id}",
            is_private=private,
            parent_external_id=str(in_reply_to) if in_reply_to else None,
            url=status.get("url"),
            # What a reply needs: whom to mention (the account as its instance names it) and its visibility.
            extra={"acct": acct.lstrip("@"), "visibility": visibility},
        )
