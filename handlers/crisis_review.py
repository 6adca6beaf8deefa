"""`/crisis review`: the post-crisis report, posted in the channel it was asked in (with its chart)."""

from __future__ import annotations

from sqlmodel import Session

from socialdesk.crisis.review import build_review
from socialdesk.crisis.review_post import queue_review
from socialdesk.domain.crisis import CrisisError
from socialdesk.domain.crisis_models import Crisis
from socialdesk.handlers.context import HandlerContext
from socialdesk.store.db import writer


def post_review(ctx: HandlerContext, crisis_id: int, *, channel: str) -> str:
    if ctx.crisis is None:
        raise CrisisError("No crisis playbooks are installed.")
    now = ctx.clock.now()
    with Session(writer(ctx.engine), expire_on_commit=False) as session:
        crisis = session.get(Crisis, crisis_id)
        if crisis is None:
            raise CrisisError(f"There is no crisis {crisis_id}.")
        playbook = ctx.crisis.playbook(crisis.playbook_id)
        # The playbook gives the targets: the first statement's at the severity the crisis started at.
        review = build_review(session, crisis_id, now=now, tz=ctx.config.timezone, playbook=playbook)
        where = channel if channel and channel not in ("directmessage", "privategroup") else crisis.war_room
        queue_review(session, review, channel="#" + where.lstrip("#"), now=now)
        session.commit()
    return (
        f"The review of crisis {crisis_id} is being posted in #{where.lstrip('#')}; "
        f"`socialdesk crisis review {crisis_id}` writes it to a file."
    )
