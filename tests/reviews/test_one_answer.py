"""One answer per review (issue 15 item 5): on a platform whose source declares
`ReplyCapabilities.one_answer`, a second answer to the same review goes out as an edit of ours
(`OutgoingReply.replaces`), never as a second post; the reply form says so and shows the store's length
rule, counted as the store counts. Against the "shop" store's stand-in, which refuses a second answer."""

from __future__ import annotations

import pytest

from socialdesk.casework.one_answer import REPLACES_NOTE
from socialdesk.casework.roles import Actor, Role
from socialdesk.domain.enums import Platform, ReplyStatus, ReplyVisibility
from socialdesk.domain.errors import DomainError
from socialdesk.slack.ids import CallbackId
from socialdesk.testing import AGENT, START, Desk
from socialdesk.testing.reading import block_texts
from tests.reviews.shop import MAX_ANSWER, ShopSource, ShopStandIn, page, review, store_length


def _one_star(desk: Desk) -> int:
    desk.accept_page("shop", page(review("r1", 1, "The app lost all my notes.", START, version="4.3.0")))
    desk.settle()
    return desk.cards()[0].case


def _form(desk: Desk, case: int) -> str:
    """The reply form as `/social reply <case>` opens it."""
    desk.command(f"reply {case}")
    views = [v for v in desk.slack.views() if v.payload.get("callback_id") == CallbackId.REPLY_MODAL]
    assert views, "the reply form did not open"
    return "\n".join(block_texts(views[-1].payload.get("blocks") or []))


def test_a_second_answer_replaces_the_first_instead_of_posting_again(
    desk: Desk, store: ShopStandIn, shop: ShopSource
) -> None:
    case = _one_star(desk)

    desk.command(f"reply {case} So sorry about your notes. Update to 4.3.1, it restores them.")
    desk.settle()
    desk.command(f"reply {case} So sorry! 4.3.1 restores lost notes; write to us if it does not.")
    desk.settle()

    first, second = shop.sent
    assert first.replaces is None
    assert second.replaces == "ans-1"  # our earlier answer's id on the store
    # The store holds one answer, with the newer text: no second POST reached it.
    assert len(store.requests_to("POST", "/reviews/r1/answer")) == 1
    assert [r.path for r in store.requests if r.method == "PUT"] == ["/answers/ans-1"]
    assert list(store.answers) == ["ans-1"] and "write to us" in store.answers["ans-1"]["text"]
    rows = desk.replies(case)
    assert [r.status for r in rows] == [ReplyStatus.SENT, ReplyStatus.SENT]
    thread = "\n".join(
        m.text + "\n".join(block_texts(m.blocks or [])) for m in desk.card(case).message.replies
    )
    assert "replaced our earlier answer" in thread


def test_the_form_says_the_store_takes_one_answer_and_then_that_sending_replaces_it(
    desk: Desk, store: ShopStandIn
) -> None:
    case = _one_star(desk)

    before = _form(desk, case)
    assert "Shop Reviews takes one public answer per review." in before
    assert f"Shop Reviews allows {MAX_ANSWER} characters, counted as Shop Reviews counts them" in before
    assert REPLACES_NOTE not in before

    desk.command(f"reply {case} Sorry about your notes: 4.3.1 restores them.")
    desk.settle()

    assert REPLACES_NOTE in _form(desk, case)


def test_the_length_is_counted_as_the_store_counts_and_refused_before_any_call(
    desk: Desk, store: ShopStandIn
) -> None:
    case = _one_star(desk)
    lines = "\n".join(["Sorry about that."] * 19)  # 341 characters; the store counts 359
    report = desk.runtime.replies.check(
        platform=Platform("shop"), visibility=ReplyVisibility.PUBLIC, text=lines, agent_name="Maria"
    )
    assert report.max_length == MAX_ANSWER
    assert report.length == store_length(report.final_text) > len(report.final_text)
    assert not report.ok

    answers = desk.command(f"reply {case} {lines}")
    desk.settle()

    assert store.requests == [] and desk.replies(case) == []
    assert any("350" in a for a in answers)


def test_an_answer_still_being_sent_blocks_another_before_anything_is_recorded(desk: Desk) -> None:
    case = _one_star(desk)
    replies = desk.runtime.replies
    assert replies is not None
    maria = Actor(user_id=AGENT, name="Maria", roles=frozenset({Role.AGENT}))
    row, created = replies.submit(
        case_id=case,
        actor=maria,
        text="Sorry! 4.3.1 restores them.",
        visibility=ReplyVisibility.PUBLIC,
        key="k1",
    )
    assert created and row.status is ReplyStatus.PENDING

    with pytest.raises(DomainError, match="being sent"):
        replies.submit(
            case_id=case, actor=maria, text="Another answer.", visibility=ReplyVisibility.PUBLIC, key="k2"
        )
    assert len(desk.replies(case)) == 1
