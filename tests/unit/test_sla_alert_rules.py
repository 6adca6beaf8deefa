"""The rules behind alerts people trust, as pure functions: which priorities page (global and per
team), which cases have no SLA clock at all (spam, no reply needed, history), what counts as history,
the config keys and their checks, and how a grouped alert that is still collecting says so. The same
rules end to end, with the scan job and the Slack stand-in: tests/integration/test_sla_alert_hygiene.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from socialdesk.config import ConfigError, load_config
from socialdesk.domain.enums import CaseStatus, Category, Platform, Priority
from socialdesk.domain.models import Case
from socialdesk.domain.sla import SlaLevel, SlaPolicy, has_sla_clock, no_clock_reason
from socialdesk.ingest.history import HISTORY_SOURCE, is_history
from socialdesk.slack.blocks.sla_alerts import render_breach_alert, render_page
from tests.conftest import SAMPLE_CONFIG
from tests.unit.test_sla_render import item, valid

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def _sample() -> dict:
    return yaml.safe_load(SAMPLE_CONFIG.read_text(encoding="utf-8"))


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "socialdesk.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def make_case(policy: SlaPolicy, *, priority: Priority, team: str = "support", **changes: object) -> Case:
    dues = policy.dues(team=team, platform=Platform.REDDIT, priority=priority, posted_at=T0)
    case = Case(
        id=1,
        platform=Platform.REDDIT,
        conversation_key="k",
        team=team,
        priority=priority,
        author_id="a",
        opened_at=T0,
        first_response_due=dues.first_response,
        resolution_due=dues.resolution,
        last_activity_at=T0,
        sla_check_at=dues.check_at,
    )
    for key, value in changes.items():
        setattr(case, key, value)
    return case


# --- config ------------------------------------------------------------------------------------------


def test_the_shipped_config_pages_for_p1_and_p2_and_knows_history() -> None:
    config = load_config(SAMPLE_CONFIG)
    assert config.sla.page_priorities == [Priority.P1, Priority.P2]
    assert config.sla.alert_window_minutes == 10
    assert config.ingest.historical_after_minutes == 24 * 60
    assert config.page_priorities("support") == {Priority.P1, Priority.P2}
    assert config.page_priorities("a-team-removed-since") == {Priority.P1, Priority.P2}


def test_a_team_pages_for_its_own_priorities(tmp_path: Path) -> None:
    data = _sample()
    data["sla"]["page_priorities"] = ["P1"]
    data["teams"][1]["page_priorities"] = ["P1", "P2", "P3"]  # billing
    data["teams"][2]["page_priorities"] = []  # incidents: never pages
    config = load_config(_write(tmp_path, data))
    assert config.page_priorities("support") == {Priority.P1}
    assert config.page_priorities("billing") == {Priority.P1, Priority.P2, Priority.P3}
    assert config.page_priorities("incidents") == frozenset()


@pytest.mark.parametrize(
    ("path", "value", "key"),
    [
        (("sla", "page_priorities"), ["P1", "P5"], "sla.page_priorities.1"),
        (("sla", "alert_window_minutes"), 0, "sla.alert_window_minutes"),
        (("ingest", "historical_after_minutes"), 0, "ingest.historical_after_minutes"),
        (("teams", 0, "page_priorities"), ["urgent"], "teams.0.page_priorities"),
    ],
)
def test_bad_alert_settings_name_the_key(
    tmp_path: Path, path: tuple[object, ...], value: object, key: str
) -> None:
    data = _sample()
    target: object = data
    for part in path[:-1]:
        target = target[part]  # type: ignore[index]
    target[path[-1]] = value  # type: ignore[index]
    with pytest.raises(ConfigError) as err:
        load_config(_write(tmp_path, data))
    assert key in str(err.value)


# --- which cases page, which have a clock -------------------------------------------------------------


@pytest.mark.parametrize("priority", list(Priority))
def test_only_the_paging_priorities_reach_paged(priority: Priority) -> None:
    policy = SlaPolicy(load_config(SAMPLE_CONFIG))  # Reddit: 60 min, no resolution target
    case = make_case(policy, priority=priority)
    pages = priority in (Priority.P1, Priority.P2)
    breached = policy.read(case, T0 + timedelta(minutes=61)).first_response
    assert breached is not None and breached.level is SlaLevel.BREACHED
    # After the breach a paging priority is looked at again at 150 %; the others never again.
    assert (breached.next_at == T0 + timedelta(minutes=90)) is pages
    assert (breached.next_at is None) is not pages
    late = policy.read(case, T0 + timedelta(hours=5)).first_response
    assert late is not None and late.level is (SlaLevel.PAGED if pages else SlaLevel.BREACHED)


def test_a_team_override_decides_for_its_cases(tmp_path: Path) -> None:
    data = _sample()
    data["teams"][1]["page_priorities"] = ["P4"]  # billing
    policy = SlaPolicy(load_config(_write(tmp_path, data)))
    assert policy.pages(make_case(policy, priority=Priority.P4, team="billing"))
    assert not policy.pages(make_case(policy, priority=Priority.P1, team="billing"))
    assert policy.pages(make_case(policy, priority=Priority.P1, team="support"))


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({}, None),
        ({"category": Category.SPAM}, "spam"),
        ({"status": CaseStatus.SPAM}, "spam"),
        ({"historical": True}, "history"),
        ({"needs_reply": False}, "no reply needed"),
        ({"category": Category.PRAISE}, None),  # praise that needs a reply still has a clock
    ],
)
def test_no_clock_for_spam_no_reply_and_history(changes: dict[str, object], reason: str | None) -> None:
    case = make_case(SlaPolicy(load_config(SAMPLE_CONFIG)), priority=Priority.P2, **changes)
    assert no_clock_reason(case) == reason
    assert has_sla_clock(case) is (reason is None)


def test_what_counts_as_history() -> None:
    day = 24 * 60
    assert not is_history(posted_at=T0 - timedelta(minutes=day), received_at=T0, after_minutes=day)
    assert is_history(posted_at=T0 - timedelta(minutes=day, seconds=1), received_at=T0, after_minutes=day)
    assert not is_history(
        posted_at=T0 + timedelta(minutes=5), received_at=T0, after_minutes=day
    )  # clock skew
    assert is_history(posted_at=T0, received_at=T0, after_minutes=day, source=HISTORY_SOURCE)


# --- a grouped alert that is still collecting ---------------------------------------------------------


def test_a_collecting_breach_alert_and_page_say_until_when() -> None:
    until = item().now + timedelta(minutes=7)
    breach = valid(render_breach_alert([item(1), item(2)], team="support", collecting_until=until))
    assert "New breaches until <!date^" in breach and "are added to this message" in breach
    page = valid(render_page([item(1)], leads=["U0LEAD0001"], collecting_until=until))
    assert "New pages until <!date^" in page and "<@U0LEAD0001>" in page
    assert "are added" not in valid(render_breach_alert([item(1)], team="support"))


def test_a_war_room_alert_names_each_cases_team() -> None:
    mixed = [item(1, team="support"), item(2, team="billing")]
    message = render_breach_alert(mixed)  # no team: a crisis war room lists cases of several teams
    text = valid(message)
    assert "· team support" in text and "· team billing" in text
    assert "2 cases breached their first-response target*" in text  # no "· team" suffix on the headline
    one_team = valid(render_breach_alert([item(1), replace(item(2), team="support")]))
    assert "breached their first-response target* · team support" in one_team
