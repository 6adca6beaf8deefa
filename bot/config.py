"""The YAML config: teams, routing, SLA targets, roles, priority rules, masking, brand voice, canned replies.

`load_config` fails with the file, the key path and the reason, so a bad deploy stops at start
instead of misrouting customers for an afternoon.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from socialdesk.domain.enums import Category, Platform, Priority
from socialdesk.domain.message_templates import MessageTemplate
from socialdesk.domain.platform_facts import facts_for
from socialdesk.domain.redact import Masking as Masking  # defined with the masking it configures
from socialdesk.yaml_strict import DuplicateKeysError, load_unique

SlackId = Annotated[str, Field(pattern=r"^[UWSG][A-Z0-9]{2,}$")]
ChannelName = Annotated[str, Field(pattern=r"^#?[a-z0-9][a-z0-9_\-]{0,79}$|^[CG][A-Z0-9]{2,}$")]


@dataclass(frozen=True)
class ConfigIssue:
    """One thing wrong with a config file: the key path (or "file", "yaml"), why, and the line if known."""

    key: str
    reason: str
    line: int | None = None


class ConfigError(Exception):
    """The config file is missing, unreadable or invalid; the message names file, key and reason.

    `path` and `issues` carry the same as data, for `socialdesk config check` (bot/checks.py)."""

    def __init__(self, message: str, *, path: Path, issues: list[ConfigIssue]) -> None:
        super().__init__(message)
        self.path = path
        self.issues = issues


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class BusinessHours(_Strict):
    """When a team works: SLA targets count only this time. Absent means around the clock."""

    days: list[Weekday] = ["mon", "tue", "wed", "thu", "fri"]
    start: dt.time = dt.time(9, 0)
    end: dt.time = dt.time(17, 0)
    timezone: str | None = None  # defaults to the config's timezone
    holidays: list[dt.date] = []

    @model_validator(mode="after")
    def _start_before_end(self) -> BusinessHours:
        if self.start >= self.end:
            raise ValueError("business_hours: start must be before end")
        if not self.days:
            raise ValueError("business_hours: days must name at least one day")
        return self


class Team(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_\-]*$")
    channel: ChannelName
    oncall_group: SlackId | None = None  # a user-group id pinged on escalation
    description: str = ""
    business_hours: BusinessHours | None = None
    # The priorities whose cases page the duty leads; None: `sla.page_priorities`.
    page_priorities: list[Priority] | None = None

    @property
    def channel_name(self) -> str:
        return self.channel.lstrip("#")


class RouteMatch(_Strict):
    platforms: list[Platform] = []
    keywords_any: list[str] = []
    categories: list[Category] = []
    priorities: list[Priority] = []
    private: bool | None = None  # True: only DMs; False: only public posts


class RoutingRule(_Strict):
    name: str
    match: RouteMatch
    team: str


class Routing(_Strict):
    default_team: str
    rules: list[RoutingRule] = []


DEFAULT_FIRST_RESPONSE_MINUTES: dict[Platform, int] = {
    Platform.X: 15,
    Platform.FACEBOOK: 60,
    Platform.INSTAGRAM: 60,
    Platform.MESSENGER: 60,
    Platform.REDDIT: 60,
    Platform.REVIEW: 24 * 60,
    Platform.OTHER: 60,
    Platform.BLUESKY: 15,  # like X: a public thread, answered within minutes
    Platform.THREADS: 15,  # like X: replies and mentions in public threads
    Platform.WHATSAPP: 60,  # private chats, like Messenger
    Platform.APPSTORE: 24 * 60,  # a store review: answered within a day, like review sites
    Platform.TRUSTPILOT: 24 * 60,  # a review site: answered within a day
    Platform.GOOGLE_BUSINESS: 24 * 60,  # reviews of the brand's locations: within a day
    Platform.GOOGLE_PLAY: 24 * 60,  # a store review: within a day
}
# A platform a source plugin declares, where the team's `sla.first_response` names none: an hour.
PLUGIN_PLATFORM_FIRST_RESPONSE_MINUTES = 60
# ... unless it is a review store (one public answer per review, `ReplyCapabilities.one_answer`): a day,
# the review target the issue sets (issue 15), like the built-in review platforms above.
REVIEW_FIRST_RESPONSE_MINUTES = 24 * 60


class SlaTargets(_Strict):
    """Minutes to first response, per platform then per priority; a missing priority uses `default`."""

    first_response: dict[Platform, dict[str, int]] = {
        p: {"default": m} for p, m in DEFAULT_FIRST_RESPONSE_MINUTES.items()
    }
    resolution: dict[Platform, dict[str, int]] = {}
    at_risk_fraction: float = Field(default=0.8, gt=0, lt=1)
    # Still unanswered at this multiple of the target: the duty lead is paged.
    page_after_fraction: float = Field(default=1.5, gt=1, le=10)
    # The resolution clock stops while the case waits on the customer.
    pause_while_waiting: bool = True
    # Only cases of these priorities page the duty leads (a team may set its own: `teams[].page_priorities`);
    # the others stop at "breached" (red card, the team's grouped alert).
    page_priorities: list[Priority] = [Priority.P1, Priority.P2]
    # A grouped breach alert or a page is one message per channel for this long: breaches and pages in
    # the meantime are added to it (chat.update) instead of posting a new message every scan.
    alert_window_minutes: int = Field(default=10, ge=1, le=24 * 60)

    @field_validator("first_response", "resolution")
    @classmethod
    def _keys_are_priorities(cls, value: dict[Platform, dict[str, int]]) -> dict[Platform, dict[str, int]]:
        allowed = {"default", *(p.value for p in Priority)}
        for platform, by_priority in value.items():
            for key, minutes in by_priority.items():
                if key not in allowed:
                    raise ValueError(f"{platform.value}.{key}: expected one of {sorted(allowed)}")
                if minutes <= 0:
                    raise ValueError(f"{platform.value}.{key}: minutes must be positive")
        return value

    def first_response_minutes(self, platform: Platform, priority: Priority) -> int:
        table = self.first_response.get(platform) or {}
        if priority.value in table:
            return table[priority.value]
        if "default" in table:
            return table["default"]
        if platform in DEFAULT_FIRST_RESPONSE_MINUTES:
            return DEFAULT_FIRST_RESPONSE_MINUTES[platform]
        if facts_for(platform.value).one_answer:
            return REVIEW_FIRST_RESPONSE_MINUTES
        return PLUGIN_PLATFORM_FIRST_RESPONSE_MINUTES


class Roles(_Strict):
    agents: list[SlackId] = []
    leads: list[SlackId] = []
    managers: list[SlackId] = []


class PriorityWhen(_Strict):
    keywords_any: list[str] = []
    categories: list[Category] = []
    sentiment_at_most: float | None = Field(default=None, ge=-1, le=1)
    followers_at_least: int | None = Field(default=None, ge=0)
    verified: bool | None = None
    repeat_contacts_at_least: int | None = Field(default=None, ge=1)


class PriorityRule(_Strict):
    """First matching rule wins; every condition given must hold."""

    priority: Priority
    when: PriorityWhen
    label: str = ""  # words for the reason, e.g. "crisis keyword"


class CategoryRule(_Strict):
    category: Category
    keywords_any: list[str] = []
    sentiment_at_most: float | None = Field(default=None, ge=-1, le=1)
    sentiment_at_least: float | None = Field(default=None, ge=-1, le=1)
    question_mark: bool | None = None


class BrandVoice(_Strict):
    """What `socialdesk.domain.voice.check_reply` enforces before a reply leaves for a platform."""

    max_length: dict[Platform, int] = {Platform.X: 280, Platform.INSTAGRAM: 2200, Platform.FACEBOOK: 8000}
    banned_phrases: list[str] = []
    discouraged_phrases: list[str] = []
    signature: str | None = None  # e.g. "^{initials}"
    max_uppercase_ratio: float = Field(default=0.6, gt=0, le=1)
    max_exclamations: int = Field(default=2, ge=0)
    # Our own addresses and numbers ("help@acme.com", "0800 123 4567"): the personal-data check would
    # otherwise refuse every public reply that tells the customer how to reach us.
    public_contacts: list[str] = []

    @field_validator("signature")
    @classmethod
    def _only_initials_placeholder(cls, value: str | None) -> str | None:
        if value is None:
            return None
        leftover = value.replace("{initials}", "")
        if "{" in leftover or "}" in leftover:
            raise ValueError(f"{value!r}: the only placeholder a signature may use is {{initials}}")
        return value


class CannedReply(_Strict):
    """A knowledge-base answer: `text` is the default, `variants` override it per platform.

    Templates are Jinja2 (sandboxed); they are compiled when the config loads, so a typo in a
    placeholder stops the start with the reply's id instead of failing in front of an agent.
    """

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    title: str
    categories: list[Category] = []
    text: str
    variants: dict[Platform, str] = {}
    keywords: list[str] = []

    @model_validator(mode="after")
    def _templates_compile(self) -> CannedReply:
        # Imported here: socialdesk.domain.canned imports this module, so a top-level import would be a cycle.
        from socialdesk.domain.canned import CannedTemplateError, check_template

        sources = [("text", self.text), *((f"variants.{p.value}", t) for p, t in self.variants.items())]
        for where, source in sources:
            try:
                check_template(source)
            except CannedTemplateError as exc:
                raise ValueError(f"canned reply {self.id!r}, {where}: {exc}") from None
        return self


class Digest(_Strict):
    """The managers' digest: yesterday every morning, and the week on `weekly_day`."""

    time: dt.time = dt.time(8, 0)  # local time in the config's timezone
    weekly_day: Weekday = "mon"
    # A digest missed while socialdesk was down is sent when it comes back within this many hours.
    catch_up_hours: int = Field(default=12, ge=0, le=72)
    channel: ChannelName | None = None  # defaults to managers_channel


