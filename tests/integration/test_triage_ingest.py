"""Triage inside ingest, through the real webhook endpoint: what the case gets, what the model said,
and the clocks that follow (no SLA clock for spam or praise; several outage reports make a P1)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, select

from socialdesk.app import Runtime
from socialdesk.clock import ManualClock
from socialdesk.domain.enums import Category, Priority
from socialdesk.domain.models import Case, CaseEvent
from tests.integration.helpers import generic_mention, post_generic


def _cases(runtime: Runtime) -> dict[str, Case]:
    with Session(runtime.engine) as s:
        return {c.author_handle: c for c in s.exec(select(Case).order_by(col(Case.id))).all()}


def test_each_kind_of_post_gets_its_category_reply_need_and_clock(
    server: str, runtime: Runtime, clock: ManualClock
) -> None:
    now = clock.now()
    posts = {
        "polite": "Hi, I was charged twice for my order last week, could you please help? Thanks so much!",
        "fan": "Thank you, Sarah sorted my refund in two minutes. Brilliant service!",
        "spammer": "FREE FOLLOWERS!!! click here to get 10k followers now, link in bio",
        "asker": "Do you ship to Canada?",
        "victim": "my account was hacked and someone changed my email, please help urgently",
    }
    for i, (handle, text) in enumerate(posts.items()):
        post_generic(server, generic_mention(f"t-{i}", text, created_at=now, handle=handle))
    runtime.drain()
    cases = _cases(runtime)
    assert cases["polite"].category is Category.COMPLAINT and cases["polite"].needs_reply
    assert cases["polite"].sla_check_at is not None
    assert cases["polite"].priority_reason == "P3: complaint about billing"
    for handle in ("fan", "spammer"):
        assert not cases[handle].needs_reply, handle
        assert cases[handle].sla_check_at is None, handle  # no clock: nothing to nudge, breach or page
        assert cases[handle].priority is Priority.P4
    assert cases["fan"].category is Category.PRAISE
    assert cases["spammer"].category is Category.SPAM
    assert cases["asker"].category is Category.QUESTION and cases["asker"].needs_reply
    assert cases["victim"].priority is Priority.P2
    assert "reply privately" in cases["victim"].priority_reason
    with Session(runtime.engine) as s:
        opened = s.exec(
            select(CaseEvent).where(CaseEvent.case_id == cases["polite"].id, CaseEvent.kind == "opened")
        ).one()
    model = opened.detail["triage"]
    assert model["category"] == "complaint" and model["priority"] == "P3" and model["needs_reply"] is True
    assert model["model_version"].startswith(("shipped-", "team-"))


def test_the_third_outage_report_within_the_hour_is_p1(
    server: str, runtime: Runtime, clock: ManualClock
) -> None:
    text = "Is the site down? Nothing loads, it's down for everyone in my office"
    for i in range(3):
        post_generic(server, generic_mention(f"o-{i}", text, created_at=clock.now(), handle=f"user{i}"))
        runtime.drain()
        clock.advance(timedelta(minutes=5))
    cases = _cases(runtime)
    assert [cases[f"user{i}"].category for i in range(3)] == [Category.INCIDENT] * 3
    assert [cases[f"user{i}"].priority for i in range(3)] == [Priority.P2, Priority.P2, Priority.P1]
    assert cases["user2"].priority_reason == "P1: incident reported by 3 customers in the last hour"
    # An hour later a new report is one customer's again.
    clock.advance(timedelta(hours=2))
    post_generic(server, generic_mention("o-late", text, created_at=clock.now(), handle="late"))
    runtime.drain()
    assert _cases(runtime)["late"].priority is Priority.P2


def test_a_followup_imported_later_joins_by_its_post_time_not_the_import_time(
    server: str, runtime: Runtime, clock: ManualClock
) -> None:
    """same_author_window_minutes is measured from the post's time: two posts a day apart, imported
    together, are two cases, not one."""
    old = clock.now() - timedelta(days=3)
    post_generic(server, generic_mention("h-1", "my parcel never arrived", created_at=old, handle="dana"))
    runtime.drain()
    post_generic(
        server,
        generic_mention("h-2", "and now the app crashes", created_at=old + timedelta(days=1), handle="dana"),
    )
    runtime.drain()
    with Session(runtime.engine) as s:
        assert len(s.exec(select(Case).where(Case.author_handle == "dana")).all()) == 2
