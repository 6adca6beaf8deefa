"""How X counts a post's length: the one counter socialdesk uses for X, wherever a length is checked.

The reply preview (the X platform's declared `length`, read by socialdesk.domain.voice), the reply
connector (socialdesk.sources.x.replies), the crisis statement checks and the brand poster all call
`weighted_length`, so a text the preview passes is never refused by the connector for its length.

The rules are twitter-text's v3 configuration (what X itself applies):

- the text is NFC-normalised first (`e` + combining acute is one character), line ends read as `\n`;
- every link counts 23 (X shortens it to a t.co link), with or without `https://`; a bare domain is a
  link when its top-level domain is a known one (`acme.com`, `acme.co.uk`, not `Node.js` or `e.g.`);
- an emoji counts 2 however many code points it is made of (a ZWJ family, a skin tone, a flag, a keycap,
  a subdivision flag), as twitter-text's `emoji_parsing_enabled` counts it;
- any other code point counts 1 in the ranges below (Latin, Greek, Cyrillic, ... general punctuation)
  and 2 elsewhere (CJK, Hangul, most symbols).

Property-tested against the `twitter-text-parser` package (tests/unit/test_x_length_oracle.py), which is
off in known places: its emoji list is Unicode 12 (2019), so a newer ZWJ sequence (🧑‍🧑‍🧒, ❤️‍🔥) counts
per code point there (8 and 5) while X counts 2; its top-level domain list is larger than ours (a bare
`acme.pizza` is a link there and text here: write links with `https://` to be sure).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

import regex

POST_LIMIT: Final = 280
URL_WEIGHT: Final = 23  # X shortens every link to a t.co URL of this length
EMOJI_WEIGHT: Final = 2

# twitter-text v3's ranges of weight 1; every other code point weighs 2.
_LIGHT_RANGES: Final = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))

# One emoji as X's emoji parser reads it: regional-indicator pairs (flags), keycaps, and a pictograph with
# its presentation selector or skin tone (only after a base that takes one), tag sequences (🏴 of England)
# and ZWJ-joined parts. A modifier after a pictograph that takes none is an emoji of its own, as X counts it.
_PART: Final = r"(?:\p{Emoji_Modifier_Base}\uFE0F?\p{Emoji_Modifier}|\p{Extended_Pictographic}\uFE0F?)"
_EMOJI: Final = regex.compile(
    r"[\U0001F1E6-\U0001F1FF]{2}"
    r"|[#*0-9]\uFE0F?\u20E3"
    rf"|{_PART}(?:[\U000E0020-\U000E007E]+\U000E007F)?(?:\u200D{_PART})*"
    r"|\p{Emoji_Modifier}",
    regex.V1,
)

# Top-level domains that make a bare domain a link. Every ASCII country code twitter-text knows, and the
# generic ones customers and agents actually write; with `https://` any domain is a link.
_CCTLD_WORDS: Final = (
    "ac ad ae af ag ai al am an ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bl bm bn bo bq br bs "
    "bt bv bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg eh "
    "er es et eu fi fj fk fm fo fr ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht "
    "hu id ie il im in io iq ir is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt "
    "lu lv ly ma mc md me mf mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no "
    "np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sj "
    "sk sl sm sn so sr ss st su sv sx sy sz tc td tf tg th tj tk tl tm tn to tp tr tt tv tw tz ua ug uk um "
    "us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw"
)
_GTLD_WORDS: Final = (
    "com net org info biz edu gov mil int mobi name pro aero coop jobs travel tel asia app dev page shop "
    "store online site website xyz tech blog help support news media live life world today email link club "
    "cloud digital global group company agency studio design network systems solutions services software "
    "social center academy bank insurance finance money health care market energy space zone one "
    "top vip win fun art red blue green city london berlin paris tokyo nyc amsterdam wien"
)
TLDS: Final = frozenset(_CCTLD_WORDS.split()) | frozenset(_GTLD_WORDS.split())
_TLD: Final = "|".join(sorted(TLDS, key=lambda t: (-len(t), t)))  # longest first: `.co.uk`, `.com`
_LABEL: Final = r"[a-z0-9\u00C0-\u024F](?:[a-z0-9\u00C0-\u024F\-]{0,61}[a-z0-9\u00C0-\u024F])?"
# Path characters up to a space; the punctuation that ends a sentence is not part of the link (below).
_PATH: Final = r"(?:[/?#][^\s\u3000<>\"]*)?"
_URL: Final = re.compile(
    rf"(?<![\w@.\-/])(?:https?://[^\s\u3000/?#<>\"]+{_PATH}"
    rf"|(?:{_LABEL}\.)+(?:{_TLD})(?![\w\-]){_PATH})",
    re.IGNORECASE,
)
_URL_TRAILING: Final = ".,;:!?'\"\u2019"
_OPEN: Final = {")": "(", "]": "[", "}": "{"}
_LINE_END: Final = re.compile(r"\r\n?")


def link_spans(text: str) -> list[tuple[int, int]]:
    """Where the links are: each span counts 23. A closing bracket ends the link unless it closes one the
    link opened (`wiki/Foo_(bar)`), and sentence punctuation after it is left out."""
    spans = []
    for match in _URL.finditer(text):
        start, end = match.span()
        while end > start:
            last = text[end - 1]
            unbalanced = last in _OPEN and text.count(_OPEN[last], start, end) < text.count(last, start, end)
            if last not in _URL_TRAILING and not unbalanced:
                break
            end -= 1
        spans.append((start, end))
    return spans


def _code_point_weight(cp: int) -> int:
    return 1 if any(lo <= cp <= hi for lo, hi in _LIGHT_RANGES) else 2


def _text_weight(text: str) -> int:
    """The weight of text holding no links: emoji 2 each, other code points by their range."""
    total, pos = 0, 0
    for match in _EMOJI.finditer(text):
        total += sum(_code_point_weight(ord(c)) for c in text[pos : match.start()])
        total += EMOJI_WEIGHT
        pos = match.end()
    return total + sum(_code_point_weight(ord(c)) for c in text[pos:])


def weighted_length(text: str) -> int:
    """The length X checks against its 280: links 23, emoji 2, wide characters 2, the rest 1."""
    normalized = _LINE_END.sub("\n", unicodedata.normalize("NFC", text))
    total, pos = 0, 0
    for start, end in link_spans(normalized):
        total += _text_weight(normalized[pos:start]) + URL_WEIGHT
        pos = end
    return total + _text_weight(normalized[pos:])


def has_links(text: str) -> bool:
    return bool(link_spans(unicodedata.normalize("NFC", text)))
