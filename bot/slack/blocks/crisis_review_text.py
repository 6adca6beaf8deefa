"""The review's words: the timeline line of each event (`event_text`), the before / during / after
figures as rows (`figure_rows`, shared with the Slack view), and the whole review as a Markdown file
(`review_markdown`, for `socialdesk crisis review`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from socialdesk.domain import metrics
from socialdesk.slack.blocks.digest_view import NO_DATA, arrow, arrow_points, percent, span
from socialdesk.slack.blocks.kit import duration, one_line

if TYPE_CHECKING:  # review.py imports this module for `event_text`
    from socialdesk.domain.crisis_review import CrisisReview, StatementEntry, Window

DEFINITIONS = (
    "Before is as long as the crisis, just before it; after is as long again, from its end (cut at the "
    "time of the review). Mentions by post time; negative means negative or very negative. Cases opened "
    "in each window; their first response (median · p90) and SLA as answered or due by the time of the "
    "review; spam left out. ▲▼ compare with before."
)


# --- the timeline ----------------------------------------------------------------------------------


def _one(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(one_line(str(v)) for v in value)
    return one_line(str(value)) if value is not None else ""


def _statement_ref(detail: Mapping[str, Any], kinds: Mapping[int, str]) -> str:
    sid = detail.get("statement_id")
    kind = _one(detail.get("statement_kind")) or (kinds.get(sid, "") if isinstance(sid, int) else "")
    name = f"the {kind} statement" if kind else "a statement"
    return f"{name} #{sid}" if sid is not None else name


def _then(prefix: str, value: str) -> str:
    return f"{prefix}{value}" if value else ""


def event_text(kind: str, detail: Mapping[str, Any], kinds: Mapping[int, str]) -> str:
    """What a `CrisisEvent` says, without its time and actor ("started the playbook at sev2: Login
    failures in EU"); ``kinds`` names the crisis' statements by id. User ids read ``@U123``."""
    d = {key: _one(value) for key, value in detail.items()}
    ref = _statement_ref(detail, kinds)
    match kind:
        case "started":
            return f"started the playbook at {d.get('severity') or 'its default severity'}" + _then(
                ": ", d.get("summary", "")
            )
        case "severity":
            return f"changed the severity from {d.get('before', '?')} to {d.get('after', '?')}"
        case "role":
            return f"made @{d.get('user', '?')} {d.get('role', '?')}"
        case "drafted" | "edited":
            return f"{kind} {ref}"
        case "approved":
            return f"approved {ref}" + _then(" as ", d.get("roles", ""))
        case "rejected":
            return f"rejected {ref}" + _then(": ", d.get("reason", ""))
        case "publish_started":
            return f"started publishing {ref}" + _then(" to ", d.get("targets", ""))
        case "published":
            where = d.get("url") or d.get("external_id", "")
            return f"published {ref} on {d.get('target', '?')}" + _then(": ", where)
        case "publish_failed":
            return (
                f"could not publish {ref} on {d.get('target', '?')}"
                + _then(" (", d.get("error_kind", "") + (")" if d.get("error_kind") else ""))
                + _then(": ", d.get("error", ""))
            )
        case "statement_published":
            return f"{ref} is out on every target"
        case "update_requested":
            return "was reminded that the next update is due"
        case "ended":
            return "ended the crisis" + _then(": ", d.get("summary", ""))
        case "lessons":
            return "wrote the lessons learned"
        case "case_tagged":
            return f"tagged {d.get('count', 'new')} cases with the crisis"
    extra = ", ".join(f"{key} {value}" for key, value in d.items() if value)
    return kind.replace("_", " ") + _then(": ", extra)


# --- figures ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FigureRow:
    label: str
    before: str
    during: str
    after: str  # NO_DATA while the crisis runs
    during_change: str  # against before; "" without a base
    after_change: str


def _score(value: float | None) -> str:
    return NO_DATA if value is None else f"{value:+.2f}"


def _score_change(now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return ""
    delta = round(now - before, 2)
    return "= 0.00" if delta == 0 else f"{'▲' if delta > 0 else '▼'} {abs(delta):.2f}"


def _sla(w: Window) -> str:
    return NO_DATA if not w.sla_counted else f"{percent(w.sla_compliance)} ({w.sla_met:,}/{w.sla_counted:,})"


# Each figure: its label, how a value reads, and how a change against before reads.
_Value = Callable[["Window"], str]
_Change = Callable[["Window", "Window"], str]
_FIGURES: list[tuple[str, _Value, _Change]] = [
    ("Mentions", lambda w: f"{w.mentions:,}", lambda a, b: arrow(metrics.change(a.mentions, b.mentions))),
    (
        "Mentions of crisis cases",
        lambda w: f"{w.crisis_mentions:,}",
        lambda a, b: arrow(metrics.change(a.crisis_mentions, b.crisis_mentions)),
    ),
    (
        "Negative share",
        lambda w: percent(w.negative_share),
        lambda a, b: arrow_points(metrics.point_change(a.negative_share, b.negative_share)),
    ),
    (
        "Mean sentiment",
        lambda w: _score(w.mean_score),
        lambda a, b: _score_change(a.mean_score, b.mean_score),
    ),
    (
        "Cases opened",
        lambda w: f"{w.cases_opened:,}",
        lambda a, b: arrow(metrics.change(a.cases_opened, b.cases_opened)),
    ),
    ("Answered", lambda w: f"{w.answered:,}", lambda a, b: arrow(metrics.change(a.answered, b.answered))),
    (
        "Median first response",
        lambda w: span(w.frt_median),
        lambda a, b: arrow(metrics.change(a.frt_median, b.frt_median)),
    ),
    (
        "First response p90",
        lambda w: span(w.frt_p90),
        lambda a, b: arrow(metrics.change(a.frt_p90, b.frt_p90)),
    ),
    (
        "First-response SLA met",
        _sla,
        lambda a, b: arrow_points(metrics.point_change(a.sla_compliance, b.sla_compliance)),
    ),
]


def figure_rows(review: CrisisReview) -> list[FigureRow]:
    f = review.figures
    return [
        FigureRow(
            label=label,
            before=value(f.before),
            during=value(f.during),
            after=value(f.after) if f.after is not None else NO_DATA,
            during_change=change(f.during, f.before),
            after_change=change(f.after, f.before) if f.after is not None else "",
        )
        for label, value, change in _FIGURES
    ]


def window_span(review: CrisisReview, window: Window) -> str:
    return f"{review.clock(window.start)} to {review.clock(window.end)}"


# --- Markdown --------------------------------------------------------------------------------------


def _who(user: str | None) -> str:
    if not user:
        return "nobody"
    return "socialdesk" if user == "system" else f"@{user}"


def _day(review: CrisisReview, when: datetime) -> str:
    return f"{when.astimezone(ZoneInfo(review.timezone)):%a %d %b %Y %H:%M}"


def _cell(text: str) -> str:
    return one_line(text).replace("|", "\\|") or " "


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def _maybe(delta: timedelta | None) -> str:
    return NO_DATA if delta is None else duration(delta)


def first_statement_line(review: CrisisReview) -> str:
    keys = review.key_times
    if keys.first_statement_at is None or keys.to_first_statement is None:
        return "No statement was published."
    line = (
        f"First statement published at {review.clock(keys.first_statement_at)}, "
        f"{duration(keys.to_first_statement)} after the start"
    )
    target = keys.first_statement_target
    if target is None:
        return line + "."
    if keys.first_statement_on_time:
        return line + f" (target {duration(target)}: met)."
    return line + f" (target {duration(target)}: late by {duration(keys.to_first_statement - target)})."


def cadence_line(review: CrisisReview) -> str:
    keys = review.key_times
    line = f"Updates published: {keys.updates}."
    if keys.update_every is None:
        return line
    if not keys.steps:
        return line + f" Cadence: every {duration(keys.update_every)}; no gap between statements to check."
    return line + (
        f" Cadence: every {duration(keys.update_every)}; {keys.steps_on_cadence} of {len(keys.steps)} gaps "
        "between published statements on cadence."
    )


def _statement_times(review: CrisisReview) -> list[str]:
    gaps = {step.statement_id: step for step in review.key_times.steps}
    rows = []
    for s in review.statements:
        step = gaps.get(s.id)
        cadence = NO_DATA if step is None or step.on_cadence is None else ("yes" if step.on_cadence else "no")
        rows.append(
            [
                f"#{s.id}",
                s.kind,
                s.status,
                review.clock(s.drafted_at),
                _maybe(s.to_approved),
                _maybe(s.to_published),
                _maybe(step.gap if step else None),
                cadence,
            ]
        )
    header = ["Statement", "Kind", "Status", "Drafted", "To approved", "To published", "Gap", "On cadence"]
    return _table(header, rows) if rows else ["No statements were drafted.", ""]


def _statement(review: CrisisReview, s: StatementEntry) -> list[str]:
    lines = [f"### {s.kind.capitalize()} statement #{s.id}: {s.status}", ""]
    lines.append(f"- Drafted {review.clock(s.drafted_at)} by {_who(s.drafted_by)}")
    for a in s.approvals:
        roles = f" as {', '.join(a.roles)}" if a.roles else ""
        voided = "" if a.current else " (voided: the text was edited after it)"
        lines.append(f"- Approved {review.clock(a.at)} by {_who(a.approver)}{roles}{voided}")
    if s.rejected_by:
        when = f" {review.clock(s.rejected_at)}" if s.rejected_at else ""
        lines.append(f"- Rejected{when} by {_who(s.rejected_by)}: {one_line(s.rejected_reason or '')}")
    if s.published_at is not None:
        by = f" by {_who(s.published_by)}" if s.published_by else ""
        partly = "Published" if s.status == "published" else "Partly published"
        lines.append(f"- {partly} {review.clock(s.published_at)}{by}")
    for p in s.publications:
        parts = [p.status]
        if p.sent_at:
            parts.append(f"at {review.clock(p.sent_at)}")
        if p.url or p.external_id:
            parts.append(p.url or f"id {p.external_id}")
        if p.error:
            parts.append(f"{p.error_kind or 'error'}: {one_line(p.error)}")
        lines.append(f"  - {p.target}: {', '.join(parts)}")
    lines.append("")
    for target, text in s.texts.items():
        lines += [f"**{target}**", "", *[f"> {line}" for line in text.splitlines() or [""]], ""]
    return lines


def review_markdown(review: CrisisReview) -> str:
    f = review.figures
    state = "still running" if review.running else f"ended {review.clock(review.ended_at or review.built_at)}"
    severity = review.severity + "".join(
        f"; {c.before} → {c.after} at {review.clock(c.at)} by {_who(c.by)}" for c in review.severity_changes
    )
    lines = [
        f"# Crisis {review.crisis_id} review: {review.title}",
        "",
        f"Playbook {review.playbook_title}, {state}. Times in {review.timezone}; started "
        f"{_day(review, review.started_at)}, review built {_day(review, review.built_at)}.",
        "",
        *_table(
            ["", ""],
            [
                ["Crisis", f"{review.crisis_id}: {review.title}"],
                ["Playbook", f"{review.playbook_title} ({review.playbook_id})"],
                ["Severity", severity],
                ["Summary", review.summary or NO_DATA],
                ["Started", f"{review.clock(review.started_at)} by {_who(review.started_by)}"],
                [
                    "Ended",
                    "still running"
                    if review.ended_at is None
                    else f"{review.clock(review.ended_at)} by {_who(review.ended_by)}",
                ],
                ["End summary", review.end_summary or NO_DATA],
                ["Duration", duration(review.duration) + (" so far" if review.running else "")],
                ["War room", f"#{review.war_room.lstrip('#')}"],
            ],
        ),
        "## Key times",
        "",
        f"- {first_statement_line(review)}",
        f"- {cadence_line(review)}",
        "",
        *_statement_times(review),
        "## Timeline",
        "",
        *_table(
            ["Time", "Who", "What"], [[review.clock(e.at), _who(e.actor), e.text] for e in review.timeline]
        ),
        "## Statements",
        "",
    ]
    for s in review.statements:
        lines += _statement(review, s)
    if not review.statements:
        lines += ["No statements were drafted.", ""]
    windows = [("Before", f.before), ("During", f.during)] + ([("After", f.after)] if f.after else [])
    lines += [
        "## Figures",
        "",
        " · ".join(f"{name}: {window_span(review, w)}" for name, w in windows) + ".",
        "",
        *_table(
            ["Figure", "Before", "During", "After", "During vs before", "After vs before"],
            [
                [r.label, r.before, r.during, r.after, r.during_change, r.after_change]
                for r in figure_rows(review)
            ],
        ),
    ]
    if f.after_note:
        lines += [f.after_note, ""]
    lines += [DEFINITIONS, "", "## Lessons learned", "", review.lessons_text, ""]
    return "\n".join(lines)
