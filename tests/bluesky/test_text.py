"""Bluesky's counting and facets: graphemes as Bluesky counts them, UTF-8 byte offsets for facets."""

from __future__ import annotations

import pytest

from socialdesk.sources.bluesky import text
from socialdesk.sources.bluesky.source import BLUESKY


@pytest.mark.parametrize(
    ("sample", "graphemes"),
    [
        ("hello", 5),
        ("👨‍👩‍👧‍👦", 1),  # a family: 7 code points joined by ZWJ
        ("🇫🇷🇩🇪", 2),  # two flags, four regional indicators
        ("e\u0301", 1),  # e + combining acute
        ("🏳️‍🌈", 1),
        ("👍🏽", 1),  # a skin-tone modifier belongs to its emoji
        ("\r\n", 1),
        ("क्षि", 1),  # a Devanagari conjunct (Unicode 15.1, GB9c)
        ("한국어", 3),
    ],
)
def test_graphemes_are_counted_as_bluesky_counts_them(sample: str, graphemes: int) -> None:
    assert text.grapheme_length(sample) == graphemes


def test_the_platform_declares_its_limit_and_its_counter() -> None:
    capabilities = BLUESKY.capabilities
    assert capabilities.max_length == 300 and not capabilities.private
    assert capabilities.length("👨‍👩‍👧‍👦" * 300) == 300  # len() would say 2100
    assert capabilities.length("👨‍👩‍👧‍👦" * 301) == 301


def test_too_long_says_by_how_much_and_bytes_count_too() -> None:
    assert text.too_long("a" * 300) is None
    assert "301" in (text.too_long("a" * 301) or "") and "by 1" in (text.too_long("a" * 301) or "")
    # 150 graphemes but 3900 bytes: each is one 26-byte cluster of emoji, skin tones and ZWJs.
    heavy = "🧑🏽‍🤝‍🧑🏻" * 150
    assert text.grapheme_length(heavy) == 150 and text.byte_length(heavy) > 3000
    assert "bytes" in (text.too_long(heavy) or "")


def test_link_facets_use_utf8_byte_offsets_and_leave_punctuation_out() -> None:
    sample = "Désolé 😔 see https://acme.example/help?o=4411. (or www.acme.example/status)"
    found = text.links(sample)
    raw = sample.encode()
    assert [uri for _, uri in found] == [
        "https://acme.example/help?o=4411",
        "https://www.acme.example/status",
    ]
    assert [raw[s.start : s.end].decode() for s, _ in found] == [
        "https://acme.example/help?o=4411",
        "www.acme.example/status",
    ]
    assert found[0][0].start == len("Désolé 😔 see ".encode()) != len("Désolé 😔 see ")


def test_mentions_are_domain_handles_and_cover_the_at_sign() -> None:
    sample = "Hi @Dana.bsky.social, thanks! cc @nobody and mail@acme.example."
    found = text.mentions(sample)
    assert [h for _, h in found] == ["dana.bsky.social"]  # @nobody is no handle; mail@ is an address
    span = found[0][0]
    assert sample.encode()[span.start : span.end] == b"@Dana.bsky.social"
