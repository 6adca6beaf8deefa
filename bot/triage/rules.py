"""Keyword rules for categories: the team's overrides, the keyword lists, and the old keyword baseline.

- `rule_matches` checks one config `category_rules` entry (bot/triage/path.py tries them before the
  model; the first that matches wins). Sentiment thresholds are on the -1..1 triage score.
- The keyword lists below are features of the learned models (bot/triage/features.py), and
  SPAM_KEYWORDS also marks spam outright: a 525-message gold set holds too few promotions to learn them.
- `DEFAULT_CATEGORY_RULES` and `categorize` are the keyword-and-VADER triage socialdesk used before
  the models, kept as the baseline `benchmarks/triage.py --baseline` measures; ingest no longer calls
  them. Their order: spam first, then incidents, complaints, questions, praise.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from socialdesk.config import CategoryRule
from socialdesk.domain.enums import Category
from socialdesk.domain.keywords import matcher_for

# "?" inside a link (https://shop.example/p?id=3) is not the customer asking anything.
_URL = re.compile(r"\bhttps?://\S+|\bwww\.\S+", re.IGNORECASE)

# fmt: off
SPAM_KEYWORDS = (
    "free followers", "buy followers", "cheap followers", "crypto giveaway", "bitcoin giveaway",
    "giveaway winner", "dm me for", "dm for promo", "click here", "link in bio", "check my bio",
    "guaranteed profit", "investment opportunity", "earn money from home", "work from home and earn",
    "promote your page", "onlyfans",
)
# fmt: on
# fmt: off
INCIDENT_KEYWORDS = (
    "outage", "is down", "are down", "was down", "site down", "app down", "website down", "down again",
    "went down", "down for everyone", "not working", "isn't working", "stopped working", "doesn't work",
    "won't load", "not loading", "can't log in", "cannot log in", "can't login", "cannot login",
    "unable to log in", "login failed", "log in failed", "error 500", "500 error", "error 502",
    "error 503", "service unavailable", "crashed", "crashing", "keeps crashing",
)
# fmt: on
# fmt: off
COMPLAINT_KEYWORDS = (
    "refund", "refunds", "refunded", "money back", "broken", "terrible", "awful", "worst", "never again",
    "disappointed", "disappointing", "unacceptable", "rubbish", "useless", "scam", "rip off", "ripoff",
    "complaint", "complain", "still waiting", "never arrived", "not arrived", "damaged", "overcharged",
    "charged twice", "rude", "thanks for nothing",
)
# fmt: on
# fmt: off
QUESTION_KEYWORDS = (
    "how do", "how can", "how long", "how much", "how to", "what is", "what's", "when will", "when is",
    "when does", "where is", "where can", "why is", "why does", "can i", "can you", "could you",
    "do you", "does anyone", "is there", "are you open", "any update",
)
# fmt: on
# fmt: off
PRAISE_KEYWORDS = (
    "thank", "thanks", "thank you", "thx", "love", "loved", "loving", "great", "awesome", "amazing",
    "brilliant", "excellent", "fantastic", "perfect", "best", "kudos", "shoutout", "well done",
)
# fmt: on

DEFAULT_CATEGORY_RULES: tuple[CategoryRule, ...] = (
    CategoryRule(category=Category.SPAM, keywords_any=list(SPAM_KEYWORDS)),
    CategoryRule(category=Category.INCIDENT, keywords_any=list(INCIDENT_KEYWORDS)),
    CategoryRule(category=Category.COMPLAINT, keywords_any=list(COMPLAINT_KEYWORDS)),
    # Angry without any of the words above ("two weeks and nothing, seriously") is still a complaint.
    CategoryRule(category=Category.COMPLAINT, sentiment_at_most=-0.4),
    CategoryRule(category=Category.QUESTION, question_mark=True),
    # Config rules cannot say "starts with", so question openers are phrases matched anywhere.
    CategoryRule(category=Category.QUESTION, keywords_any=list(QUESTION_KEYWORDS)),
    # A praise word is not enough, the score must agree. VADER misses most sarcasm, which is why
    # "thanks for nothing" is a complaint keyword above.
    CategoryRule(category=Category.PRAISE, keywords_any=list(PRAISE_KEYWORDS), sentiment_at_least=0.3),
)


def has_question_mark(text: str) -> bool:
    return "?" in _URL.sub(" ", text) or "\uff1f" in text  # fullwidth mark from CJK keyboards


def rule_matches(rule: CategoryRule, text: str, compound: float) -> bool:
    """True when every condition the rule states holds (absent conditions are ignored)."""
    if rule.sentiment_at_most is not None and compound > rule.sentiment_at_most:
        return False
    if rule.sentiment_at_least is not None and compound < rule.sentiment_at_least:
        return False
    if rule.question_mark is not None and has_question_mark(text) != rule.question_mark:
        return False
    # Keywords last: the regex is the most expensive check.
    return not rule.keywords_any or matcher_for(tuple(rule.keywords_any)).matches(text)


def categorize(text: str, compound: float, rules: Sequence[CategoryRule] = ()) -> Category:
    """The category of the first matching rule, OTHER when none matches.

    `compound` is the VADER score of the same text (see socialdesk.triage.vader).
    """
    for rule in rules or DEFAULT_CATEGORY_RULES:
        if rule_matches(rule, text, compound):
            return rule.category
    return Category.OTHER
