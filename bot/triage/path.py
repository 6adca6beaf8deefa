"""The one triage path: text (and what we know of its author) in; category, sentiment, "needs a reply",
priority and its reason out. Ingest, `socialdesk triage classify` and the benchmarks all call `Triage`.

Who decides what:
- config `category_rules` and `priority_rules` are the team's overrides: where one matches it wins;
- the learned models (bot/triage/bundle.py) decide the rest: sentiment, complaint or not, and the
  customer-care category; the built-in spam phrases catch the obvious promotions a 500-message gold
  set has too few of;
- a few rules of meaning sit on top, each for a reason written beside it (a complaint is never
  "positive"; praise is a positive post that complains of nothing).
Pure: no database, no network, no clock. Ingest passes the counts that need the database.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path

from socialdesk.config import CategoryRule, PriorityRule
from socialdesk.domain.enums import Category, Priority, Sentiment
from socialdesk.domain.keywords import matcher_for
from socialdesk.domain.ratings import valid_rating
from socialdesk.triage import priority as policy
from socialdesk.triage.bundle import Encoded, TriageBundle, load_cached
from socialdesk.triage.features import featurize, stack_inputs
from socialdesk.triage.ratings import rated_category
from socialdesk.triage.rule_priority import PriorityInput, match_rules
from socialdesk.triage.rules import rule_matches

_PLACEHOLDERS = frozenset({"w:xurl", "w:xuser", "w:xnum"})

# At or above this probability of the complaint model, a post is a complaint (or an incident).
COMPLAINT_AT_LEAST = 0.4  # chosen on cross-validation of the training parts (docs/triage-model.md)

# Band edges on the score p(positive) - p(negative), within the model's chosen label.
STRONG = 0.6

# An "other" post that asks something of us still needs a reply.
_ASKS = (
    "please",
    "pls",
    "plz",
    "help",
    "can you",
    "could you",
    "would you",
    "can someone",
    "let me know",
    "dm me",
)


@dataclass(frozen=True, slots=True)
class Author:
    followers: int | None = None
    verified: bool = False
    repeat_contacts: int = 0


@dataclass(frozen=True, slots=True)
class Assessment:
    """What the text says: everything but the priority, which also needs what the database knows
    (earlier cases, recent incident reports). Ingest assesses before it takes any lock."""

    category: Category
    sentiment: Sentiment  # the five card bands
    sentiment_label: str  # negative, neutral, positive
    sentiment_score: float  # -1..1: p(positive) - p(negative)
    needs_reply: bool
    complaint_probability: float
    # What the model alone said, before the team's rules: kept so corrections measure the model.
    model_category: Category
    model_version: str
    category_rule: bool  # a config category rule decided the category
    # A review's stars (1-5), None for any other post: they decided the category (bot/triage/ratings.py)
    # unless a config rule did, and the priority reason names them ("2-star review").
    rating: int | None


@dataclass(frozen=True, slots=True)
class TriageResult(Assessment):
    """An assessment with its priority: the whole answer of `socialdesk triage classify`."""

    priority: Priority
    priority_reason: str
    private_reply_suggested: bool

    def as_json(self) -> dict[str, object]:
        return {
            "category": self.category.value,
            "sentiment": self.sentiment_label,
            "sentiment_band": self.sentiment.value,
            "sentiment_score": round(self.sentiment_score, 3),
            "needs_reply": self.needs_reply,
            "priority": self.priority.value,
            "priority_reason": self.priority_reason,
            "private_reply_suggested": self.private_reply_suggested,
            "complaint_probability": round(self.complaint_probability, 3),
            "model_category": self.model_category.value,
            "model_version": self.model_version,
        }


def band(label: str, score: float) -> Sentiment:
    if label == "negative":
        return Sentiment.VERY_NEGATIVE if score <= -STRONG else Sentiment.NEGATIVE
    if label == "positive":
        return Sentiment.VERY_POSITIVE if score >= STRONG else Sentiment.POSITIVE
    return Sentiment.NEUTRAL


def needs_reply_for(category: Category, text: str) -> bool:
    if category in (Category.COMPLAINT, Category.INCIDENT, Category.QUESTION):
        return True
    if category is Category.OTHER:
        return "?" in text or matcher_for(_ASKS).first_match(text) is not None
    return False  # spam; praise expects a like or a thank-you, not an answer against a clock


class Triage:
    """The models plus the team's rules; one per process, shared by threads (nothing mutates)."""

    def __init__(
        self,
        *,
        category_rules: Sequence[CategoryRule] = (),
        priority_rules: Sequence[PriorityRule] = (),
        model_path: Path | None = None,
        bundle: TriageBundle | None = None,
        lazy: bool = False,
    ) -> None:
        """`lazy`: read the model file at the first text, not now. A process that may never triage (a Slack
        listener process) then never holds the model (about 20 MB); by default a broken model file stops
        the start instead (`ModelFileError`)."""
        self._category_rules = tuple(category_rules)
        self._priority_rules = tuple(priority_rules)
        self._model_path = model_path
        self._given = bundle if bundle is not None or lazy else load_cached(model_path)

    @property
    def _bundle(self) -> TriageBundle:
        # load_cached is thread-safe and loads a file once per process.
        return self._given if self._given is not None else load_cached(self._model_path)

    @property
    def model_version(self) -> str:
        return self._bundle.version

    def classify(
        self, text: str, author: Author = Author(), *, incident_reports: int = 0, rating: int | None = None
    ) -> TriageResult:
        """The assessment and the priority together (the command line, the benchmarks)."""
        assessment = self.assess(text, rating=rating)
        decision = self.prioritize(text, assessment, author, incident_reports=incident_reports)
        return TriageResult(
            **{f.name: getattr(assessment, f.name) for f in fields(Assessment)},
            priority=decision.priority,
            priority_reason=decision.reason,
            private_reply_suggested=decision.private_reply_suggested,
        )

    def assess(self, text: str, *, rating: int | None = None) -> Assessment:
        """What `text` says; `rating`: a review's stars, which decide what the model would only guess."""
        rating = valid_rating(rating)
        features = featurize(text)
        encoded = self._bundle.encode(features)
        # Empty, or only links, handles and numbers: nothing for a model to read.
        wordless = not any(k.startswith("w:") and k not in _PLACEHOLDERS for k in features)
        label, sentiment_probs, score = self._sentiment(encoded, wordless)
        complaint_p = self._bundle.probabilities(self._bundle.complaint, encoded).get("1", 0.0)
        model_category = self._category(
            text, features, encoded, wordless, sentiment_probs, label, complaint_p
        )
        category = model_category
        ruled = False
        for rule in self._category_rules:
            # Config thresholds are on the same -1..1 scale as sentiment_score.
            if rule_matches(rule, text, score):
                category, ruled = rule.category, True
                break
        if rating is not None and not ruled:  # the team's rules first, then the customer's stars
            asks = "?" in text or matcher_for(_ASKS).first_match(text) is not None
            category = rated_category(rating, category, asks=asks, spam_phrases="d:kw_spam" in features)
        if category in (Category.COMPLAINT, Category.INCIDENT) and label == "positive":
            # A complaint is a grievance however politely or sarcastically put ("please help, thanks!",
            # "great, logged out again, love it"): the feeling is not positive. Negative unless the model
            # finds it plainly neutral; the score then says how sure the complaint model is.
            if sentiment_probs["neutral"] > max(sentiment_probs["negative"], 0.5):
                label, score = "neutral", 0.0
            else:
                label, score = "negative", -0.5 * max(complaint_p, 0.2)
        return Assessment(
            category=category,
            sentiment=band(label, score),
            sentiment_label=label,
            sentiment_score=score,
            needs_reply=needs_reply_for(category, text),
            complaint_probability=complaint_p,
            model_category=model_category,
            model_version=self._bundle.version,
            category_rule=ruled,
            rating=rating,
        )

    def _sentiment(self, encoded: Encoded, wordless: bool) -> tuple[str, dict[str, float], float]:
        if wordless:
            return "neutral", {"negative": 0.0, "neutral": 1.0, "positive": 0.0}, 0.0
        label, probs = self._bundle.predict(self._bundle.sentiment, encoded)
        score = probs.get("positive", 0.0) - probs.get("negative", 0.0)
        if math.isnan(score):
            return "neutral", probs, 0.0
        return label, probs, max(-1.0, min(1.0, score))

    def _category(
        self,
        text: str,
        features: dict[str, float],
        encoded: Encoded,
        wordless: bool,
        sentiment: dict[str, float],
        sentiment_label: str,
        complaint_p: float,
    ) -> Category:
        if "d:kw_spam" in features:  # the built-in spam phrases (bot/triage/rules.py), found by featurize
            return Category.SPAM
        if wordless:
            return Category.OTHER
        stacked = self._bundle.extend(encoded, stack_inputs(sentiment, complaint_p))
        _, answered = self._bundle.predict(self._bundle.care, stacked)
        # A team model trained on few corrections may lack a class: missing means never.
        care = {c.value: answered.get(c.value, 0.0) for c in Category}
        grievance = "d:kw_grievance" in features or "d:emoji_neg" in features
        # The gold set of first messages to support desks holds no praise, so praise is what the
        # sentiment model reads as positive in a post that complains of nothing and asks nothing.
        # Thanks that mention a refund ("sorted my refund in minutes, brilliant") are praise too,
        # as long as no grievance phrase says something is still wrong.
        question = care["question"] >= max(care["other"], care["spam"]) and "?" in text
        if (
            sentiment_label == "positive"
            and not question
            and (
                complaint_p < COMPLAINT_AT_LEAST
                or (sentiment["positive"] >= 0.75 and complaint_p < 0.65 and not grievance)
            )
        ):
            return Category.PRAISE
        # Complaint or not is the complaint model's call: it is trained on both corpora, class-
        # balanced, for exactly this question; the care model (first messages to support desks, three
        # in four of them complaints) only says which kind.
        if complaint_p >= COMPLAINT_AT_LEAST:
            # "Is it down?", "anyone else?", "down for everyone": the customer says the service is broken
            # for others too. The gold set has few such posts, so the cue helps the model decide.
            if care["incident"] > care["complaint"] or "d:outage" in features:
                return Category.INCIDENT
            return Category.COMPLAINT
        rest = {c: care[c] for c in ("question", "other", "spam")}
        return Category(max(rest, key=rest.__getitem__))

    def prioritize(
        self, text: str, assessed: Assessment, author: Author, *, incident_reports: int = 0
    ) -> policy.PolicyDecision:
        """The team's first matching priority rule, else the built-in policy (bot/triage/priority.py)."""
        if self._priority_rules and assessed.category is not Category.SPAM:
            matched = match_rules(
                PriorityInput(
                    text=text,
                    category=assessed.category,
                    sentiment_compound=assessed.sentiment_score,
                    sentiment_band=assessed.sentiment,
                    followers=author.followers,
                    verified=author.verified,
                    repeat_contacts=author.repeat_contacts,
                ),
                self._priority_rules,
            )
            if matched is not None:
                return policy.PolicyDecision(matched.priority, matched.reason)
        return policy.decide(
            policy.PriorityFacts(
                text=text,
                category=assessed.category,
                sentiment=assessed.sentiment,
                sentiment_score=assessed.sentiment_score,
                needs_reply=assessed.needs_reply,
                followers=author.followers,
                verified=author.verified,
                repeat_contacts=author.repeat_contacts,
                incident_reports=incident_reports,
                rating=assessed.rating,
            )
        )
