"""Crisis early warnings as Block Kit, for the duty channel: a spike of negative posts about a playbook's
topic, or one severe complaint from an author with a large following. Pure functions of their views.

Both offer the matching playbook with two buttons: "Start playbook" (opens the start modal with the
playbook and its default severity chosen, and what the warning saw shown as internal context: never
as the public headline, which the lead writes) and "Not a crisis". The button names the warning's
notice, so the crisis started from it takes the warning's cases into its war room. Customer text is
masked before it gets here and escaped here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from socialdesk.domain.enums import Platform
from socialdesk.slack.blocks.card_text import SlackMessage
from socialdesk.slack.blocks.kit import (
    MAX_FALLBACK_TEXT,
    Block,
    actions_block,
    button,
    compact_count,
    context_block,
    escape_mrkdwn,
    fit_mrkdwn,
    header_block,
    link,
    one_line,
    quote,
    section_block,
    truncate,
)
from socialdesk.slack.ids import CrisisActionId, CrisisValue, encode_crisis_value

MAX_SAMPLES = 3
SAMPLE_CHARS = 200
MAX_SUMMARY = 300  # the suggested summary in the button value (the codec allows 500)


@dataclass(frozen=True, slots=True)
class WarningPost:
    """One post shown on a warning (its text already masked)."""

    platform: Platform
    text: str
    author_handle: str
    followers: int | None
    url: str | None
    case_id: int | None
    priority: str | None = None  # "P1".."P4" when the post has a case


@dataclass(frozen=True, slots=True)
class PlatformCount:
    platform: Platform
    current: int
    expected: float
    spiked: bool


@dataclass(frozen=True, slots=True)
class SuggestedPlaybook:
    playbook_id: str
    title: str
    severity: str  # the playbook's default severity name ("sev2")
    severity_label: str


@dataclass(frozen=True, slots=True)
class SpikeWarning:
    playbook: SuggestedPlaybook
    keyword: str  # the playbook keyword seen most in the window
    window_minutes: int
    current: int
    expected: float
    factor: float
    platforms: tuple[PlatformCount, ...]  # every watched platform with posts in the window
    samples: tuple[WarningPost, ...]
    notice_key: str | None = None  # "crisis-warning:<playbook>:<episode>": the spike a start takes in


@dataclass(frozen=True, slots=True)
class ReachWarning:
    playbook: SuggestedPlaybook
    keyword: str
    post: WarningPost
    notice_key: str | None = None  # "crisis-reach:<mention id>"


def render_spike_warning(warning: SpikeWarning, *, leads: Sequence[str]) -> SlackMessage:
    head = f'Early warning: negative posts about "{warning.keyword}" are spiking'
    numbers = (
        f"*{warning.current} negative posts in {warning.window_minutes} min; "
        f"usually {usual(warning.expected)}* ({factor_text(warning.factor)} the usual rate)"
    )
    blocks: list[Block] = [
        header_block(f"⚠️ {head}", block_id="crisis-warning:head"),
        section_block(f"{lead_mentions(leads)}\n{numbers}", block_id="crisis-warning:numbers"),
    ]
    if warning.platforms:
        blocks.append(section_block(_platform_lines(warning.platforms), block_id="crisis-warning:platforms"))
    for index, post in enumerate(warning.samples[:MAX_SAMPLES]):
        blocks.append(section_block(post_text(post), block_id=f"crisis-warning:sample:{index}"))
    summary = f"Spike of negative posts about {warning.keyword}{_on_platforms(warning.platforms)}"
    blocks.extend(_suggestion(warning.playbook, summary, warning.notice_key, block="crisis-warning"))
    fallback = (
        f"{head}: {warning.current} in {warning.window_minutes} min, usually {usual(warning.expected)}. "
        f"Suggested playbook: {warning.playbook.title}"
    )
    return SlackMessage(text=fit_mrkdwn(fallback, MAX_FALLBACK_TEXT), blocks=blocks)


def render_reach_warning(warning: ReachWarning, *, leads: Sequence[str]) -> SlackMessage:
    post = warning.post
    who = "@" + post.author_handle.lstrip("@") if post.author_handle.strip() else "an author"
    followers = (
        f"{compact_count(post.followers)} followers" if post.followers is not None else "a large following"
    )
    head = f'Early warning: {who} ({followers}) is complaining about "{warning.keyword}"'
    blocks: list[Block] = [
        header_block(f"📣 {head}", block_id="crisis-reach:head"),
        section_block(
            f"{lead_mentions(leads)}\n*A severe complaint from an author with {followers}* on "
            f"{post.platform.label}: one post can start a crisis.",
            block_id="crisis-reach:intro",
        ),
        section_block(post_text(post), block_id="crisis-reach:post"),
    ]
    summary = f"Severe complaint about {warning.keyword} from {who} ({followers}) on {post.platform.label}"
    blocks.extend(_suggestion(warning.playbook, summary, warning.notice_key, block="crisis-reach"))
    fallback = f"{head} on {post.platform.label}. Suggested playbook: {warning.playbook.title}"
    return SlackMessage(text=fit_mrkdwn(fallback, MAX_FALLBACK_TEXT), blocks=blocks)


# --- pieces ---------------------------------------------------------------------------------------


def usual(expected: float) -> str:
    """`2`, `2.5`, `under 1`: what one window usually holds."""
    if expected < 1.0:
        return "under 1" if expected > 0 else "none"
    return f"{expected:.1f}".removesuffix(".0")


def factor_text(factor: float) -> str:
    times = "\u00d7"  # the multiplication sign, as in "20 times the usual rate"
    shown = f"{factor:.0f}" if factor >= 10 else f"{factor:.1f}".removesuffix(".0")
    return shown + times


def lead_mentions(leads: Sequence[str]) -> str:
    """Config ids: U/W users are mentioned, S user groups pinged as a group."""
    named = " ".join(f"<!subteam^{lead}>" if lead.startswith("S") else f"<@{lead}>" for lead in leads)
    return named or "(no `duty_leads` in the config: nobody was mentioned)"


def post_text(post: WarningPost) -> str:
    handle = "@" + post.author_handle.lstrip("@") if post.author_handle.strip() else "(no handle)"
    parts = [f"*{fit_mrkdwn(handle, 120)}*"]
    if post.followers is not None:
        parts.append(f"{compact_count(post.followers)} followers")
    parts.append(post.platform.label)
    if post.case_id is not None:
        parts.append(f"case #{post.case_id}" + (f" ({post.priority})" if post.priority else ""))
    if post.url:
        parts.append(link(post.url, "open post"))
    return " · ".join(parts) + "\n" + quote(truncate(one_line(post.text), SAMPLE_CHARS), 2 * SAMPLE_CHARS)


def _platform_lines(platforms: Sequence[PlatformCount]) -> str:
    lines = []
    for item in sorted(platforms, key=lambda p: (-p.current, p.platform.value)):
        marker = "🔺 " if item.spiked else ""
        lines.append(f"{marker}*{item.platform.label}*: {item.current} (usually {usual(item.expected)})")
    return "\n".join(lines)


def _on_platforms(platforms: Sequence[PlatformCount]) -> str:
    spiked = [p.platform.label for p in platforms if p.spiked]
    if not spiked:
        return ""
    return " on " + (spiked[0] if len(spiked) == 1 else ", ".join(spiked[:-1]) + " and " + spiked[-1])


def _suggestion(playbook: SuggestedPlaybook, seen: str, notice_key: str | None, *, block: str) -> list[Block]:
    """The playbook and its buttons; ``seen`` (what the warning saw, internal) rides in the value as
    context for the start form, ``notice_key`` names the warning whose cases a start takes in."""
    value = encode_crisis_value(
        CrisisValue(
            playbook_id=playbook.playbook_id,
            severity=playbook.severity,
            summary=truncate(seen, MAX_SUMMARY),
            warning=notice_key,
        )
    )
    return [
        section_block(
            f"Suggested playbook: *{escape_mrkdwn(playbook.title)}* · default severity "
            f"*{escape_mrkdwn(playbook.severity)}* ({escape_mrkdwn(playbook.severity_label)})",
            block_id=f"{block}:playbook",
        ),
        actions_block(
            [
                button(
                    "Start playbook",
                    action_id=CrisisActionId.START_FROM_WARNING,
                    value=value,
                    style="primary",
                ),
                button("Not a crisis", action_id=CrisisActionId.DISMISS_WARNING, value=value),
            ],
            block_id=f"{block}:actions",
        ),
        context_block(
            ["Posted once per spike; text is masked. Start the playbook to open a war room."],
            block_id=f"{block}:hint",
        ),
    ]
