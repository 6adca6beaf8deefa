"""The demo's crisis lines without servers: what `click <kind> <verb>`, `customer`, `spike` and the crisis
form words understand, the clear refusal of a line they do not, the spike's posts (negative, on the
outage playbook's topic, from different people), and the statements as the customer saw them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from rich.console import Console

from socialdesk.clock import ManualClock
from socialdesk.demo import crisis_steps
from socialdesk.demo.crisis_buttons import kind_of, kinds, statement_id
from socialdesk.demo.forms import OpenForm
from socialdesk.demo.platforms import DemoPlatforms
from socialdesk.demo.pretend_user import DemoInputError
from socialdesk.demo.spike import COMPLAINTS, SPIKE_SPAN, build_spike, customer_post
from socialdesk.demo.steps import DemoStats, Stage, run_line
from socialdesk.domain.playbooks.loader import load_playbook
from socialdesk.domain.playbooks.matching import topic_keyword
from socialdesk.settings import PROJECT_ROOT
from socialdesk.slack.blocks.crisis_modals import CrisisInput, end_modal, start_modal, update_modal
from socialdesk.slack.blocks.inputs import input_block, modal, text_input
from socialdesk.slack.ids import CrisisActionId, CrisisValue, encode_crisis_value
from socialdesk.standin import StoredMessage
from socialdesk.standin.models import StoredView
from socialdesk.triage.priority import CRISIS_KEYWORDS
from socialdesk.triage.vader import score

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
OUTAGE = load_playbook(PROJECT_ROOT / "playbooks" / "service-outage.yaml")
ROOM = "outage-1-login-failures-in-eu"


def a_view(payload: dict[str, Any]) -> StoredView:
    return StoredView("V1", "modal", payload, "h1", "V1", None, "U0MANAGER1")


def button(action: CrisisActionId, label: str, statement: int | None = None) -> dict[str, Any]:
    value = encode_crisis_value(CrisisValue(crisis_id=1, statement_id=statement))
    return {
        "type": "button",
        "action_id": action.value,
        "value": value,
        "text": {"type": "plain_text", "text": label},
    }


def a_statement(number: int, *actions: CrisisActionId) -> StoredMessage:
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "block_id": f"crisis-stmt-{number}-head",
            "text": {"type": "plain_text", "text": "x"},
        },
    ]
    if actions:
        elements = [button(a, a.verb, number) for a in actions]
        blocks.append({"type": "actions", "block_id": f"crisis-stmt-{number}-actions", "elements": elements})
    return StoredMessage(channel="C0ROOM", ts=f"{number}.0", text="statement", user="B", blocks=blocks)


@dataclass
class FakeStandin:
    channels: dict[str, list[StoredMessage]] = field(default_factory=dict)

    def messages(self, channel: str) -> list[StoredMessage]:
        if channel not in self.channels:
            raise KeyError(channel)  # the stand-in's answer for a channel that does not exist
        return self.channels[channel]


@dataclass
class FakeConfig:
    duty_channel: str = "#social-duty"


@dataclass
class FakeRuntime:
    config: FakeConfig = field(default_factory=FakeConfig)


@dataclass
class FakeUser:
    user_id: str = "U0AGENT01"
    user_name: str = "maria"
    pressed: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def press(self, channel: str, message: StoredMessage, action: dict[str, Any]) -> None:
        self.pressed.append((channel, message.ts, action))


def a_stage(
    standin: FakeStandin, rooms: list[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[Stage, StringIO]:
    monkeypatch.setattr(crisis_steps, "war_rooms", lambda stage: rooms)
    out = StringIO()
    console = Console(file=out, width=200, highlight=False)
    stage = Stage(
        console,
        FakeRuntime(),  # type: ignore[arg-type]
        standin,  # type: ignore[arg-type]
        ManualClock(NOW),
        None,  # type: ignore[arg-type]
        {"maria": FakeUser()},  # type: ignore[dict-item]
        None,  # type: ignore[arg-type]
        DemoStats(),
        {},
    )
    return stage, out


def test_crisis_lines_are_told_apart_from_case_lines() -> None:
    for line in (
        "/crisis status",
        "click warning start",
        "click statement approve",
        "spike",
        "customer x hi",
    ):
        assert crisis_steps.is_crisis_line(line.split()), line
    for line in ("/social claim 3", "click 3 reply", "click #3 claim", "form send", "wait 2m"):
        assert not crisis_steps.is_crisis_line(line.split()), line


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("click warning", "Try `click warning start|dismiss`"),
        ("click statement approve now", "Try `click statement approve|reject|publish|edit`"),
        ("click warning start", "No early warning in #social-duty yet: `spike`"),
        ("click statement approve", "no war room yet"),
        ("customer", "Try `customer x <what they post>`"),
        ("customer tiktok my login is down", "Try `customer x <what they post>`"),
        ("spike now", "`spike` takes nothing after it"),
    ],
)
def test_a_bad_crisis_line_gets_a_clear_answer_and_the_demo_goes_on(
    line: str, says: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    stage, out = a_stage(FakeStandin(), [], monkeypatch)
    assert run_line(stage, line) is True  # the prompt carries on
    assert says in out.getvalue()
    [error] = stage.stats.command_errors  # counted, so the summary shows it
    assert error.startswith(f"{line}: ") and says in error


def test_a_statement_button_is_pressed_as_the_newest_statement_shows_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # #1 was published (no buttons left); #3 is the newest statement, even though #2 was redrawn after
    # it (the stand-in lists messages by when they were posted, an update keeps its place).
    older = a_statement(1)
    newest = a_statement(3, CrisisActionId.APPROVE, CrisisActionId.REJECT, CrisisActionId.EDIT)
    redrawn = a_statement(2, CrisisActionId.APPROVE)
    stage, _ = a_stage(FakeStandin({ROOM: [older, newest, redrawn]}), [ROOM], monkeypatch)
    user = FakeUser()
    act = crisis_steps.crisis_action(
        stage, user, "click statement approve", ["click", "statement", "approve"]
    )  # type: ignore[arg-type]
    act()
    [(channel, ts, action)] = user.pressed
    assert (channel, ts) == (ROOM, "3.0")
    assert action["action_id"] == "crisis.approve" and action["block_id"] == "crisis-stmt-3-actions"
    assert action["value"] == newest.blocks[1]["elements"][0]["value"]  # type: ignore[index]
    with pytest.raises(
        DemoInputError, match=r"no `publish` button right now\. It offers: approve\|reject\|edit"
    ):
        crisis_steps.crisis_action(stage, user, "", ["click", "statement", "publish"])  # type: ignore[arg-type]


def test_the_warning_buttons_come_from_the_newest_warning_in_the_duty_channel(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def warning(ts: str, *actions: CrisisActionId) -> StoredMessage:
        blocks: list[dict[str, Any]] = [{"type": "header", "block_id": "crisis-warning:head", "text": {}}]
        if actions:
            blocks.append(
                {
                    "type": "actions",
                    "block_id": "crisis-warning:actions",
                    "elements": [button(a, a.verb) for a in actions],
                }
            )
        return StoredMessage(channel="C0DUTY", ts=ts, text="warning", user="B", blocks=blocks)

    page = StoredMessage(
        channel="C0DUTY", ts="2.0", text="page", user="B", blocks=[{"type": "section", "block_id": "p"}]
    )
    dismissed = warning("3.0")  # "Not a crisis" took its buttons away
    standin = FakeStandin(
        {"social-duty": [warning("1.0", CrisisActionId.START_FROM_WARNING), page, dismissed]}
    )
    stage, _ = a_stage(standin, [], monkeypatch)
    with pytest.raises(DemoInputError, match=r"has no `start` button right now\. It offers: nothing"):
        crisis_steps.crisis_action(stage, FakeUser(), "", ["click", "warning", "start"])  # type: ignore[arg-type]


def test_crisis_message_kinds_from_their_block_ids() -> None:
    assert kind_of("crisis-warning:actions") == "warning" and kind_of("crisis-reach:head") == "warning"
    assert (
        kind_of("crisis-stmt-12-actions") == "statement"
        and statement_id([{"block_id": "crisis-stmt-12-head"}]) == 12
    )
    assert kind_of("crisis-3-head") == "crisis" and kind_of("crisis-3-actions") == "crisis"
    assert kind_of("crisis-3-checklist-head") is None and kind_of("crisis-3-started") is None
    assert kind_of("crisis-review:3:actions") == "review"
    assert kind_of("case:3:actions") is None
    assert kinds([{"block_id": "crisis-3-head"}, {"block_id": "crisis-3-facts"}]) == {"crisis"}


def test_crisis_forms_are_filled_with_form_words() -> None:
    start = OpenForm.opened(a_view(start_modal([OUTAGE], chosen=OUTAGE.id, severity=None, detected="Spike")))
    assert start.words() == ["playbook", "severity", "summary"]
    start.set("severity", "sev1", {})
    start.set("summary", "Login failures in EU", {})
    values = start.state()["values"]
    assert values[CrisisInput.SEVERITY][CrisisInput.SEVERITY]["selected_option"]["value"] == "sev1"
    assert values[CrisisInput.SUMMARY][CrisisInput.SUMMARY]["value"] == "Login failures in EU"
    assert values[CrisisInput.PLAYBOOK][CrisisInput.PLAYBOOK]["selected_option"]["value"] == "service-outage"
    with pytest.raises(DemoInputError, match="`sev9` is not one of the choices: sev1, sev2, sev3"):
        start.set("severity", "sev9", {})
    update = OpenForm.opened(a_view(update_modal(1, "Login failures in EU")))
    update.set("news", "Login works again for most customers", {})
    assert update.state()["values"][CrisisInput.NEWS][CrisisInput.NEWS]["value"].startswith("Login works")
    end = OpenForm.opened(a_view(end_modal(1, "Login failures in EU")))
    with pytest.raises(DemoInputError, match=r"This form has no `news` field\. Its fields: summary"):
        end.set("news", "x", {})


def test_list_fields_take_one_item_per_semicolon_and_reason_names_the_crisis_reason_too() -> None:
    facts = f"{CrisisInput.SLOT_PREFIX}confirmed_facts"
    payload = modal(
        callback_id="crisis.edit_modal",
        title="Edit",
        blocks=[
            input_block(facts, "Facts", text_input(multiline=True), optional=True),
            input_block(CrisisInput.REASON, "What must change", text_input(multiline=True)),
        ],
        submit="Save",
        private_metadata="",
    )
    form = OpenForm.opened(a_view(payload))
    assert form.words() == ["facts", "reason"]
    form.set("facts", "Login fails for EU customers since 08:00;  Payments work ;", {})
    form.set("reason", "Do not name the EU yet", {})
    values = form.state()["values"]
    assert values[facts][facts]["value"] == "Login fails for EU customers since 08:00\nPayments work"
    assert values[CrisisInput.REASON][CrisisInput.REASON]["value"] == "Do not name the EU yet"
    form.set(facts, "By its own name", {})  # an input the table has no word for
    assert form.state()["values"][facts][facts]["value"] == "By its own name"


def test_the_spike_is_forty_negative_posts_on_the_outage_topic_from_different_people() -> None:
    items = build_spike(NOW)
    assert len(items) == len(COMPLAINTS) == 40
    assert len({c.handle for c in COMPLAINTS}) == 40
    assert {item.source for item in items} == {"x", "meta"}
    assert sum(1 for c in COMPLAINTS if c.platform == "facebook") >= 10
    assert all(timedelta(0) < item.at < SPIKE_SPAN for item in items)
    assert [item.at for item in items] == sorted(item.at for item in items)
    detection = OUTAGE.detection
    big = [c for c in COMPLAINTS if (c.followers or 0) >= 10_000]
    assert len(big) >= 3 and any((c.followers or 0) >= detection.high_reach_followers for c in big)
    for complaint in COMPLAINTS:
        compound = score(complaint.text).compound
        assert compound <= detection.sentiment_at_most, complaint.text
        assert topic_keyword(detection, complaint.text) is not None, complaint.text
        assert not any(k in complaint.text.lower() for k in CRISIS_KEYWORDS), complaint.text
        if (complaint.followers or 0) >= detection.high_reach_followers:
            assert compound > -0.5, "a large account this angry would raise a reach warning of its own"
    ids = [item.body["tweet_create_events"][0]["id_str"] for item in items if item.source == "x"]
    assert len(set(ids)) == len(ids)


def test_statements_reach_the_customer_as_posts_of_our_own() -> None:
    platforms = DemoPlatforms(ManualClock(NOW))
    for item in build_spike(NOW):
        platforms.register(item)
    assert (
        customer_post("x", "still down?", NOW, 1).body["tweet_create_events"][0]["text"]
        == "@acme_help still down?"
    )
    before = platforms.mark()
    platforms.x.posted.append({"id": "9", "text": "Login failures in EU"})  # POST /2/tweets, no `reply`
    assert platforms.brand_posts() == (1, 0)
    [seen] = platforms.since(before)
    assert (seen.platform, seen.how, seen.answering) == ("X", "post by @acme_help on its timeline", "")
    assert seen.text == "Login failures in EU"
