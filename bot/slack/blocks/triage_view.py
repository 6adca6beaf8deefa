"""The card's "Correct triage" menu and the triage form: pure functions of the case view.

The menu is one static select on the card's actions row, grouped by field, offering only values the
case does not have yet, so one pick is one correction; its last choice opens the form with all three
fields pre-filled (for a correction of two fields at once). Each choice's value carries the same word
`/social triage` takes (bot/slack/ids.py: ``triage:P2|{"v":1,"case":42}``).
"""

from __future__ import annotations

from typing import Any

from socialdesk.domain.case_view import CaseView
from socialdesk.domain.enums import Category, Priority
from socialdesk.domain.triage_fix import NEEDS_REPLY_WORD, NO_REPLY_WORD
from socialdesk.slack.blocks.card_text import PRIORITY_EMOJI, category_label
from socialdesk.slack.blocks.inputs import input_block, modal, option, static_select
from socialdesk.slack.blocks.kit import MAX_SECTION_TEXT, context_block, plain_text, quote, section_block
from socialdesk.slack.ids import (
    TRIAGE_EDIT,
    ActionId,
    CallbackId,
    InputId,
    case_block_id,
    encode_case_value,
    encode_triage_value,
)

__all__ = ["REPLY_CHOICES", "triage_menu", "triage_modal"]

# The form's reply choices: the value is the command's word.
REPLY_CHOICES: list[tuple[str, str]] = [
    ("Needs a reply", NEEDS_REPLY_WORD),
    ("No reply needed", NO_REPLY_WORD),
]

# Spam is left out of the menu: "Mark spam" in the card's overflow does it (and closes the case).
_MENU_CATEGORIES = [c for c in Category if c is not Category.SPAM]


def triage_menu(case: CaseView) -> dict[str, Any]:
    """The static select for the card's actions row (Slack allows 100 options; this has at most 11)."""
    categories = [
        option(category_label(c), encode_triage_value(case.id, c.value))
        for c in _MENU_CATEGORIES
        if c is not case.category
    ]
    priorities = [
        option(f"{PRIORITY_EMOJI[p]} {p.value}", encode_triage_value(case.id, p.value))
        for p in Priority
        if p is not case.priority
    ]
    reply = (
        option("No reply needed", encode_triage_value(case.id, NO_REPLY_WORD))
        if case.needs_reply
        else option("Needs a reply", encode_triage_value(case.id, NEEDS_REPLY_WORD))
    )
    groups = [
        ("Category", categories),
        ("Priority", priorities),
        ("Reply", [reply]),
        ("More", [option("Edit all three…", encode_triage_value(case.id, TRIAGE_EDIT))]),
    ]
    return {
        "type": "static_select",
        "action_id": ActionId.TRIAGE.value,
        "placeholder": plain_text("Correct triage", 150),
        "option_groups": [
            {"label": plain_text(label, 75), "options": opts} for label, opts in groups if opts
        ],
    }


def triage_modal(case: CaseView) -> dict[str, Any]:
    """The triage form: category, priority and "needs a reply", each pre-filled with the case's value."""
    handle = f"@{case.author.handle}" if case.author.handle else case.author.name or case.author.id
    blocks = [
        context_block(
            [f"#{case.id} · {case.platform.label} · {handle} · team {case.team}"],
            block_id=case_block_id(case.id, "t:ctx"),
        ),
        section_block(
            quote(case.first.text_masked, MAX_SECTION_TEXT), block_id=case_block_id(case.id, "t:q")
        ),
        input_block(
            InputId.TRIAGE_CATEGORY,
            "Category",
            static_select([(category_label(c), c.value) for c in Category], initial=case.category.value),
            hint="Spam also closes the case.",
        ),
        input_block(
            InputId.TRIAGE_PRIORITY,
            "Priority",
            static_select(
                [(f"{PRIORITY_EMOJI[p]} {p.value}", p.value) for p in Priority], initial=case.priority.value
            ),
            hint="The SLA due time follows the priority, counted from when the customer posted.",
        ),
        input_block(
            InputId.TRIAGE_REPLY,
            "Reply",
            static_select(REPLY_CHOICES, initial=NEEDS_REPLY_WORD if case.needs_reply else NO_REPLY_WORD),
            hint="A case that needs no reply has no SLA clock.",
        ),
    ]
    return modal(
        callback_id=CallbackId.TRIAGE_MODAL,
        title=f"Triage #{case.id}",
        blocks=blocks,
        submit="Save",
        private_metadata=encode_case_value(case.id),
    )
