"""The kinds besides sources: enrichers, `/social` subcommands, jobs, card sections and event observers.

Every hook takes ONE frozen, keyword-built argument (`MentionFacts`, `CommandCall`, `JobRun`, `CaseFacts`,
`CaseEvent`). socialdesk adds fields to these between minor releases and never removes or renames one
within a major version, so a plugin written today keeps working: the same promise pluggy makes by letting
an implementation take a subset of a hook's arguments, kept here with types a plugin author's mypy checks.

A hook that raises switches its plugin off (reported in the log, `/readyz`, `socialdesk plugins list` and
once in the duty channel); the mention, card or command it was called for goes on without it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

Role = Literal["agent", "lead", "manager"]  # the roles of the config's `roles:` section
PriorityName = Literal["P1", "P2", "P3", "P4"]


# --- enrichers ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MentionFacts:
    """A new mention after socialdesk's own triage. `text` is already masked (no e-mail, phone, card...)."""

    source: str
    platform: str
    external_id: str
    kind: str
    author_id: str
    author_handle: str
    text: str
    posted_at: datetime
    category: str
    sentiment: str
    priority: PriorityName
    priority_reason: str
    opens_case: bool  # False when it joins the customer's open case


@dataclass(frozen=True, slots=True)
class PriorityChange:
    """Raise or lower the case's priority; `reason` is shown on the card beside the priority."""

    to: PriorityName
    reason: str


@dataclass(frozen=True, slots=True)
class Enrichment:
    tags: tuple[str, ...] = ()
    fields: Mapping[str, str] = field(default_factory=dict)  # shown by card sections, kept on the case
    priority: PriorityChange | None = None


class Enricher(ABC):
    """Adds tags and fields to a mention's case and may change its priority; cannot drop a mention.

    Enrichers run in ascending `order` (ties by plugin name) inside ingest, after triage and before the
    case is stored, so keep them fast: a slow CRM lookup belongs in a cache the plugin refreshes in a job.
    """

    name: str
    order: int = 100

    @abstractmethod
    def enrich(self, mention: MentionFacts) -> Enrichment | None: ...


# --- commands -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """A case as plugins see it (read-only). `enrichment` holds what enrichers added, by plugin name."""

    number: int
    platform: str
    status: str
    priority: str
    priority_reason: str
    category: str
    sentiment: str
    team: str
    author_id: str
    author_handle: str
    assignee: str | None
    opened_at: datetime
    tags: tuple[str, ...] = ()
    enrichment: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CommandCall:
    """`/social <name> <args>` as typed by `user_id`; `case` looks a case up by `#number` or number."""

    name: str
    args: tuple[str, ...]
    text: str
    user_id: str
    channel_id: str
    now: datetime
    case: Callable[[str], CaseFacts | None]


class CommandError(Exception):
    """Raise with a message for the user: it is answered privately, like every usage message."""


class Command(ABC):
    """A `/social <name>` subcommand. The answer is private (only the caller sees it), as for every
    built-in subcommand; a wrong call should raise `CommandError` with the usage."""

    name: str
    usage: str  # e.g. "/social vip <#case>"
    summary: str = ""  # one line in `/social help`
    role: Role = "agent"

    @abstractmethod
    def run(self, call: CommandCall) -> str: ...


# --- jobs -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JobRun:
    """One run of a job. `notify(key, text)` posts `text` to the duty channel at most once per `key`,
    across restarts and replicas (the same notice keys socialdesk's own jobs use)."""

    job_id: str
    now: datetime
    notify: Callable[[str, str], bool]  # (key, text) -> True when this run queued it


class Job(ABC):
    """Scheduled work. `id` is the scheduler's job id (prefixed with the plugin's name); `leader_only`
    jobs run on one replica only. Runs must be idempotent: use `JobRun.notify` keys for what is sent."""

    id: str
    every: timedelta = timedelta(hours=24)
    leader_only: bool = True

    @abstractmethod
    def run(self, run: JobRun) -> None: ...


# --- card sections --------------------------------------------------------------------------------------


class CardSection(ABC):
    """Extra fields on the case card and in `/social show`: (label, value) pairs under `title`.

    socialdesk keeps them within Block Kit's limits: at most 10 fields, a label cut at 50 characters
    and a value at 500; the values are shown as plain text (no mentions, no links are expanded)."""

    name: str
    title: str

    @abstractmethod
    def fields(self, case: CaseFacts) -> Sequence[tuple[str, str]]: ...


# --- events ---------------------------------------------------------------------------------------------

CaseEventKind = Literal["opened", "claimed", "replied", "escalated", "resolved", "reopened", "corrected"]
CASE_EVENT_KINDS: tuple[CaseEventKind, ...] = (
    "opened",
    "claimed",
    "replied",
    "escalated",
    "resolved",
    "reopened",
    "corrected",
)


@dataclass(frozen=True, slots=True)
class CaseEvent:
    kind: CaseEventKind
    case: int
    at: datetime
    actor: str | None  # the Slack user id, None for socialdesk itself
    detail: Mapping[str, str] = field(default_factory=dict)


class EventObserver(ABC):
    """Told about case events after they are committed. Observers run on a worker thread, one event at a
    time in commit order; an exception switches the plugin off and never undoes the event."""

    name: str
    kinds: frozenset[str] = frozenset(CASE_EVENT_KINDS)

    @abstractmethod
    def on_event(self, event: CaseEvent) -> None: ...