class Surveys(_Strict):
    """Satisfaction follow-up after a resolve, on the platform, and the scores that come back."""

    enabled: bool = False
    kind: Literal["csat", "nps"] = "csat"
    delay_minutes: int = Field(default=0, ge=0)
    text: dict[Platform, str] = {}  # per platform; Jinja2 like canned replies
    default_text: str = (
        "Thanks for talking to us, {{ customer_name }}. How did we do? Reply with a number from 1 (poor) "
        "to 5 (great)."
    )


class Retention(_Strict):
    """How long personal data is kept, in days per data class; the `privacy-purge` job (bot/privacy/
    retention.py) clears or deletes what is older. Counts, times, sentiment and outcomes stay."""

    raw_payloads_days: int = Field(default=30, ge=1)  # inbox bodies: the platforms' raw requests
    message_text_days: int = Field(default=365, ge=1)  # mention, reply, survey comment and note texts
    audit_events_days: int = Field(default=730, ge=1)  # free text in case and crisis timelines
    outbox_days: int = Field(default=30, ge=1)  # Slack calls already sent (or given up on)


class Ingest(_Strict):
    same_author_window_minutes: int = Field(default=120, ge=0)
    # A post already older than this when it reaches us is history: its case opens without an SLA
    # clock and never alerts (so does everything `socialdesk ingest --historical` imports).
    historical_after_minutes: int = Field(default=24 * 60, ge=1)
    brand_handles: dict[Platform, list[str]] = {}  # our own accounts: their posts are not mentions
    brand_ids: dict[Platform, list[str]] = {}


