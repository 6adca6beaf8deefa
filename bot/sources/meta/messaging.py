"""`entry[].messaging[]` and `entry[].standby[]`: Messenger (object "page") and Instagram direct
messages (object "instagram").

A customer's message (text, quick-reply tap, attachments) becomes a private DIRECT mention in the
thread `messenger:{page_id}:{sender_id}` or `instagram_dm:{ig_account_id}:{sender_id}`. Echoes of
what we sent, receipts, reactions, edits, deletions, postbacks and handover events are Skipped.
`extra["recipient_id"]` is the customer id a private reply is addressed to.
"""

from __future__ import annotations

from typing import Any

from socialdesk.domain.enums import MentionKind, Platform
from socialdesk.plugins.mentions import Author, NormalizedMention, Skipped
from socialdesk.plugins.payloads import (
    as_object,
    flag,
    opt_id,
    opt_list,
    opt_object,
    opt_str,
    req_id,
    req_object,
)
from socialdesk.sources.meta.entry import MetaEntry, Outcome

ECHO = "echo of our own message"

# Non-message events, in the order they are looked for; the value is the Skipped reason.
_NOT_MESSAGES = {
    "message_edit": "message edited",
    "delivery": "delivery receipt",
    "read": "read receipt",
    "reaction": "reaction",
    "postback": "postback (button tap, no customer text)",
    "optin": "opt-in",
    "referral": "referral",
    "account_linking": "account linking",
    "pass_thread_control": "thread handover",
    "take_thread_control": "thread handover",
    "request_thread_control": "thread handover",
    "app_roles": "app roles change",
    "policy_enforcement": "policy enforcement notice",
}
_ENVELOPE_KEYS = frozenset({"sender", "recipient", "timestamp"})

_ATTACHMENT_LABELS = {
    "image": "[image attachment]",
    "video": "[video attachment]",
    "audio": "[audio attachment]",
    "file": "[file attachment]",
    "location": "[location]",
    "fallback": "[link]",
    "template": "[template]",
    "sticker": "[sticker]",
    "story_mention": "[mentioned us in their story]",
    "share": "[shared a post]",
    "ig_reel": "[shared a reel]",
    "reel": "[shared a reel]",
    "unsupported_type": "[unsupported attachment]",
}


def _message_text(message: dict[str, Any], where: str) -> str | None:
    parts: list[str] = []
    text = (opt_str(message, "text", where) or "").strip()
    if text:
        parts.append(text)
    for i, raw in enumerate(opt_list(message, "attachments", where)):
        attachment = as_object(raw, f"{where}.attachments[{i}]")
        kind = opt_str(attachment, "type", f"{where}.attachments[{i}]") or "unknown"
        parts.append(_ATTACHMENT_LABELS.get(kind, f"[{kind} attachment]"))
    if not parts and flag(message, "is_unsupported"):
        parts.append("[unsupported message]")
    return "\n".join(parts) or None


def _not_a_message(event: dict[str, Any]) -> Skipped:
    for key, reason in _NOT_MESSAGES.items():
        if key in event:
            return Skipped(reason)
    others = sorted(k for k in event if k not in _ENVELOPE_KEYS)
    return Skipped(f"messaging event without a message ({', '.join(others) or 'empty'})")


def messaging_event(event: dict[str, Any], entry: MetaEntry, where: str, *, standby: bool) -> Outcome:
    platform = Platform.MESSENGER if entry.is_page else Platform.INSTAGRAM
    if event.get("message") is None:
        return _not_a_message(event)
    sender_id = req_id(req_object(event, "sender", where), "id", f"{where}.sender")
    recipient_id = opt_id(opt_object(event, "recipient", where), "id", f"{where}.recipient")
    message = as_object(event["message"], f"{where}.message")
    mw = f"{where}.message"
    if flag(message, "is_echo") or entry.is_own(platform, sender_id):
        return Skipped(ECHO)
    if flag(message, "is_deleted"):
        return Skipped("message deleted")
    mid = req_id(message, "mid", mw)
    text = _message_text(message, mw)
    if text is None:
        return Skipped("message without text or attachments")

    account_id = entry.account_id or recipient_id or "unknown"
    extra = {**entry.account_extra(), "recipient_id": sender_id, "mid": mid}
    if entry.account_id is None and recipient_id is not None:
        extra["page_id" if entry.is_page else "ig_account_id"] = recipient_id
    quick_reply = opt_object(message, "quick_reply", mw)
    payload = opt_str(quick_reply, "payload", f"{mw}.quick_reply")
    if payload:
        extra["quick_reply_payload"] = payload
    reply_to = opt_object(message, "reply_to", mw)
    parent = opt_id(reply_to, "mid", f"{mw}.reply_to")
    story = opt_object(reply_to, "story", f"{mw}.reply_to")
    story_id = opt_id(story, "id", f"{mw}.reply_to.story")
    if story_id is not None:
        extra["story_id"] = story_id
        text = f"[replied to our story] {text}"
    if standby:
        extra["standby"] = "true"

    prefix = "messenger" if entry.is_page else "instagram_dm"
    return NormalizedMention(
        platform=platform,
        external_id=mid,
        kind=MentionKind.DIRECT,
        author=Author(id=sender_id),
        text=text,
        posted_at=entry.when(event.get("timestamp"), f"{where}.timestamp"),
        conversation_key=f"{prefix}:{account_id}:{sender_id}",
        is_private=True,
        parent_external_id=parent,
        extra=extra,
    )
