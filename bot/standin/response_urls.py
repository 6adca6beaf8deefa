"""Posts to a `response_url`: the reply channel Slack hands out with each slash command and action.

Unlike the Web API these answer in plain text, with an HTTP error status when refused, as Slack's
hooks.slack.com endpoints do.
"""

from __future__ import annotations

from typing import Any

from socialdesk.standin.args import ApiError
from socialdesk.standin.blockkit import validate_blocks
from socialdesk.standin.models import Ephemeral
from socialdesk.standin.spec import RESPONSE_URL_USES
from socialdesk.standin.workspace import ResponseUrlTarget, Workspace, with_block_ids


def post(ws: Workspace, token: str, payload: Any) -> None:
    """Apply one post; raises ApiError with the HTTP status and text Slack would answer."""
    with ws.lock:
        target = ws.response_urls.get(token)
        if target is None:
            raise ApiError("expired_url", status=404)
        if target.uses >= RESPONSE_URL_USES:
            raise ApiError("used_url", status=404)
        if not isinstance(payload, dict):
            raise ApiError("invalid_payload", status=400)
        _apply(ws, target, payload)
        target.uses += 1


def _apply(ws: Workspace, target: ResponseUrlTarget, payload: dict[str, Any]) -> None:
    text = payload.get("text")
    blocks = payload.get("blocks")
    if blocks is not None and (not isinstance(blocks, list) or validate_blocks(blocks, surface="message")):
        raise ApiError("invalid_blocks", status=400)
    original = ws.find_message(target.channel, target.message_ts) if target.channel else None
    if _truthy(payload.get("delete_original")):
        if original is not None:
            ws.delete_message(original)
        return
    if not text and not blocks and not payload.get("attachments"):
        raise ApiError("no_text", status=400)
    text = str(text or "")
    if _truthy(payload.get("replace_original")) and original is not None:
        original.text = text
        original.blocks = with_block_ids(blocks, ws.next_ts()) if blocks is not None else None
        original.edited_ts = ws.next_ts()
        return
    if payload.get("response_type") == "in_channel":
        if target.channel is None:
            raise ApiError("channel_not_found", status=404)
        thread_ts = payload.get("thread_ts")
        channel = ws.channels[target.channel]
        root = ws.thread_root(channel.id, thread_ts) if isinstance(thread_ts, str) and thread_ts else None
        ws.post(channel, text=text, blocks=blocks, thread_ts=root)
        return
    ws.ephemerals.append(
        Ephemeral(
            channel=target.channel,
            user=target.user,
            ts=ws.next_ts(),
            text=text,
            blocks=blocks,
            thread_ts=payload.get("thread_ts"),
            source="response_url",
        )
    )


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1")
