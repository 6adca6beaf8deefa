"""Completing an Instagram `mentions` item from the Graph API.

The webhook says only *where* we were mentioned (`comment_id`, `media_id`; the mention carries
`extra["hydrate"]` = "comment" or "media"). `socialdesk.sources.meta.mention_fetch` asks the Graph API
(`GET /{ig-user-id}?fields=mentioned_comment.comment_id({id}){id,text,username,timestamp,media{id,permalink}}`
or `...mentioned_media.media_id({id}){id,caption,username,timestamp,permalink}`) and passes the answer
here. A bare comment object (`GET /{ig-comment-id}`) is accepted too. Pure: no I/O.

The link is the media's permalink (a comment has none of its own); the author is the `username` (Meta
gives no id for the author of a mention), so the author id is `username:<name>`, as for a comment
webhook that names only a username.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from socialdesk.plugins.mentions import Author, MalformedPayload, NormalizedMention
from socialdesk.plugins.payloads import as_object, from_iso, opt_id, opt_object, opt_str


def hydrate_instagram_mention(mention: NormalizedMention, graph: Any) -> NormalizedMention:
    """The mention with the text, author and time the Graph API answer gives; ids must agree."""
    target = mention.extra.get("hydrate")
    root = as_object(graph, "graph")
    if target == "comment":
        where = "graph.mentioned_comment" if "mentioned_comment" in root else "graph"
        item = opt_object(root, "mentioned_comment", "graph") or root
        expected = mention.extra.get("comment_id")
        text_key = "text"
    elif target == "media":
        where = "graph.mentioned_media"
        item = opt_object(root, "mentioned_media", "graph")
        expected = mention.extra.get("media_id")
        text_key = "caption"
    else:
        raise ValueError(f"mention {mention.external_id} does not need hydrating")
    item_id = opt_id(item, "id", where)
    if item_id != expected:
        raise MalformedPayload(f"{where}.id: expected {expected}, got {item_id}")

    user = opt_object(item, "user", where) or opt_object(item, "from", where)
    username = opt_str(item, "username", where) or opt_str(user, "username", f"{where}.user") or ""
    user_id = opt_id(user, "id", f"{where}.user")
    author = mention.author
    if user_id or username:
        author = Author(
            id=user_id or f"username:{username}",
            handle=username,
            url=f"https://www.instagram.com/{username}/" if username else None,
        )
    text = (opt_str(item, text_key, where) or "").strip() or (
        "[comment without text]" if target == "comment" else "[post without a caption]"
    )
    timestamp = item.get("timestamp")
    posted_at = from_iso(timestamp, f"{where}.timestamp") if timestamp is not None else mention.posted_at
    media = opt_object(item, "media", where) if target == "comment" else item
    url = opt_str(media, "permalink", where) or mention.url
    extra = {k: v for k, v in mention.extra.items() if k not in DONE_WITH}
    return dataclasses.replace(mention, text=text, author=author, posted_at=posted_at, url=url, extra=extra)


# What a completed mention no longer carries: the marker and the note of what was missing.
DONE_WITH = frozenset({"hydrate", "pending"})
