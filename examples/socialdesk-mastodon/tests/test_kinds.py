"""The plugin's other kinds at work: the VIP enricher and card section, `/social mastodon`, the export."""

from __future__ import annotations

from datetime import timedelta

from conftest import VIP
from mastodon_standin import MastodonStandIn

from socialdesk.testing import Desk


def polled(desk: Desk, mastodon: MastodonStandIn, acct: str, text: str) -> int:
    mastodon.add_mention(acct, text)
    desk.poll("mastodon")
    desk.settle()
    return desk.cards()[-1].case


def test_a_vip_is_tagged_raised_and_shown_on_the_card(desk: Desk, mastodon: MastodonStandIn) -> None:
    case = polled(desk, mastodon, VIP, "how do I export my invoices?")

    row = desk.case(case)
    assert row.enrichment["mastodon"]["tags"] == ["vip"]
    assert row.enrichment["mastodon"]["fields"]["tier"] == "gold"
    assert row.priority.value == "P2" and "VIP customer on Mastodon (gold)" in row.priority_reason
    card = desk.card(case).text
    assert "Mastodon VIP" in card and "gold" in card


def test_other_customers_are_left_as_triage_found_them(desk: Desk, mastodon: MastodonStandIn) -> None:
    case = polled(desk, mastodon, "kim@mastodon.social", "how do I export my invoices?")

    row = desk.case(case)
    assert "mastodon" not in row.enrichment
    assert "Mastodon VIP" not in desk.card(case).text


def test_status_answers_privately_with_account_and_cursor(desk: Desk, mastodon: MastodonStandIn) -> None:
    before = desk.command("mastodon status")
    assert before.private and "@acme" in before[0] and "not polled" in before[0]

    newest = mastodon.add_mention("kim@mastodon.social", "hi")
    desk.poll("mastodon")
    after = desk.command("mastodon status")

    assert after.private and f"cursor {newest['id']}" in after[0]


def test_vip_subcommand_looks_the_case_up(desk: Desk, mastodon: MastodonStandIn) -> None:
    vip_case = polled(desk, mastodon, VIP, "hello")
    other = polled(desk, mastodon, "kim@mastodon.social", "hello too")

    assert desk.command(f"mastodon vip #{vip_case}") == [f"#{vip_case}: @{VIP} is a VIP (gold)."]
    assert "not on the VIP list" in desk.command(f"mastodon vip #{other}")[0]
    assert "There is no case #999" in desk.command("mastodon vip #999")[0]
    usage = desk.command("mastodon")
    assert usage.private and "/social mastodon status" in usage[0]


def exports(desk: Desk) -> list[str]:
    return [m.text for m in desk.duty_messages() if m.text.startswith("Mastodon cases opened")]


def test_the_export_is_posted_once_per_day(desk: Desk) -> None:
    desk.advance(timedelta(hours=8))  # 17:00: before the export hour
    desk.settle()
    assert exports(desk) == []

    desk.advance(timedelta(hours=1))  # 18:00, the export hour
    desk.advance(timedelta(hours=1))  # and again at 19:00
    desk.run_job("daily-export")  # and once more by hand
    desk.settle()
    assert len(exports(desk)) == 1 and exports(desk)[0].startswith("Mastodon cases opened on 2026-11-24:")

    desk.advance(timedelta(days=1))  # the next day's run has a key of its own
    desk.settle()
    assert [e.split(":")[0] for e in exports(desk)] == [
        "Mastodon cases opened on 2026-11-24",
        "Mastodon cases opened on 2026-11-25",
    ]


def test_the_export_lists_the_days_mastodon_cases(desk: Desk, mastodon: MastodonStandIn) -> None:
    case = polled(desk, mastodon, "kim@mastodon.social", "my parcel is late")

    desk.advance(timedelta(hours=8))  # 17:00: the case events are told to the observers meanwhile
    desk.advance(timedelta(hours=1))  # 18:00: the export
    desk.settle()

    assert exports(desk) == [f"Mastodon cases opened on 2026-11-24: #{case}"]
