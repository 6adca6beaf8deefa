"""The Graph stand-in's read of an Instagram @mention: `GET /{ig-user-id}?fields=mentioned_comment...`.

Meta's webhook for a mention of the brand in someone else's comment or caption carries ids only; the text
and the author are read through the brand's own IG user node, with field expansion (one line each):

    GET /{ig-user-id}?fields=mentioned_comment.comment_id({comment-id})
        {id,text,username,timestamp,media{id,permalink}}
    GET /{ig-user-id}?fields=mentioned_media.media_id({media-id})
        {id,caption,username,timestamp,permalink}

answered `{"mentioned_comment": {...}, "id": "<ig-user-id>"}`. As Graph does, the stand-in refuses a node
that is not the brand's account, an object it does not know or of the wrong type (code 100, subcode 33), a
field the object does not have (code 100, "Tried accessing nonexisting field") and a malformed `fields`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from socialdesk.standin.platforms.graph_wire import GraphError, no_object

_FIELDS = re.compile(r"mentioned_(comment|media)\.(comment_id|media_id)\((\w+)\)(?:\{(.*)\})?")
COMMENT_FIELDS = frozenset({"id", "text", "username", "timestamp", "like_count", "media", "hidden"})
MEDIA_FIELDS = frozenset(
    {"id", "caption", "username", "timestamp", "permalink", "media_type", "media_product_type", "like_count"}
)
DEFAULT_FIELDS = ("id",)


class MentionedObject(Protocol):
    """What the stand-in keeps of a comment or media (socialdesk.standin.platforms.graph_api.GraphObject)."""

    id: str
    platform: str
    type: str
    created_time: float
    parent_id: str | None
    deleted: bool
    message: str
    username: str


def split_fields(text: str) -> list[str]:
    """`a,b{c,d},e` -> ["a", "b{c,d}", "e"]: commas inside braces belong to the expansion."""
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch == "," and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        depth += (ch == "{") - (ch == "}")
        if depth < 0:
            raise GraphError(100, "Syntax error: unbalanced braces in fields")
        current += ch
    if depth:
        raise GraphError(100, "Syntax error: unbalanced braces in fields")
    if current.strip():
        parts.append(current.strip())
    return parts


def read_mention(
    node: str,
    query: Mapping[str, str],
    *,
    ig_account_id: str,
    lookup: Callable[[str], MentionedObject | None],
    permalink: Callable[[Any], str],
) -> dict[str, Any]:
    """The answer to one GET on the brand's IG user node asking for a mentioned comment or media."""
    if node != ig_account_id:
        raise no_object(node)
    match = _FIELDS.fullmatch((query.get("fields") or "").strip())
    if match is None:
        raise GraphError(100, "(#100) fields must be mentioned_comment.comment_id(...) or mentioned_media...")
    what, key, object_id, wanted = match.groups()
    if (what, key) not in (("comment", "comment_id"), ("media", "media_id")):
        raise GraphError(100, f"(#100) mentioned_{what} takes {what}_id, not {key}")
    found = lookup(object_id)
    expected_type = "comment" if what == "comment" else "post"
    if found is None or found.deleted or found.platform != "instagram" or found.type != expected_type:
        raise no_object(object_id)
    fields = split_fields(wanted) if wanted else list(DEFAULT_FIELDS)
    allowed = COMMENT_FIELDS if what == "comment" else MEDIA_FIELDS
    view = {
        name.partition("{")[0].strip(): _field(name, found, allowed, lookup, permalink) for name in fields
    }
    return {f"mentioned_{what}": {k: v for k, v in view.items() if v is not None}, "id": ig_account_id}


def _field(
    spec: str,
    item: MentionedObject,
    allowed: frozenset[str],
    lookup: Callable[[str], MentionedObject | None],
    permalink: Callable[[Any], str],
) -> Any:
    name, _, sub = spec.partition("{")
    name = name.strip()
    if name not in allowed:
        raise GraphError(100, f"(#100) Tried accessing nonexisting field ({name}) on node type (IGComment)")
    if name == "media":
        media = lookup(item.parent_id or "")
        while media is not None and media.type == "comment":  # a reply: its media is its parent's
            media = lookup(media.parent_id or "")
        if media is None:
            return None
        subfields = split_fields(sub.rstrip("}")) if sub else ["id"]
        return {
            s.partition("{")[0].strip(): _field(s, media, MEDIA_FIELDS, lookup, permalink) for s in subfields
        }
    values: dict[str, Any] = {
        "id": item.id,
        "text": item.message,
        "caption": item.message,
        "username": item.username or None,
        "timestamp": datetime.fromtimestamp(item.created_time, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000"),
        "permalink": permalink(item) if item.type == "post" else None,
        "media_type": "IMAGE",
        "media_product_type": "FEED",
        "like_count": 0,
        "hidden": False,
    }
    return values[name]
