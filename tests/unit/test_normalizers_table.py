"""Stored rows read through the plugin registry, shared helpers, and fuzzing: whatever the bytes, only
MalformedPayload."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialdesk.config import Ingest
from socialdesk.domain.enums import Platform
from socialdesk.ingest.by_source import SourceUnavailable
from socialdesk.ingest.normalizers import parse_json
from socialdesk.plugins.mentions import MalformedPayload, NormalizeResult
from socialdesk.plugins.payloads import (
    NO_BRAND,
    BrandAccounts,
    from_epoch,
    from_iso,
    from_twitter,
    snowflake_time,
)
from tests.support import builtin_reader

READER = builtin_reader()
SOURCES = ["generic", "history", "meta", "x", "x_poll"]  # the inbox rows the built-in sources read


def normalize(source: str, body: bytes, brand: BrandAccounts) -> NormalizeResult:
    return READER.normalize(source, body, brand)


def test_every_built_in_row_is_read_by_its_source_plugin() -> None:
    assert {name: READER.resolve(name)[0].name for name in SOURCES} == {
        "generic": "generic",
        "history": "generic",  # `ingest --historical`: the same JSON, the row's name marks it as history
        "meta": "meta",
        "x": "x",
        "x_poll": "x",  # pages of the X poller, read as API v2 even with the poller off
    }


def test_unknown_source_is_unavailable_not_a_bad_payload() -> None:
    with pytest.raises(SourceUnavailable, match="no active source reads inbox rows of 'tiktok'"):
        normalize("tiktok", b"{}", NO_BRAND)


def test_polled_x_pages_are_read_as_v2_without_the_poller() -> None:
    page = {"data": [{"id": "1800000000000000000", "text": "@acme hi", "author_id": "9"}]}
    (mention,) = normalize("x_poll", json.dumps(page).encode(), NO_BRAND).mentions
    assert mention.external_id == "1800000000000000000" and mention.platform is Platform.X


def test_normalize_parses_bytes_and_dispatches() -> None:
    body = b'{"for_user_id": "1", "favorite_events": [{}]}'
    result = normalize("x", body, NO_BRAND)
    assert [s.reason for s in result.skipped] == ["favorite event"]


def test_parse_json_accepts_utf16_and_bom() -> None:
    assert parse_json('{"a": "\u00e9"}'.encode("utf-16")) == {"a": "\u00e9"}
    assert parse_json(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}


def test_parse_json_refuses_huge_integers_cleanly() -> None:
    with pytest.raises(MalformedPayload, match="body: not JSON"):
        parse_json(b"1" * 5000)


def test_brand_accounts_from_config() -> None:
    ingest = Ingest(
        brand_ids={Platform.FACEBOOK: ["111"], Platform.X: ["2244994945"]},
        brand_handles={Platform.X: ["@AcmeHelp"], Platform.INSTAGRAM: ["acme"]},
    )
    brand = BrandAccounts.from_config(ingest)
    assert brand.is_own(Platform.X, account_id="2244994945")
    assert brand.is_own(Platform.X, handle="acmehelp")
    assert brand.is_own(Platform.X, handle="@ACMEHELP")
    assert brand.is_own(Platform.MESSENGER, account_id="111")  # a page id serves both
    assert not brand.is_own(Platform.INSTAGRAM, account_id="111")
    assert not brand.is_own(Platform.X, account_id="111")
    assert not brand.is_own(Platform.X)
    assert not NO_BRAND.is_own(Platform.X, account_id="1", handle="a")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1_714_555_800, datetime(2024, 5, 1, 9, 30, tzinfo=UTC)),
        (1_714_555_800_250, datetime(2024, 5, 1, 9, 30, 0, 250_000, tzinfo=UTC)),
        ("1714555800", datetime(2024, 5, 1, 9, 30, tzinfo=UTC)),
        (1_714_555_800.5, datetime(2024, 5, 1, 9, 30, 0, 500_000, tzinfo=UTC)),
    ],
)
def test_from_epoch_seconds_or_milliseconds(value: Any, expected: datetime) -> None:
    assert from_epoch(value, "t") == expected


@pytest.mark.parametrize("value", [True, None, "soon", [1], 10**30, float("inf")])
def test_from_epoch_refuses(value: Any) -> None:
    with pytest.raises(MalformedPayload, match=r"^t: "):
        from_epoch(value, "t")


def test_time_formats() -> None:
    assert from_iso("2018-02-23T21:32:16+0000", "t") == datetime(2018, 2, 23, 21, 32, 16, tzinfo=UTC)
    assert from_iso("2024-01-15T10:30:00", "t").tzinfo is UTC
    assert from_twitter("Wed Oct 10 20:19:24 +0000 2018", "t") == datetime(
        2018, 10, 10, 20, 19, 24, tzinfo=UTC
    )
    assert snowflake_time("1578516068309794817") == datetime(2022, 10, 7, 22, 42, 12, 752_000, tzinfo=UTC)
    assert snowflake_time("20") is None and snowflake_time("abc") is None and snowflake_time("9" * 30) is None


# --- fuzzing ----------------------------------------------------------------------------------

KEYS = [
    "object",
    "entry",
    "id",
    "id_str",
    "time",
    "changes",
    "field",
    "value",
    "item",
    "verb",
    "comment_id",
    "post_id",
    "parent_id",
    "from",
    "name",
    "sender_id",
    "created_time",
    "message",
    "messaging",
    "standby",
    "sender",
    "recipient",
    "timestamp",
    "mid",
    "text",
    "is_echo",
    "is_deleted",
    "attachments",
    "type",
    "quick_reply",
    "payload",
    "reply_to",
    "story",
    "media",
    "media_id",
    "username",
    "for_user_id",
    "tweet_create_events",
    "direct_message_events",
    "favorite_events",
    "users",
    "user",
    "screen_name",
    "followers_count",
    "verified",
    "extended_tweet",
    "full_text",
    "in_reply_to_status_id_str",
    "retweeted_status",
    "created_at",
    "timestamp_ms",
    "message_create",
    "message_data",
    "created_timestamp",
    "data",
    "includes",
    "meta",
    "errors",
    "title",
    "author_id",
    "referenced_tweets",
    "conversation_id",
    "note_tweet",
    "public_metrics",
    "event_type",
    "dm_event_id",
    "mentions",
    "platform",
    "kind",
    "author",
    "handle",
    "followers",
    "url",
    "in_reply_to",
    "private",
    "extra",
    "open_graph_story_id",
    "review_text",
]
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(
        [
            "page",
            "instagram",
            "add",
            "comment",
            "post",
            "feed",
            "comments",
            "mentions",
            "x",
            "MessageCreate",
            "message_create",
            "replied_to",
            "retweeted",
            "1714555800",
            "2024-05-01T09:30:00Z",
            "Wed Oct 10 20:19:24 +0000 2018",
            "1578516068309794817",
            "",
        ]
    )
    | st.text(max_size=12)
)
JSON = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(KEYS), children, max_size=6)
    ),
    max_leaves=40,
)
ENVELOPES = st.one_of(
    st.fixed_dictionaries(
        {"object": st.sampled_from(["page", "instagram"]), "entry": st.lists(JSON, max_size=3)}
    ),
    st.fixed_dictionaries({"for_user_id": JSON, "tweet_create_events": st.lists(JSON, max_size=3)}),
    st.fixed_dictionaries(
        {"for_user_id": JSON, "direct_message_events": st.lists(JSON, max_size=3), "users": JSON}
    ),
    st.fixed_dictionaries({"data": st.lists(JSON, max_size=3), "includes": JSON}),
    st.fixed_dictionaries({"mentions": st.lists(JSON, max_size=3)}),
    JSON,
)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check_invariants(result: NormalizeResult) -> None:
    for m in result.mentions:
        assert m.external_id and m.author.id and m.conversation_key and m.text.strip()
        assert m.posted_at.utcoffset() is not None
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in m.extra.items())
    for s in result.skipped:
        assert s.reason


def _run(source: str, body: bytes) -> None:
    try:
        result = normalize(source, body, NO_BRAND)
    except MalformedPayload as exc:
        assert str(exc)
    else:
        _check_invariants(result)


@FUZZ
@given(source=st.sampled_from(SOURCES), body=st.binary(max_size=300))
def test_arbitrary_bytes_only_raise_malformed(source: str, body: bytes) -> None:
    _run(source, body)


@FUZZ
@given(source=st.sampled_from(SOURCES), doc=ENVELOPES)
def test_arbitrary_json_only_raises_malformed(source: str, doc: Any) -> None:
    _run(source, json.dumps(doc).encode())


def test_unpaired_surrogate_escapes_become_replacement_characters() -> None:
    assert parse_json(b'{"text": "a\\ud83d b", "\\udc00k": ["\\ud83d\\ude00"]}') == {
        "text": "a\ufffd b",
        "\ufffdk": ["\U0001f600"],
    }


def test_raw_surrogate_bytes_are_not_utf8() -> None:
    with pytest.raises(MalformedPayload, match="body: not UTF-8 text"):
        parse_json(b'{"text": "\xed\xa0\xbd"}')
