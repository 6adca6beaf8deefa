"""The survey's rules, pure: who is asked, where (public or private), with what text, and when an
answer needs a person. `socialdesk.surveys.service` applies them to the database."""

from __future__ import annotations

from datetime import datetime, timedelta

from socialdesk.clock import as_utc
from socialdesk.config import BrandVoice, Surveys
from socialdesk.domain.canned import render_template, reply_context
from socialdesk.domain.enums import CaseStatus, Category, MentionKind, Platform, ReplyVisibility, Sentiment
from socialdesk.domain.models import Case, Mention
from socialdesk.domain.platform_facts import facts_for
from socialdesk.domain.voice import platform_length
from socialdesk.surveys.parse import SCALES, is_small_talk

# One customer (platform + author) is asked at most once in this period, whatever the number of cases:
# a regular customer asked after every case stops answering, and starts minding.
REPEAT_GUARD = timedelta(days=30)
# A bare score from a surveyed customer counts as the answer for this long after the survey went out.
ANSWER_WINDOW = timedelta(days=7)
# Platform timestamps and ours differ a little: an answer "posted" just before the send still counts.
CLOCK_SKEW = timedelta(minutes=2)
# A survey that could not go out within this time after it fell due (the service was down) is dropped:
# a question about a conversation from last week reads as a bot gone astray.
LATE_LIMIT = timedelta(days=2)
# Outcomes that mean nobody was served: asking them how we did would be absurd.
EXCLUDED_OUTCOMES = frozenset({"spam", "duplicate"})

NOTICE_KIND = "survey"
PURPOSE_PREFIX = "survey:"
EVENT_SENT = "survey_sent"
EVENT_FAILED = "survey_failed"
EVENT_ANSWERED = "survey_answered"
SURVEY_ACTOR = "system"



def notice_key(case_id: int) -> str:
    return f"survey:{case_id}"


def purpose_for(kind: str) -> str:
    return PURPOSE_PREFIX + kind


def kind_of(purpose: str | None) -> str | None:
    """The survey kind of a platform reply's purpose ("survey:nps" -> "nps"); None for other replies."""
    if purpose is None or not purpose.startswith(PURPOSE_PREFIX):
        return None
    kind = purpose[len(PURPOSE_PREFIX) :]
    return kind if kind in SCALES else None


def scale_max(kind: str) -> int:
    return SCALES[kind][1]


def why_not_schedule(surveys: Surveys, case: Case) -> str | None:
    """Why this resolved case gets no survey, or None when it should get one."""
    if not surveys.enabled:
        return "surveys are disabled"
    if case.status is not CaseStatus.RESOLVED:
        return f"the case is {case.status.value}"
    if (case.outcome or "").lower() in EXCLUDED_OUTCOMES:
        return f"outcome {case.outcome}"
    return None


def choose_visibility(mention: Mention, *, now: datetime, private_reply_used: bool) -> ReplyVisibility:
    """Private where the platform allows it, so a survey does not clutter the brand's public timeline:

    - a private conversation (DM, Messenger) stays private;
    - X: a DM to the customer (needs their numeric id);
    - Facebook and Instagram comments: a private reply, which Meta allows once per comment and only
      within 7 days of it; reviews, Instagram posts and mentions on others' media cannot have one;
    - anything else (generic receivers): public like the conversation; the receiver decides.
    """
    if _private_conversation(mention):
        return ReplyVisibility.PRIVATE
    # The survey's own rules per product (who is DMed, Meta's once-per-comment private reply) stay here;
    # the limits and windows they check are the sources' declared facts.
    if mention.platform is Platform.X:
        return ReplyVisibility.PRIVATE if mention.author_id.isdigit() else ReplyVisibility.PUBLIC
    if mention.platform in (Platform.FACEBOOK, Platform.INSTAGRAM):
        if not _meta_private_reply_possible(mention) or private_reply_used:
            return ReplyVisibility.PUBLIC
        window = facts_for(mention.platform).private_window
        fresh = window is not None and now - as_utc(mention.posted_at) < window
        return ReplyVisibility.PRIVATE if fresh else ReplyVisibility.PUBLIC
    return ReplyVisibility.PUBLIC


def _meta_private_reply_possible(mention: Mention) -> bool:
    if mention.kind is MentionKind.REVIEW:
        return False
    if mention.platform is Platform.INSTAGRAM:
        return mention.kind is not MentionKind.POST and (mention.extra or {}).get("mentioned") != "true"
    return True


def can_fall_back_to_public(mention: Mention) -> bool:
    """After a refused private survey: may the same question go out publicly instead?"""
    return not _private_conversation(mention)


def _private_conversation(mention: Mention) -> bool:
    """A DM, or a platform with no public answer at all (Messenger, as its source declares)."""
    return mention.is_private or mention.kind is MentionKind.DIRECT or not facts_for(mention.platform).public


def survey_text(surveys: Surveys, case: Case) -> str:
    """The configured text for the case's platform, rendered like a canned reply. No agent signature:
    the survey is the brand asking, not an agent answering. Raises jinja2 errors unchanged."""
    assert case.id is not None
    source = surveys.text.get(case.platform) or surveys.default_text
    context = reply_context(
        platform=case.platform,
        case_number=case.id,
        agent_name="",
        team=case.team,
        customer_display_name=case.author_name,
        customer_handle=case.author_handle,
    )
    return render_template(source, context)


def length_problem(
    text: str, platform: Platform, visibility: ReplyVisibility, voice: BrandVoice
) -> str | None:
    """Why the survey text cannot go out on this platform as it is, counted the platform's way."""
    if not text.strip():
        return "the survey text is empty"
    if visibility is ReplyVisibility.PUBLIC:
        limit = voice.max_length.get(platform)
    else:
        limit = facts_for(platform).private_max_length
    length = platform_length(text, platform)
    if limit is not None and length > limit:
        where = "a public reply" if visibility is ReplyVisibility.PUBLIC else "a private message"
        return f"the survey text is {length} characters; {platform.label} allows {limit} in {where}"
    return None


def needs_a_person(comment: str | None, mention: Mention) -> bool:
    """Whether a score came with something to act on ("2, still no refund") rather than thanks:
    such an answer also opens or joins a case like any mention."""
    if comment is None or is_small_talk(comment):
        return False
    if "?" in comment:
        return True
    pleased = mention.sentiment in (Sentiment.POSITIVE, Sentiment.VERY_POSITIVE)
    return not (mention.category is Category.PRAISE or pleased)
