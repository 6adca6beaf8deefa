"""chat.* methods: post, update, post ephemerally and link to messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from socialdesk.standin.args import ApiError, Args, blocks_error
from socialdesk.standin.blockkit import validate_blocks
from socialdesk.standin.models import Ephemeral, StoredMessage
from socialdesk.standin.spec import ATTACHMENTS_MAX, MESSAGE_TEXT_MAX
from socialdesk.standin.workspace import (
    APP_ID,
    BOT_ID,
    BOT_NAME,
    BOT_USER_ID,
    TEAM_ID,
    Workspace,
    with_block_ids,
)


@dataclass
class Content:
    text: str | None
    blocks: list[dict[str, Any]] | None
    attachments: list[dict[str, Any]] | None
    metadata: dict[str, Any] | None
    markdown_text: str | None

    @property
    def empty(self) -> bool:
        return not (self.text or self.blocks or self.attachments or self.markdown_text)


def read_content(args: Args) -> Content:
    """The message body arguments, refused with the error Slack gives for each kind of mistake."""
    blocks = args.document("blocks", error="invalid_blocks_format")
    if blocks is not None and not isinstance(blocks, list):
        raise ApiError("invalid_blocks_format")
    # Slack's `invalid_attachments` means "attachments that contain blocks"; malformed JSON is generic.
    attachments = args.document("attachments", error="invalid_arguments")
    if attachments is not None and not isinstance(attachments, list):
        raise ApiError("invalid_arguments")
    if attachments is not None and len(attachments) > ATTACHMENTS_MAX:
        raise ApiError("too_many_attachments")
    metadata = args.document("metadata", error="invalid_metadata_format")
    if metadata is not None and not isinstance(metadata, dict):
        raise ApiError("invalid_metadata_format")
    content = Content(
        text=args.string("text"),
        blocks=blocks,
        attachments=attachments,
        metadata=metadata,
        markdown_text=args.string("markdown_text"),
    )
    if content.markdown_text and (content.text or content.blocks):
        raise ApiError("markdown_text_conflict")
    if blocks:
        problems = validate_blocks(blocks, surface="message")
        if problems:
            raise blocks_error(problems)
    return content


def post_message(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = ws.resolve_channel(args.string("channel"), allow_name=True, allow_user=True)
    content = read_content(args)
    if content.empty:
        raise ApiError("no_text")
    metadata = content.metadata
    if (
        metadata is not None
        and "event_type" in metadata
        and not isinstance(metadata.get("event_payload"), dict)
    ):
        raise ApiError("invalid_metadata_schema")
    thread_ts = args.string("thread_ts")
    root = ws.thread_root(channel.id, thread_ts) if thread_ts else None
    # Slack keeps the first 40,000 characters of an over-long text rather than refusing it.
    text = (content.text or content.markdown_text or "")[:MESSAGE_TEXT_MAX]
    message = ws.post(
        channel,
        text=text,
        blocks=content.blocks,
        attachments=content.attachments,
        metadata=metadata,
        thread_ts=root,
        reply_broadcast=args.flag("reply_broadcast"),
    )
    return {"channel": channel.id, "ts": message.ts, "message": message_json(message, ws)}


def update(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = ws.resolve_channel(args.string("channel"), allow_name=False)
    message = ws.find_message(channel.id, args.string("ts"))
    if message is None:
        raise ApiError("message_not_found")
    content = read_content(args)
    if content.empty and not args.present("file_ids"):
        raise ApiError("no_text")
    if content.text and len(content.text) > MESSAGE_TEXT_MAX:
        raise ApiError("msg_too_long")
    edited_ts = ws.next_ts()
    # Arguments left out keep their old value: Slack only replaces what the update names.
    if content.text is not None or content.markdown_text is not None:
        message.text = content.text or content.markdown_text or ""
    if args.raw("blocks") is not None:
        message.blocks = with_block_ids(content.blocks or [], edited_ts)
    if args.raw("attachments") is not None:
        message.attachments = content.attachments or []
    if content.metadata is not None:
        message.metadata = content.metadata
    message.edited_ts = edited_ts
    body = message_json(message, ws)
    # Slack's chat.update answer names the message by the top-level channel and ts only.
    for key in ("ts", "thread_ts", "parent_user_id"):
        body.pop(key, None)
    body["edited"] = {"user": BOT_USER_ID, "ts": edited_ts}
    return {"channel": channel.id, "ts": message.ts, "text": message.text, "message": body}


def post_ephemeral(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = ws.resolve_channel(args.string("channel"), allow_name=True, allow_user=True)
    user = args.string("user")
    if user not in ws.users or user not in channel.members:
        raise ApiError("user_not_in_channel")
    content = read_content(args)
    if content.empty:
        raise ApiError("no_text")
    if content.text and len(content.text) > MESSAGE_TEXT_MAX:
        raise ApiError("msg_too_long")
    thread_ts = args.string("thread_ts")
    root = ws.thread_root(channel.id, thread_ts) if thread_ts else None
    ts = ws.next_ts()
    ws.ephemerals.append(
        Ephemeral(
            channel=channel.id,
            user=user,
            ts=ts,
            text=content.text or content.markdown_text or "",
            blocks=content.blocks,
            thread_ts=root,
            source="chat.postEphemeral",
        )
    )
    return {"message_ts": ts}


def get_permalink(ws: Workspace, args: Args) -> dict[str, Any]:
    channel = ws.resolve_channel(args.string("channel"), allow_name=False)
    message = ws.find_message(channel.id, args.string("message_ts"))
    if message is None:
        raise ApiError("message_not_found")
    return {"channel": channel.id, "permalink": ws.permalink(message)}


def message_json(message: StoredMessage, ws: Workspace) -> dict[str, Any]:
    """The message object Slack returns to the bot that posted it."""
    body: dict[str, Any] = {
        "user": BOT_USER_ID,
        "type": "message",
        "ts": message.ts,
        "bot_id": BOT_ID,
        "app_id": APP_ID,
        "text": message.text,
        "team": TEAM_ID,
        "bot_profile": {
            "id": BOT_ID,
            "deleted": False,
            "name": BOT_NAME,
            "updated": ws.now(),
            "app_id": APP_ID,
            "icons": {
                "image_36": "https://a.slack-edge.com/80588/img/plugins/app/bot_36.png",
                "image_48": "https://a.slack-edge.com/80588/img/plugins/app/bot_48.png",
                "image_72": "https://a.slack-edge.com/80588/img/plugins/app/service_72.png",
            },
            "team_id": TEAM_ID,
        },
    }
    if message.blocks is not None:
        body["blocks"] = message.blocks
    if message.attachments:
        body["attachments"] = message.attachments
    if message.metadata is not None:
        body["metadata"] = message.metadata
    if message.thread_ts:
        body["thread_ts"] = message.thread_ts
        body["parent_user_id"] = BOT_USER_ID
    return body
