"""Builds a `Digest` for a day or a week from the store: SQL does the adding up (`socialdesk.store.digest_*`),
`socialdesk.domain.metrics` does the dividing, ranking and comparing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from socialdesk.config import Config
from socialdesk.digest.lanes import Read, run_lanes
from socialdesk.digest.review import build_review
from socialdesk.domain import metrics
from socialdesk.domain.digest import (
    CannedUse,
    ChartData,
    Count,
    CrisisInPeriod,
    Digest,
    DigestKind,
    GroupReport,
    OpenNow,
    Satisfaction,
    SourceRatings,
)
from socialdesk.domain.enums import Sentiment
from socialdesk.domain.metrics import Period, Tally, local_days
from socialdesk.domain.metrics.satisfaction import CSAT_SCALE, NPS_SCALE, responses
from socialdesk.domain.ratings import counts_by_stars
from socialdesk.domain.triage_review import triage_review
from socialdesk.periodic import PeriodKey, local_instant
from socialdesk.slack.blocks.digest_chart import arrival_series, sla_series
from socialdesk.store import digest_detail_repo as detail
from socialdesk.store import digest_repo
from socialdesk.store.digest_repo import PeriodTallies
from socialdesk.store.digest_review_repo import outcomes_by_canned, outcomes_by_route
from socialdesk.store.triage_review_repo import triage_tallies

SLA_TREND_DAYS = 14
REVIEW_WEEKS = 4


def daily_key(day: date, config: Config) -> PeriodKey:
    """The daily period covering local ``day`` (as `socialdesk.periodic.due_periods` names it)."""
    due = local_instant(day + timedelta(days=1), config.digest.time, ZoneInfo(config.timezone))
    return PeriodKey("daily", day.isoformat(), day, day, due)


def weekly_key(last_day: date, config: Config) -> PeriodKey:
    """The weekly period of the 7 local days ending on ``last_day``, named like `due_periods` does: by
    the ISO week of its first day."""
    first = last_day - timedelta(days=6)
    year, week, _ = first.isocalendar()
    due = local_instant(last_day + timedelta(days=1), config.digest.time, ZoneInfo(config.timezone))
    return PeriodKey("weekly", f"{year}-W{week:02d}", first, last_day, due)


class DigestBuilder:
    def __init__(self, *, engine: Engine, config: Config) -> None:
        self._engine = engine
        self._config = config

    def build(self, key: PeriodKey, *, now: datetime) -> Digest:
        """Everything the digest for ``key`` says; ``now`` is when the backlog is read."""
        tz = self._config.timezone
        kind: DigestKind = key.kind
        period = local_days(key.first_day, key.last_day, tz)
        days = (key.last_day - key.first_day).days + 1
        back = REVIEW_WEEKS if kind == "weekly" else 1
        earlier = [
            local_days(key.first_day - timedelta(days=days * k), key.last_day - timedelta(days=days * k), tz)
            for k in range(1, back + 1)
        ]
        previous = earlier[0]
        trend_days = [
            local_days(key.last_day - timedelta(days=k), key.last_day - timedelta(days=k), tz)
            for k in range(SLA_TREND_DAYS - 1, -1, -1)
        ]
        both = [period, previous]
        per: Literal["hour", "day"] = "hour" if kind == "daily" else "day"
        titles = self._canned_titles()
        brand = self._brand_words()
        # Four lanes of about equal weight on a million cases (see socialdesk.digest.lanes).
        lanes: list[list[tuple[str, Read]]] = [
            [("counts", lambda s: digest_repo.counts(s, both))],
            [
                ("sla", lambda s: detail.sla_by_day(s, trend_days)),
                # Bucketed as the rows stream in: a week of arrivals is never a list.
                ("arrivals", lambda s: arrival_series(detail.arrivals(s, period), period, tz, by=per)),
            ],
            [
                ("waits", lambda s: digest_repo.frt_stats(s, both)),
                ("canned", lambda s: detail.canned_counts(s, period)),
                ("moves", lambda s: detail.escalation_moves(s, period)),
                ("crises", lambda s: detail.crises_in(s, period)),
            ],
            [
                ("backlog", detail.backlog_now),
                ("mix", lambda s: detail.volume_mix(s, both)),
                ("spam", lambda s: detail.spam_counts(s, both)),
                ("topics", lambda s: detail.negative_by_category(s, period)),
                ("keywords", lambda s: metrics.top_keywords(detail.negative_texts(s, period), ignore=brand)),
                ("surveys", lambda s: [detail.survey_histograms(s, p) for p in (period, *earlier)]),
                ("ratings", lambda s: detail.ratings_by_platform(s, [period, *earlier])),
            ],
        ]
        if kind == "weekly":
            history = earlier[1:]
            lanes[0].append(("routes", lambda s: outcomes_by_route(s, period)))
            lanes[1].append(("history_counts", lambda s: digest_repo.counts(s, history)))
            lanes[1].append(("triage", lambda s: triage_tallies(s, period)))
            lanes[2].append(
                ("history_waits", lambda s: digest_repo.frt_stats(s, history, agents=False, teams=False))
            )
            lanes[3].append(("canned_outcomes", lambda s: outcomes_by_canned(s, period)))
        got = run_lanes(self._engine, lanes)
        counted = digest_repo.combine(got["counts"], got["waits"])
        if kind == "weekly":
            counted += digest_repo.combine(got["history_counts"], got["history_waits"])
        now_t, before_t = counted[0], counted[1]
        surveys, backlog, mix = got["surveys"], got["backlog"], got["mix"]
        canned, share = metrics.canned_usage(got["canned"])
        review = None
        if kind == "weekly":
            review = build_review(
                counted,
                surveys,
                routes=got["routes"],
                canned=got["canned_outcomes"],
                weeks=earlier,
                canned_titles=titles,
                triage=triage_review(got["triage"]),
                weeks_ratings=got["ratings"],
            )
        overall = GroupReport(
            name="All teams",
            now=metrics.figures(now_t.overall),
            before=metrics.figures(before_t.overall),
            satisfaction=_satisfaction(_merge(surveys[0].values())),
            satisfaction_before=_satisfaction(_merge(surveys[1].values())),
            open_now=_open_total(backlog.values()),
        )
        return Digest(
            kind=kind,
            key=key.key,
            first_day=key.first_day,
            last_day=key.last_day,
            timezone=tz,
            period=period,
            previous=previous,
            built_at=now,
            overall=overall,
            teams=self._teams(now_t, before_t, surveys[0], surveys[1], backlog),
            platforms=_counts([detail.split(m, 0) for m in mix]),
            categories=_counts([detail.split(m, 1) for m in mix]),
            sentiment=metrics.sentiment_mix(_sentiments(detail.split(mix[0], 2))),
            negative_topics=metrics.negative_topics(got["topics"]),
            negative_keywords=got["keywords"],
            escalations=metrics.escalations_by_team(got["moves"]),
            agents=metrics.agent_table(now_t.resolved_by, now_t.first_waits),
            canned=[CannedUse(cid, titles.get(cid, cid), n) for cid, n in canned],
            canned_share=share,
            chart=_chart(kind, key, got["arrivals"], trend_days, got["sla"], tz),
            crises=[
                CrisisInPeriod(c.id, c.title, c.severity, c.started_at, c.ended_at, c.war_room, c.cases)
                for c in got["crises"]
            ],
            review=review,
            spam=Count("spam", *got["spam"]),
            ratings=_ratings(got["ratings"]),
        )

    def _teams(
        self,
        now_t: PeriodTallies,
        before_t: PeriodTallies,
        surveys: Mapping[str, Mapping[str, Mapping[int, int]]],
        surveys_before: Mapping[str, Mapping[str, Mapping[int, int]]],
        backlog: Mapping[str, detail.OpenCases],
    ) -> list[GroupReport]:
        """Configured teams first in their order (even when quiet), then any other team found in the data
        (a team renamed in the config still has its old cases), alphabetically."""
        configured = [t.name for t in self._config.teams]
        found = set(now_t.teams) | set(before_t.teams) | set(backlog)
        names = configured + sorted(found - set(configured))
        return [
            GroupReport(
                name=name,
                now=metrics.figures(now_t.teams.get(name, Tally())),
                before=metrics.figures(before_t.teams.get(name, Tally())),
                satisfaction=_satisfaction(surveys.get(name, {})),
                satisfaction_before=_satisfaction(surveys_before.get(name, {})),
                open_now=_open(backlog.get(name)),
            )
            for name in names
        ]

    def _canned_titles(self) -> dict[str, str]:
        return {c.id: c.title for c in self._config.canned_replies}

    def _brand_words(self) -> list[str]:
        """Our own handles (config `ingest.brand_handles`), whole and in parts: "acme_help" is left out of
        the words as itself ("acme_help is useless"), and as "acme" and "help". With the @ they are
        left out anyway, as every handle is (`metrics.top_keywords`)."""
        handles = [h.strip().lstrip("@") for hs in self._config.ingest.brand_handles.values() for h in hs]
        parts = [w for h in handles for w in h.replace("_", " ").replace(".", " ").split()]
        return list(dict.fromkeys([*handles, *parts]))


def _merge(parts: Iterable[Mapping[str, Mapping[int, int]]]) -> dict[str, dict[int, int]]:
    merged: dict[str, dict[int, int]] = {}
    for kinds in parts:
        for kind, histogram in kinds.items():
            target = merged.setdefault(kind, {})
            for score, n in histogram.items():
                target[score] = target.get(score, 0) + n
    return merged


def _satisfaction(kinds: Mapping[str, Mapping[int, int]]) -> Satisfaction:
    csat, nps = kinds.get("csat", {}), kinds.get("nps", {})
    return Satisfaction(
        csat=metrics.csat(csat),
        csat_mean=metrics.csat_mean(csat),
        csat_answers=responses(csat, CSAT_SCALE),
        nps=metrics.nps(nps),
        nps_answers=responses(nps, NPS_SCALE),
    )


def _sentiments(counts: Mapping[str, int]) -> dict[Sentiment, int]:
    known = {s.value for s in Sentiment}
    return {Sentiment(k): n for k, n in counts.items() if k in known}


def _open(cases: detail.OpenCases | None) -> OpenNow:
    if cases is None:
        return OpenNow()
    return OpenNow(cases.count, cases.oldest_id, cases.oldest_opened_at)


def _open_total(parts: object) -> OpenNow:
    count, oldest = 0, None
    for part in parts:  # type: ignore[attr-defined]
        count += part.count
        if part.oldest_opened_at is not None and (
            oldest is None
            or (part.oldest_opened_at, part.oldest_id) < (oldest.oldest_opened_at, oldest.oldest_id)
        ):
            oldest = part
    if oldest is None:
        return OpenNow(count)
    return OpenNow(count, oldest.oldest_id, oldest.oldest_opened_at)


def _ratings(by_period: list[dict[str, dict[int, int]]]) -> list[SourceRatings]:
    """Each review source with reviews in the period or the previous one, most reviews first."""
    now, before = by_period[0], by_period[1]
    rows = [
        SourceRatings(p, counts_by_stars(now.get(p, {})), counts_by_stars(before.get(p, {})))
        for p in set(now) | set(before)
    ]
    return sorted(rows, key=lambda r: (-sum(r.now), -sum(r.before), r.platform))


def _counts(by_period: list[dict[str, int]]) -> list[Count]:
    now, before = by_period[0], by_period[1]
    order = metrics.ranked(now) + [(k, 0) for k, _ in metrics.ranked(before) if k not in now]
    return [Count(name, now.get(name, 0), before.get(name, 0)) for name, _ in order]


def _chart(
    kind: DigestKind,
    key: PeriodKey,
    series: tuple[list[str], list[int], list[float | None]],
    trend_days: list[Period],
    sla: list[tuple[int, int]],
    tz: str,
) -> ChartData:
    per = "hour" if kind == "daily" else "day"
    title = (
        f"{'Day' if kind == 'daily' else 'Week'} of {key.first_day:%a %d %b %Y}: cases opened per {per} "
        f"({tz}) and their median first response"
    )
    return sla_series(title, *series, trend_days, sla, tz)
