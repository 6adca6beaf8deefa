"""Mastodon's HTML to text and its way of counting the 500 characters."""

from __future__ import annotations

from socialdesk_mastodon.text import html_to_text, status_length


def test_html_becomes_plain_text_with_whole_links_and_mentions() -> None:
    content = (
        '<p><span class="h-card"><a href="https://m.example/@acme" class="u-url mention">@<span>acme</span>'
        "</a></span> refund &amp; order</p><p>see "
        '<a href="https://example.com/orders/123456789"><span class="invisible">https://</span>'
        '<span class="ellipsis">example.com/orders/12</span><span class="invisible">3456789</span></a>'
        "<br />thanks</p>"
    )
    assert html_to_text(content) == "@acme refund & order\n\nsee https://example.com/orders/123456789\nthanks"


def test_links_count_23_and_a_mentions_domain_is_free() -> None:
    assert status_length("@dana@mastodon.social hi") == len("@dana hi")
    assert status_length("see https://example.com/" + "a" * 200) == len("see ") + 23
    assert status_length("mail me at a@b.example") == len("mail me at a@b.example")  # not a mention
