"""Text to sparse features for the triage models: the one featurizer shared by training and inference.

Training (bot/triage/train.py, with scikit-learn) and run time (bot/triage/model.py, numpy only) both
call `featurize`, so the model sees the same features it was trained on; nothing here depends on
scikit-learn. A feature is a string key with a float value; the model maps keys to columns.

What the features are, and why:
- word unigrams and bigrams of a normalized text (links, handles and numbers replaced by place-
  holders, so "@AcmeSupport" or an order number is never a signal; elongations cut to two letters:
  "sooo" and "soooo" are one word);
- negation marking: words after "not", "never", "n't" ... up to the next punctuation get a `NOT_`
  prefix, so "not working" and "working" pull in opposite directions (a standard trick for tweets);
- character 2-5-grams inside words, which catch misspellings, hashtags and word pieces a 10k-tweet
  corpus cannot otherwise cover;
- a few dense signals: VADER's four scores (a lexicon tuned for social media that knows emoticons,
  caps and "!!!"), a question mark, a first-person-problem cue, an outage cue, emoji polarity.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from itertools import pairwise

from socialdesk.domain.keywords import matcher_for
from socialdesk.triage.rules import (
    COMPLAINT_KEYWORDS,
    INCIDENT_KEYWORDS,
    PRAISE_KEYWORDS,
    QUESTION_KEYWORDS,
    SPAM_KEYWORDS,
)
from socialdesk.triage.vader import analyzer

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w@])[@\uff20]\w{1,30}")
_NUMBER = re.compile(r"\b\d[\d,.:/-]*\b")
_ELONGATED = re.compile(r"(\w)\1{2,}")
_WORD = re.compile(r"[#]?\w+(?:'\w+)?|[!?]+|[^\w\s]", re.UNICODE)
_NEGATORS = frozenset(
    [
        "not",
        "no",
        "never",
        "cannot",
        "cant",
        "can't",
        "won't",
        "wont",
        "don't",
        "dont",
        "doesn't",
        "doesnt",
        "didn't",
        "didnt",
        "isn't",
        "isnt",
        "aren't",
        "arent",
        "wasn't",
        "wasnt",
        "haven't",
        "havent",
        "hasn't",
        "hasnt",
        "couldn't",
        "couldnt",
        "shouldn't",
        "wouldn't",
        "nothing",
        "nobody",
        "nowhere",
        "neither",
        "nor",
        "without",
    ]
)
_CLAUSE_END = frozenset(".,!?;:")
_CHAR_SIZES = (2, 3, 4, 5)

# "the app is down", "servers down", "outage", "anyone else": the customer believes the service is
# broken for others too. A hint for the incident class, learned weight decides how much it counts.
_OUTAGE = re.compile(
    r"\b(outage|is down|are down|down again|down for|down across|(is|are) (the |your )?\w+ down|"
    r"servers?\b.*\b(down|offline|issues?)|"
    r"anyone else|any one else|everyone|for all users|widespread|service(s)? (is |are )?(down|unavailable)|"
    r"status page|not loading for)\b",
    re.IGNORECASE,
)
_FIRST_PERSON = frozenset(["my", "i", "i'm", "i've", "im", "ive", "me", "mine"])
_PROBLEM_WORDS = frozenset(
    [
        "can't",
        "cannot",
        "cant",
        "won't",
        "wont",
        "not",
        "no",
        "never",
        "didn't",
        "didnt",
        "haven't",
        "still",
        "again",
        "lost",
        "locked",
        "charged",
        "broken",
        "error",
        "issue",
        "issues",
        "problem",
        "problems",
        "help",
        "stuck",
        "failed",
        "fails",
    ]
)
# What customers write when something went wrong for them, beyond the config's complaint words: each
# phrase is a hint the models weigh, never a rule ("charged twice" is a grievance however polite).
# fmt: off
GRIEVANCE_PHRASES = (
    "charged twice", "double charged", "charged me", "overcharged", "still waiting", "still not",
    "still hasn't", "still haven't", "hasn't arrived", "haven't received", "didn't receive",
    "did not receive", "never received", "never got", "not received", "wrong item", "missing", "lost my",
    "cancelled my", "canceled my", "cancel my", "locked out", "locked me out", "logged me out",
    "can't access", "cannot access", "won't let me", "doesn't let me", "keeps saying", "keeps crashing",
    "keeps freezing", "stuck", "failed", "fails", "error", "glitch", "bug", "broke", "broken",
    "no response", "no reply", "no answer", "ignored", "again", "third time", "second time", "every time",
    "for days", "for weeks", "hours", "waste", "joke", "ridiculous", "fix", "fix it", "sort it out",
    "why is", "why does", "why can't", "why won't",
)
# fmt: on
_CUES = (
    ("d:kw_complaint", COMPLAINT_KEYWORDS),
    ("d:kw_incident", INCIDENT_KEYWORDS),
    ("d:kw_question", QUESTION_KEYWORDS),
    ("d:kw_praise", PRAISE_KEYWORDS),
    ("d:kw_spam", SPAM_KEYWORDS),
    ("d:kw_grievance", GRIEVANCE_PHRASES),
)

_POSITIVE_EMOJI = frozenset("😀😃😄😁😊🙂😍🥰😘👍👏🙌💯❤♥💕💖💙💚💛💜🧡🎉🤩😎✨🔥🙏")
_NEGATIVE_EMOJI = frozenset("😠😡🤬😤😞😟😢😭😩😫😒🙄👎💔😣😖😓😔🤦🤢🤮😱😰😨")


def normalize(text: str) -> str:
    """Lower-cased text with links, handles and numbers as placeholders and elongations cut."""
    text = _URL.sub(" xurl ", text)
    text = _HANDLE.sub(" xuser ", text)
    text = _NUMBER.sub(" xnum ", text)
    text = _ELONGATED.sub(r"\1\1", text)
    return text.lower()


def tokens(normalized: str) -> list[str]:
    """Words with negation scope marked: "not working at all" -> not, NOT_working, NOT_at, NOT_all."""
    out: list[str] = []
    negated = False
    for tok in _WORD.findall(normalized):
        if tok[0] in _CLAUSE_END or tok[0] in "!?":
            negated = False
            out.append(tok[:1])
            continue
        if tok in _NEGATORS or tok.endswith("n't"):
            negated = True
            out.append(tok)
            continue
        out.append(f"NOT_{tok}" if negated else tok)
    return out


def _add(features: dict[str, float], key: str, value: float = 1.0) -> None:
    features[key] = features.get(key, 0.0) + value


def featurize(text: str) -> dict[str, float]:
    """Sparse features of one text. Counts are log-scaled and each family is L2-normalized, so a long
    review and a short tweet weigh alike."""
    norm = normalize(text)
    toks = tokens(norm)
    words = Counter(["w:" + t for t in toks])
    words.update(["b:" + a + " " + b for a, b in pairwise(toks)])
    chars: Counter[str] = Counter()
    for word in norm.split():
        padded = f" {word} "
        last = len(padded)
        chars.update(["c:" + padded[i : i + n] for n in _CHAR_SIZES for i in range(last - n + 1)])
    features: dict[str, float] = {}
    for family in (words, chars):
        if not family:
            continue
        scaled = {k: 1.0 + math.log(v) if v > 1 else 1.0 for k, v in family.items()}
        length = math.sqrt(sum(v * v for v in scaled.values()))
        for k, v in scaled.items():
            features[k] = v / length
    features.update(_dense(text))
    return features


def _dense(text: str) -> dict[str, float]:
    vader = (
        analyzer().polarity_scores(text) if text.strip() else {"neg": 0, "neu": 1, "pos": 0, "compound": 0}
    )
    stripped = _URL.sub(" ", text)
    words = set(stripped.lower().split())
    dense = {
        "d:vader_neg": float(vader["neg"]),
        "d:vader_pos": float(vader["pos"]),
        "d:vader_compound": float(vader["compound"]),
        "d:vader_compound_neg": min(float(vader["compound"]), 0.0),
        "d:question": 1.0 if "?" in stripped or "\uff1f" in stripped else 0.0,
        "d:exclaim": 1.0 if "!" in stripped else 0.0,
        "d:outage": 1.0 if _OUTAGE.search(stripped) else 0.0,
        "d:first_person_problem": 1.0 if _FIRST_PERSON & words and _PROBLEM_WORDS & words else 0.0,
        "d:emoji_pos": 1.0 if any(ch in _POSITIVE_EMOJI for ch in text) else 0.0,
        "d:emoji_neg": 1.0 if any(ch in _NEGATIVE_EMOJI for ch in text) else 0.0,
        "d:caps": 1.0 if sum(1 for w in stripped.split() if len(w) > 2 and w.isupper()) >= 2 else 0.0,
    }
    for name, phrases in _CUES:
        if matcher_for(phrases).first_match(stripped) is not None:
            dense[name] = 1.0
    return {k: v for k, v in dense.items() if v}


def stack_inputs(sentiment: Mapping[str, float], complaint: float) -> dict[str, float]:
    """The care model's extra inputs: the sentiment and complaint models' answers for the same text
    (the same keys at training and at run time)."""
    return {
        "m:complaint": complaint,
        "m:negative": sentiment.get("negative", 0.0),
        "m:positive": sentiment.get("positive", 0.0),
    }


def featurize_all(texts: Iterable[str]) -> list[dict[str, float]]:
    return [featurize(t) for t in texts]
