"""WhatsApp Business Cloud API webhooks to `NormalizedMention`s.

    {"object": "whatsapp_business_account", "entry": [{"id": <WABA id>, "changes": [{"field": "messages",
      "value": {"messaging_product": "whatsapp", "metadata": {"display_phone_number", "phone_number_id"},
                "contacts": [{"profile": {"name"}, "wa_id"}], "messages": [...], "statuses": [...]}}]}]}

What becomes a case: a customer's message of any kind the API delivers: text; image, video, document,
audio and sticker (the caption, else a placeholder such as "[image]"; the media id is kept for whoever
fetches it); location and contact cards; a quick-reply `button` of one of our templates and the
`interactive` button and list replies (the title the customer chose); a message WhatsApp cannot show
(`unsupported`). `context.id` (the message it answers) is kept as the parent.

What is recognised and is not a case:
- `statuses` (sent, delivered, read, failed) of our own messages; a `failed` one is reported as a
  `DeliveryFailure`, which socialdesk shows on the card of the case whose reply it was;
- reactions. A reaction is an emoji on one message and nothing to answer: by far most are reactions to
  our replies ("👍" to "your refund is on its way"), and a reaction on a customer's own message adds
  nothing the message did not say. Each is skipped with the emoji and the message in the reason, so the
  inbox row says what arrived. (A customer who is unhappy writes; a 👎 alone opens no case.)
- our own messages echoed back (`smb_message_echoes`, or a message from our own number);
- `system` messages (the customer changed their number), `errors`, and other fields (template status,
  account and quality updates).

The author is the customer's phone number (`wa_id`), their profile name from `contacts`; the number is
personal data, so the author's handle is the masked number (`•••1234`) that Slack shows, while the id
stays whole for the reply. One conversation per customer number and business number
(`whatsapp:{phone_number_id}:{wa_id}`): a follow-up joins the open case.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from socialdesk.domain.enums import MentionKind
from socialdesk.plugins.mentions import (
    Author,
    DeliveryFailure,
    MalformedPayload,
    NormalizedMention,
    NormalizeResult,
    Skipped,
)
from socialdesk.plugins.payloads import (
    BrandAccounts,
    as_list,
    as_object,
    flag,
    from_epoch,
    opt_id,
    opt_list,
    opt_object,
    opt_str,
    req_id,
)
from socialdesk.sources.whatsapp.errors import code_of, delivery_words
from socialdesk.sources.whatsapp.spec import PLATFORM

OBJECT = "whatsapp_business_account"
MEDIA_TYPES = ("image", "video", "document", "audio", "sticker")
ECHO_FIELDS = frozenset({"smb_message_echoes", "message_echoes"})
STATUS_WORDS = {"sent": "sent", "delivered": "delivered", "read": "read", "deleted": "deleted"}


def is_whatsapp_delivery(payload: Any) -> bool:
    """What the source claims on the shared Meta callback."""
    return isinstance(payload, dict) and payload.get("object") == OBJECT


def mask_number(wa_id: str) -> str:
    """The customer's number as Slack shows it: the last four digits, never the rest."""
    digits = "".join(c for c in wa_id if c.isdigit())
    return "•••" + digits[-4:] if len(digits) >= 4 else "•••"


@dataclass(frozen=True, slots=True)
class _Value:
    phone_number_id: str
    display_number: str
    names: dict[str, str]  # wa_id -> profile name
    where: str


