"""What the volume was made of, and who did the work: counts by platform, category and sentiment, the
most negative topics, escalations between teams, the agent table and canned-reply usage.

Each function takes plain values (the digest gets them from SQL GROUP BYs in `socialdesk.store.digest_repo`;
the tests build them by hand) and orders its answer the way a reader scans it: biggest first, ties by
name, so the same data always reads the same.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from socialdesk.domain.enums import Sentiment
from socialdesk.domain.metrics.core import CaseFacts
from socialdesk.domain.metrics.period import Period
from socialdesk.domain.metrics.tally import WaitStats

__all__ = [
    "NEGATIVE",
    "AgentRow",
    "Topic",
    "agent_table",
    "canned_usage",
    "escalations_by_team",
    "negative_topics",
    "ranked",
    "sentiment_mix",
    "top_keywords",
    "volume_by",
]

K = TypeVar("K", bound=Hashable)
NEGATIVE = frozenset({Sentiment.NEGATIVE, Sentiment.VERY_NEGATIVE})


def ranked(counts: Mapping[K, int]) -> list[tuple[K, int]]:
    """``counts`` biggest first, ties by the key's text; zero counts left out."""
    return sorted(((k, n) for k, n in counts.items() if n), key=lambda item: (-item[1], str(item[0])))


def volume_by(
    cases: Iterable[CaseFacts], period: Period, key: Callable[[CaseFacts], K]
) -> list[tuple[K, int]]:
    """Volume split by ``key`` (platform, category...): ``count(opened_at in period) group by key``, spam
    left out like every figure, biggest first. The parts add up to `core.volume`."""
    return ranked(Counter(key(c) for c in cases if not c.is_spam and c.opened_at in period))


def escalations_by_team(moves: Iterable[tuple[str, str]]) -> list[tuple[str, str, int]]:
    """Escalations in the period per route: ``count(escalated events) group by (from_team, to_team)``.

    Counted from the escalation events (when they happened), not from the cases' counters, so a case
    escalated twice in a day counts twice and one escalated last week does not count today.
    """
    counts = Counter(moves)
    return [(src, dst, n) for (src, dst), n in ranked(counts)]


def sentiment_mix(counts: Mapping[Sentiment, int]) -> dict[Sentiment, float]:
    """Share of each sentiment among the period's cases: ``count(sentiment = s) / count(*)``, in the
    order of the scale (very negative first); empty when there were no cases."""
    total = sum(counts.values())
    if not total:
        return {}
    return {s: counts.get(s, 0) / total for s in Sentiment}


@dataclass(frozen=True, slots=True)
class Topic:
    name: str
    negative: int  # negative cases about it in the period
    total: int  # all cases about it in the period

    @property
    def negative_share(self) -> float:
        return self.negative / self.total if self.total else 0.0


def negative_topics(
    by_topic: Mapping[str, tuple[int, int]], *, limit: int = 5, min_cases: int = 1
) -> list[Topic]:
    """The topics (categories) customers were most negative about.

    ``by_topic`` maps a topic to ``(negative cases, all cases)``, negative meaning a negative or very
    negative sentiment. Ranked by the number of negative cases (what hurts most people), then by the
    negative share; topics with fewer than ``min_cases`` negative cases are left out.
    """
    topics = [Topic(name, neg, total) for name, (neg, total) in by_topic.items() if neg >= max(min_cases, 1)]
    topics.sort(key=lambda t: (-t.negative, -t.negative_share, t.name))
    return topics[:limit]


_WORD = re.compile(r"[^\W\d_][\w'’-]*[^\W_]|[^\W\d_]", re.UNICODE)
_MASKED = re.compile(r"\[[a-z_ ]+\]")  # what redaction leaves behind: "[email]", "[phone]"
# An @handle (ours, another brand's, a customer's): whom a post is addressed to, never what it is about.
# Not inside a word or an address ("a@b.com"); X, Instagram and Threads handles take dots and underscores.
_HANDLE = re.compile(r"(?<![\w@.])@[\w.]*\w")
# Whitespace-separated for readability: the list is edited by people, not generated.
STOPWORDS = frozenset(
    """a about after again all also am an and any are as at be been before being but by can cant could
    did do does doesnt dont for from get got had has have having he her here hi him his how i im in into
    is isnt it its ive just me more my no not now of on one only or our out over please so still than
    thanks thank that the their them then there these they this those to too two up us very was we were
    what when where which who why will with would you your yours hello hey again already ever even really
    guys anyone someone something""".split()  # noqa: SIM905
)


def top_keywords(
    texts: Iterable[str], *, limit: int = 8, stopwords: frozenset[str] = STOPWORDS, ignore: Sequence[str] = ()
) -> list[tuple[str, int]]:
    """The words that come up most in ``texts`` (the period's negative mentions): for each word, the
    number of texts containing it (a rant repeating "refund" five times counts once).

    Words are lowercased; stop words, words under three letters, numbers, redaction placeholders
    ("[email]"), @handles (whoever they name) and ``ignore`` (our own handles and brand names, written
    without the @) are left out. Biggest first, ties alphabetically.
    """
    skip = stopwords | {w.lower().lstrip("@") for w in ignore}
    counts: Counter[str] = Counter()
    for text in texts:
        plain = _HANDLE.sub(" ", _MASKED.sub(" ", text.lower()))
        words = {w.replace("’", "'").strip("'-") for w in _WORD.findall(plain)}
        counts.update(w for w in words if len(w) >= 3 and w not in skip and w.replace("'", "") not in skip)
    return ranked(counts)[:limit]


@dataclass(frozen=True, slots=True)
class AgentRow:
    agent: str  # a Slack user id
    handled: int  # cases resolved in the period with this agent as the owner
    first_responses: int  # cases whose first reply in the period this agent sent
    frt_median: timedelta | None  # `median` of those first response times


def agent_table(resolved_by: Mapping[str, int], first_waits: Mapping[str, WaitStats]) -> list[AgentRow]:
    """One row per agent who resolved or first-answered a case in the period.

    ``handled``: ``count(resolved in period) group by assignee`` (the owner when it was resolved);
    ``first_responses`` and ``frt_median``: over the cases first answered in the period, grouped by the
    agent who sent that first reply, the count and `median` of ``first_response_at - opened_at``
    (`wait_stats` of each agent's waits). Ordered by cases handled, then first responses, then id.
    """
    agents = set(resolved_by) | set(first_waits)
    none = WaitStats()
    rows = [
        AgentRow(
            agent=a,
            handled=resolved_by.get(a, 0),
            first_responses=first_waits.get(a, none).count,
            frt_median=first_waits.get(a, none).median,
        )
        for a in agents
    ]
    rows.sort(key=lambda r: (-r.handled, -r.first_responses, r.agent))
    return rows


def canned_usage(by_reply: Mapping[str | None, int]) -> tuple[list[tuple[str, int]], float | None]:
    """Canned-reply usage in the period: ``count(replies sent) group by canned_reply_id``, most used
    first, and the share of all replies sent that started from a canned reply
    (``count(canned_reply_id is not null) / count(*)``; None when no reply was sent)."""
    total = sum(by_reply.values())
    used = {k: n for k, n in by_reply.items() if k is not None}
    share = sum(used.values()) / total if total else None
    return ranked(used), share
