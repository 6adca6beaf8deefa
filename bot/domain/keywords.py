"""Whole-word, case-insensitive keyword and phrase matching, shared by classification and priority.

Config authors write keywords the way customers type them ("can't log in", "error 500", "data breach").
Matching rules, chosen so a keyword list behaves the way its author expects:

* boundaries are "not a word character" on either side rather than `\\b`, so keywords that start or
  end with punctuation ("#fail", "c++") still match, and "down" never matches inside "download";
* a space in a keyword matches any run of whitespace or a hyphen ("log in" matches "log-in");
* an apostrophe matches a straight or curly apostrophe, or none at all ("can't" matches "can\u2019t"
  and "cant"), because phones substitute curly quotes and people drop them;
* when several keywords could match, the leftmost in the text wins, and at one position the longest
  keyword wins ("data breach" beats "data").

Compiling is cached by the keyword tuple, so building a matcher per rule per message costs a dict look-up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

# Straight quote first (the canonical form), then right and left single quotation marks and backtick.
_APOSTROPHES = "'\u2019\u2018`"
_APOSTROPHE_CLASS = f"[{_APOSTROPHES}]"


def _normalize(keyword: str) -> str:
    """Trim, collapse inner whitespace and fold apostrophes, so duplicates are spotted."""
    text = " ".join(keyword.split())
    for mark in _APOSTROPHES[1:]:
        text = text.replace(mark, "'")
    return text


def _keyword_pattern(keyword: str) -> str:
    parts: list[str] = []
    for ch in keyword:
        if ch == " ":
            parts.append(r"[\s\-]+")
        elif ch == "'":
            parts.append(_APOSTROPHE_CLASS + "?")
        else:
            parts.append(re.escape(ch))
    return "".join(parts)


@lru_cache(maxsize=1024)
def _compile(keywords: tuple[str, ...]) -> re.Pattern[str] | None:
    """One alternation with a capturing group per keyword; `lastindex` says which one matched."""
    if not keywords:
        return None
    # Longest first: at the same start position the regex engine takes the first alternative.
    order = sorted(range(len(keywords)), key=lambda i: -len(keywords[i]))
    body = "|".join(f"({_keyword_pattern(keywords[i])})" for i in order)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


@lru_cache(maxsize=1024)
def _prepare(raw: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """Normalized unique keywords plus, per regex group, the index of the keyword as configured."""
    seen: dict[str, int] = {}
    for i, keyword in enumerate(raw):
        norm = _normalize(keyword)
        if norm and norm.casefold() not in seen:
            seen[norm.casefold()] = i
    unique = tuple(_normalize(raw[i]) for i in seen.values())
    return unique, tuple(seen.values())


class KeywordMatcher:
    """Finds the first of a fixed set of keywords or phrases in a text.

    >>> KeywordMatcher(["can't log in", "outage"]).first_match("I CANT log-in since the outage")
    "can't log in"
    """

    __slots__ = ("_keywords", "_original", "_pattern", "_sorted_groups")

    def __init__(self, keywords: Iterable[str]) -> None:
        self._original = tuple(keywords)
        unique, origin = _prepare(self._original)
        self._keywords = unique
        self._pattern = _compile(unique)
        order = sorted(range(len(unique)), key=lambda i: -len(unique[i]))
        # Group n (1-based) belongs to keyword order[n-1]; report it as the config spelled it.
        self._sorted_groups = tuple(self._original[origin[i]] for i in order)

    @property
    def keywords(self) -> tuple[str, ...]:
        return self._original

    def __bool__(self) -> bool:
        return self._pattern is not None

    def __repr__(self) -> str:
        return f"KeywordMatcher({list(self._original)!r})"

    def first_match(self, text: str) -> str | None:
        """The keyword (as configured) found leftmost in `text`, or None."""
        if self._pattern is None or not text:
            return None
        found = self._pattern.search(text)
        if found is None or found.lastindex is None:
            return None
        return self._sorted_groups[found.lastindex - 1]

    def matches(self, text: str) -> bool:
        return self.first_match(text) is not None


@lru_cache(maxsize=1024)
def matcher_for(keywords: tuple[str, ...]) -> KeywordMatcher:
    """A shared matcher for a keyword tuple: rules are pydantic models holding lists, so callers
    convert `rule.keywords_any` with `tuple(...)` and get the same matcher back every time."""
    return KeywordMatcher(keywords)
