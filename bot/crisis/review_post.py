"""Posting a review to Slack: the message, then its chart into the message's thread, both queued in the
outbox in the caller's transaction (nothing reaches Slack if the caller rolls back).

The message is rendered now and sent as it is (a review is a snapshot). The chart is a second row
behind it in the same channel, uploaded the way the digest's is (`socialdesk.outbox.upload`): the row
carries the chart's data and ``chart_kind`` names how to draw it when the upload goes out.

Every call posts a new review: the keys number the reviews of the crisis already queued, so a review
asked for after the lessons are written (or a day later, with a fuller "after") is posted too. Two
calls racing for the same number meet the outbox's unique key, and one of them fails to commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from socialdesk.crisis.review_chart import chart_to_json
from socialdesk.domain.crisis_review import CrisisReview
from socialdesk.domain.models import OutboxMessage
from socialdesk.outbox.queue import RENDER_DIGEST_CHART, enqueue
from socialdesk.slack.blocks.crisis_review_view import render_review_message

POST_KIND = "crisis-review"
CHART_KIND = "crisis-review-chart"
# payload["chart_kind"] of the upload row: the upload draws it with the drawer registered under this name
# (`socialdesk.crisis.review_chart.png_from_json`, registered in bot/app_outbox.py), not the digest's.
CHART_RENDERER = "crisis_review"


def post_key(crisis_id: int, n: int) -> str:
    return f"{POST_KIND}:{crisis_id}:{n}"


def chart_key(crisis_id: int, n: int) -> str:
    return f"{CHART_KIND}:{crisis_id}:{n}"


def reviews_queued(session: Session, crisis_id: int) -> int:
    """How many reviews of the crisis the outbox holds (sent or not)."""
    prefix = f"{POST_KIND}:{crisis_id}:"
    stmt = select(func.count()).where(col(OutboxMessage.dedupe_key).startswith(prefix, autoescape=True))
    return int(session.exec(stmt).one())


def queue_review(session: Session, review: CrisisReview, *, channel: str, now: datetime) -> str:
    """Queue the review message to ``channel`` and its chart into the message's thread; returns the
    post's outbox key. The caller commits."""
    n = reviews_queued(session, review.crisis_id) + 1
    post = post_key(review.crisis_id, n)
    message = render_review_message(review)
    enqueue(
        session,
        dedupe_key=post,
        method="chat.postMessage",
        channel=channel,
        payload={
            "text": message.text,
            "blocks": message.blocks,
            "unfurl_links": False,
            "unfurl_media": False,
        },
        now=now,
    )
    # Queued behind the post in the same channel: the upload waits for the post's ts, then threads it.
    enqueue(
        session,
        dedupe_key=chart_key(review.crisis_id, n),
        method="files.completeUploadExternal",
        channel=channel,
        payload={
            "render": RENDER_DIGEST_CHART,
            "chart_kind": CHART_RENDERER,
            "after": post,
            "notices": [],
            "filename": f"crisis-{review.crisis_id}-review.png",
            "title": review.chart.title,
            "chart": chart_to_json(review.chart),
        },
        now=now,
    )
    return post
