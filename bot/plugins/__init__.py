"""socialdesk's plugin API: the one module plugin authors import.

    from socialdesk.plugins import Plugin, PluginSettings, Source, Enricher, Command, Job, CardSection

A plugin is an installed package whose entry point in the group `socialdesk.plugins` is a `Plugin`. Its
`build(settings, host)` returns contributions of these kinds:

| kind            | class           | what socialdesk does with it                                       |
| --------------- | --------------- | ------------------------------------------------------------------ |
| source          | `Source`        | webhook at `/webhooks/<name>`, normalizer, poller, replies         |
| enricher        | `Enricher`      | tags, fields and a priority change on each new mention             |
| command         | `Command`       | `/social <name>` subcommand, answered privately, role-checked      |
| job             | `Job`           | scheduled with an explicit id, leader-only by default              |
| card section    | `CardSection`   | extra fields on the case card and in `/social show`                |
| events          | `EventObserver` | told about case events (opened, claimed, replied, ...)             |

Everything exported here is the contract: within a major version (`API_VERSION`) nothing is removed or
renamed, and the arguments of a hook only gain fields. `docs/plugins.md` is the author's guide.
Built-in channels (Meta, X, generic) are plugins of this same API (`socialdesk.sources`).
"""

from socialdesk.domain.enums import MentionKind, Platform, ReplyVisibility
from socialdesk.plugins.kinds import (
    CASE_EVENT_KINDS,
    CardSection,
    CaseEvent,
    CaseFacts,
    Command,
    CommandCall,
    CommandError,
    Enricher,
    Enrichment,
    EventObserver,
    Job,
    JobRun,
    MentionFacts,
    PriorityChange,
    Role,
)
from socialdesk.plugins.mentions import (
    Author,
    DeliveryFailure,
    MalformedPayload,
    NormalizedMention,
    NormalizeResult,
    Skipped,
)
from socialdesk.plugins.payloads import BrandAccounts
from socialdesk.plugins.plugin import (
    API_VERSION,
    Contribution,
    Plugin,
    PluginHost,
    PluginOff,
    PluginSettings,
)
from socialdesk.plugins.replies import ErrorKind, OutgoingReply, PlatformError, ReplyTarget, SentReply
from socialdesk.plugins.source import (
    PlatformSpec,
    Poller,
    PollResult,
    RateLimited,
    ReplyCapabilities,
    SamplePayload,
    Source,
    WebhookAnswer,
    WebhookRequest,
)

__all__ = [
    "API_VERSION",
    "CASE_EVENT_KINDS",
    "Author",
    "BrandAccounts",
    "CardSection",
    "CaseEvent",
    "CaseFacts",
    "Command",
    "CommandCall",
    "CommandError",
    "Contribution",
    "DeliveryFailure",
    "Enricher",
    "Enrichment",
    "ErrorKind",
    "EventObserver",
    "Job",
    "JobRun",
    "MalformedPayload",
    "MentionFacts",
    "MentionKind",
    "NormalizeResult",
    "NormalizedMention",
    "OutgoingReply",
    "Platform",
    "PlatformError",
    "PlatformSpec",
    "Plugin",
    "PluginHost",
    "PluginOff",
    "PluginSettings",
    "PollResult",
    "Poller",
    "PriorityChange",
    "RateLimited",
    "ReplyCapabilities",
    "ReplyTarget",
    "ReplyVisibility",
    "Role",
    "SamplePayload",
    "SentReply",
    "Skipped",
    "Source",
    "WebhookAnswer",
    "WebhookRequest",
]
