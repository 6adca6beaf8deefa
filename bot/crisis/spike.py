"""Spike maths for the crisis early warning: pure functions, no database, no clock.

A spike is "many more negative posts about a topic in the last window than usual". The usual rate is
the baseline period's count scaled down to one window. The floor of 1.0 on the expected count keeps a
quiet topic (nothing all day) from alerting on two posts, and `min_count` keeps a small topic from
alerting on a handful however quiet it usually is.

Counting is here as well, on rows the caller read: which posts are on a playbook's topic, the
window and baseline per platform, and the in-memory counts of closed hours (they never change, so a
scan that runs every minute reads only the open hour). The episode rules (one alert per burst, not one
per scan) are a pure step function; the caller keeps the state in the store so that replicas and
restarts agree on it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from socialdesk.domain.enums import Platform
from socialdesk.domain.playbooks.matching import topic_keyword, watches
from socialdesk.domain.playbooks.schema import Detection

# A new episode may alert only this long after the last alert of the same playbook.
ALERT_COOLDOWN = timedelta(minutes=60)


@dataclass(frozen=True, slots=True)
class SpikeReading:
    current: int  # negative posts in the window
    expected: float  # what one window usually holds (from the baseline)
    threshold: float  # the count the window must reach: max(min_count, factor x max(expected, 1))
    factor: float  # current / max(expected, 1): "20x the usual"
    spike: bool


def window_of(detection: Detection) -> timedelta:
    return timedelta(minutes=detection.window_minutes)


def baseline_span(detection: Detection) -> timedelta:
    """The baseline is the period before the window: [now - baseline_hours, now - window)."""
    return timedelta(hours=detection.baseline_hours) - window_of(detection)


def expected_per_window(baseline_count: int, window: timedelta, span: timedelta) -> float:
    """The baseline count scaled to one window. A span no longer than the window gives 0: no history."""
    if span <= timedelta(0) or baseline_count <= 0:
        return 0.0
    return baseline_count * (window / span)


def assess(
    current: int, baseline_count: int, detection: Detection, *, span: timedelta | None = None
) -> SpikeReading:
    """Spike when current >= min_count and current >= spike_factor x max(expected, 1.0).

    `span` is how long the baseline count covers; by default `baseline_hours - window` (the caller
    passes the real span when it counts over whole hours, see bot/crisis/early_warning.py)."""
    window = window_of(detection)
    expected = expected_per_window(baseline_count, window, baseline_span(detection) if span is None else span)
    floor = max(expected, 1.0)
    threshold = max(float(detection.min_count), detection.spike_factor * floor)
    return SpikeReading(
        current=current,
        expected=expected,
        threshold=threshold,
        factor=current / floor,
        spike=current >= detection.min_count and current >= detection.spike_factor * floor,
    )


# --- counting ----------------------------------------------------------------------------------

HOUR = timedelta(hours=1)
Topic = tuple[tuple[str, ...], float]  # keywords, sentiment_at_most: all that decides whether a post counts


class NegativePost(NamedTuple):
    """A mention as the counting reads it: only these columns, never the author's data."""

    id: int
    received_at: datetime  # aware UTC
    platform: Platform
    sentiment: float
    text: str  # masked
    followers: int | None


def topic_of(detection: Detection) -> Topic:
    return (tuple(detection.keywords), detection.sentiment_at_most)


def floor_hour(when: datetime) -> datetime:
    return when.replace(minute=0, second=0, microsecond=0)


def hours_between(start: datetime, end: datetime) -> Iterable[datetime]:
    hour = start
    while hour < end:
        yield hour
        hour += HOUR


def keyword_of(detection: Detection, post: NegativePost) -> str | None:
    """The playbook keyword a negative enough post is about, or None (platforms are checked apart)."""
    if post.sentiment > detection.sentiment_at_most:
        return None
    return topic_keyword(detection, post.text)


@dataclass(frozen=True, slots=True)
class TopicReading:
    overall: SpikeReading  # every watched platform together
    platforms: dict[Platform, SpikeReading]
    window: list[NegativePost]  # the posts on the topic in the window
    keyword: str  # the keyword seen most in the window

    @property
    def spiking(self) -> bool:
        return self.overall.spike or any(r.spike for r in self.platforms.values())


