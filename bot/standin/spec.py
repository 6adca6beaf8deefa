"""What the stand-in knows about each Slack Web API method, embedded so it needs no files at run time.

The facts come from Slack's method reference; `tests/unit/test_standin_reference.py` checks them
against the scraped copy in `../shared/data/slack/method_refs` whenever that folder is present, so a
drift between this table and Slack shows up as a failing test rather than as a surprise in production.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

# Errors any method can answer with, whatever its own reference page lists.
GENERIC_ERRORS = frozenset(
    {
        "not_authed",
        "invalid_auth",
        "invalid_arguments",
        "invalid_json",
        "ratelimited",
        "unknown_method",
        "missing_scope",
        "fatal_error",
        # A token of a kind the method does not take: an app-level token (xapp-) on chat.postMessage, or a
        # bot token (xoxb-) on apps.connections.open.
        "not_allowed_token_type",
    }
)

TokenType = Literal["bot", "user", "app"]


def token_type(token: str) -> TokenType:
    """What kind of token Slack sees, from its prefix; anything not xapp- or xoxp- counts as a bot token."""
    if token.startswith("xapp-"):
        return "app"
    return "user" if token.startswith("xoxp-") else "bot"


@dataclass(frozen=True)
class MethodSpec:
    name: str
    http_method: Literal["GET", "POST"]
    # As Slack's reference lists them, `token` included (it is checked separately, as auth).
    required: frozenset[str]
    # Slack ignores a JSON body sent to a method without JSON support: the arguments simply go missing.
    json_input: bool
    # A missing argument usually yields `invalid_arguments`; some methods answer with a named error.
    missing_errors: Mapping[str, str] = field(default_factory=dict)
    # Method-specific errors the stand-in can return; each must appear in Slack's reference.
    errors: frozenset[str] = frozenset()
    # Errors the stand-in returns that Slack's reference does not list for this method, with the reason.
    standin_only_errors: Mapping[str, str] = field(default_factory=dict)
    # The kinds of token the method takes; any other is refused with `not_allowed_token_type`.
    token_types: frozenset[TokenType] = frozenset({"bot", "user"})


def _spec(
    name: str,
    http_method: Literal["GET", "POST"],
    required: tuple[str, ...],
    *,
    json_input: bool,
    missing: Mapping[str, str] | None = None,
    errors: tuple[str, ...] = (),
    standin_only: Mapping[str, str] | None = None,
    token_types: tuple[TokenType, ...] = ("bot", "user"),
) -> MethodSpec:
    return MethodSpec(
        name=name,
        http_method=http_method,
        required=frozenset(("token", *required)),
        json_input=json_input,
        missing_errors=dict(missing or {}),
        errors=frozenset(errors),
        standin_only_errors=dict(standin_only or {}),
        token_types=frozenset(token_types),
    )


_MESSAGE_ERRORS = (
    "channel_not_found",
    "no_text",
    "invalid_blocks",
    "invalid_blocks_format",
    "too_many_attachments",
    "markdown_text_conflict",
)
_LABEL_ERRORS = (
    "channel_not_found",
    "method_not_supported_for_channel_type",
    "is_archived",
    "not_in_channel",
    "too_long",
)
_THREAD_NOT_FOUND = {
    "thread_not_found": "Slack accepts a reply to an unknown thread_ts and shows it nowhere; that is always "
    "a bug in the caller, so the stand-in refuses it loudly."
}

SPECS: dict[str, MethodSpec] = {
    s.name: s
    for s in (
        # Socket Mode: only an app-level token with connections:write opens a connection, never the bot's.
        _spec(
            "apps.connections.open",
            "POST",
            (),
            json_input=False,
            token_types=("app",),
            standin_only={
                "socket_mode_not_enabled": "Slack does not document its answer for an app with Socket "
                "Mode switched off; the stand-in names that case when no SocketModeStandin is attached, "
                "rather than hand out a URL nobody listens on."
            },
        ),
        _spec("auth.test", "POST", (), json_input=True),
        _spec(
            "chat.postMessage",
            "POST",
            ("channel",),
            json_input=True,
            missing={"channel": "channel_not_found"},
            errors=(
                *_MESSAGE_ERRORS,
                "invalid_metadata_format",
                "invalid_metadata_schema",
            ),
            standin_only=_THREAD_NOT_FOUND,
        ),
        _spec(
            "chat.update",
            "POST",
            ("channel", "ts"),
            json_input=True,
            missing={"channel": "channel_not_found", "ts": "message_not_found"},
            errors=(*_MESSAGE_ERRORS, "message_not_found", "msg_too_long", "invalid_metadata_format"),
        ),
        _spec(
            "chat.postEphemeral",
            "POST",
            ("channel", "user"),
            json_input=True,
            missing={"channel": "channel_not_found", "user": "user_not_in_channel"},
            errors=(*_MESSAGE_ERRORS, "user_not_in_channel", "msg_too_long"),
            standin_only=_THREAD_NOT_FOUND,
        ),
        _spec(
            "chat.getPermalink",
            "GET",
            ("channel", "message_ts"),
            json_input=False,
            missing={"channel": "channel_not_found", "message_ts": "message_not_found"},
            errors=("channel_not_found", "message_not_found"),
        ),
        _spec(
            "conversations.create",
            "POST",
            ("name",),
            json_input=True,
            missing={"name": "invalid_name_required"},
            errors=(
                "invalid_name_required",
                "invalid_name_maxlength",
                "invalid_name_specials",
                "invalid_name_punctuation",
                "name_taken",
            ),
        ),
        _spec(
            "conversations.invite",
            "POST",
            ("channel", "users"),
            json_input=True,
            missing={"channel": "channel_not_found", "users": "no_user"},
            errors=(
                "channel_not_found",
                "no_user",
                "user_not_found",
                "already_in_channel",
                "cant_invite_self",
                "not_in_channel",
            ),
        ),
        _spec(
            "conversations.join",
            "POST",
            ("channel",),
            json_input=True,
            missing={"channel": "channel_not_found"},
            errors=("channel_not_found", "method_not_supported_for_channel_type"),
        ),
        _spec(
            "conversations.info",
            "GET",
            ("channel",),
            json_input=False,
            missing={"channel": "channel_not_found"},
            errors=("channel_not_found",),
        ),
        _spec("conversations.list", "GET", (), json_input=False, errors=("invalid_cursor", "invalid_limit")),
        *(
            _spec(
                f"conversations.{method}",
                "POST",
                ("channel", argument),
                json_input=True,
                missing={"channel": "channel_not_found"},
                errors=_LABEL_ERRORS,
            )
            for method, argument in (("setTopic", "topic"), ("setPurpose", "purpose"))
        ),
        _spec(
            "conversations.history",
            "GET",
            ("channel",),
            json_input=False,
            missing={"channel": "channel_not_found"},
            errors=(
                "channel_not_found",
                "not_in_channel",
                "invalid_cursor",
                "invalid_ts_latest",
                "invalid_ts_oldest",
            ),
        ),
        _spec(
            "pins.add",
            "POST",
            ("channel",),
            json_input=True,
            missing={"channel": "channel_not_found"},
            errors=(
                "channel_not_found",
                "no_item_specified",
                "bad_timestamp",
                "message_not_found",
                "already_pinned",
            ),
            standin_only={
                "not_in_channel": "Slack's reference does not list it, but a bot token pinning in a "
                "conversation it is not a member of is refused with it."
            },
        ),
        _spec(
            "pins.list",
            "GET",
            ("channel",),
            json_input=False,
            missing={"channel": "channel_not_found"},
            errors=("channel_not_found",),
        ),
        _spec(
            "views.open",
            "POST",
            ("view",),
            json_input=True,
            errors=("invalid_trigger_id", "exchanged_trigger_id", "view_too_large", "duplicate_external_id"),
        ),
        _spec(
            "views.push",
            "POST",
            ("trigger_id", "view"),
            json_input=True,
            errors=(
                "invalid_trigger_id",
                "exchanged_trigger_id",
                "push_limit_reached",
                "view_too_large",
                "duplicate_external_id",
            ),
        ),
        _spec(
            "views.update",
            "POST",
            ("view",),
            json_input=True,
            errors=("not_found", "hash_conflict", "view_too_large", "duplicate_external_id"),
        ),
        _spec(
            "views.publish",
            "POST",
            ("user_id", "view"),
            json_input=True,
            errors=("hash_conflict", "view_too_large", "duplicate_external_id"),
            standin_only={
                "user_not_found": "Slack answers invalid_arguments; a named error is easier to debug."
            },
        ),
        _spec(
            "files.getUploadURLExternal",
            "POST",
            ("length", "filename"),
            json_input=False,
            errors=("alt_txt_too_large",),
        ),
        _spec(
            "files.completeUploadExternal",
            "POST",
            ("files",),
            json_input=True,
            errors=("file_not_found", "channel_not_found", "invalid_blocks"),
        ),
        _spec(
            "users.info",
            "GET",
            ("user",),
            json_input=False,
            missing={"user": "user_not_found"},
            errors=("user_not_found",),
        ),
        _spec(
            "usergroups.users.list",
            "GET",
            ("usergroup",),
            json_input=False,
            missing={"usergroup": "no_such_subteam"},
            errors=("no_such_subteam",),
        ),
    )
}

# Arguments that Slack takes as a JSON document, which form-encoded callers send as a JSON string.
JSON_VALUED_ARGS = frozenset({"blocks", "attachments", "view", "files", "metadata", "unfurled_attachments"})

MESSAGE_TEXT_MAX = 40_000
ATTACHMENTS_MAX = 100
CHANNEL_NAME_MAX = 80
ALT_TXT_MAX = 1000
VIEW_STACK_MAX = 3
RESPONSE_URL_USES = 5
