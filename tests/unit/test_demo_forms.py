"""The demo's modal driving (`form ...`), its terminal drawing of a modal, `@name` escaping, and the
registration of feed items with the platform stand-ins. No servers: views are built by the real
renderers and handed to the form directly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rich.console import Console

from socialdesk.clock import ManualClock
from socialdesk.demo.feed import BRAND_PAGE_ID, build_feed
from socialdesk.demo.forms import OpenForm
from socialdesk.demo.modal_view import render_form
from socialdesk.demo.platforms import DemoPlatforms
from socialdesk.demo.pretend_user import DemoInputError, escape_mentions
from socialdesk.domain.case_view import AuthorView, CaseView, MentionView
from socialdesk.domain.enums import CaseStatus, Category, MentionKind, Platform, Priority, Sentiment
from socialdesk.settings import Settings
from socialdesk.slack.blocks.inputs import input_block, modal, radio_buttons, static_select, text_input
from socialdesk.slack.blocks.modals import assign_modal, escalate_modal, resolve_modal
from socialdesk.slack.ids import InputId
from socialdesk.standin.models import StoredView

NOW = datetime(2024, 11, 20, 14, 0, tzinfo=UTC)
PEOPLE = {"maria": "U0AGENT01", "sam": "U0AGENT02", "priya": "U0MANAGER1"}
TEAMS = [("support", "Questions"), ("billing", "Charges, refunds, invoices"), ("incidents", "Outages")]


def a_case() -> CaseView:
    author = AuthorView("1001", "jane_doe", "Jane Doe", 480, False, None)
    first = MentionView(
        id=7,
        case_id=42,
        platform=Platform.X,
        kind=MentionKind.POST,
        is_private=False,
        author=author,
        text_masked="Charged twice for one order",
        url=None,
        posted_at=NOW - timedelta(minutes=10),
        sentiment=Sentiment.NEGATIVE,
        sentiment_score=-0.5,
    )
    return CaseView(
        id=42,
        platform=Platform.X,
        status=CaseStatus.CLAIMED,
        priority=Priority.P3,
        priority_reason="complaint",
        category=Category.COMPLAINT,
        sentiment=Sentiment.NEGATIVE,
        sentiment_score=-0.5,
        is_private=False,
        team="support",
        author=author,
        first=first,
        opened_at=NOW - timedelta(minutes=9),
        first_response_due=NOW + timedelta(minutes=6),
        first_response_at=None,
        assignee="U0AGENT01",
        mention_count=1,
        now=NOW,
    )


def a_modal(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    return modal(callback_id="demo.test", title="Reply", blocks=blocks, submit="Send", private_metadata="")


def view(payload: dict[str, Any], *, view_id: str = "V1", hash: str = "h1") -> StoredView:
    return StoredView(view_id, "modal", payload, hash, view_id, None, "U0AGENT01")


def reply_like(text_block: str = "reply_text", text: str = "") -> dict[str, Any]:
    """The reply form's dispatching inputs, shaped as bot/slack/blocks/reply_modal.py builds them."""
    canned = static_select([("Delivery delay", "delivery-delay"), ("Refund", "refund-billing")])
    where = radio_buttons([("Public", "public"), ("Private", "private")], initial="public")
    typed = text_input(multiline=True, initial=text)
    blocks = [
        {**input_block(InputId.REPLY_CANNED, "Canned", canned, optional=True), "dispatch_action": True},
        {**input_block(text_block, "Reply", typed), "dispatch_action": True},
        {**input_block(InputId.REPLY_VISIBILITY, "Where", where), "dispatch_action": True},
    ]
    blocks[1]["element"]["action_id"] = InputId.REPLY_TEXT.value  # the text keeps one action_id
    return a_modal(blocks)


def test_a_form_starts_from_the_views_initial_values_and_sends_state_as_slack_does() -> None:
    form = OpenForm.opened(view(resolve_modal(a_case())))
    values = form.state()["values"]
    assert values["resolve_outcome"]["resolve_outcome"]["selected_option"]["value"] == "answered"
    assert values["resolve_note"]["resolve_note"] == {"type": "plain_text_input", "value": None}
    assert form.set("outcome", "refunded", PEOPLE) is None  # a plain input: sent only with the form
    assert form.set("note", "  refund issued  ", PEOPLE) is None
    values = form.state()["values"]
    assert values["resolve_outcome"]["resolve_outcome"]["selected_option"]["value"] == "refunded"
    assert values["resolve_note"]["resolve_note"]["value"] == "refund issued"


