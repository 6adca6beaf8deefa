"""Statement slots, rendering and the approval lint (`check_statement`)."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from socialdesk.config import Masking
from socialdesk.domain.canned import reply_context
from socialdesk.domain.enums import Platform
from socialdesk.domain.playbooks.loader import load_playbook
from socialdesk.domain.playbooks.render import (
    StatementRenderError,
    StatementSlots,
    check_statement,
    format_time,
    render_all,
    render_canned_reply,
    render_statement,
    slots_for,
    tidy,
)
from socialdesk.domain.playbooks.schema import SLOTS, Playbook, StatementKind, Templates

MINIMAL = Path(__file__).resolve().parents[1] / "fixtures" / "playbooks" / "minimal.yaml"
STARTED = datetime(2025, 11, 25, 12, 5, tzinfo=UTC)
ISSUED = datetime(2025, 11, 25, 13, 20, tzinfo=UTC)
NEXT = datetime(2025, 11, 25, 14, 0, tzinfo=UTC)
MASKING = Masking()


@pytest.fixture(scope="module")
def playbook() -> Playbook:
    return load_playbook(MINIMAL)


def make_slots(playbook: Playbook, **filled: object) -> StatementSlots:
    return slots_for(
        playbook,
        summary="Checkout fails for some customers",
        severity="sev1",
        started_at=STARTED,
        issued_at=ISSUED,
        next_update_at=NEXT,
        filled=filled,
        tz="Europe/Berlin",
    )


def with_templates(playbook: Playbook, **templates: str | None) -> Playbook:
    holding = Templates(default=templates.pop("default", None) or playbook.holding.default, **templates)
    return playbook.model_copy(update={"holding": holding})


# --- slots ------------------------------------------------------------------------------------------
def test_slot_fields_are_the_schema_slots() -> None:
    assert tuple(f.name for f in fields(StatementSlots)) == SLOTS


def test_times_are_local_with_the_zone_abbreviation() -> None:
    assert format_time(ISSUED, "Europe/Berlin") == "14:20 CET, 25 Nov"
    assert (
        format_time(datetime(2025, 7, 4, 8, 5, tzinfo=UTC), ZoneInfo("Europe/Berlin")) == "10:05 CEST, 4 Jul"
    )


def test_slots_take_defaults_times_and_severity_label(playbook: Playbook) -> None:
    slots = make_slots(playbook)
    assert slots.headline == "Checkout fails for some customers"  # the summary, when none is filled
    assert (slots.time, slots.started, slots.next_update) == (
        "14:20 CET, 25 Nov",
        "13:05 CET, 25 Nov",
        "15:00 CET, 25 Nov",
    )
    assert slots.severity == "Severe"
    assert slots.unknowns == ["the cause"]
    assert slots.scope == "customers of the test service"


def test_filled_values_override_and_blanks_keep_the_default(playbook: Playbook) -> None:
    slots = make_slots(
        playbook,
        headline="  Card payments   fail ",
        scope="",
        confirmed_facts="- card payments fail\n\n• refunds are not affected\n",
        unknowns=[],
        actions=["restarting the payment service"],
    )
    assert slots.headline == "Card payments fail"
    assert slots.scope == "customers of the test service"
    assert slots.confirmed_facts == ["card payments fail", "refunds are not affected"]
    assert slots.unknowns == ["the cause"]
    assert slots.actions == ["restarting the payment service"]


def test_unknown_filled_name_is_an_error_naming_it(playbook: Playbook) -> None:
    with pytest.raises(StatementRenderError, match="eta cannot be filled in"):
        make_slots(playbook, eta="soon")


def test_no_next_update_gives_an_empty_slot(playbook: Playbook) -> None:
    slots = slots_for(
        playbook,
        summary="Fixed",
        severity=None,
        started_at=STARTED,
        issued_at=ISSUED,
        next_update_at=None,
        filled={},
        tz="UTC",
    )
    assert slots.next_update == ""
    assert slots.time == "13:20 UTC, 25 Nov"
    assert slots.severity == "Severe"  # the default severity


# --- rendering --------------------------------------------------------------------------------------
def test_render_uses_the_targets_own_template_or_the_default(playbook: Playbook) -> None:
    slots = make_slots(playbook)
    x = render_statement(playbook, StatementKind.HOLDING, "x", slots)
    assert (
        x == "Checkout fails for some customers. Next update by 15:00 CET, 25 Nov: https://status.example.com"
    )
    facebook = render_statement(playbook, "holding", "facebook", slots)
    assert facebook == (
        "Checkout fails for some customers (14:20 CET, 25 Nov)\n"
        "We are sorry for the trouble.\n"
        "- unknown: the cause\n"
        "Next update by 15:00 CET, 25 Nov."
    )


def test_render_all_covers_publish_to_in_order(playbook: Playbook) -> None:
    texts = render_all(playbook, StatementKind.RESOLUTION, make_slots(playbook))
    assert list(texts) == ["x", "facebook", "status_page"]
    assert texts["status_page"].endswith(
        "Checkout fails for some customers. Checkout fails for some customers"
    )


def test_output_is_plain_text_and_whitespace_is_tidied(playbook: Playbook) -> None:
    changed = with_templates(playbook, facebook="{{ headline }}   \n\n\n\n{{ scope }}  \n")
    slots = make_slots(playbook, headline="Fish & chips <b>off</b>")
    text = render_statement(changed, StatementKind.HOLDING, "facebook", slots)
    assert text == "Fish & chips <b>off</b>\n\ncustomers of the test service"


def test_tidy() -> None:
    assert tidy("  a  \n\n\n\nb \t\n") == "a\n\nb"


def test_render_error_names_playbook_kind_and_target(playbook: Playbook) -> None:
    broken = with_templates(playbook, x="{{ headline.upper() }} {{ missing }}")
    with pytest.raises(StatementRenderError) as caught:
        render_statement(broken, StatementKind.HOLDING, "x", make_slots(playbook))
    message = str(caught.value)
    assert "test-outage" in message and "holding statement" in message and "for X" in message
    assert "missing" in message


def test_canned_reply_combines_placeholders_and_slots(playbook: Playbook) -> None:
    context = reply_context(
        platform=Platform.X, case_number=42, agent_name="Maria Jones", customer_handle="sam"
    )
    text = render_canned_reply(playbook, make_slots(playbook), context.as_dict())
    assert text == "Hi @sam, we are on it. Updates: https://status.example.com"


# --- the lint ---------------------------------------------------------------------------------------
def test_clean_text_passes(playbook: Playbook) -> None:
    text = "Checkout fails for some customers. Next update by 15:00 CET, 25 Nov: https://status.example.com/x/20251125"
    assert check_statement(playbook, "x", text, MASKING) == []


def test_over_length_for_x_counts_weighted_and_links_as_23(playbook: Playbook) -> None:
    long_link = "https://status.example.com/" + "a" * 200
    # 250 + 1 + 23 = 274 as X counts it: fits, although the text has 478 characters.
    assert check_statement(playbook, "x", "a" * 250 + " " + long_link, MASKING) == []
    assert check_statement(playbook, "facebook", "a" * 250 + " " + long_link, MASKING) == []
    assert check_statement(playbook, "x", "\u4e00" * 141, MASKING) == ["X: 282 characters, the limit is 280"]
    assert check_statement(playbook, "x", "a" * 312, MASKING) == ["X: 312 characters, the limit is 280"]


def test_over_length_for_facebook_and_status_page(playbook: Playbook) -> None:
    assert check_statement(playbook, "status_page", "a" * 4000, MASKING) == []
    assert check_statement(playbook, "status_page", "a" * 4001, MASKING) == [
        "Status page: 4001 characters, the limit is 4000"
    ]
    assert check_statement(playbook, "facebook", "a" * 8001, MASKING) == [
        "Facebook: 8001 characters, the limit is 8000"
    ]


def test_forbidden_phrase_with_its_reason_whole_words_only(playbook: Playbook) -> None:
    problems = check_statement(playbook, "facebook", "We BELIEVE it was our supplier.", MASKING)
    assert problems == [
        'contains the forbidden phrase "we believe" (speculation)',
        'contains the forbidden phrase "our supplier" (blame)',
    ]
    assert check_statement(playbook, "facebook", "Answer: we believed nothing.", MASKING) == []


def test_forbidden_pattern(playbook: Playbook) -> None:
    problems = check_statement(playbook, "x", "It will be FIXED in 20 minutes.", MASKING)
    pattern = r"\bfixed\s+in\s+\d+\s+minutes\b"
    assert problems == [f'contains "FIXED in 20 minutes", which the forbidden pattern "{pattern}" catches']


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("Contact jane.doe@example.com for help", "an email address"),
        ("Call Sam on 07700 900123 today", "a phone number"),
        ("Mail jo@example.org or ring +44 20 7946 0958", "an email address and a phone number"),
    ],
)
def test_personal_data_is_found(playbook: Playbook, text: str, what: str) -> None:
    assert check_statement(playbook, "facebook", text, MASKING) == [f"contains personal data ({what})"]


def test_personal_data_check_can_be_switched_off_and_knows_public_contacts(playbook: Playbook) -> None:
    text = "Call our helpline on 0800 123 4567."
    assert check_statement(playbook, "facebook", text, MASKING) == ["contains personal data (a phone number)"]
    assert check_statement(playbook, "facebook", text, MASKING, public_contacts=["0800 123 4567"]) == []
    relaxed = playbook.model_copy(update={"forbidden": replace_forbidden(playbook, personal_data=False)})
    assert check_statement(relaxed, "facebook", text, MASKING) == []


def test_empty_text_is_a_problem(playbook: Playbook) -> None:
    assert check_statement(playbook, "x", "  \n ", MASKING) == ["the text is empty"]


def replace_forbidden(playbook: Playbook, **changes: object) -> object:
    return playbook.forbidden.model_copy(update=changes)


def test_slots_are_immutable(playbook: Playbook) -> None:
    slots = make_slots(playbook)
    assert replace(slots, headline="Other").headline == "Other"
    with pytest.raises(AttributeError):
        slots.headline = "x"  # type: ignore[misc]
