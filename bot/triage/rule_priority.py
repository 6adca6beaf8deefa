"""The team's own priority rules (config `priority_rules`): matching, and the reason they give.

Rules are tried in order; the first whose conditions all hold wins, and its reason is built from the
conditions that decided it, e.g. "P2: VIP, 1.3M followers", so a lead reading the card can tell why
without opening the config. Where no rule matches, the built-in policy decides (bot/triage/priority.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from socialdesk.config import PriorityRule, PriorityWhen
from socialdesk.domain.enums import Category, Priority, Sentiment
from socialdesk.domain.keywords import matcher_for


@dataclass(frozen=True, slots=True)
class PriorityInput:
    text: str  # the masked text is fine: crisis words are never personal data
    category: Category
    sentiment_compound: float
    sentiment_band: Sentiment
    followers: int | None
    verified: bool
    repeat_contacts: int  # earlier cases from the same author


@dataclass(frozen=True, slots=True)
class PriorityDecision:
    priority: Priority
    reason: str


_BAND_WORDS = {
    Sentiment.VERY_NEGATIVE: "very negative",
    Sentiment.NEGATIVE: "negative",
    Sentiment.NEUTRAL: "neutral",
    Sentiment.POSITIVE: "positive",
    Sentiment.VERY_POSITIVE: "very positive",
}
# Categories worth naming after the sentiment word ("negative complaint"); "negative other" is noise.
_NAMED_CATEGORIES = {Category.COMPLAINT, Category.QUESTION, Category.INCIDENT, Category.PRAISE}


def compact_count(n: int) -> str:
    """Follower counts the way people say them: 950, 1.2k, 48k, 1.3M, 2B.

    One decimal below 10 units, none above (the number is context, not accounting); halves round
    up; 999,999 reads "1M", never "1000k". Counts are never negative; a bad value shows as 0.
    """
    if n < 1000:
        return str(max(n, 0))
    for size, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k")):
        if n >= size:
            tenths = (n * 10 + size // 2) // size  # n / size in tenths, rounded half up, integer maths
            if tenths < 100:
                whole, frac = divmod(tenths, 10)
                return f"{whole}.{frac}{suffix}" if frac else f"{whole}{suffix}"
            units = (n + size // 2) // size
            if units >= 1000 and suffix != "B":  # 999,999 -> "1M", not "1000k"
                return compact_count(units * size)
            return f"{units}{suffix}"
    raise AssertionError("unreachable: n >= 1000 matches the last unit")


def _sentiment_phrase(inp: PriorityInput, categories_matched: bool) -> str:
    band = inp.sentiment_band
    if band in (Sentiment.NEGATIVE, Sentiment.VERY_NEGATIVE):
        word = _BAND_WORDS[band]
    else:
        # A custom threshold can fire inside the neutral band; the number is then more honest.
        word = f"sentiment {inp.sentiment_compound:+.2f}"
    if inp.category in _NAMED_CATEGORIES or categories_matched:
        return f"{word} {inp.category.value}"
    return word


def _matched_parts(rule: PriorityRule, inp: PriorityInput) -> list[str] | None:
    """The reason parts when every condition of `rule` holds, else None.

    Order of parts is fixed (keyword, verified, sentiment+category, category, followers, repeat) so
    reasons read the same way across rules.
    """
    when: PriorityWhen = rule.when
    if when.categories and inp.category not in when.categories:
        return None
    if when.sentiment_at_most is not None and inp.sentiment_compound > when.sentiment_at_most:
        return None
    if when.followers_at_least is not None and (
        inp.followers is None or inp.followers < when.followers_at_least  # unknown reach is not high
    ):
        return None
    if when.verified is not None and inp.verified != when.verified:
        return None
    if when.repeat_contacts_at_least is not None and inp.repeat_contacts < when.repeat_contacts_at_least:
        return None
    keyword: str | None = None
    if when.keywords_any:  # last: the only check that runs a regex
        keyword = matcher_for(tuple(when.keywords_any)).first_match(inp.text)
        if keyword is None:
            return None

    parts: list[str] = []
    if keyword is not None:
        parts.append(f"{rule.label or 'keyword'} '{keyword}'")
    elif rule.label:
        parts.append(rule.label)
    if when.verified is not None:
        parts.append("verified author" if inp.verified else "unverified author")
    if when.sentiment_at_most is not None:
        parts.append(_sentiment_phrase(inp, bool(when.categories)))
    elif when.categories and not (rule.label and inp.category.value in rule.label):
        parts.append(inp.category.value)
    if when.followers_at_least is not None and inp.followers is not None:
        parts.append(f"{compact_count(inp.followers)} followers")
    if when.repeat_contacts_at_least is not None:
        n = inp.repeat_contacts
        parts.append(f"repeat contact ({n} earlier case{'' if n == 1 else 's'})")
    return parts


def match_rules(inp: PriorityInput, rules: Sequence[PriorityRule]) -> PriorityDecision | None:
    """The first of the team's `rules` that matches, or None: the built-in policy (bot/triage/
    priority.py) then decides."""
    for rule in rules:
        parts = _matched_parts(rule, inp)
        if parts is not None:
            detail = ", ".join(parts) or "matched a rule with no conditions"
            return PriorityDecision(rule.priority, f"{rule.priority.value}: {detail}")
    return None