class Flood(_Strict):
    """Flood control (bot/flood/): past `cards_per_minute` card posts in a channel in the last minute, or
    with more queued for it than Slack posts in a minute, new cases of `rollup_priorities` join one
    updating roll-up message per topic (their category) instead of each getting a card."""

    cards_per_minute: int = Field(default=20, ge=1)
    rollup_priorities: list[Priority] = [Priority.P3, Priority.P4]
    window_minutes: int = Field(default=10, ge=1, le=24 * 60)  # how long one roll-up message collects
    samples: int = Field(default=3, ge=0, le=10)


class WhatsApp(_Strict):
    """WhatsApp's approved message templates: outside the 24-hour customer-service window they are the only
    thing the reply form offers and the only thing sent (socialdesk.domain.message_templates)."""

    templates: list[MessageTemplate] = []

    @field_validator("templates")
    @classmethod
    def _unique(cls, value: list[MessageTemplate]) -> list[MessageTemplate]:
        keys = [t.key for t in value]
        repeated = sorted({k for k in keys if keys.count(k) > 1})
        if repeated:
            raise ValueError(f"each name and language once; repeated: {', '.join(repeated)}")
        return value


class Config(_Strict):
    timezone: str = "UTC"
    teams: list[Team]
    routing: Routing
    sla: SlaTargets = SlaTargets()
    roles: Roles = Roles()
    category_rules: list[CategoryRule] = []
    priority_rules: list[PriorityRule] = []
    masking: Masking = Masking()
    brand_voice: BrandVoice = BrandVoice()
    canned_replies: list[CannedReply] = []
    ingest: Ingest = Ingest()
    managers_channel: ChannelName = "#social-managers"
    duty_channel: ChannelName = "#social-duty"
    duty_leads: list[SlackId] = []  # users or user groups paged when a case stays unanswered
    digest: Digest = Digest()
    surveys: Surveys = Surveys()
    flood: Flood = Flood()
    retention: Retention = Retention()
    whatsapp: WhatsApp = WhatsApp()

    def message_templates(self, platform: Platform) -> list[MessageTemplate]:
        """The approved templates the config names for `platform` (only WhatsApp has them)."""
        return list(self.whatsapp.templates) if platform.value == "whatsapp" else []

    @model_validator(mode="after")
    def _teams_exist(self) -> Config:
        names = [t.name for t in self.teams]
        if len(set(names)) != len(names):
            raise ValueError("teams: team names must be unique")
        known = set(names)
        if self.routing.default_team not in known:
            raise ValueError(f"routing.default_team: unknown team {self.routing.default_team!r}")
        for i, rule in enumerate(self.routing.rules):
            if rule.team not in known:
                raise ValueError(f"routing.rules[{i}] ({rule.name}): unknown team {rule.team!r}")
        canned = [c.id for c in self.canned_replies]
        repeated = sorted({i for i in canned if canned.count(i) > 1})
        if repeated:
            raise ValueError(f"canned_replies: ids must be unique, repeated: {', '.join(repeated)}")
        return self

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    def team(self, name: str) -> Team:
        for team in self.teams:
            if team.name == name:
                return team
        raise KeyError(name)

    def page_priorities(self, team: str) -> frozenset[Priority]:
        """The priorities that page the duty leads for `team`'s cases (the team's own list, else
        `sla.page_priorities`; a team removed from the config uses the global list)."""
        try:
            own = self.team(team).page_priorities
        except KeyError:
            own = None
        return frozenset(self.sla.page_priorities if own is None else own)


