"""What every normalizer shares: our own accounts, and defensive readers for untrusted JSON.

Normalizers read payloads that anyone able to reach a webhook could have written, so they never
index blindly: the readers below either return the typed value or raise `MalformedPayload` with the
path of the offending field (`entry[0].changes[1].value.comment_id: expected a string id`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from socialdesk.domain.enums import Platform
from socialdesk.domain.platform_facts import facts_for
from socialdesk.plugins.mentions import Author, MalformedPayload


class BrandAccountsConfig(Protocol):
    """The part of the config's `ingest` section that names our own accounts."""

    @property
    def brand_ids(self) -> Mapping[Platform, Iterable[str]]: ...

    @property
    def brand_handles(self) -> Mapping[Platform, Iterable[str]]: ...



def _same_accounts(platform: Platform) -> tuple[str, ...]:
    """`platform` and those its source declares share its accounts (Meta: Facebook and Messenger)."""
    return (platform.value, *facts_for(platform).shares_accounts_with)


def _clean_handle(handle: str) -> str:
    return handle.strip().lstrip("@").casefold()


@dataclass(frozen=True, slots=True)
class BrandAccounts:
    """Our own accounts per platform: what they post is not a customer mention.

    Handles are compared without `@` and case-insensitively; ids exactly. Facebook and Messenger
    share page ids. Webhook normalizers also treat the subscribed account of the delivery (Meta's
    `entry[].id`, X's `for_user_id`) as ours, so an empty `BrandAccounts` is still safe for them.
    """

    ids: Mapping[Platform, frozenset[str]] = field(default_factory=dict)
    handles: Mapping[Platform, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        ids: Mapping[Platform, Iterable[str]] | None = None,
        handles: Mapping[Platform, Iterable[str]] | None = None,
    ) -> BrandAccounts:
        return cls(
            ids={p: frozenset(str(i).strip() for i in v) for p, v in (ids or {}).items()},
            handles={p: frozenset(_clean_handle(h) for h in v) for p, v in (handles or {}).items()},
        )

    @classmethod
    def from_config(cls, ingest: BrandAccountsConfig) -> BrandAccounts:
        return cls.build(ids=ingest.brand_ids, handles=ingest.brand_handles)

    def ids_for(self, platform: Platform) -> frozenset[str]:
        found: frozenset[str] = frozenset()
        for p in _same_accounts(platform):
            found |= self.ids.get(Platform.from_store(p), frozenset())
        return found

    def is_own(self, platform: Platform, *, account_id: str | None = None, handle: str | None = None) -> bool:
        if account_id and account_id in self.ids_for(platform):
            return True
        if handle:
            own = _clean_handle(handle)
            sharing = [Platform.from_store(name) for name in _same_accounts(platform)]
            return any(own in self.handles.get(p, frozenset()) for p in sharing)
        return False


NO_BRAND = BrandAccounts()


def unknown_author(external_id: str) -> Author:
    """The author of an item whose payload names nobody (Facebook `mention`, Instagram `mentions`,
    a v2 page fetched without the author expansion). The id is unique per item so that unrelated
    anonymous items are never taken for one repeat customer; the connector may hydrate it later."""
    return Author(id=f"unknown:{external_id}")


# --- readers ----------------------------------------------------------------------------------


def as_object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MalformedPayload(f"{where}: expected an object, got {_kind(value)}")
    return value


def as_list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise MalformedPayload(f"{where}: expected a list, got {_kind(value)}")
    return value


def req_object(parent: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    value = parent.get(key)
    if value is None:
        raise MalformedPayload(f"{where}.{key}: missing")
    return as_object(value, f"{where}.{key}")


def opt_object(parent: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    """`parent[key]` as an object; `{}` when absent or null."""
    value = parent.get(key)
    return {} if value is None else as_object(value, f"{where}.{key}")


def opt_list(parent: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = parent.get(key)
    return [] if value is None else as_list(value, f"{where}.{key}")


def opt_id(parent: Mapping[str, Any], key: str, where: str) -> str | None:
    """An identifier: platforms send ids as strings or (Meta, older X) as integers."""
    value = parent.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise MalformedPayload(f"{where}.{key}: expected a string id, got {_kind(value)}")
    text = str(value).strip()
    if not text or len(text) > 512:
        raise MalformedPayload(f"{where}.{key}: expected a non-empty id of at most 512 characters")
    return text


def req_id(parent: Mapping[str, Any], key: str, where: str) -> str:
    value = opt_id(parent, key, where)
    if value is None:
        raise MalformedPayload(f"{where}.{key}: missing")
    return value


def opt_str(parent: Mapping[str, Any], key: str, where: str) -> str | None:
    value = parent.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise MalformedPayload(f"{where}.{key}: expected a string, got {_kind(value)}")
    return value


def opt_int(parent: Mapping[str, Any], key: str) -> int | None:
    """A count (followers); anything that is not a non-negative integer reads as unknown."""
    value = parent.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def flag(parent: Mapping[str, Any], key: str) -> bool:
    return parent.get(key) is True


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


# --- time -------------------------------------------------------------------------------------

_MS_THRESHOLD = 100_000_000_000  # larger epoch values are milliseconds (seconds would be year 5138)
_X_EPOCH_MS = 1_288_834_974_657


def from_epoch(value: Any, where: str) -> datetime:
    """Unix seconds or milliseconds (number or digit string) as aware UTC."""
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 16:
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise MalformedPayload(f"{where}: expected a unix time, got {_kind(value)}")
    seconds = value / 1000 if abs(value) >= _MS_THRESHOLD else value
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise MalformedPayload(f"{where}: unix time out of range") from None


def from_iso(value: Any, where: str) -> datetime:
    """ISO 8601 (`2024-01-15T10:30:00.000Z`, `2018-02-23T21:32:16+0000`); naive means UTC."""
    if not isinstance(value, str):
        raise MalformedPayload(f"{where}: expected an ISO 8601 time, got {_kind(value)}")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise MalformedPayload(f"{where}: not an ISO 8601 time: {value[:40]!r}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def from_twitter(value: Any, where: str) -> datetime:
    """X v1.1 `created_at`: `Wed Oct 10 20:19:24 +0000 2018`."""
    if not isinstance(value, str):
        raise MalformedPayload(f"{where}: expected a time string, got {_kind(value)}")
    try:
        return datetime.strptime(value.strip(), "%a %b %d %H:%M:%S %z %Y").astimezone(UTC)
    except ValueError:
        raise MalformedPayload(f"{where}: not an X time ('Wed Oct 10 20:19:24 +0000 2018')") from None


def snowflake_time(external_id: str) -> datetime | None:
    """When an X post or DM event was created, read from its snowflake id (None if not one)."""
    if not external_id.isascii() or not external_id.isdigit() or len(external_id) > 20:
        return None
    number = int(external_id)
    if number < 2**32:  # ids from before November 2010 are sequential, not snowflakes
        return None
    millis = (number >> 22) + _X_EPOCH_MS
    try:
        return datetime.fromtimestamp(millis / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def require_snowflake_time(external_id: str, where: str) -> datetime:
    """`snowflake_time`, for an item that gave no time of its own: MalformedPayload if not a snowflake."""
    posted_at = snowflake_time(external_id)
    if posted_at is None:
        raise MalformedPayload(f"{where}: missing, and the id is not a snowflake to read it from")
    return posted_at
