"""`entry[].changes[]` of Meta webhooks: the Facebook Page `feed` and `mention` fields, and the
Instagram `comments`, `live_comments` and `mentions` fields.

Conversation keys:

- Facebook comment: `facebook:{post_id}:{top-level comment id}`; a reply to a comment (its
  `parent_id` is a comment, not the post) joins its parent's conversation.
- Facebook post on our page, or a post mentioning us: `facebook:{post_id}`.
- Facebook rating (review): `facebook_review:{id}`.
- Instagram comment: `instagram:{media_id}:{top-level comment id}` (`unknown` when the older
  webhook shape leaves the media out); a caption mention: `instagram:{media_id}`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from socialdesk.domain.enums import MentionKind, Platform
from socialdesk.plugins.mentions import Author, NormalizedMention, Skipped
from socialdesk.plugins.payloads import opt_id, opt_object, opt_str, req_id, unknown_author
from socialdesk.sources.meta.entry import MetaEntry, Outcome

OWN_POST = "own post"

_VERB_WORDS = {
    "add": "added",
    "edited": "edited",
    "edit": "edited",
    "hide": "hidden",
    "unhide": "unhidden",
    "remove": "removed",
    "delete": "removed",
    "block": "blocked",
    "unblock": "unblocked",
}
_POST_ITEMS = frozenset({"post", "status", "photo", "video", "share", "event", "album", "note"})


def _verb_word(verb: str) -> str:
    return _VERB_WORDS.get(verb, verb or "changed")


def _fb_author(value: dict[str, Any], where: str) -> Author | None:
    """`from: {id, name}` (newer Graph versions) or `sender_id` / `sender_name` (older)."""
    sender = opt_object(value, "from", where)
    author_id = opt_id(sender, "id", f"{where}.from") or opt_id(value, "sender_id", where)
    if author_id is None:
        return None
    name = opt_str(sender, "name", f"{where}.from") or opt_str(value, "sender_name", where) or ""
    return Author(id=author_id, name=name)


def _fb_text(value: dict[str, Any], item: str, where: str) -> str:
    message = (opt_str(value, "message", where) or "").strip()
    if message:
        return message
    if value.get("photo") is not None or item == "photo":
        return "[photo]"
    if value.get("video") is not None or item == "video":
        return "[video]"
    link = opt_str(value, "link", where)
    return link or f"[{item or 'item'} without text]"


def _fb_comment(
    value: dict[str, Any], entry: MetaEntry, where: str, author: Author | None, *, mentioned: bool
) -> NormalizedMention:
    comment_id = req_id(value, "comment_id", where)
    post_id = req_id(value, "post_id", where)
    parent_id = opt_id(value, "parent_id", where)
    top = parent_id if parent_id is not None and parent_id != post_id else comment_id
    extra = {**entry.account_extra(), "post_id": post_id, "comment_id": comment_id}
    if parent_id is not None:
        extra["parent_id"] = parent_id
    photo = opt_str(value, "photo", where)
    if photo:
        extra["photo_url"] = photo
    if mentioned:
        extra["mentioned"] = "true"
    return NormalizedMention(
        platform=Platform.FACEBOOK,
        external_id=comment_id,
        kind=MentionKind.COMMENT if top == comment_id else MentionKind.REPLY,
        author=author or unknown_author(comment_id),
        text=_fb_text(value, "comment", where),
        posted_at=entry.when(value.get("created_time"), f"{where}.created_time"),
        conversation_key=f"facebook:{post_id}:{top}",
        parent_external_id=parent_id or post_id,
        url=f"https://www.facebook.com/{post_id}",
        extra=extra,
    )


def _fb_post(
    value: dict[str, Any], entry: MetaEntry, where: str, author: Author | None, item: str, *, mentioned: bool
) -> NormalizedMention:
    post_id = req_id(value, "post_id", where)
    extra = {**entry.account_extra(), "post_id": post_id}
    if mentioned:
        extra["mentioned"] = "true"
    return NormalizedMention(
        platform=Platform.FACEBOOK,
        external_id=post_id,
        kind=MentionKind.POST,
        author=author or unknown_author(post_id),
        text=_fb_text(value, item, where),
        posted_at=entry.when(value.get("created_time"), f"{where}.created_time"),
        conversation_key=f"facebook:{post_id}",
        url=f"https://www.facebook.com/{post_id}",
        extra=extra,
    )


def _fb_rating(value: dict[str, Any], entry: MetaEntry, where: str) -> Outcome:
    review_id = opt_id(value, "open_graph_story_id", where) or req_id(value, "post_id", where)
    reviewer_id = opt_id(value, "reviewer_id", where)
    author = _fb_author(value, where)
    if author is None and reviewer_id is not None:
        author = Author(id=reviewer_id, name=opt_str(value, "reviewer_name", where) or "")
    if author is not None and entry.is_own(Platform.FACEBOOK, author.id):
        return Skipped(OWN_POST)
    recommendation = opt_str(value, "recommendation_type", where)
    text = (opt_str(value, "review_text", where) or "").strip()
    if not text:
        text = f"[{recommendation} recommendation]" if recommendation else "[rating without text]"
    extra = {**entry.account_extra(), "review_id": review_id}
    if recommendation:
        extra["recommendation_type"] = recommendation
    return NormalizedMention(
        platform=Platform.FACEBOOK,
        external_id=review_id,
        kind=MentionKind.REVIEW,
        author=author or unknown_author(review_id),
        text=text,
        posted_at=entry.when(value.get("created_time"), f"{where}.created_time"),
        conversation_key=f"facebook_review:{review_id}",
        extra=extra,
    )


def _feed(value: dict[str, Any], entry: MetaEntry, where: str) -> Outcome:
    item = opt_str(value, "item", where) or ""
    verb = opt_str(value, "verb", where) or ""
    if item in ("reaction", "like"):
        return Skipped(f"{item} {_verb_word(verb)}")
    if verb != "add":
        return Skipped(f"{item or 'feed item'} {_verb_word(verb)}")
    if item == "rating":
        return _fb_rating(value, entry, where)
    if item != "comment" and item not in _POST_ITEMS:
        return Skipped(f"unsupported feed item '{item}'")
    author = _fb_author(value, where)
    if author is not None and entry.is_own(Platform.FACEBOOK, author.id):
        return Skipped(OWN_POST)
    if item == "comment":
        return _fb_comment(value, entry, where, author, mentioned=False)
    return _fb_post(value, entry, where, author, item, mentioned=False)


def _fb_mention(value: dict[str, Any], entry: MetaEntry, where: str) -> Outcome:
    """The page was @-mentioned in a post or comment elsewhere; the payload names no author."""
    item = opt_str(value, "item", where) or ""
    verb = opt_str(value, "verb", where) or ""
    if verb != "add":
        return Skipped(f"mention {_verb_word(verb)}")
    author = _fb_author(value, where)
    if author is not None and entry.is_own(Platform.FACEBOOK, author.id):
        return Skipped(OWN_POST)
    if item == "comment":
        return _fb_comment(value, entry, where, author, mentioned=True)
    if item in _POST_ITEMS:
        return _fb_post(value, entry, where, author, item, mentioned=True)
    return Skipped(f"unsupported mention item '{item}'")


def _ig_comment(value: dict[str, Any], entry: MetaEntry, where: str, *, live: bool) -> Outcome:
    comment_id = req_id(value, "id", where)
    sender = opt_object(value, "from", where)
    author_id = opt_id(sender, "id", f"{where}.from")
    username = opt_str(sender, "username", f"{where}.from")
    if entry.is_own(Platform.INSTAGRAM, author_id, username):
        return Skipped(OWN_POST)
    media = opt_object(value, "media", where)
    media_id = opt_id(media, "id", f"{where}.media")
    parent_id = opt_id(value, "parent_id", where)
    top = parent_id or comment_id
    extra = {**entry.account_extra(), "comment_id": comment_id}
    if media_id is not None:
        extra["media_id"] = media_id
    if parent_id is not None:
        extra["parent_id"] = parent_id
    product = opt_str(media, "media_product_type", f"{where}.media")
    if product:
        extra["media_product_type"] = product
    if live:
        extra["live"] = "true"
    if author_id is None and not username:
        author = unknown_author(comment_id)
    else:
        author = Author(
            id=author_id or f"username:{username}",
            handle=username or "",
            url=f"https://www.instagram.com/{username}/" if username else None,
        )
    return NormalizedMention(
        platform=Platform.INSTAGRAM,
        external_id=comment_id,
        kind=MentionKind.REPLY if parent_id else MentionKind.COMMENT,
        author=author,
        text=(opt_str(value, "text", where) or "").strip() or "[comment without text]",
        posted_at=entry.when(value.get("timestamp"), f"{where}.timestamp"),
        conversation_key=f"instagram:{media_id or 'unknown'}:{top}",
        parent_external_id=parent_id or media_id,
        extra=extra,
    )


def _ig_mention(value: dict[str, Any], entry: MetaEntry, where: str) -> Outcome:
    """We were @-mentioned in a comment or a caption; the webhook carries ids only, no text."""
    media_id = req_id(value, "media_id", where)
    comment_id = opt_id(value, "comment_id", where)
    extra = {**entry.account_extra(), "media_id": media_id, "mentioned": "true"}
    if comment_id is not None:
        extra["comment_id"] = comment_id
        extra["hydrate"] = "comment"
        external_id = comment_id
    else:
        extra["hydrate"] = "media"
        external_id = media_id
    return NormalizedMention(
        platform=Platform.INSTAGRAM,
        external_id=external_id,
        kind=MentionKind.COMMENT if comment_id else MentionKind.POST,
        author=unknown_author(external_id),
        text="[mentioned us in a comment]" if comment_id else "[mentioned us in a caption]",
        posted_at=entry.when(None, where),
        conversation_key=f"instagram:{media_id}:{comment_id}" if comment_id else f"instagram:{media_id}",
        parent_external_id=media_id if comment_id else None,
        extra=extra,
    )


ChangeHandler = Callable[[dict[str, Any], MetaEntry, str], Outcome]

CHANGE_HANDLERS: dict[tuple[str, str], ChangeHandler] = {
    ("page", "feed"): _feed,
    ("page", "mention"): _fb_mention,
    ("instagram", "comments"): lambda v, e, w: _ig_comment(v, e, w, live=False),
    ("instagram", "live_comments"): lambda v, e, w: _ig_comment(v, e, w, live=True),
    ("instagram", "mentions"): _ig_mention,
}


def change(raw: dict[str, Any], entry: MetaEntry, where: str) -> Outcome:
    """One `{field, value}` change (also the docs' flattened form, where they sit in the entry)."""
    field_name = opt_str(raw, "field", where) or ""
    handler = CHANGE_HANDLERS.get((entry.object, field_name))
    if handler is None:
        return Skipped(f"unsupported field '{field_name}'")
    return handler(opt_object(raw, "value", where), entry, f"{where}.value")
