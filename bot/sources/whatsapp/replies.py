"""Answering on WhatsApp: one message to the customer's number, threaded to the message answered.

    POST {META_GRAPH_URL}{phone-number-id}/messages      Authorization: Bearer {WHATSAPP_TOKEN}
    {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "<wa_id>",
     "context": {"message_id": "<the customer's wamid>"},
     "type": "text", "text": {"body": "...", "preview_url": false}}
    -> {"messaging_product": "whatsapp", "contacts": [{"input", "wa_id"}], "messages": [{"id": "wamid..."}]}

A template call (socialdesk.domain.message_templates: the reply form's suggestion outside the window)
goes as `"type": "template", "template": {"name", "language": {"code"}, "components": [{"type": "body",
"parameters": [{"type": "text", "text": ...}]}]}`.

Checked before any call, so a refusal posts nothing: an empty text, over 4,096 characters, and free text
when the customer last wrote 24 hours ago or more (WhatsApp would answer 131047; socialdesk says so
first). The window is measured from the message answered, which is the case's latest customer message.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

import httpx

from socialdesk.domain.message_templates import TemplateCall, parse_call
from socialdesk.plugins.replies import ErrorKind, OutgoingReply, PlatformError, SentReply, post, response_json
from socialdesk.sources.whatsapp.errors import whatsapp_error
from socialdesk.sources.whatsapp.spec import SERVICE_WINDOW, TEXT_LIMIT

_NUMBER = re.compile(r"[0-9]{6,20}")
_ID = re.compile(r"[0-9]{1,40}")


def window_refusal(last_customer_message: datetime, now: datetime) -> PlatformError | None:
    closed_at = last_customer_message + SERVICE_WINDOW
    if now < closed_at:
        return None
    return PlatformError(
        ErrorKind.WINDOW_CLOSED,
        f"WhatsApp's 24-hour window closed at {closed_at:%Y-%m-%d %H:%M} UTC (the customer last wrote "
        f"{last_customer_message:%Y-%m-%d %H:%M} UTC): free text cannot reach them. Send one of the "
        "approved templates. Nothing was sent.",
    )


class WhatsAppReplyConnector:
    def __init__(self, client: httpx.Client, *, graph_url: str, token: str, phone_number_id: str) -> None:
        if not _ID.fullmatch(phone_number_id):
            raise ValueError("the phone number id must be numeric")
        self._client = client
        self._url = f"{graph_url}{phone_number_id}/messages"
        self._token = token
        self.phone_number_id = phone_number_id

    def __repr__(self) -> str:  # never the token
        return f"WhatsAppReplyConnector(phone_number_id={self.phone_number_id!r})"

    def send(self, reply: OutgoingReply, *, now: datetime) -> SentReply:
        target = reply.target
        to = str(target.extra.get("wa_id") or target.author_id)
        if not _NUMBER.fullmatch(to):
            raise PlatformError(
                ErrorKind.UNSUPPORTED, "This WhatsApp case has no usable phone number to reply to."
            )
        body: dict[str, Any] = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to}
        if target.external_id.startswith("wamid."):
            body["context"] = {"message_id": target.external_id}
        call = parse_call(reply.text)
        if call is not None:
            body.update(_template(call))
        else:
            body.update(_text(reply.text))
            refused = window_refusal(target.posted_at, now)
            if refused is not None:
                raise refused
        headers = {"Authorization": f"Bearer {self._token}", "Content-Type": "application/json"}
        content = json.dumps(body, ensure_ascii=False).encode()
        response = post(self._client, self._url, content=content, headers=headers, platform="WhatsApp")
        if response.status_code != 200:
            raise whatsapp_error(response, now)
        return SentReply(_message_id(response))


def _text(text: str) -> dict[str, Any]:
    body = text.strip()
    if not body:
        raise PlatformError(ErrorKind.REJECTED, "The reply is empty; write something to send.")
    if len(body) > TEXT_LIMIT:
        raise PlatformError(
            ErrorKind.REJECTED,
            f"The message is {len(body)} characters; WhatsApp takes {TEXT_LIMIT}. Shorten it; "
            "nothing was sent.",
        )
    return {"type": "text", "text": {"body": body, "preview_url": False}}


def _template(call: TemplateCall) -> dict[str, Any]:
    template: dict[str, Any] = {"name": call.name, "language": {"code": call.language}}
    if call.values:
        parameters = [{"type": "text", "text": value} for value in call.values]
        template["components"] = [{"type": "body", "parameters": parameters}]
    return {"type": "template", "template": template}


def _message_id(response: httpx.Response) -> str:
    data = response_json(response)
    messages = data.get("messages") if isinstance(data, dict) else None
    first = messages[0] if isinstance(messages, list) and messages else None
    message_id = first.get("id") if isinstance(first, dict) else None
    if not isinstance(message_id, str) or not message_id:
        raise PlatformError(
            ErrorKind.UNAVAILABLE,
            "WhatsApp accepted the message but its answer had no id. It was probably sent: check the chat "
            "before sending it again.",
        )
    return message_id