def test_choices_by_value_or_label_and_a_clear_refusal_otherwise() -> None:
    form = OpenForm.opened(view(escalate_modal(a_case(), TEAMS)))
    form.set("team", "Billing", PEOPLE)
    assert form.values["escalate_team"]["selected_option"]["value"] == "billing"
    form.set("team", "inc", PEOPLE)  # the start of a label is enough when it is unambiguous
    assert form.values["escalate_team"]["selected_option"]["value"] == "incidents"
    with pytest.raises(DemoInputError, match="`legal` is not one of the choices: billing, incidents"):
        form.set("team", "legal", PEOPLE)
    with pytest.raises(DemoInputError, match=r"no `canned` field\. Its fields: team, reason"):
        form.set("canned", "refund-billing", PEOPLE)
    with pytest.raises(DemoInputError, match="Type something"):
        form.set("reason", "   ", PEOPLE)


def test_a_dispatching_input_yields_the_block_action_slack_would_send() -> None:
    form = OpenForm.opened(view(reply_like()))
    action = form.set("canned", "refund-billing", PEOPLE)
    assert action is not None
    assert action["action_id"] == "reply_canned" and action["block_id"] == "reply_canned"
    assert action["type"] == "static_select" and action["selected_option"]["value"] == "refund-billing"
    typed = form.set("text", "Please calm down", PEOPLE)
    assert typed == {
        "action_id": "reply_text",
        "block_id": "reply_text",
        "type": "plain_text_input",
        "value": "Please calm down",
    }
    assert form.set("where", "private", PEOPLE) is not None


def test_an_update_keeps_what_was_entered_unless_the_block_id_changed() -> None:
    form = OpenForm.opened(view(reply_like()))
    form.set("text", "my own words", PEOPLE)
    form.set("where", "private", PEOPLE)
    form.errors["reply_text"] = "old error"
    same = form.refreshed(view(reply_like(text="redrawn"), hash="h2"))
    assert same.values["reply_text"]["value"] == "my own words"  # Slack keeps the typing
    assert same.values["reply_visibility"]["selected_option"]["value"] == "private"
    assert same.errors == {}
    canned = form.refreshed(view(reply_like("reply_text~1", text="Hi Jane, sorry"), hash="h3"))
    assert canned.values["reply_text~1"]["value"] == "Hi Jane, sorry"  # a new block: the bot's text wins
    assert canned.state()["values"]["reply_text~1"] == {
        "reply_text": {"type": "plain_text_input", "value": "Hi Jane, sorry"}
    }


def test_people_and_tick_boxes() -> None:
    form = OpenForm.opened(view(assign_modal(a_case())))
    assert form.values["assign_user"]["selected_user"] == "U0AGENT01"  # the current assignee
    for said in ("@sam", "sam", "<@U0AGENT02>", "U0AGENT02"):
        form.set("user", said, PEOPLE)
        assert form.values["assign_user"]["selected_user"] == "U0AGENT02"
    with pytest.raises(DemoInputError, match="The demo's people are maria, priya, sam"):
        form.set("user", "bob", PEOPLE)
    ack = {"text": {"type": "plain_text", "text": "Post a note"}, "value": "ack"}
    tick = input_block(InputId.REPLY_PUBLIC_ACK, "Also", {"type": "checkboxes", "options": [ack]})
    boxes = OpenForm.opened(
        view(modal(callback_id="c", title="t", blocks=[tick], submit="s", private_metadata=""))
    )
    boxes.set("ack", "on", PEOPLE)
    assert boxes.values["reply_public_ack"]["selected_options"] == [ack]
    boxes.set("ack", "off", PEOPLE)
    assert boxes.values["reply_public_ack"]["selected_options"] == []
    with pytest.raises(DemoInputError, match="`on` or `off`"):
        boxes.set("ack", "maybe", PEOPLE)


