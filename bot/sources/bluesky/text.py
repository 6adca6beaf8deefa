"""Bluesky's text rules for a post: how long it is, and where its links and @mentions are.

**Length.** The `app.bsky.feed.post` lexicon gives `text` a `maxGraphemes` of 300 and a `maxLength` of
3000, and the PDS refuses a record over either. Graphemes are Unicode extended grapheme clusters (UAX #29,
what Bluesky's own code counts with a segmenter): a family emoji, a flag, a letter with its combining
accents, a Devanagari conjunct each count one. We count them with the `regex` module's `\\X`, which
follows the current Unicode rules (including the Indic conjunct rule GB9c added in Unicode 15.1). The
lexicon's `maxLength` counts UTF-8 bytes; only a text of mostly 4-byte characters could reach it first.
The app shortens long links on screen, but a record sent through the API counts its text as sent.

**Facets.** Links and mentions are only links and mentions on Bluesky when the record says so, with a
facet naming the *UTF-8 byte* range of the text they cover (`index.byteStart`, `byteEnd`, end exclusive)
and the feature: `app.bsky.richtext.facet#link` with the `uri`, `#mention` with the account's `did`.
Detection follows Bluesky's own rich-text detection: a URL starts at a word boundary with `http(s)://`
(or a bare `www.` name, linked as https), trailing punctuation is not part of it; a mention is
`@handle` where the handle is a domain name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import regex

MAX_GRAPHEMES = 300
MAX_BYTES = 3000
GRAPHEME = regex.compile(r"\X")

# After whitespace, an opening bracket or the start; up to the next whitespace.
_URL = re.compile(r"(?:^|(?<=[\s(]))((?:https?://|www\.)[^\s]+)", re.IGNORECASE)
_MENTION = re.compile(r"(?:^|(?<=[\s(]))@([a-zA-Z0-9.-]+)")
# Bluesky's handle syntax: a domain name of at least two labels, the last not starting with a digit.
_HANDLE = re.compile(
    r"([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
)
_TRAILING = ".,;:!?\"'"


def grapheme_length(text: str) -> int:
    """The length Bluesky checks against its 300: extended grapheme clusters."""
    return len(GRAPHEME.findall(text))


def byte_length(text: str) -> int:
    return len(text.encode("utf-8"))


def too_long(text: str) -> str | None:
    """Why Bluesky would refuse `text` as a post's text, written for the agent; None when it fits."""
    graphemes = grapheme_length(text)
    if graphemes > MAX_GRAPHEMES:
        return (
            f"The reply is {graphemes} characters as Bluesky counts them (emoji and accented letters count "
            f"one each); Bluesky allows {MAX_GRAPHEMES}. Shorten it by {graphemes - MAX_GRAPHEMES}."
        )
    size = byte_length(text)
    if size > MAX_BYTES:
        return f"The reply takes {size} bytes; Bluesky allows {MAX_BYTES}. Shorten it."
    return None


def valid_handle(handle: str) -> bool:
    return len(handle) <= 253 and _HANDLE.fullmatch(handle) is not None


@dataclass(frozen=True, slots=True)
class Span:
    """A facet's place: UTF-8 byte offsets into the text, end exclusive."""

    start: int
    end: int


def _byte_span(text: str, start: int, end: int) -> Span:
    head = byte_length(text[:start])
    return Span(head, head + byte_length(text[start:end]))


def _trim_url(url: str) -> str:
    """Bluesky's detection leaves closing punctuation out of a link: `(see https://a.com/x).` links
    `https://a.com/x`; a `)` stays when the URL opened one (`https://en.wikipedia.org/wiki/A_(b)`)."""
    while url and (url[-1] in _TRAILING or (url[-1] == ")" and url.count("(") < url.count(")"))):
        url = url[:-1]
    return url


def links(text: str) -> list[tuple[Span, str]]:
    """Each link in `text`: where it is and the URI its facet carries."""
    found: list[tuple[Span, str]] = []
    for match in _URL.finditer(text):
        url = _trim_url(match.group(1))
        host = url.split("://", 1)[-1].split("/", 1)[0]
        if "." not in host or host.endswith("."):
            continue  # `http://localhost` or `www.`: not a link Bluesky would make
        uri = url if "://" in url else f"https://{url}"
        found.append((_byte_span(text, match.start(1), match.start(1) + len(url)), uri))
    return found


def mentions(text: str) -> list[tuple[Span, str]]:
    """Each `@handle` in `text` (the handle lower-cased, without `@`), trailing dots left out."""
    found: list[tuple[Span, str]] = []
    for match in _MENTION.finditer(text):
        handle = match.group(1).rstrip(".-")
        if not valid_handle(handle):
            continue
        start = match.start(1) - 1  # the facet covers the `@`
        found.append((_byte_span(text, start, match.start(1) + len(handle)), handle.lower()))
    return found


def link_facet(span: Span, uri: str) -> dict[str, Any]:
    return {
        "index": {"byteStart": span.start, "byteEnd": span.end},
        "features": [{"$type": "app.bsky.richtext.facet#link", "uri": uri}],
    }


def mention_facet(span: Span, did: str) -> dict[str, Any]:
    return {
        "index": {"byteStart": span.start, "byteEnd": span.end},
        "features": [{"$type": "app.bsky.richtext.facet#mention", "did": did}],
    }
