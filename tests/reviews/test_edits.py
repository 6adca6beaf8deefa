"""Reviews through ingest (issue 15 item 5): the stars and details on the card and in `/social show`,
triage by the stars, and an edited review updating its case instead of being dropped as a duplicate."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from socialdesk.domain.enums import CaseStatus, Category, Priority
from socialdesk.domain.models import CaseEvent, Mention
from socialdesk.testing import START, Desk
from socialdesk.testing.reading import block_texts
from tests.reviews.shop import page, review


def _mention(desk: Desk, external_id: str) -> Mention:
    with Session(desk.runtime.engine) as session:
        return session.exec(select(Mention).where(Mention.external_id == external_id)).one()


def _events(desk: Desk, case: int, kind: str) -> list[CaseEvent]:
    with Session(desk.runtime.engine) as session:
        stmt = select(CaseEvent).where(CaseEvent.case_id == case, CaseEvent.kind == kind)
        return list(session.exec(stmt))


def _shown(desk: Desk, case: int) -> str:
    """What `/social show <case>` answered, blocks included."""
    desk.command(f"show {case}")
    answer = desk.slack.calls_to("response_url")[-1].args
    return "\n".join([str(answer.get("text", "")), *block_texts(answer.get("blocks") or [])])


def _thread(desk: Desk, case: int) -> str:
    """Every message in the case card's thread."""
    return "\n".join(
        "\n".join([m.text, *block_texts(m.blocks or [])]) for m in desk.card(case).message.replies
    )


def test_a_review_is_a_card_with_its_stars_and_details(desk: Desk) -> None:
    desk.accept_page(
        "shop",
        page(review("r1", 2, "Crashes every time I open it.", START, title="Unusable", version="4.2.1")),
    )
    desk.settle()

    [card] = desk.cards()
    assert "★★☆☆☆ 2/5" in card.text
    assert "Unusable" in card.text and "4.2.1" in card.text
    case = desk.case(card.case)
    assert case.category is Category.COMPLAINT and case.priority is Priority.P3
    assert case.priority_reason == "P3: complaint about the app, 2-star review"
    assert "2-star review" in card.text
    stored = _mention(desk, "r1")
    assert stored.rating == 2 and stored.details == [["Title", "Unusable"], ["Version", "4.2.1"]]
    shown = _shown(desk, card.case)
    assert "★★☆☆☆ 2/5" in shown and "Unusable" in shown and "4.2.1" in shown


def test_a_redelivery_opens_nothing_twice_and_changes_nothing(desk: Desk) -> None:
    first = review("r1", 5, "Love it", START)
    desk.accept_page("shop", page(first))
    desk.settle()
    # The same review in a later page, unedited: a duplicate.
    desk.accept_page("shop", page(first, review("r2", 4, "Nice", START, author="kim")))
    # The same text and stars again, marked edited (a poll re-run of an edited review): still nothing.
    desk.accept_page("shop", page({**first, "edited": True}))
    desk.settle()

    assert len(desk.cases()) == 2
    assert _mention(desk, "r1").edit_count == 0
    assert _events(desk, desk.cases()[0].id or 0, "edited") == []


def test_praise_edited_into_a_one_star_complaint_updates_the_case_and_starts_its_clock(desk: Desk) -> None:
    desk.accept_page("shop", page(review("r1", 5, "Love it", START, version="4.2.0")))
    desk.settle()
    [card] = desk.cards()
    before = desk.case(card.case)
    assert before.category is Category.PRAISE and not before.needs_reply and before.sla_check_at is None

    desk.clock.advance(timedelta(days=2))
    edited_at = desk.clock.now()
    desk.accept_page(
        "shop",
        page(review("r1", 1, "Since 4.3 it logs me out every day.", START, version="4.3.0", edited=True)),
    )
    desk.settle()

    case = desk.case(card.case)
    assert len(desk.cases()) == 1 and case.mention_count == 1
    assert case.category is Category.COMPLAINT and case.needs_reply
    assert case.priority is Priority.P2 and case.priority_reason.endswith("1-star review")
    # The clock runs from the edit, not from the praise two days ago.
    assert case.first_response_due is not None and case.first_response_due > edited_at.replace(tzinfo=None)
    assert case.sla_check_at is not None
    stored = _mention(desk, "r1")
    assert (stored.rating, stored.text_raw, stored.edit_count) == (
        1,
        "Since 4.3 it logs me out every day.",
        1,
    )
    assert stored.details == [["Version", "4.3.0"]]
    [event] = _events(desk, card.case, "edited")
    assert event.detail["previous_text"] == "Love it" and event.detail["previous_rating"] == 5
    assert event.detail["from_priority"] == "P4" and event.detail["to_priority"] == "P2"
    # The card is redrawn with the new version; the thread says what changed.
    redrawn = desk.card(card.case).text
    assert "★☆☆☆☆ 1/5" in redrawn and "logs me out" in redrawn and "edited by the customer" in redrawn
    assert "★★★★★ 5/5 → ★☆☆☆☆ 1/5" in _thread(desk, card.case).replace("*", "")


def test_a_resolved_review_reopens_when_its_new_version_is_a_complaint(desk: Desk) -> None:
    desk.accept_page("shop", page(review("r1", 3, "Works, mostly.", START)))
    desk.settle()
    case_id = desk.cards()[0].case
    desk.command(f"resolve {case_id}")
    assert desk.case(case_id).status is CaseStatus.RESOLVED

    desk.clock.advance(timedelta(hours=3))
    desk.accept_page("shop", page(review("r1", 1, "Now it does not even start.", START, edited=True)))
    desk.settle()

    case = desk.case(case_id)
    assert case.status is not CaseStatus.RESOLVED and case.status.is_open
    assert case.reopen_count == 1
    [event] = _events(desk, case_id, "edited")
    assert event.detail["reopened"] is True
    assert [e.actor for e in _events(desk, case_id, "reopened")] == ["system"]
    assert "reopened" in _thread(desk, case_id)


def test_a_resolved_review_edited_into_praise_stays_resolved(desk: Desk) -> None:
    desk.accept_page("shop", page(review("r1", 2, "Delivery was late.", START)))
    desk.settle()
    case_id = desk.cards()[0].case
    desk.command(f"resolve {case_id}")

    desk.accept_page("shop", page(review("r1", 5, "They sorted it, thank you!", START, edited=True)))
    desk.settle()

    case = desk.case(case_id)
    assert case.status is CaseStatus.RESOLVED and case.reopen_count == 0
    assert _mention(desk, "r1").rating == 5
    assert len(_events(desk, case_id, "edited")) == 1
    assert "★★★★★ 5/5" in desk.card(case_id).text


def test_an_edit_of_a_review_we_never_saw_opens_a_case(desk: Desk) -> None:
    desk.accept_page("shop", page(review("r9", 1, "Awful.", START, edited=True)))
    desk.settle()
    [case] = desk.cases()
    assert case.category is Category.COMPLAINT