class WhatsAppNormalizer:
    def __init__(self, phone_number_id: str | None) -> None:
        self.phone_number_id = phone_number_id  # None: every number of the account is ours

    def normalize(self, payload: Any, brand: BrandAccounts) -> NormalizeResult:
        root = as_object(payload, "body")
        if root.get("object") != OBJECT or "entry" not in root:
            raise MalformedPayload(f"body: not a WhatsApp webhook (expected object '{OBJECT}' and 'entry')")
        result = NormalizeResult()
        for i, raw in enumerate(as_list(root["entry"], "entry")):
            entry = as_object(raw, f"entry[{i}]")
            changes = opt_list(entry, "changes", f"entry[{i}]")
            if not changes:
                result.skipped.append(Skipped("entry without changes"))
            for j, change in enumerate(changes):
                where = f"entry[{i}].changes[{j}]"
                self._change(as_object(change, where), where, result)
        return result

    def _change(self, change: dict[str, Any], where: str, result: NormalizeResult) -> None:
        field = opt_str(change, "field", where) or ""
        if field in ECHO_FIELDS:
            result.skipped.append(Skipped("our own message (echo)"))
            return
        if field != "messages":
            result.skipped.append(Skipped(f"unsupported field '{field}'"))
            return
        value = opt_object(change, "value", where)
        where = f"{where}.value"
        product = opt_str(value, "messaging_product", where)
        if product is not None and product != "whatsapp":
            raise MalformedPayload(f"{where}.messaging_product: expected 'whatsapp', got {product[:40]!r}")
        metadata = opt_object(value, "metadata", where)
        phone_id = req_id(metadata, "phone_number_id", f"{where}.metadata")
        if self.phone_number_id is not None and phone_id != self.phone_number_id:
            result.skipped.append(Skipped(f"for another business number ({phone_id})"))
            return
        names: dict[str, str] = {}
        for k, raw in enumerate(opt_list(value, "contacts", where)):
            contact = as_object(raw, f"{where}.contacts[{k}]")
            wa_id = opt_id(contact, "wa_id", f"{where}.contacts[{k}]")
            profile = opt_object(contact, "profile", f"{where}.contacts[{k}]")
            name = opt_str(profile, "name", f"{where}.contacts[{k}].profile")
            if wa_id and name:
                names[wa_id] = name.strip()
        context = _Value(
            phone_id, _digits(opt_str(metadata, "display_phone_number", where) or ""), names, where
        )
        for k, raw in enumerate(opt_list(value, "messages", where)):
            outcome = message(as_object(raw, f"{where}.messages[{k}]"), context, f"{where}.messages[{k}]")
            if isinstance(outcome, NormalizedMention):
                result.mentions.append(outcome)
            else:
                result.skipped.append(outcome)
        for k, raw in enumerate(opt_list(value, "statuses", where)):
            status(as_object(raw, f"{where}.statuses[{k}]"), f"{where}.statuses[{k}]", result)
        for k, raw in enumerate(opt_list(value, "errors", where)):
            error = as_object(raw, f"{where}.errors[{k}]")
            result.skipped.append(Skipped(f"webhook error {_error_words(error, where)}"))
        if not value.get("messages") and not value.get("statuses") and not value.get("errors"):
            result.skipped.append(Skipped("messages change without messages or statuses"))


def message(msg: dict[str, Any], context: _Value, where: str) -> NormalizedMention | Skipped:
    message_id = req_id(msg, "id", where)
    sender = req_id(msg, "from", where)
    kind = opt_str(msg, "type", where) or ""
    if context.display_number and _digits(sender) == context.display_number:
        return Skipped("our own message (echo)")
    if kind == "reaction":
        reaction = opt_object(msg, "reaction", where)
        emoji = opt_str(reaction, "emoji", f"{where}.reaction") or ""
        target = opt_id(reaction, "message_id", f"{where}.reaction") or "?"
        if not emoji:
            return Skipped(f"reaction removed from message {target}")
        return Skipped(f"reaction {emoji} to message {target}: a reaction is not a case")
    if kind == "system":
        system = opt_object(msg, "system", where)
        return Skipped(f"system message: {opt_str(system, 'type', f'{where}.system') or 'update'}")
    if kind in ("request_welcome", "ephemeral"):
        return Skipped(f"{kind} message")
    text, extra = _content(msg, kind, where)
    extra["phone_number_id"] = context.phone_number_id
    extra["wa_id"] = sender
    extra["message_type"] = kind or "unknown"
    reply_to = opt_object(msg, "context", where)
    parent = opt_id(reply_to, "id", f"{where}.context")
    if flag(reply_to, "forwarded") or flag(reply_to, "frequently_forwarded"):
        extra["forwarded"] = "true"
    referral = opt_object(msg, "referral", where)
    if referral:
        extra["referral_source"] = str(referral.get("source_url") or referral.get("source_type") or "ad")
    return NormalizedMention(
        platform=PLATFORM,
        external_id=message_id,
        kind=MentionKind.DIRECT,
        author=Author(id=sender, handle=mask_number(sender), name=context.names.get(sender, "")),
        text=text,
        posted_at=from_epoch(msg.get("timestamp"), f"{where}.timestamp"),
        conversation_key=f"whatsapp:{context.phone_number_id}:{sender}",
        is_private=True,
        parent_external_id=parent,
        extra=extra,
    )


