"""Reading a satisfaction score out of what a customer typed back: pure, total, never raises.

    parse_score("4/5", "csat")               -> (4, None)
    parse_score("⭐⭐⭐⭐", "csat")             -> (4, None)
    parse_score("2, still no refund", "csat") -> (2, "still no refund")
    parse_score("9 out of 10", "nps")        -> (9, None)
    parse_score("2 days and no parcel", "csat") -> None      (a quantity, not a score)

Accepted, after leading @handles and a few lead-ins ("I'd give you a", "rating:", "score"):

- a number at the start: digits (`5`, `5!`, `5.`), a keycap emoji (`5️⃣`, `🔟`) or a word (`five`);
- with an optional scale: `4/5`, `4 / 5`, `4 out of 5`, `4 of 5` (the scale must be the survey's:
  5 for CSAT, 10 for NPS; `8/10` is not a CSAT answer);
- with an optional unit: `5 stars`, `5 star`, `5*` (CSAT), `9 points` / `9 pts` (NPS);
- a run of stars (CSAT): `⭐⭐⭐⭐`, `🌟🌟🌟`, `★★★★☆` (filled stars count);
- at the end of a sentence, only with an explicit scale or unit: `Great service, 5/5`, `... 5 stars`.

A bare digit followed by a word is a score only if that word does not make it a quantity
("2 days", "3 orders", "1 more thing"), and a number word needs punctuation, the end, a scale or a
unit after it ("five" or "five stars", not "one more question"). Whatever follows the score is the
comment, without the separator (`,`, `-`, `:`...).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final, Literal

Kind = Literal["csat", "nps"]

SCALES: Final[dict[str, tuple[int, int]]] = {"csat": (1, 5), "nps": (0, 10)}
MAX_TEXT = 2000  # a survey answer is short; longer text is read only up to here

_WORDS: Final = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
_NUMBER = r"(?:10|[0-9]|" + "|".join(_WORDS) + r")"
_SCALE = r"(?:(?:\s*/\s*|\s+out\s+of\s+|\s+of\s+)(?P<den>" + _NUMBER + r")\b)"
_UNIT = r"(?:\s*(?P<unit>(?:stars?|points?|pts)\b|\*|[⭐🌟★]\ufe0f?))"
_LEAD_IN = (
    r"(?:(?:i\s*(?:'d|would|will|'ll)?\s*(?:give|rate|say)(?:\s+(?:it|you|u|you\s+guys|this|that))?"
    r"(?:\s+an?)?|(?:my\s+)?(?:rating|score|answer)(?:\s+is)?\s*:?|definitely(?:\s+an?)?|solid|an?)\s+)?"
)
_START = re.compile(
    r"^" + _LEAD_IN + r"(?P<num>" + _NUMBER + r")(?![0-9])" + _SCALE + r"?" + _UNIT + r"?",
    re.IGNORECASE,
)
# At the end, a score needs its scale or unit: "order 12345" or "call me at 5" are not answers.
_END = re.compile(
    r"(?:^|(?<=[\s,.;:!?(\-\u2013\u2014]))(?<![0-9][.,])(?P<num>"
    + _NUMBER
    + r")"
    + _SCALE
    + r"?"
    + _UNIT
    + r"?"
    r"[\s.!)]*$",
    re.IGNORECASE,
)


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_HANDLES = re.compile(r"^(?:\s*@\w+)+\s*")
_KEYCAPS = re.compile(r"([0-9])\ufe0f?\u20e3")
_STAR_RUN = re.compile(r"^[\s⭐🌟★☆✩✰\ufe0f]+")
_FILLED_STARS = frozenset("⭐🌟★")
_SEPARATORS = " \t\r\n,.;:!?-\u2013\u2014()/|"
# Words that make a number a quantity rather than a score.
_QUANTITY_WORDS = _wordset(
    """
    am pm days day hours hour hrs hr minutes minute mins min weeks week months month years year
    times time items item orders order parcels parcel packages package boxes box people person
    euros euro pounds pound dollars dollar quid bucks cents gb mb kg km miles more of x
    calls emails messages tickets attempts refunds charges weeks' days'
    """
)
_SMALL_TALK = _wordset(
    """
    thanks thank you thx ty cheers ta great good ok okay fine nice lovely brilliant awesome amazing
    perfect excellent super fantastic wonderful much very so all the team guys again and for help
    helpful service support appreciated appreciate it was were really quick fast sorted
    sorry oops actually i meant mean make that a its typo
    """
)


def parse_score(text: str, kind: str) -> tuple[int, str | None] | None:
    """(score, comment) when `text` answers a `kind` survey ("csat" 1-5, "nps" 0-10), else None."""
    if kind not in SCALES or not isinstance(text, str):
        return None
    cleaned = _clean(text)
    if not cleaned:
        return None
    low, high = SCALES[kind]
    for found in (_stars(cleaned, kind), _at_start(cleaned, kind), _at_end(cleaned, kind)):
        if found is not None and low <= found[0] <= high:
            return found
    return None


def is_small_talk(comment: str | None) -> bool:
    """True when a comment beside the score asks nothing of anyone: "thanks!", "great service 👍"."""
    if comment is None:
        return True
    words = re.findall(r"[^\W\d_]+", comment.lower())
    return all(w in _SMALL_TALK for w in words)


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text[:MAX_TEXT]).replace("\u2019", "'")
    text = _KEYCAPS.sub(r"\1", text).replace("🔟", "10")
    return _HANDLES.sub("", text).strip()


def _comment(rest: str) -> str | None:
    # A closing "?" or "!" is kept: "where is my refund?" asks something of someone.
    stripped = rest.lstrip(_SEPARATORS).rstrip(_SEPARATORS.replace("?", "").replace("!", ""))
    return stripped or None


def _number(token: str) -> int:
    lowered = token.lower()
    return _WORDS[lowered] if lowered in _WORDS else int(lowered)


def _stars(text: str, kind: str) -> tuple[int, str | None] | None:
    if kind != "csat":
        return None
    run = _STAR_RUN.match(text)
    if run is None:
        return None
    filled = sum(1 for ch in run.group(0) if ch in _FILLED_STARS)
    if filled == 0:
        return None
    return filled, _comment(text[run.end() :])


def _scale_fits(kind: str, den: str | None, unit: str | None) -> bool:
    if den is not None and _number(den) != SCALES[kind][1]:
        return False
    if unit is None:
        return True
    is_star = not unit.lower().startswith("p")  # stars, *, ⭐ (points / pts are NPS words)
    return is_star == (kind == "csat")


def _at_start(text: str, kind: str) -> tuple[int, str | None] | None:
    match = _START.match(text)
    if match is None:
        return None
    num, den, unit = match.group("num"), match.group("den"), match.group("unit")
    if not _scale_fits(kind, den, unit):
        return None
    rest = text[match.end() :]
    if den is None and unit is None and not _ends_score(rest, is_word=not num.isdigit()):
        return None
    return _number(num), _comment(rest)


def _ends_score(rest: str, *, is_word: bool) -> bool:
    """Whether what follows a bare number leaves it a score: the end, punctuation, or (for digits) a
    word that is not a unit of something ("2 still broken" yes, "2 days" no, "4.5" and "5,000" no)."""
    if not rest:
        return True
    if re.match(r"[.,][0-9]|\s*-\s*[0-9]|%|:[0-9]", rest):
        return False
    if rest[0] in ",.;:!?)-\u2013\u2014" or rest.startswith("\n"):
        return True
    if is_word or not rest[0].isspace():
        return False
    following = re.match(r"\s+([^\W\d_]+(?:')?)", rest)
    return following is None or following.group(1).lower() not in _QUANTITY_WORDS


def _at_end(text: str, kind: str) -> tuple[int, str | None] | None:
    match = _END.search(text)
    if match is None or (match.group("den") is None and match.group("unit") is None):
        return None
    if not _scale_fits(kind, match.group("den"), match.group("unit")):
        return None
    return _number(match.group("num")), _comment(text[: match.start()])
