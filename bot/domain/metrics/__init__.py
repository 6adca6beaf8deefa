"""Customer-care figures, each defined once, with its formula in its docstring.

Pure functions, so `/social stats`, the Home tab and the digest all count the same way:

- `core`: the case figures over `CaseFacts` (plain copies of the measured fields of a case, built by
  `socialdesk.store.metrics_repo`): volume, first response, SLA, resolution, FCR, AHT, backlog;
- `tally`: the same figures from counts (`Tally`, what the digest's SQL adds up), and change against
  the previous period;
- `breakdown`: volume by platform / category / sentiment, negative topics, escalations, agents,
  canned replies;
- `satisfaction`: CSAT and NPS;
- `variation`: the weekly improvement review's rules.

Conventions shared by every figure:

- A `Period` is a stretch of the past, ``[start, end)`` in UTC, with ``end`` no later than now:
  the figures describe what has happened, so an unanswered case whose due time is still ahead of
  ``end`` is not yet a miss.
- Cases marked spam are left out of every figure: they are noise, not customers waiting.
- Counts (`volume`, `answered`, `resolved`, `open_backlog`) are plain integers: zero cases opened is
  a fact. Ratios and durations return ``None`` when nothing was there to measure, so a quiet morning
  reads "no data" instead of a misleading 0 % or 0 min.
- Ratios are fractions in ``[0, 1]``; renderers turn them into percentages.
- Durations never go below zero: a reply stamped a little before the customer's post (clock skew
  between the platform and us) is an instant answer, not a negative one.
"""

from socialdesk.domain.metrics.breakdown import (
    NEGATIVE,
    AgentRow,
    Topic,
    agent_table,
    canned_usage,
    escalations_by_team,
    negative_topics,
    ranked,
    sentiment_mix,
    top_keywords,
    volume_by,
)
from socialdesk.domain.metrics.core import (
    FCR_REOPEN_WINDOW,
    CaseFacts,
    Summary,
    answered,
    average_handling_time,
    first_contact_resolution,
    first_response_times,
    frt_median,
    frt_p90,
    is_first_contact,
    median,
    nearest_rank,
    oldest_open,
    open_backlog,
    resolution_rate,
    resolved,
    sla_compliance,
    sla_tally,
    summarize,
    summarize_by_team,
    volume,
)
from socialdesk.domain.metrics.period import Period, local_days, today, week
from socialdesk.domain.metrics.satisfaction import csat, csat_mean, nps
from socialdesk.domain.metrics.tally import (
    Figures,
    Tally,
    WaitStats,
    change,
    figures,
    point_change,
    quickest_reopen,
    tally_of,
    wait_stats,
)
from socialdesk.domain.metrics.variation import Outcome, Shift, unusual, worst_outcomes

__all__ = [
    "FCR_REOPEN_WINDOW",
    "NEGATIVE",
    "AgentRow",
    "CaseFacts",
    "Figures",
    "Outcome",
    "Period",
    "Shift",
    "Summary",
    "Tally",
    "Topic",
    "WaitStats",
    "agent_table",
    "answered",
    "average_handling_time",
    "canned_usage",
    "change",
    "csat",
    "csat_mean",
    "escalations_by_team",
    "figures",
    "first_contact_resolution",
    "first_response_times",
    "frt_median",
    "frt_p90",
    "is_first_contact",
    "local_days",
    "median",
    "nearest_rank",
    "negative_topics",
    "nps",
    "oldest_open",
    "open_backlog",
    "point_change",
    "quickest_reopen",
    "ranked",
    "resolution_rate",
    "resolved",
    "sentiment_mix",
    "sla_compliance",
    "sla_tally",
    "summarize",
    "summarize_by_team",
    "tally_of",
    "today",
    "top_keywords",
    "unusual",
    "volume",
    "volume_by",
    "wait_stats",
    "week",
    "worst_outcomes",
]