def _content(msg: dict[str, Any], kind: str, where: str) -> tuple[str, dict[str, str]]:
    """The text a card shows for one message, and the ids a later step needs."""
    extra: dict[str, str] = {}
    if kind == "text":
        body = opt_object(msg, "text", where)
        return (opt_str(body, "body", f"{where}.text") or "").strip() or "[empty message]", extra
    if kind in MEDIA_TYPES:
        media = opt_object(msg, kind, where)
        media_id = opt_id(media, "id", f"{where}.{kind}")
        if media_id:
            extra["media_id"] = media_id
        mime = opt_str(media, "mime_type", f"{where}.{kind}")
        if mime:
            extra["mime_type"] = mime
        caption = (opt_str(media, "caption", f"{where}.{kind}") or "").strip()
        if caption:
            return caption, extra
        filename = opt_str(media, "filename", f"{where}.{kind}")
        if kind == "document" and filename:
            return f"[document: {filename.strip()}]", extra
        voice = kind == "audio" and flag(media, "voice")
        return ("[voice message]" if voice else f"[{kind}]"), extra
    if kind == "button":
        button = opt_object(msg, "button", where)
        payload = opt_str(button, "payload", f"{where}.button")
        if payload:
            extra["button_payload"] = payload
        return (opt_str(button, "text", f"{where}.button") or payload or "[button]").strip(), extra
    if kind == "interactive":
        return _interactive(opt_object(msg, "interactive", where), f"{where}.interactive", extra), extra
    if kind == "location":
        place = opt_object(msg, "location", where)
        words = [opt_str(place, k, f"{where}.location") or "" for k in ("name", "address")]
        named = ", ".join(w.strip() for w in words if w.strip())
        return f"[location: {named}]" if named else "[location]", extra
    if kind == "contacts":
        cards = opt_list(msg, "contacts", where)
        return f"[{len(cards) or 1} contact card{'s' if len(cards) > 1 else ''}]", extra
    if kind == "order":
        return "[order from the catalogue]", extra
    return "[a message WhatsApp cannot show here: open the chat on the phone]", extra


def _interactive(item: dict[str, Any], where: str, extra: dict[str, str]) -> str:
    kind = opt_str(item, "type", where) or ""
    if kind in ("button_reply", "list_reply"):
        chosen = opt_object(item, kind, where)
        choice_id = opt_id(chosen, "id", f"{where}.{kind}")
        if choice_id:
            extra["choice_id"] = choice_id
        title = (opt_str(chosen, "title", f"{where}.{kind}") or "").strip()
        description = (opt_str(chosen, "description", f"{where}.{kind}") or "").strip()
        text = f"{title} ({description})" if title and description else title or description
        return text or f"[{kind.replace('_', ' ')}]"
    if kind == "nfm_reply":
        reply = opt_object(item, "nfm_reply", where)
        return (opt_str(reply, "body", f"{where}.nfm_reply") or "").strip() or "[form answered]"
    return f"[interactive {kind or 'reply'}]"


def status(item: dict[str, Any], where: str, result: NormalizeResult) -> None:
    message_id = req_id(item, "id", where)
    state = opt_str(item, "status", where) or ""
    if state == "failed":
        errors = opt_list(item, "errors", where)
        first = as_object(errors[0], f"{where}.errors[0]") if errors else {}
        reason = delivery_words(
            code_of(first),
            (opt_str(first, "title", f"{where}.errors[0]") or "").strip(),
            _details(first),
        )
        result.failures.append(DeliveryFailure(PLATFORM, message_id, reason))
        result.skipped.append(Skipped(f"status failed for our message {message_id}"))
        return
    word = STATUS_WORDS.get(state, state or "unknown")
    result.skipped.append(Skipped(f"status {word} for our message"))


def _error_words(error: dict[str, Any], where: str) -> str:
    """`131026 Message undeliverable: <details>` from one of WhatsApp's error objects."""
    code = opt_id(error, "code", where) or ""
    title = (opt_str(error, "title", where) or opt_str(error, "message", where) or "").strip()
    data = error.get("error_data")
    details = data.get("details") if isinstance(data, dict) else None
    words = " ".join(p for p in (code, title) if p)
    if isinstance(details, str) and details.strip() and details.strip() != title:
        words += f": {details.strip()}"
    return words[:300] or "unknown error"


def _details(error: dict[str, Any]) -> str:
    data = error.get("error_data")
    details = data.get("details") if isinstance(data, dict) else None
    return details.strip() if isinstance(details, str) else ""


def _digits(number: str) -> str:
    return "".join(c for c in number if c.isdigit())