def read_topic(
    detection: Detection,
    posts: Iterable[NegativePost],
    *,
    closed: Mapping[Platform, int],
    closed_until: datetime,
    now: datetime,
) -> TopicReading:
    """The window [now - window, now) against the baseline: `closed` counts the `baseline_hours` whole
    hours before `closed_until`, `posts` holds everything since min(closed_until, window start). Posts
    of the window that fall in a closed hour move from the baseline to the window."""
    window_start = now - window_of(detection)
    baseline: Counter[Platform] = Counter(closed)
    current: Counter[Platform] = Counter()
    keywords: Counter[str] = Counter()
    window: list[NegativePost] = []
    for post in posts:
        keyword = keyword_of(detection, post) if watches(detection, post.platform) else None
        if keyword is None:
            continue
        if post.received_at >= window_start:
            window.append(post)
            current[post.platform] += 1
            keywords[keyword] += 1
            if post.received_at < closed_until:
                baseline[post.platform] -= 1
        elif post.received_at >= closed_until:
            baseline[post.platform] += 1
    span = window_start - (closed_until - timedelta(hours=detection.baseline_hours))
    platforms = {
        platform: assess(current[platform], max(baseline[platform], 0), detection, span=span)
        for platform in sorted(set(current) | {p for p, n in baseline.items() if n > 0})
        if watches(detection, platform)
    }
    total = max(sum(baseline[p] for p in platforms), 0)
    overall = assess(sum(current.values()), total, detection, span=span)
    top = keywords.most_common(1)
    return TopicReading(overall, platforms, window, top[0][0] if top else detection.keywords[0])


class HourCounts:
    """Negative posts per closed hour, topic and platform, kept in memory: past hours do not change."""

    def __init__(self) -> None:
        self._counts: dict[tuple[datetime, Topic], Counter[Platform]] = {}

    def missing(
        self, detections: Iterable[Detection], closed_until: datetime
    ) -> dict[datetime, dict[Topic, Detection]]:
        """Hour -> the topics whose count for that hour is not known yet."""
        wanted: dict[datetime, dict[Topic, Detection]] = {}
        for detection in detections:
            topic = topic_of(detection)
            for hour in hours_between(closed_until - timedelta(hours=detection.baseline_hours), closed_until):
                if (hour, topic) not in self._counts:
                    wanted.setdefault(hour, {})[topic] = detection
        return wanted

    def fill(
        self, wanted: Mapping[datetime, Mapping[Topic, Detection]], posts: Iterable[NegativePost]
    ) -> None:
        """Counts `posts` (read over the hours `wanted`) into those hours; hours without posts count 0."""
        counts = {(hour, topic): Counter[Platform]() for hour, topics in wanted.items() for topic in topics}
        for post in posts:
            hour = floor_hour(post.received_at)
            for topic, detection in wanted.get(hour, {}).items():
                if keyword_of(detection, post) is not None:
                    counts[(hour, topic)][post.platform] += 1
        self._counts.update(counts)

    def baseline(self, detection: Detection, closed_until: datetime) -> Counter[Platform]:
        """The `baseline_hours` whole hours before `closed_until`, per platform (all must be filled)."""
        total: Counter[Platform] = Counter()
        topic = topic_of(detection)
        for hour in hours_between(closed_until - timedelta(hours=detection.baseline_hours), closed_until):
            total.update(self._counts[(hour, topic)])
        return total

    def prune(self, detections: Iterable[Detection], closed_until: datetime) -> None:
        """Forgets hours no baseline reaches any more, and topics no playbook has (after a reload)."""
        kept = list(detections)
        topics = {topic_of(d) for d in kept}
        oldest = closed_until - timedelta(hours=max((d.baseline_hours for d in kept), default=0))
        for key in [k for k in self._counts if k[0] < oldest or k[1] not in topics]:
            del self._counts[key]

    def __len__(self) -> int:
        return len(self._counts)


# --- episodes ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Episode:
    """The state of a playbook's latest alerted episode, as stored with its notice."""

    number: int  # 1 for the playbook's first warning; the next episode is number + 1
    alerted_at: datetime
    calm_since: datetime | None = None  # first scan under the threshold since the last spiking one
    closed: bool = False  # calm for a full window: the next spike is a new episode


class Move(StrEnum):
    NOTHING = "nothing"
    ALERT = "alert"  # a new episode: warn
    CALM = "calm"  # the rate fell under the threshold: remember since when
    RESUMED = "resumed"  # spiking again before a full calm window: the episode goes on
    CLOSE = "close"  # calm for a full window: the episode is over


def next_move(
    episode: Episode | None,
    *,
    spiking: bool,
    now: datetime,
    window: timedelta,
    cooldown: timedelta = ALERT_COOLDOWN,
) -> Move:
    """What one scan does to a playbook's episode. A burst that lasts 20 minutes and is scanned 20
    times alerts once; the next alert needs a full window of calm and `cooldown` since the last."""
    if episode is None:
        return Move.ALERT if spiking else Move.NOTHING
    if episode.closed:
        return Move.ALERT if spiking and now - episode.alerted_at >= cooldown else Move.NOTHING
    if spiking:
        return Move.RESUMED if episode.calm_since is not None else Move.NOTHING
    if episode.calm_since is None:
        return Move.CALM
    return Move.CLOSE if now - episode.calm_since >= window else Move.NOTHING
