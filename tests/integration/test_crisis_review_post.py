"""The review through the outbox into the Slack stand-in: the message in the war room, its chart in the
message's thread, and a second review (after the lessons are written) posted again."""

from __future__ import annotations

from sqlmodel import Session, col, select

from socialdesk.app import Runtime
from socialdesk.clock import ManualClock
from socialdesk.crisis.review import build_review
from socialdesk.crisis.review_chart import PNG_SIGNATURE
from socialdesk.crisis.review_post import queue_review
from socialdesk.domain.crisis_models import Crisis
from socialdesk.domain.enums import OutboxStatus
from socialdesk.domain.models import OutboxMessage
from socialdesk.standin import SlackStandin, validate_blocks
from tests.unit.test_crisis_review import NOW, TZ, all_text, seed_ended_crisis

ROOM = "outage-1"
def post_review(runtime: Runtime, clock: ManualClock, crisis_id: int) -> str:
    clock.set(NOW)
    with Session(runtime.engine) as session:
        review = build_review(session, crisis_id, now=clock.now(), tz=TZ)
        key = queue_review(session, review, channel=f"#{ROOM}", now=clock.now())
        session.commit()
    runtime.run_until_idle(clock)
    return key


def test_the_review_message_reaches_the_war_room(
    runtime: Runtime, clock: ManualClock, standin: SlackStandin
) -> None:
    cid = seed_ended_crisis(runtime.engine)
    key = post_review(runtime, clock, cid)
    assert key == f"crisis-review:{cid}:1"
    [post] = standin.messages(ROOM)
    assert post.blocks is not None and validate_blocks(post.blocks, surface="message") == []
    text = all_text(post.blocks)
    assert "Crisis 1 review: Service outage" in text and "Too vague about refunds" in text
    assert post.text.startswith("Crisis 1 review: Service outage.")
    with Session(runtime.engine) as session:
        row = session.exec(select(OutboxMessage).where(OutboxMessage.dedupe_key == key)).one()
    assert row.status is OutboxStatus.SENT and row.result_ts == post.ts


def test_the_chart_goes_into_the_thread_and_a_second_review_posts_again(
    runtime: Runtime, clock: ManualClock, standin: SlackStandin
) -> None:
    cid = seed_ended_crisis(runtime.engine)
    post_review(runtime, clock, cid)
    [post] = standin.messages(ROOM)
    [stored] = standin.files()
    assert stored.content is not None and stored.content.startswith(PNG_SIGNATURE)
    assert stored.filename == f"crisis-{cid}-review.png"
    assert stored.completed and stored.channels == [standin.channel_id(ROOM)]
    assert [r.files for r in post.replies] == [[stored.id]]
    # The lessons are written; the review is asked for again and posted again, with them.
    with Session(runtime.engine) as session:
        crisis = session.get(Crisis, cid)
        assert crisis is not None
        crisis.lessons = "Pre-approve a holding statement for login outages."
        session.add(crisis)
        session.commit()
    post_review(runtime, clock, cid)
    _, second = standin.messages(ROOM)
    assert "Pre-approve a holding statement" in all_text(second.blocks or [])
    assert len(standin.files()) == 2 and len(second.replies) == 1
    with Session(runtime.engine) as session:
        rows = session.exec(
            select(OutboxMessage).where(col(OutboxMessage.dedupe_key).contains("review"))
        ).all()
    assert sorted(r.dedupe_key for r in rows) == [
        f"crisis-review-chart:{cid}:1",
        f"crisis-review-chart:{cid}:2",
        f"crisis-review:{cid}:1",
        f"crisis-review:{cid}:2",
    ]
    assert all(r.status is OutboxStatus.SENT for r in rows)
