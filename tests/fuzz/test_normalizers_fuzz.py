"""Every normalizer, over arbitrary JSON and over mutated real payloads: mentions, or MalformedPayload.

Anything else (a KeyError, a TypeError, an AttributeError) would be a 500 at the webhook and a stuck
inbox row in the pipeline.
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from socialdesk.demo.feed import build_feed
from socialdesk.plugins.mentions import MalformedPayload, NormalizedMention
from socialdesk.plugins.payloads import NO_BRAND, BrandAccounts
from tests.fuzz.strategies import META_SAMPLES, X_V2_SAMPLES, json_values, mutated
from tests.support import builtin_reader

FEED = build_feed(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
SAMPLES: dict[str, list[Any]] = {
    "meta": META_SAMPLES + [i.body for i in FEED if i.source == "meta"],
    "x": [i.body for i in FEED if i.source == "x"],
    "x_poll": X_V2_SAMPLES,
    "generic": [i.body for i in FEED if i.source == "generic"],
    "history": [i.body for i in FEED if i.source == "generic"],  # the same format, imported as history
}
BRAND = BrandAccounts.build(ids={}, handles={})
# The built-in sources read each stored row through the plugin registry, as ingest does.
READER = builtin_reader()
SOURCES = sorted(SAMPLES)


def normalize(source: str, body: bytes, brand: BrandAccounts) -> Any:
    return READER.normalize(source, body, brand)


def _holds(source: str, payload: Any) -> None:
    try:
        result = READER.read(*READER.resolve(source), payload, BRAND)
    except MalformedPayload as exc:
        assert str(exc), "a refusal names its reason"
        return
    for mention in result.mentions:
        assert isinstance(mention, NormalizedMention)
        assert mention.external_id and mention.conversation_key
        assert mention.posted_at.tzinfo is not None
        assert all(isinstance(v, str) for v in mention.extra.values())


def test_every_source_has_samples() -> None:
    for source in SAMPLES:  # every name the inbox holds for the built-ins has an active reader
        READER.resolve(source)
    assert all(SAMPLES.values()), {k: len(v) for k, v in SAMPLES.items()}


@settings(max_examples=150, deadline=None)
@given(source=st.sampled_from(SOURCES), payload=json_values)
def test_arbitrary_json(source: str, payload: Any) -> None:
    _holds(source, payload)


@settings(max_examples=60, deadline=None)
@given(
    source=st.sampled_from(SOURCES),
    payload=st.dictionaries(
        st.sampled_from(
            [
                "object",
                "entry",
                "for_user_id",
                "tweet_create_events",
                "direct_message_events",
                "users",
                "data",
                "includes",
                "meta",
                "mentions",
                "platform",
                "id",
                "text",
                "author",
                "created_at",
            ]
        ),
        json_values,
        max_size=6,
    ),
)
def test_arbitrary_json_with_the_keys_each_source_looks_for(source: str, payload: Any) -> None:
    _holds(source, payload)


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_mutated_real_payloads(data: st.DataObject) -> None:
    source = data.draw(st.sampled_from(sorted(SAMPLES)))
    _holds(source, data.draw(mutated(SAMPLES[source])))


@settings(max_examples=100, deadline=None)
@given(
    source=st.sampled_from(SOURCES),
    body=st.binary(max_size=200) | st.text(max_size=200).map(str.encode),
)
def test_arbitrary_bytes(source: str, body: bytes) -> None:
    with contextlib.suppress(MalformedPayload):
        normalize(source, body, NO_BRAND)


def test_deep_nesting_is_malformed_not_a_crash() -> None:
    for source in SOURCES:
        with contextlib.suppress(MalformedPayload):
            normalize(source, b"[" * 100_000 + b"]" * 100_000, NO_BRAND)
        with contextlib.suppress(MalformedPayload):
            normalize(source, json.dumps({"entry": "x" * 10, "mentions": [[[]]]}).encode(), NO_BRAND)
