"""The generic webhook: socialdesk's own, documented mention JSON (docs/generic-webhook.md).

A body is one mention object, or `{"mentions": [ ... ]}` with 1 to 500 of them. The pydantic
models below are the schema; a validation error becomes `MalformedPayload` whose reason names the
first offending field (`mentions[3].author.id: Field required (and 2 more errors)`).

Derived fields:

- `kind` defaults to `direct` when `private`, `reply` when `in_reply_to` is set, else `post`.
- A mention is private when `private` is true or its kind is `direct`.
- The conversation key is `{platform}:{conversation_id}` when given; else `{platform}_dm:{author.id}`
  for a private mention, `{platform}:{in_reply_to}` for a reply, `{platform}:{id}` otherwise. For
  `x` these are the keys the native X sources produce, so a relay joins the same threads.
"""

from __future__ import annotations

from datetime import UTC
from typing import Annotated, Any, Final

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

from socialdesk.domain.enums import MentionKind, Platform
from socialdesk.plugins.mentions import Author, MalformedPayload, NormalizedMention, NormalizeResult, Skipped
from socialdesk.plugins.payloads import BrandAccounts

MAX_BATCH: Final = 500
MAX_TEXT: Final = 20_000

# Lengths match the columns the mention is stored in (bot/domain/models.py), so an over-long value
# is a 400 naming the field rather than a failure at insert time.
Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
ThreadId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Handle = Annotated[str, StringConstraints(strip_whitespace=True, max_length=128)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, max_length=256)]


def _http_url(limit: int) -> AfterValidator:
    def check(value: str) -> str:
        if (
            not value.startswith(("https://", "http://"))
            or len(value) > limit
            or any(c.isspace() for c in value)
        ):
            raise ValueError(f"must be an http(s) URL without spaces, at most {limit} characters")
        return value

    return AfterValidator(check)


Url = Annotated[str, _http_url(1024)]
ProfileUrl = Annotated[str, _http_url(512)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


class GenericAuthor(_Model):
    """Who wrote the mention: `id` is the platform's stable user id; the rest is display data."""

    id: Id
    handle: Handle = ""
    name: Name = ""
    followers: int | None = Field(default=None, ge=0)
    verified: bool = False
    url: ProfileUrl | None = None


class GenericMention(_Model):
    """One mention in socialdesk's generic webhook format."""

    platform: Platform = Field(
        description="a known platform: x, facebook, instagram, messenger, reddit, review, other, or one "
        "that a source plugin declares"
    )
    id: Id = Field(description="the item's id on its platform; (platform, id) is the dedupe key")
    kind: MentionKind | None = Field(default=None, description="post, comment, reply, direct or review")
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    created_at: AwareDatetime = Field(description="ISO 8601 with a zone: 2024-05-01T09:30:00Z")
    author: GenericAuthor
    url: Url | None = None
    in_reply_to: Id | None = None
    conversation_id: ThreadId | None = None
    private: bool = False
    extra: dict[str, Annotated[str, StringConstraints(max_length=1024)]] = Field(
        default_factory=dict, max_length=32, description="ids a reply needs, passed through untouched"
    )

    @field_validator("created_at", mode="before")
    @classmethod
    def _iso_text(cls, value: Any) -> Any:
        if not isinstance(value, str):
            raise ValueError("must be an ISO 8601 string with a zone, such as 2024-05-01T09:30:00Z")
        return value

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value


class GenericBatch(_Model):
    """`{"mentions": [...]}`: several mentions in one request."""

    mentions: list[GenericMention] = Field(min_length=1, max_length=MAX_BATCH)


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


def _reason(error: ValidationError) -> str:
    items = error.errors(include_url=False, include_input=False)
    first = items[0]
    more = len(items) - 1
    suffix = f" (and {more} more error{'s' if more > 1 else ''})" if more else ""
    return f"{_location(tuple(first['loc']))}: {first['msg']}{suffix}"


def parse(payload: Any) -> list[GenericMention]:
    """Validate a decoded body into mentions, or raise MalformedPayload naming the field."""
    if not isinstance(payload, dict):
        raise MalformedPayload('body: expected a mention object or {"mentions": [...]}')
    try:
        if "mentions" in payload:
            batch = payload["mentions"]
            if isinstance(batch, list) and len(batch) > MAX_BATCH:
                raise MalformedPayload(f"mentions: at most {MAX_BATCH} per request, got {len(batch)}")
            return list(GenericBatch.model_validate(payload).mentions)
        return [GenericMention.model_validate(payload)]
    except ValidationError as exc:
        raise MalformedPayload(_reason(exc)) from None


def _conversation_key(m: GenericMention, private: bool) -> str:
    if m.conversation_id is not None:
        return f"{m.platform.value}:{m.conversation_id}"
    if private:
        return f"{m.platform.value}_dm:{m.author.id}"
    return f"{m.platform.value}:{m.in_reply_to or m.id}"


def to_mention(m: GenericMention) -> NormalizedMention:
    if m.kind is not None:
        kind = m.kind
    elif m.private:
        kind = MentionKind.DIRECT
    else:
        kind = MentionKind.REPLY if m.in_reply_to else MentionKind.POST
    private = m.private or kind is MentionKind.DIRECT
    author = m.author
    return NormalizedMention(
        platform=m.platform,
        external_id=m.id,
        kind=kind,
        author=Author(
            id=author.id,
            handle=author.handle.lstrip("@"),
            name=author.name,
            followers=author.followers,
            verified=author.verified,
            url=author.url,
        ),
        text=m.text,
        posted_at=m.created_at.astimezone(UTC),
        conversation_key=_conversation_key(m, private),
        is_private=private,
        parent_external_id=m.in_reply_to,
        url=m.url,
        extra=dict(m.extra),
    )


def normalize(payload: Any, brand: BrandAccounts) -> NormalizeResult:
    result = NormalizeResult()
    for m in parse(payload):
        if brand.is_own(m.platform, account_id=m.author.id, handle=m.author.handle):
            result.skipped.append(Skipped("own post"))
        else:
            result.mentions.append(to_mention(m))
    return result


def json_schema() -> dict[str, Any]:
    """JSON Schema of one mention (for the docs and for senders who validate before posting)."""
    return GenericMention.model_json_schema()
