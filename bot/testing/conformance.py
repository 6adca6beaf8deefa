"""The source conformance harness: a source's own sample payloads, end to end, to cards and a reply.

    report = check_source(desk, MastodonSource(...))

For each `Source.samples()` entry: the sample normalizes to the mentions it promises; delivered as the
platform would (to `/webhooks/<name>` with its headers when the source `accepts_webhooks`, else stored
as a poll page, as the poller stores what it fetched), it opens that many case cards in Slack; delivered
again, it opens none (a platform redelivers). Then an agent answers the first case with `/social reply`
(or `/social dm` when the platform only answers privately) and the reply must come back to the source's
`reply` and be recorded as sent with the platform's id. A failure raises `ConformanceError` (an
AssertionError, so pytest shows it) that says which sample, what was expected and what happened.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from socialdesk.domain.enums import Platform, ReplyStatus
from socialdesk.domain.models import PlatformReply
from socialdesk.ingest.by_source import poll_feed
from socialdesk.plugins.source import SamplePayload, Source

if TYPE_CHECKING:
    from socialdesk.testing.desk import Desk

SOURCE_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")
REPLY_TEXT = "Thanks for telling us! We're looking into it and will get back to you here."


class ConformanceError(AssertionError):
    """The source does not do what socialdesk expects of a source; the message says where and why."""


@dataclass(frozen=True)
class SampleOutcome:
    name: str
    delivered_as: str  # "webhook" or "poll page"
    cases: tuple[int, ...]  # the cases whose cards it opened


@dataclass(frozen=True)
class Conformance:
    source: str
    samples: tuple[SampleOutcome, ...]
    reply: PlatformReply | None  # the reply sent to the first case (None: the platform takes none)


def _fail(source: Source, text: str) -> ConformanceError:
    return ConformanceError(f"source {getattr(source, 'name', type(source).__name__)!r}: {text}")


def _check_declaration(desk: Desk, source: Source) -> Source:
    """The source's name and platforms, and that the runtime runs it; returns the running instance."""
    name = getattr(source, "name", "")
    if not isinstance(name, str) or not SOURCE_NAME.fullmatch(name):
        raise _fail(source, f"`name` must be 1-32 of a-z, 0-9 and _, starting with a letter; got {name!r}")
    if not source.platforms:
        raise _fail(source, "`platforms` is empty: declare the PlatformSpec its mentions are posted on")
    running = desk.runtime.plugins.source(name)
    if running is None:
        raise _fail(source, f"the runtime does not run it. Plugins: {desk.plugin_states()}")
    return running


def _normalized_count(desk: Desk, source: Source, sample: SamplePayload) -> None:
    try:
        payload = json.loads(sample.body)
    except ValueError as exc:
        raise _fail(source, f"sample {sample.name!r} is not JSON: {exc}") from None
    brand = desk.runtime.pipeline.brand
    # A poll page is read by the poller's own normalize when it has one (as ingest reads `<name>_poll`).
    polled = (
        source.poller.normalize(payload, brand) if source.poller and not source.accepts_webhooks else None
    )
    result = polled if polled is not None else source.normalize(payload, brand)
    if len(result.mentions) != sample.mentions:
        skipped = "; ".join(s.reason for s in result.skipped) or "none"
        raise _fail(
            source,
            f"sample {sample.name!r} promises {sample.mentions} mention(s) but normalize() gave "
            f"{len(result.mentions)} (skipped: {skipped})",
        )


def _deliver(desk: Desk, source: Source, sample: SamplePayload, *, again: bool) -> str:
    if source.accepts_webhooks:
        response = desk.post_webhook(source.name, sample.body, headers=dict(sample.headers))
        if response.status_code != 200:
            when = "redelivered" if again else "delivered"
            raise _fail(
                source,
                f"sample {sample.name!r} {when} to /webhooks/{source.name} was answered "
                f"{response.status_code} {response.text[:300]} (sign it in SamplePayload.headers)",
            )
        return "webhook"
    desk.accept_page(source.name, sample.body)
    return "poll page"


def _inbox_story(desk: Desk, source: Source) -> str:
    feed = source.name if source.accepts_webhooks else poll_feed(source)
    rows = desk.inbox(feed)
    if not rows:
        return f"nothing reached the inbox under {feed!r}"
    last = rows[-1]
    return f"its inbox item is {last.status.value}" + (f": {last.reason}" if last.reason else "")


def _run_sample(desk: Desk, source: Source, sample: SamplePayload) -> SampleOutcome:
    _normalized_count(desk, source, sample)
    before = {c.case for c in desk.cards()}
    cases_before = {c.id for c in desk.cases()}
    how = _deliver(desk, source, sample, again=False)
    desk.settle()
    opened = tuple(sorted({c.case for c in desk.cards()} - before))
    if len(opened) != sample.mentions:
        without_card = sorted({c.id for c in desk.cases()} - cases_before - set(opened), key=lambda i: i or 0)
        raise _fail(
            source,
            f"sample {sample.name!r} delivered as a {how} should open {sample.mentions} case card(s) in "
            f"Slack, but {len(opened)} appeared (new cases without a card: {without_card or 'none'}; "
            f"{_inbox_story(desk, source)})",
        )
    _deliver(desk, source, sample, again=True)
    desk.settle()
    again = sorted({c.case for c in desk.cards()} - before - set(opened))
    if again:
        raise _fail(source, f"sample {sample.name!r} delivered twice opened more cards: {again}")
    return SampleOutcome(sample.name, how, opened)


def _check_reply(desk: Desk, source: Source, case_number: int, text: str) -> PlatformReply | None:
    case = desk.case(case_number)
    capabilities = source.capabilities_for(Platform(case.platform))
    if capabilities.public and not case.is_private:
        subcommand = "reply"
    elif capabilities.private:
        subcommand = "dm"
    else:
        return None  # the platform takes no answers from socialdesk: nothing to check
    answers = desk.command(f"{subcommand} {case_number} {text}")
    desk.settle()
    sent = [r for r in desk.replies(case_number) if r.status is ReplyStatus.SENT]
    if not sent:
        rows = desk.replies(case_number)
        story = (
            "; ".join(f"{r.status.value} {r.error_kind or ''} {r.error or ''}".strip() for r in rows)
            or "no reply was recorded"
        )
        raise _fail(
            source,
            f"`/social {subcommand} {case_number} ...` did not reach the source's reply: {story}. "
            f"The agent was told: {list(answers)}",
        )
    if not sent[0].external_id:
        raise _fail(source, "reply() returned a SentReply without the platform's id (external_id)")
    return sent[0]


def check_source(desk: Desk, source: Source, *, reply_text: str = REPLY_TEXT) -> Conformance:
    """Run `source`'s samples through `desk` (which must run the source's plugin) and answer the first
    case; raises `ConformanceError` at the first thing a source must do and this one does not."""
    running = _check_declaration(desk, source)
    samples = source.samples()
    if not samples:
        raise _fail(source, "samples() is empty: give at least one recorded payload")
    outcomes = tuple(_run_sample(desk, source, sample) for sample in samples)
    first = next((o.cases[0] for o in outcomes if o.cases), None)
    if first is None:
        raise _fail(source, "no sample opens a case: give one with at least one mention to answer")
    reply = _check_reply(desk, running, first, reply_text)
    return Conformance(source.name, outcomes, reply)
