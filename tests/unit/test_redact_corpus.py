"""An audit corpus for masking: tricky personal data that must be masked, and look-alikes that must not.

Each masked case names the kind it must be counted as, so a phone masked "by luck" as a card fails.
The masker does not claim obfuscated addresses ("jane at example dot com"): those are asserted to be
left alone, so a change in that claim is a deliberate one.
"""

from __future__ import annotations

import re

import pytest

from socialdesk.config import Masking
from socialdesk.domain.redact import luhn_ok, mask

DEFAULT = Masking()

PHONES = [
    "+44 20 7946 0958",
    "(415) 555-0132",
    "+49 30 901820",
    "0049-30-901820",
    "+33 6 12 34 56 78",
    "+91 98765 43210",
    "+1 415 555 0132",
    "+1-415-555-0132",
    "415.555.0132",
    "+61 2 9876 5432",
    "+81 3-1234-5678",
    "+353 1 234 5678",
    "+49 (0)30 901820",
    "+33 (0)6 12 34 56 78",
    "0091 98765 43210",
    "+91-98765-43210",
    "+4930901820",
    "020 7946 0958",
]


@pytest.mark.parametrize("phone", PHONES)
@pytest.mark.parametrize("template", ["call me on {} please", "tel:{}.", "({})", "WhatsApp {}, thanks"])
def test_international_phones_are_masked(phone: str, template: str) -> None:
    result = mask(template.format(phone), DEFAULT)
    assert result.text == template.format("[phone]")
    assert result.counts == {"phone": 1}


CARDS = [
    "4111 1111 1111 1111",
    "4111-1111-1111-1111",
    "4012 8888 8888 1881",
    "5555-5555-5555-4444",
    "3782 822463 10005",  # Amex: 15 digits, 4-6-5
    "3714-496353-98431",  # Amex, dashed
    "378282246310005",  # Amex, unspaced
]


@pytest.mark.parametrize("card", CARDS)
@pytest.mark.parametrize("template", ["card {} was charged", "card:{}", "it was {}, then refunded", "{}."])
def test_spaced_and_dashed_cards_are_masked(card: str, template: str) -> None:
    assert luhn_ok(re.sub(r"\D", "", card))
    result = mask(template.format(card), DEFAULT)
    assert result.text == template.format("[card]")
    assert result.counts == {"card": 1}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The link stays readable; only the address inside it goes.
        ("see https://x.com/share?u=jane.doe@example.com ok", "see https://x.com/share?u=[email] ok"),
        (
            "https://x.com/intent/tweet?text=hi&u=jane.doe@example.com&via=brand",
            "https://x.com/intent/tweet?text=hi&u=[email]&via=brand",
        ),
        ("x.com/share?u=jane@example.com", "x.com/share?u=[email]"),
        ("https://example.com/u/jane.doe%40example.com ok", "https://example.com/u/[email] ok"),
        ("mailto:jane.doe+tag@example.co.uk", "mailto:[email]"),
        ("<jane@example.com>", "<[email]>"),
        ("write to JANE@EXAMPLE.COM!", "write to [email]!"),
    ],
)
def test_emails_in_urls_and_markup_are_masked(text: str, expected: str) -> None:
    result = mask(text, DEFAULT)
    assert result.text == expected
    assert result.counts == {"email": 1}
    assert mask(result.text, DEFAULT).text == result.text


def test_obfuscated_addresses_are_not_claimed() -> None:
    # The masker does not claim "at ... dot": too many ordinary sentences read that way.
    for text in ("jane at example dot com", "jane [at] example [dot] com", "meet at the shop dot com"):
        assert mask(text, DEFAULT).text == text


@pytest.mark.parametrize(
    "text",
    [
        "order 415-555-0132 shipped",  # looks like a US phone, but it follows "order"
        "Order number is 4155550132",
        "order 0049-30-901820 is late",
        "booking ref: 02079460958",
    ],
)
def test_order_numbers_that_look_like_phones_are_orders(text: str) -> None:
    result = mask(text, DEFAULT)
    assert "[order]" in result.text
    assert "phone" not in result.counts
    assert not re.search(r"\d{3}", result.text)


@pytest.mark.parametrize(
    "text",
    [
        # dates and times
        "on 2024-05-01",
        "on 24/11/2026 at 09:30",
        "2026-11-24T09:30:00Z",
        "delivered 01.05.2024",
        # prices
        "it cost $1,299.99",
        "$1,234,567.89 in total",
        "£15.99 x 3 = £47.97",
        "price €12.50, was €1.299,00",
        # years
        "born 1985, moved 2019",
        "in 1999 2000 2001",
        # tracking numbers as carriers print them
        "tracking 1Z999AA10123456784",  # UPS
        "tracking 9400111202197130620317",  # USPS, 22 digits
        "tracking RR123456785GB",  # Royal Mail / UPU S10
        "tracking JJD0099999999",  # DHL
        # other numbers
        "version 10.0.19045.3803",
        "ISBN 978-3-16-148410-0",
        "a 16 digit non-card 4111 1111 1111 1112",
        "1,000,000 followers",
    ],
)
def test_look_alikes_are_not_masked(text: str) -> None:
    assert mask(text, DEFAULT).text == text


def test_a_post_with_everything_masks_each_kind_once() -> None:
    text = (
        "I'm Jane (jane.doe@example.com, +44 20 7946 0958). Card 4111-1111-1111-1111 was charged £49.99 "
        "on 2026-11-24 for order #AB12345; see https://x.com/share?u=jane.doe@example.com"
    )
    result = mask(text, DEFAULT)
    assert result.counts == {"email": 2, "phone": 1, "card": 1, "order": 1}
    for secret in ("jane.doe@example.com", "7946", "4111", "AB12345"):
        assert secret not in result.text
    for kept in ("£49.99", "2026-11-24", "https://x.com/share?u="):
        assert kept in result.text
