"""The built-in priority policy: P1 for risk to the brand or to safety, and a reason that reads as a
sentence a support lead would sign ("P2: complaint about billing, 12k followers, second contact").

Config `priority_rules` are tried first (bot/triage/rule_priority.py matches them) and win where they match;
this policy decides every case they leave. The order below is the order of the questions a lead asks:

1. Does it need a reply at all? Spam and posts that ask nothing are P4 with no SLA clock.
2. Is it a brand or safety crisis? Crisis words (legal, safety, conduct, safeguarding, a data breach)
   are P1: they are about us or about a person at risk.
3. Is one customer's account at risk? A hacked or taken-over account is urgent and sensitive (P2,
   reply privately), not a brand crisis: the harm is to one person and the fix is in a DM.
4. Is it an outage many customers report? An incident reported by several customers within the hour
   is P1; one report is P2.
5. How loud is it? A severe complaint from a high-reach author is P1; a negative one from a high-reach
   or verified author P2.
6. Otherwise complaints are P3, a second or later contact about it P2; questions P3 when negative, else
   P4; the rest P4.
A review's stars (issue 15) already made it a complaint, a question or praise (bot/triage/ratings.py);
here a one-star complaint is P2 (the strongest public verdict a customer can leave, and it weighs on the
store's average until it is answered), and every review's reason names its stars ("2-star review").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from socialdesk.domain.enums import Category, Priority, Sentiment
from socialdesk.domain.keywords import matcher_for
from socialdesk.domain.ratings import review_phrase
from socialdesk.triage.rule_priority import compact_count

# fmt: off
CRISIS_KEYWORDS = (
    # legal
    "lawsuit", "lawyer", "lawyers", "solicitor", "legal action", "sue you", "suing", "going to sue",
    "trading standards", "ombudsman",
    # safety and health
    "food poisoning", "poisoned", "injured", "injury", "hospital", "hospitalised", "hospitalized",
    "allergic reaction", "caught fire", "fire hazard", "burst into flames", "exploded", "electric shock",
    "product recall", "recalled", "unsafe", "choking",
    # security and privacy of many: a breach of the brand, not one person's account
    "data breach", "data leak", "leaked data", "customer data", "identity theft",
    # conduct
    "discrimination", "discriminated", "racist", "racism", "sexist", "harassment", "harassed", "assault",
    # safeguarding: a person at risk goes to a human at once
    "suicide", "suicidal", "kill myself", "self harm",
)
ACCOUNT_TAKEOVER_KEYWORDS = (
    "hacked", "hacker", "hijacked", "compromised", "someone logged into my", "someone logged in to my",
    "someone accessed my", "unauthorised", "unauthorized", "stolen account", "account was stolen",
    "changed my password", "changed my email", "fraud", "fraudulent", "scammed",
)
# fmt: on

HIGH_REACH_FOLLOWERS = 10_000
VERY_HIGH_REACH_FOLLOWERS = 100_000
SEVERAL_REPORTS = 3  # incident reports in the last hour that make an outage P1

# Words that name what a complaint is about, for the reason ("complaint about billing").
_TOPICS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        (
            "billing",
            r"\b(charg\w*|refund\w*|bill(ed|ing)?|payment|paid|pay|subscription|invoice|money|fee)\b",
        ),
        ("delivery", r"\b(deliver\w*|parcel|package|shipping|shipped|courier|arriv\w*|order(ed)?)\b"),
        ("login", r"\b(log ?in|login|sign ?in|password|locked out|2fa|verification code)\b"),
        ("the account", r"\b(account|profile|channel|username)\b"),
        ("the app", r"\b(app|crash\w*|update|bug|glitch|error)\b"),
        (
            "service",
            r"\b(customer service|support|staff|agent|rude|waiting|wait|on hold|"
            r"no (answer|reply|response))\b",
        ),
    )
)

_ORDINALS = {1: "second", 2: "third", 3: "fourth"}


@dataclass(frozen=True, slots=True)
class PriorityFacts:
    text: str
    category: Category
    sentiment: Sentiment
    sentiment_score: float
    needs_reply: bool
    followers: int | None
    verified: bool
    repeat_contacts: int = 0  # earlier cases of the same author
    incident_reports: int = 0  # incident cases opened in the last hour on the platform, this one included
    rating: int | None = None  # a review's stars (1-5)


@dataclass(frozen=True, slots=True)
class PolicyDecision:
    priority: Priority
    reason: str
    private_reply_suggested: bool = False


def topic_of(text: str) -> str | None:
    for name, pattern in _TOPICS:
        if pattern.search(text):
            return name
    return None


def _reach(facts: PriorityFacts) -> str | None:
    if facts.followers is not None and facts.followers >= HIGH_REACH_FOLLOWERS:
        return f"{compact_count(facts.followers)} followers"
    return None


def _what(facts: PriorityFacts) -> str:
    topic = topic_of(facts.text)
    noun = facts.category.value
    what = f"{noun} about {topic}" if topic and facts.category is not Category.OTHER else noun
    return f"{what}, {review_phrase(facts.rating)}" if facts.rating is not None else what


def _contact(facts: PriorityFacts) -> str | None:
    if facts.repeat_contacts <= 0:
        return None
    return f"{_ORDINALS.get(facts.repeat_contacts, 'repeat')} contact"


def _sentence(priority: Priority, *parts: str | None) -> str:
    return f"{priority.value}: " + ", ".join(p for p in parts if p)


def decide(facts: PriorityFacts) -> PolicyDecision:
    """The built-in priority for a new case (config rules, when they match, come first elsewhere)."""
    if facts.category is Category.SPAM:
        return PolicyDecision(Priority.P4, "P4: spam, no reply needed")
    crisis = matcher_for(CRISIS_KEYWORDS).first_match(facts.text)
    if crisis is not None:
        return PolicyDecision(
            Priority.P1, _sentence(Priority.P1, f"crisis keyword '{crisis}'", _reach(facts))
        )
    review = review_phrase(facts.rating) if facts.rating is not None else None
    if not facts.needs_reply:
        return PolicyDecision(
            Priority.P4, _sentence(Priority.P4, facts.category.value, review, "no reply needed")
        )
    takeover = matcher_for(ACCOUNT_TAKEOVER_KEYWORDS).first_match(facts.text)
    if takeover is not None:
        return PolicyDecision(
            Priority.P2,
            _sentence(Priority.P2, f"account security ('{takeover}'), reply privately", _contact(facts)),
            private_reply_suggested=True,
        )
    negative = facts.sentiment in (Sentiment.NEGATIVE, Sentiment.VERY_NEGATIVE)
    grievance = facts.category in (Category.COMPLAINT, Category.INCIDENT)
    if facts.category is Category.INCIDENT and facts.incident_reports >= SEVERAL_REPORTS:
        return PolicyDecision(
            Priority.P1,
            _sentence(
                Priority.P1, f"incident reported by {facts.incident_reports} customers in the last hour"
            ),
        )
    big = facts.followers is not None and facts.followers >= VERY_HIGH_REACH_FOLLOWERS
    if grievance and big and facts.sentiment is Sentiment.VERY_NEGATIVE:
        return PolicyDecision(Priority.P1, _sentence(Priority.P1, f"severe {_what(facts)}", _reach(facts)))
    if grievance and negative and (_reach(facts) or facts.verified):
        who = _reach(facts) or "verified author"
        return PolicyDecision(Priority.P2, _sentence(Priority.P2, _what(facts), who, _contact(facts)))
    if facts.category is Category.INCIDENT:
        return PolicyDecision(
            Priority.P2, _sentence(Priority.P2, f"{_what(facts)} (possible outage)", _contact(facts))
        )
    if grievance:
        if facts.repeat_contacts >= 1 or facts.rating == 1:
            return PolicyDecision(Priority.P2, _sentence(Priority.P2, _what(facts), _contact(facts)))
        return PolicyDecision(Priority.P3, _sentence(Priority.P3, _what(facts)))
    if negative or facts.repeat_contacts >= 2:
        word = "negative " if negative else ""
        return PolicyDecision(
            Priority.P3, _sentence(Priority.P3, f"{word}{facts.category.value}", review, _contact(facts))
        )
    return PolicyDecision(
        Priority.P4, _sentence(Priority.P4, f"routine {facts.category.value}", review, _contact(facts))
    )
