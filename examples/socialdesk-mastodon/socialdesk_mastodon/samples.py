"""Recorded notification pages (shapes of Mastodon 4.x), for socialdesk's conformance harness and demos.

Times are set relative to `now` so that the cases they open are live ones, not history.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def account(id_: str, acct: str, name: str, *, host: str, followers: int = 120) -> dict[str, Any]:
    username = acct.split("@")[0]
    home = acct.split("@")[1] if "@" in acct else host
    return {
        "id": id_,
        "username": username,
        "acct": acct,
        "display_name": name,
        "url": f"https://{home}/@{username}",
        "followers_count": followers,
        "bot": False,
    }


def mention(
    id_: str,
    status_id: str,
    who: dict[str, Any],
    html: str,
    when: datetime,
    *,
    host: str,
    visibility: str = "public",
    in_reply_to: str | None = None,
) -> dict[str, Any]:
    status = {
        "id": status_id,
        "created_at": _iso(when),
        "in_reply_to_id": in_reply_to,
        "visibility": visibility,
        "spoiler_text": "",
        "content": html,
        "url": f"{who['url']}/{status_id}",
        "account": who,
        "mentions": [{"id": "1", "username": "acme", "acct": "acme", "url": f"https://{host}/@acme"}],
    }
    return {"id": id_, "type": "mention", "created_at": _iso(when), "account": who, "status": status}


def sample_pages(now: datetime, host: str) -> list[tuple[str, list[dict[str, Any]], int]]:
    """(name, page, mentions it holds) for each recorded page."""
    at = now - timedelta(minutes=2)
    link = f'<a href="https://{host}/@acme" class="u-url mention">@<span>acme</span></a>'
    brand = f'<span class="h-card">{link}</span>'
    dana = account("109000000000000001", "dana@mastodon.social", "Dana W", host=host)
    lee = account("109000000000000002", "lee", "Lee", host=host)
    sam = account("109000000000000003", "sam@fosstodon.org", "Sam K", host=host)
    favourite = {
        "id": "900003",
        "type": "favourite",
        "created_at": _iso(at),
        "account": sam,
        "status": {"id": "111000000000000009", "content": "<p>our post</p>", "account": sam},
    }
    return [
        (
            "public mention",
            [
                mention(
                    "900001",
                    "111000000000000001",
                    dana,
                    f"<p>{brand} my order never arrived &amp; nobody answers</p>",
                    at,
                    host=host,
                )
            ],
            1,
        ),
        (
            "direct message",
            [
                mention(
                    "900002",
                    "111000000000000002",
                    lee,
                    f"<p>{brand} can you check order 4411? I was charged twice</p>",
                    at,
                    host=host,
                    visibility="direct",
                )
            ],
            1,
        ),
        ("a favourite is not a mention", [favourite], 0),
    ]