def test_the_form_is_drawn_with_its_choices_entries_hints_and_errors() -> None:
    form = OpenForm.opened(view(escalate_modal(a_case(), TEAMS)))
    form.set("team", "billing", PEOPLE)
    form.set("reason", "Needs a [bold]refund[/bold]", PEOPLE)
    form.errors["escalate_team"] = "#42 is already with billing."
    console = Console(record=True, width=100, color_system=None)
    console.print(render_form(form, owner="maria", users={"U0AGENT01": "maria"}))
    out = console.export_text()
    assert "Escalate #42 · a form only maria sees" in out
    assert "● billing — Charges, refunds, invoices  (billing)" in out
    assert "○ incidents — Outages  (incidents)" in out
    assert "✎ Needs a [bold]refund[/bold]" in out  # typed text is shown literally, never as markup
    assert "⛔ #42 is already with billing." in out
    assert "→ form team <choice>" in out and "→ form reason <words>" in out
    assert "[ Cancel ] [ Escalate ]" in out
    assert "Charged twice for one order" in out  # the display blocks, drawn as in a channel


def test_mentions_are_escaped_as_slack_does_for_commands() -> None:
    assert escape_mentions("5 @sam", PEOPLE) == "5 <@U0AGENT02|sam>"
    assert (
        escape_mentions("mail a@b.com, ask @bob, keep <@U1>", PEOPLE) == "mail a@b.com, ask @bob, keep <@U1>"
    )


def test_each_feed_item_is_made_known_to_its_platform() -> None:
    start = datetime(2024, 11, 20, 9, 0, tzinfo=UTC)
    platforms = DemoPlatforms(ManualClock(start))
    for item in build_feed(start):
        platforms.register(item)
    x, graph = platforms.x, platforms.graph
    assert {"1860000000000000001", "1860000000000000002"} <= set(x.tweets)
    assert x.tweets["1860000000000000001"]["text"].endswith("Sort it out.")  # the full text, not 140
    assert x.users["2200000009"]["username"] == "sam_k"  # the DM sender: X delivers only to known people
    comment = graph.objects["901097836652708_903438993085259"]
    assert (comment.platform, comment.type, comment.author_id) == ("facebook", "comment", "3100000001")
    assert comment.parent_id == f"{BRAND_PAGE_ID}_901097836652708"
    assert graph.objects["17900000000000001"].parent_id == "17800000000000001"
    assert set(graph.conversations) == {"3200000001"}  # our own echo opens no conversation
    assert graph.conversations["3200000001"] == (start + timedelta(minutes=3)).timestamp()


def test_the_demo_settings_point_every_connector_at_a_stand_in() -> None:
    platforms = DemoPlatforms(ManualClock(NOW))
    more = platforms.more
    with platforms.x, platforms.graph, platforms.generic, more.threads, more.bluesky:
        settings = Settings.model_validate({"SLACK_BOT_TOKEN": "x", **platforms.settings()})
        assert settings.x_api_url == platforms.x.base_url
        assert settings.meta_graph_url == platforms.graph.base_url  # WhatsApp's too: one Graph host
        assert settings.whatsapp_phone_number_id == more.whatsapp.phone_number_id
        assert settings.threads_api_url == more.threads.base_url
        assert settings.bluesky_service_url == more.bluesky.url
        assert settings.generic_reply_url == platforms.generic.reply_url
        assert settings.webhook_secret is not None
        assert settings.webhook_secret.get_secret_value() == platforms.generic.secret


def test_what_the_customer_saw_quotes_their_words_masked_and_our_reply_as_sent() -> None:
    start = datetime(2024, 11, 20, 9, 0, tzinfo=UTC)
    platforms = DemoPlatforms(ManualClock(start))
    for item in build_feed(start):
        platforms.register(item)
    before = platforms.mark()
    # What X's POST /2/tweets records for an accepted reply (the stand-in's `posted`).
    reply = {"text": "Call us on 0800 123 4567 ^MA", "reply": {"in_reply_to_tweet_id": "1860000000000000001"}}
    platforms.x.posted.append({**reply, "id": "1"})
    [seen] = platforms.since(before)
    assert seen.platform == "X" and seen.how == "public reply from @acme_help"
    assert seen.answering.startswith("@dana_flies: @acme_help charged twice")
    assert "[email]" in seen.answering and "[phone]" in seen.answering
    assert "dana.whitfield@example.com" not in seen.answering
    assert seen.text == "Call us on 0800 123 4567 ^MA"
    assert platforms.since(platforms.mark()) == []
