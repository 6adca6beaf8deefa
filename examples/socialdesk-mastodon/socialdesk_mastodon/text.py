"""Mastodon's text rules: statuses arrive as HTML, and the 500-character limit counts its own way."""

from __future__ import annotations

import re
from html.parser import HTMLParser

MAX_STATUS = 500
URL_LENGTH = 23  # every link counts as 23 characters, whatever its length
URL = re.compile(r"https?://[^\s<>\"]+")
# `@dana@mastodon.social` counts as `@dana`: the domain of a mention is free.
MENTION = re.compile(r"(?<![\w@])(@\w+)@[\w.-]*\w")

_BREAKS = {"br"}
_BLOCKS = {"p", "blockquote", "li", "pre"}


class _Text(HTMLParser):
    """Mastodon's status HTML to plain text: paragraphs become blank lines, `<br>` a line break, entities
    decoded. Link text is kept whole: a mention's `<span>` pieces join back into `@dana`, and a long URL's
    parts Mastodon hides on screen (`<span class="invisible">`) give the agent the full address."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BREAKS:
            self.parts.append("\n")
        elif tag in _BLOCKS and self.parts:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(content: str) -> str:
    parser = _Text()
    parser.feed(content)
    parser.close()
    lines = "".join(parser.parts).split("\n")
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.strip() for line in lines)).strip()


def status_length(text: str) -> int:
    """A status's length as Mastodon counts it against the 500 characters."""
    counted = URL.sub("x" * URL_LENGTH, text)
    counted = MENTION.sub(lambda m: m.group(1), counted)
    return len(counted)
