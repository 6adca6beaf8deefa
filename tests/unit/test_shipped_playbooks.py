"""The four playbooks shipped in playbooks/: valid, within every limit, and saying what they must."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import BaseModel

from socialdesk.config import Masking
from socialdesk.domain.enums import Platform
from socialdesk.domain.playbooks.loader import load_playbooks, sample_slots, validate_folder
from socialdesk.domain.playbooks.matching import topic_keyword, watches
from socialdesk.domain.playbooks.render import (
    StatementSlots,
    check_statement,
    render_all,
    slots_for,
    target_length,
)
from socialdesk.domain.playbooks.schema import TARGET_LIMITS, Playbook, StatementKind

FOLDER = Path(__file__).resolve().parents[2] / "playbooks"
IDS = ["data-breach", "product-recall", "service-outage", "viral-negative-publicity"]
SHIPPED = load_playbooks(FOLDER)


@pytest.fixture(params=IDS)
def playbook(request: pytest.FixtureRequest) -> Playbook:
    return SHIPPED[request.param]


def test_the_four_playbooks_are_valid_and_named_after_their_files() -> None:
    assert validate_folder(FOLDER) == []
    assert sorted(SHIPPED) == IDS
    assert sorted(p.stem for p in FOLDER.glob("*.yaml")) == IDS


def busy_slots(playbook: Playbook) -> StatementSlots:
    """A busy mid-crisis statement: long headline and several facts, unknowns and actions."""
    return slots_for(
        playbook,
        summary="Everything is working normally again and we are checking every affected customer account.",
        severity="sev1",
        started_at=datetime(2026, 3, 1, 22, 10, tzinfo=UTC),
        issued_at=datetime(2026, 3, 1, 23, 45, tzinfo=UTC),
        next_update_at=datetime(2026, 3, 2, 0, 15, tzinfo=UTC),
        filled={
            "headline": "Some customers cannot sign in to their accounts or complete payments in our apps",
            "confirmed_facts": [
                "the problem started at 22:10 and affects the app and the website",
                "card payments made before 22:10 are not affected",
            ],
            "unknowns": ["how many customers are affected", "when the service will be back"],
            "actions": ["our engineers are working on it", "we are checking every failed payment"],
        },
        tz="Europe/London",
    )


@pytest.mark.parametrize("kind", list(StatementKind))
@pytest.mark.parametrize("target", ["x", "facebook", "status_page"])
def test_every_kind_and_target_renders_within_its_limit(
    playbook: Playbook, kind: StatementKind, target: str
) -> None:
    assert target in playbook.publish_to
    for slots in (sample_slots(playbook), busy_slots(playbook)):
        text = render_all(playbook, kind, slots)[target]
        assert 0 < target_length(target, text) <= TARGET_LIMITS[target], text
        assert check_statement(playbook, target, text, Masking()) == [], text
        assert "{{" not in text and "{%" not in text and "\n\n\n" not in text


def test_the_holding_statement_follows_the_first_message_structure(playbook: Playbook) -> None:
    slots = busy_slots(playbook)
    full = render_all(playbook, StatementKind.HOLDING, slots)["facebook"]
    for part in (
        playbook.slots.empathy,  # empathy
        "card payments made before 22:10 are not affected",  # confirmed facts
        "how many customers are affected",  # unknowns, said out loud
        "we are checking every failed payment",  # what we are doing
        playbook.slots.what_to_do,  # what to do
        playbook.slots.where_updates,  # where updates are
        "00:15 GMT, 2 Mar",  # when the next update comes
    ):
        assert part in full
    short = render_all(playbook, StatementKind.HOLDING, slots)["x"]
    assert playbook.slots.where_updates in short


def test_severities_cadence_and_approvals(playbook: Playbook) -> None:
    assert list(playbook.severities) == ["sev1", "sev2", "sev3"]
    for severity in playbook.severities.values():
        assert len(severity.triggers) >= 2
        assert severity.approvals.two_person
    chains = {name: severity.approvals.chain for name, severity in playbook.severities.items()}
    assert chains["sev1"][:2] == ["comms_lead", "legal"]
    assert ("exec" in chains["sev1"]) == (playbook.id in {"data-breach", "product-recall"})
    assert chains["sev2"] == ["comms_lead", "legal"]
    assert chains["sev3"] == ["comms_lead"]
    cadence = [s.update_every_minutes for s in playbook.severities.values()]
    assert cadence == sorted(cadence)  # the more severe, the more often


def test_service_outage_updates_every_30_minutes_at_sev2_and_detects_its_words() -> None:
    outage = SHIPPED["service-outage"]
    assert outage.severities["sev2"].update_every_minutes == 30
    assert topic_keyword(outage.detection, "Is the app down for anyone else?") == "down"
    assert topic_keyword(outage.detection, "login keeps failing") == "login"
    assert topic_keyword(outage.detection, "I can\u2019t log in since this morning") == "can't log in"
    assert topic_keyword(outage.detection, "The download finished fine") is None
    assert watches(outage.detection, Platform.X)


def test_roles_and_the_replace_me_comments(playbook: Playbook) -> None:
    roles = playbook.roles
    assert roles["incident_lead"].members == ["duty_leads", "leads"]
    assert roles["comms_lead"].members == ["leads", "managers"]
    assert roles["legal"].members == roles["pr"].members == ["managers"]
    assert roles["surge_agents"].members == ["agents"]
    assert ("dpo" in roles) == (playbook.id == "data-breach")
    source = (FOLDER / f"{playbook.id}.yaml").read_text(encoding="utf-8")
    assert re.search(r"# Replace with your legal team's Slack user group id \(S…\)", source)


def test_audiences_checklist_and_crisis_settings(playbook: Playbook) -> None:
    names = " ".join(a.name for a in playbook.audiences)
    assert "customers" in names and "employees" in names and "media" in names
    assert ("regulators" in names) == (playbook.id in {"data-breach", "product-recall"})
    assert 6 <= len(playbook.checklist) <= 10
    assert playbook.publish_to == ["x", "facebook", "status_page"]
    assert playbook.pause_scheduled_posts
    assert playbook.sla is not None and playbook.sla.first_response_minutes <= 30
    assert playbook.brand == "we"
    assert "{{ customer_name }}" in playbook.canned_reply and "{{ where_updates }}" in playbook.canned_reply


def test_forbidden_content_covers_speculation_blame_and_legal_admissions(playbook: Playbook) -> None:
    reasons = set(playbook.forbidden.reasons.values())
    assert {"speculation", "blame", "legal admission"} <= reasons
    assert "we believe" in playbook.forbidden.phrases
    assert playbook.forbidden.personal_data
    problems = check_statement(playbook, "facebook", "We believe this is our fault.", Masking())
    assert 'contains the forbidden phrase "we believe" (speculation)' in problems
    assert 'contains the forbidden phrase "our fault" (legal admission)' in problems


def test_data_breach_checklist_carries_the_72_hour_clock() -> None:
    breach = SHIPPED["data-breach"]
    clock = [step for step in breach.checklist if "72-hour" in step]
    assert clock and "Art. 33" in clock[0]
    assert breach.roles["dpo"].description.startswith("Data protection officer")


def _field_names(model: type[BaseModel], seen: set[type[BaseModel]]) -> set[str]:
    from socialdesk.domain.playbooks.loader import nested_model

    names: set[str] = set()
    if model in seen:
        return names
    seen.add(model)
    for name, field in model.model_fields.items():
        names.add(name)
        inner = nested_model(field.annotation)
        if inner is not None:
            names |= _field_names(inner, seen)
    return names


def test_readme_documents_every_key() -> None:
    readme = (FOLDER / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z_]+)`", readme))
    missing = sorted(_field_names(Playbook, set()) - documented)
    assert missing == []