# A whole-config check names the key it is about first: "routing.rules[0] (outages): unknown team 'legal'".
_KEYED_MESSAGE_RE = re.compile(
    r"^(?:Value error, )?([a-z_]+(?:\.[a-z_]+|\[\d+\])*)(?: (\([^)]*\)))?: (.+)$", re.DOTALL
)


def _issues(error: ValidationError) -> list[ConfigIssue]:
    issues = []
    for item in error.errors():
        key, reason = ".".join(str(p) for p in item["loc"]), item["msg"]
        keyed = _KEYED_MESSAGE_RE.match(reason) if not key else None
        if keyed:
            key, named, reason = keyed.groups()
            reason = f"{named} {reason}" if named else reason
        issues.append(ConfigIssue(key or "(top level)", reason))
    return issues


def _invalid(path: Path, issues: list[ConfigIssue]) -> ConfigError:
    lines = [f"{path}: invalid config"]
    lines += [f"  {'' if i.line is None else f'line {i.line}: '}{i.key}: {i.reason}" for i in issues]
    return ConfigError("\n".join(lines), path=path, issues=issues)


def parse_config(data: Any, path: Path, *, found: list[ConfigIssue] | None = None) -> Config:
    """Validate loaded YAML; `found` are problems already seen in the file (repeated keys), reported
    together with the schema's."""
    found = found or []
    if not isinstance(data, dict):
        reason = f"the top level must be a mapping, got {type(data).__name__}"
        issue = ConfigIssue("file", reason)
        raise ConfigError(f"{path}: {reason}", path=path, issues=[*found, issue])
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise _invalid(path, found + _issues(exc)) from None
    if found:
        raise _invalid(path, found)
    return config


def load_config(path: Path) -> Config:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        reason = f"cannot read config: {exc.strerror}"
        raise ConfigError(f"{path}: {reason}", path=path, issues=[ConfigIssue("file", reason)]) from None
    except UnicodeDecodeError:
        reason = "cannot read config: not UTF-8 text"
        raise ConfigError(f"{path}: {reason}", path=path, issues=[ConfigIssue("file", reason)]) from None
    repeated: list[ConfigIssue] = []
    try:
        data = load_unique(text)
    except DuplicateKeysError as exc:
        reason = "appears twice in the same mapping; the second would silently win"
        repeated = [ConfigIssue(d.key, reason, d.line) for d in exc.duplicates]
        data = yaml.safe_load(text)  # the schema's problems too, in the same run
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = f"not valid YAML: {getattr(exc, 'problem', exc)}"
        where = f" line {line}" if line is not None else ""
        issue = ConfigIssue("yaml", reason, line)
        raise ConfigError(f"{path}:{where} {reason}", path=path, issues=[issue]) from None
    return parse_config(data, path, found=repeated)
