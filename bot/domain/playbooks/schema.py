"""The crisis playbook schema: one YAML file per scenario in `playbooks/`, validated at load.

The fields follow public crisis-communication guidance (see `../shared/data/crisis_playbook_sources.md`):
severity levels with triggers and a cadence; who may declare, draft, approve and publish; the
audiences and channels; a checklist; holding, update and resolution statements with fixed slots
(headline, time, scope, confirmed facts, unknowns, actions, empathy, what customers should do, where
updates are, next update time); content that must never appear; the reply for incoming cases; tighter
SLA targets while the crisis runs.

A role's `members` names config roles (`agents`, `leads`, `managers`, `duty_leads`), Slack user ids
(`U…`) or user-group ids (`S…`); during a crisis, `/crisis role <role> @user` adds people to a role.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from socialdesk.domain.enums import Platform


class StatementKind(StrEnum):
    HOLDING = "holding"  # the first public word: what we know, what we don't, when we'll say more
    UPDATE = "update"  # each update at the playbook's cadence
    RESOLUTION = "resolution"  # `/crisis end`: what happened, what we did, what customers should do


# Where a statement is published. Instagram takes no text-only posts (it needs an image), so the
# brand's public accounts for statements are X and the Facebook Page; `status_page` is rendered for
# the team to paste into their status page and never posted by socialdesk.
PublishTarget = Literal["x", "facebook", "status_page"]
PUBLISHABLE: frozenset[str] = frozenset({"x", "facebook"})
# Crisis statements are published to the brand's own X account and Facebook Page (bot/sources/posts.py):
# a rule of the crisis product, not of the platforms, so the targets are named here. Their lengths are
# counted as the platform's source declares (socialdesk.domain.platform_facts).
PLATFORM_OF_TARGET: dict[str, Platform] = {"x": Platform.X, "facebook": Platform.FACEBOOK}

# The length each target allows, counted as the platform counts (X: weighted, links 23).
TARGET_LIMITS: dict[str, int] = {"x": 280, "facebook": 8000, "status_page": 4000}

# The slots a statement template may use, besides `brand` and `playbook_title`. Lists render as
# lists (`{% for fact in confirmed_facts %}`), times as already formatted local strings.
SLOTS: tuple[str, ...] = (
    "headline",  # one factual line: "Some customers cannot log in"
    "time",  # when this statement is issued, local time with zone: "14:20 CET, 25 Nov"
    "started",  # when the problem started (the crisis start), same format
    "scope",  # who and what is affected: "customers in the EU using the app"
    "confirmed_facts",  # list of things we have confirmed
    "unknowns",  # list of things we do not know yet (said out loud, never guessed)
    "actions",  # list of what we are doing
    "empathy",  # one line acknowledging the people affected
    "what_to_do",  # what customers should do now
    "where_updates",  # the one place updates live (status page URL)
    "next_update",  # the next update time, local: "15:00 CET"
    "severity",  # the severity label
    "summary",  # the summary given when the crisis was started or ended
)
RoleName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
SeverityName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_\-]{0,19}$")]
CONFIG_ROLES: frozenset[str] = frozenset({"agents", "leads", "managers", "duty_leads"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ApprovalRule(_Strict):
    """Who must approve a statement before it goes out, at one severity."""

    chain: list[RoleName] = Field(min_length=1)  # every role named approves the exact text
    # The drafter's own approval does not count: a second pair of eyes on every public word.
    two_person: bool = True


class Severity(_Strict):
    label: str = Field(min_length=3, max_length=80)
    triggers: list[str] = Field(min_length=1)  # when to choose this level, in words for the lead
    update_every_minutes: int = Field(ge=5, le=24 * 60)  # the update cadence
    first_statement_within_minutes: int = Field(ge=5, le=24 * 60)  # "be first": the holding target
    approvals: ApprovalRule


class Detection(_Strict):
    """Early warning: a spike of negative mentions with these words, against the usual rate."""

    keywords: list[str] = Field(min_length=1)
    platforms: list[Platform] = []  # empty: every platform
    sentiment_at_most: float = Field(default=-0.05, ge=-1, le=1)  # "negative" for the count
    window_minutes: int = Field(default=5, ge=1, le=120)
    baseline_hours: int = Field(default=24, ge=1, le=24 * 14)
    spike_factor: float = Field(default=5.0, ge=1.5, le=1000)
    min_count: int = Field(default=10, ge=2)
    # A single severe complaint from an author this big warns too (0 switches it off).
    high_reach_followers: int = Field(default=100_000, ge=0)


class PlaybookRole(_Strict):
    description: str = Field(min_length=3)
    members: list[str] = []  # config role names, U… user ids, S… user-group ids

    @field_validator("members")
    @classmethod
    def _known_members(cls, members: list[str]) -> list[str]:
        for member in members:
            if member not in CONFIG_ROLES and not (member[:1] in {"U", "W", "S"} and member[1:].isalnum()):
                raise ValueError(
                    f"{member!r} is neither a config role ({', '.join(sorted(CONFIG_ROLES))}) nor a Slack "
                    "user id (U…) or user-group id (S…)"
                )
        return members


class Permissions(_Strict):
    """Which playbook roles may do what; everyone else is told which role is needed."""

    start: list[RoleName] = ["incident_lead"]
    draft: list[RoleName] = ["incident_lead", "comms_lead"]
    publish: list[RoleName] = ["incident_lead", "comms_lead"]
    end: list[RoleName] = ["incident_lead"]


class Audience(_Strict):
    name: str = Field(min_length=2)
    channels: list[str] = Field(min_length=1)  # where they hear from us: platforms, status page, email...
    owner: RoleName | None = None  # the role that keeps them informed
    note: str = ""


class Templates(_Strict):
    """One template per target; `default` serves any target without its own."""

    default: str = Field(min_length=20)
    x: str | None = None
    facebook: str | None = None
    status_page: str | None = None

    def for_target(self, target: str) -> str:
        own = getattr(self, target, None) if target in TARGET_LIMITS else None
        return own if isinstance(own, str) else self.default


class Forbidden(_Strict):
    """Content a statement must never contain: the lint blocks approval until it is gone.

    `phrases` and `patterns` are lists, or mappings from a reason to a list ("speculation: [we
    believe, ...]"), which is how a head of communications thinks of them; the reason is kept in
    `reasons` (phrase or pattern -> reason) and shown with the problem.
    """

    phrases: list[str] = []  # speculation, blame, legal admissions: "we believe", "caused by"
    patterns: list[str] = []  # regular expressions, case-insensitive
    personal_data: bool = True  # emails, phone numbers, card numbers (the masking rules)
    reasons: dict[str, str] = {}

    @model_validator(mode="before")
    @classmethod
    def _grouped(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        explicit = data.get("reasons") or {}
        if not isinstance(explicit, dict):
            return data  # let the field's own validation say what is wrong
        reasons = dict(explicit)
        for name in ("phrases", "patterns"):
            groups = data.get(name)
            if not isinstance(groups, dict):
                continue
            flat: list[Any] = []
            for reason, items in groups.items():
                for item in items if isinstance(items, list) else [items]:
                    flat.append(item)
                    reasons.setdefault(str(item), str(reason))
            data[name] = flat
        data["reasons"] = reasons
        return data

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        import re

        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"pattern {pattern!r} is not a regular expression: {exc}") from None
        return patterns


class SlaOverride(_Strict):
    """Tighter targets for cases that match the crisis while it runs, counted around the clock."""

    first_response_minutes: int = Field(ge=1, le=24 * 60)
    resolution_minutes: int | None = Field(default=None, ge=5)


class SlotDefaults(_Strict):
    """What the statement says until the lead fills it in (`/crisis statement` opens a form)."""

    headline: str | None = None
    scope: str = Field(min_length=3)
    confirmed_facts: list[str] = []
    unknowns: list[str] = Field(min_length=1)
    actions: list[str] = Field(min_length=1)
    empathy: str = Field(min_length=3)
    what_to_do: str = Field(min_length=3)
    where_updates: str = Field(min_length=3)


class Playbook(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9\-]{1,39}$")
    title: str = Field(min_length=3, max_length=80)
    scenario: str = Field(min_length=20)  # when this playbook applies, in a paragraph
    owner: str = ""  # who keeps the playbook current
    reviewed: str = ""  # when it was last reviewed (free text, e.g. "2026-10")
    brand: str = Field(default="we", min_length=2)  # how statements name the company
    severities: dict[SeverityName, Severity] = Field(min_length=1)
    default_severity: SeverityName
    detection: Detection
    roles: dict[RoleName, PlaybookRole] = Field(min_length=1)
    permissions: Permissions = Permissions()
    audiences: list[Audience] = Field(min_length=1)
    checklist: list[str] = Field(min_length=3)
    publish_to: list[PublishTarget] = ["x", "facebook"]
    slots: SlotDefaults
    holding: Templates
    update: Templates
    resolution: Templates
    forbidden: Forbidden = Forbidden()
    canned_reply: str = Field(min_length=20)  # offered first on every matching case while it runs
    sla: SlaOverride | None = None
    pause_scheduled_posts: bool = True  # satisfaction surveys and other scheduled brand messages
    war_room_prefix: str = Field(default="crisis", pattern=r"^[a-z0-9][a-z0-9\-]{0,20}$")
    reminder_role: RoleName = "comms_lead"  # who is reminded to post each update

    @model_validator(mode="after")
    def _references(self) -> Playbook:
        if self.default_severity not in self.severities:
            raise ValueError(
                f"default_severity: {self.default_severity!r} is not one of the severities "
                f"({', '.join(self.severities)})"
            )
        known = set(self.roles)
        for name, severity in self.severities.items():
            for role in severity.approvals.chain:
                if role not in known:
                    raise ValueError(f"severities.{name}.approvals.chain: unknown role {role!r}")
        for action in ("start", "draft", "publish", "end"):
            for role in getattr(self.permissions, action):
                if role not in known:
                    raise ValueError(f"permissions.{action}: unknown role {role!r}")
        if self.reminder_role not in known:
            raise ValueError(f"reminder_role: unknown role {self.reminder_role!r}")
        for i, audience in enumerate(self.audiences):
            if audience.owner is not None and audience.owner not in known:
                raise ValueError(f"audiences[{i}].owner: unknown role {audience.owner!r}")
        if not self.publish_to:
            raise ValueError("publish_to: name at least one of x, facebook, status_page")
        return self

    def templates(self, kind: StatementKind) -> Templates:
        return {
            StatementKind.HOLDING: self.holding,
            StatementKind.UPDATE: self.update,
            StatementKind.RESOLUTION: self.resolution,
        }[kind]

    def severity(self, name: str | None) -> Severity:
        return self.severities[name or self.default_severity]

    def severity_name(self, text: str) -> str | None:
        """A severity from what a lead typed: `sev2`, `SEV2` or `2`."""
        wanted = text.strip().lower()
        for name in self.severities:
            if wanted in {name, name.removeprefix("sev")}:
                return name
        return None
