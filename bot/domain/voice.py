"""Brand-voice and safety checks on a reply before it reaches a platform.

`check_reply` returns what will be posted (with the agent's signature) and the problems found, worded
for the agent. Blocking problems stop the send: an empty reply, one over the platform's limit, a
banned phrase, personal data in a public reply, a signature that cannot be filled in. Warnings are
shown in the preview and left to the agent's judgement.

Lengths are counted the way the platform counts them: with the counting its source declares
(`PlatformFacts.length`; X's is socialdesk.sources.x.text.weighted_length, the same function the X
connector refuses with, so a reply this check passes is never refused for its length); a platform that
declares none counts code points.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from socialdesk.domain.enums import Platform, ReplyVisibility
from socialdesk.domain.keywords import matcher_for
from socialdesk.domain.platform_facts import facts_for
from socialdesk.domain.redact import CARD, EMAIL, IBAN, ORDER, PHONE, POSTCODE, Masking, find_personal_data

if TYPE_CHECKING:  # the config's schema, for annotations only: the domain imports nothing of the project
    from socialdesk.config import BrandVoice

Level = Literal["block", "warn"]
BLOCK: Final[Level] = "block"
WARN: Final[Level] = "warn"

_MIN_LETTERS_FOR_SHOUTING: Final = 12


@dataclass(frozen=True, slots=True)
class VoiceProblem:
    level: Level
    code: str  # stable, for tests and metrics: "too_long", "banned_phrase", "personal_data", ...
    message: str  # for the agent, in the preview


@dataclass(frozen=True, slots=True)
class VoiceReport:
    final_text: str  # exactly what will be posted: trimmed, signature appended
    problems: tuple[VoiceProblem, ...]
    length: int  # of final_text, as the platform counts it
    max_length: int | None  # the platform's limit, None when the brand sets none

    @property
    def blocking(self) -> tuple[VoiceProblem, ...]:
        return tuple(p for p in self.problems if p.level == BLOCK)

    @property
    def warnings(self) -> tuple[VoiceProblem, ...]:
        return tuple(p for p in self.problems if p.level == WARN)

    @property
    def ok(self) -> bool:
        return not self.blocking


# --- initials ---------------------------------------------------------------------------------------
_NAME_SPLIT_RE = re.compile(r"[\s._\-]+")


def initials(display_name: str) -> str:
    """ "Maria Jones" -> "MJ", "maria" -> "M", "maria.de.la.cruz" -> "MC"; "" when there are no letters.

    First and last name only: sign-offs like "^MJ" are short, and "MDLC" is nobody's habit.
    """
    letters = [next((ch for ch in word if ch.isalpha()), "") for word in _NAME_SPLIT_RE.split(display_name)]
    letters = [ch for ch in letters if ch]
    if not letters:
        return ""
    chosen = letters[:1] if len(letters) == 1 else [letters[0], letters[-1]]
    return "".join(chosen).upper()


# --- links and length -------------------------------------------------------------------------------
# Bare domains only with common top-level domains: enough for "acme.com/status", without reading
# "Node.js" or "e.g." as a link. Not after "@" or a word, so an email's domain is not a link.
_TLDS = "com|org|net|io|co|uk|ie|de|fr|es|it|nl|eu|app|dev|info|biz|us|ca|au|help|shop|store|ly|me"
_URL_RE = re.compile(
    r"(?<![\w@.\-/])(?:https?://|www\.)[^\s<>\"]+"
    rf"|(?<![\w@.\-/])(?:[a-z0-9](?:[a-z0-9\-]{{0,61}}[a-z0-9])?\.)+(?:{_TLDS})(?![\w\-])(?:/[^\s<>\"]*)?",
    re.IGNORECASE,
)
_URL_TRAILING = ".,;:!?)]}'\"\u2019"


def _urls(text: str) -> list[tuple[int, int]]:
    """Spans of links, without the punctuation that ends the sentence around them."""
    spans = []
    for m in _URL_RE.finditer(text):
        end = m.end()
        while end > m.start() and text[end - 1] in _URL_TRAILING:
            end -= 1
        spans.append((m.start(), end))
    return spans


def _without_urls(text: str, spans: list[tuple[int, int]], filler: str = " ") -> str:
    out, pos = [], 0
    for start, end in spans:
        out += [text[pos:start], filler]
        pos = end
    out.append(text[pos:])
    return "".join(out)


def platform_length(text: str, platform: Platform) -> int:
    """The length of `text` as `platform` counts it against its limit (for callers without the source's
    capabilities at hand; the reply checks take the source's own counting, see `check_reply`)."""
    return facts_for(platform).length(text)


# --- signature --------------------------------------------------------------------------------------
def _signature_pattern(template: str) -> re.Pattern[str]:
    """Recognises a signature the agent typed themselves, whoever's initials are in it."""
    parts = [re.escape(part) for part in template.split("{initials}")]
    return re.compile(r"[^\W\d_]{1,5}".join(parts) + r"\Z")


def _sign(body: str, signature: str) -> str:
    if not body:
        return signature
    if body.endswith(signature):
        return body
    # A one-line reply takes the signature on the same line; a letter-style reply on its own line.
    separator = "\n" if "\n" in body else " "
    return f"{body}{separator}{signature}"


# --- phrases ----------------------------------------------------------------------------------------
def _found_phrases(text: str, phrases: list[str]) -> list[str]:
    # Whole words, case and apostrophe insensitive, the rules keyword routing uses ("calm down" is
    # found in "Please CALM-DOWN" but "hell" is not found in "hello").
    return [p for p in dict.fromkeys(phrases) if p.strip() and matcher_for((p,)).matches(text)]


# --- personal data ----------------------------------------------------------------------------------
_KIND_WORDS: Final = {
    EMAIL: "an email address",
    PHONE: "a phone number",
    CARD: "a payment card number",
    IBAN: "a bank account number (IBAN)",
    POSTCODE: "a postcode",
    ORDER: "an order number",
}


def _and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _personal_data(text: str, voice: BrandVoice, masking: Masking) -> list[str]:
    for contact in voice.public_contacts:
        if contact.strip():
            pattern = r"\s+".join(re.escape(word) for word in contact.split())
            text = re.sub(pattern, " ", text, flags=re.IGNORECASE)
    spans = _urls(text)
    # Digit runs in links are ids (a tweet id passes the card check one time in ten), so links are
    # searched for email addresses only; an address in a link is still personal data.
    emails_only = masking.model_copy(
        update={"phones": False, "cards": False, "postcodes": False, "order_patterns": []}
    )
    found = dict(find_personal_data(_without_urls(text, spans), masking))
    for start, end in spans:
        for kind, count in find_personal_data(text[start:end], emails_only).items():
            found[kind] = found.get(kind, 0) + count
    return [_KIND_WORDS.get(kind, kind) for kind in _KIND_WORDS if found.get(kind)]


# --- requests for sensitive data -------------------------------------------------------------------
_ASK = (
    r"(?:post|share|send|reply\s+with|comment|tell\s+us|give\s+us|include|provide|drop|write|type|"
    r"confirm|let\s+us\s+know|what(?:'|\u2019)?s|what\s+is|need)"
)
_SECRET = r"(?:password|passcode|pin(?:\s+number|\s+code)?|cvv|cvc|cv2|security\s+code|full\s+card\s+number)"
_SENSITIVE = (
    r"(?:card\s+(?:number|details|no)|credit\s+card|debit\s+card|bank\s+(?:details|account)|"
    r"account\s+number|sort\s+code|iban|date\s+of\s+birth|(?:home\s+|postal\s+)?address|"
    r"(?:phone|mobile|telephone)\s+number|email(?:\s+address)?|order\s+(?:number|no|id|details)|"
    r"postcode|zip\s+code|passport(?:\s+number)?)"
)
_NEAR = r"\b{ask}\b(?:\W+\w+){{0,6}}?\W+{what}\b"
_ASKS_SECRET_RE = re.compile(_NEAR.format(ask=_ASK, what=_SECRET), re.IGNORECASE)
_ASKS_SENSITIVE_RE = re.compile(_NEAR.format(ask=_ASK, what=_SENSITIVE), re.IGNORECASE)
_PRIVATE_CHANNEL_RE = re.compile(
    r"\b(?:dm|dms|direct\s+message|private\s+message|privately|in\s+private|inbox|pm|message\s+us)\b",
    re.IGNORECASE,
)
_SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?])\s+|\n+")


def _sensitive_requests(text: str, visibility: ReplyVisibility) -> list[VoiceProblem]:
    problems: dict[str, VoiceProblem] = {}
    for sentence in _SENTENCE_SPLIT_RE.split(text):
        if _ASKS_SECRET_RE.search(sentence):
            problems["asks_for_secret"] = VoiceProblem(
                WARN,
                "asks_for_secret",
                "Asks for a password, PIN or card security code; we never ask for those, "
                "not even in a private message",
            )
        elif (
            visibility is ReplyVisibility.PUBLIC
            and _ASKS_SENSITIVE_RE.search(sentence)
            and not _PRIVATE_CHANNEL_RE.search(sentence)
        ):
            problems["asks_sensitive_publicly"] = VoiceProblem(
                WARN,
                "asks_sensitive_publicly",
                "Asks the customer to post personal details in public; ask them to send a DM instead",
            )
    return list(problems.values())


# --- tone -------------------------------------------------------------------------------------------
_HANDLE_OR_TAG_RE = re.compile(r"[@#]\w+")


def _shouting(text: str, spans: list[tuple[int, int]], max_ratio: float) -> VoiceProblem | None:
    prose = _HANDLE_OR_TAG_RE.sub(" ", _without_urls(text, spans))
    upper = sum(ch.isupper() for ch in prose)
    lower = sum(ch.islower() for ch in prose)
    if upper + lower < _MIN_LETTERS_FOR_SHOUTING or upper / (upper + lower) <= max_ratio:
        return None
    share = round(100 * upper / (upper + lower))
    return VoiceProblem(WARN, "shouting", f"{share}% of the letters are capitals, which reads as shouting")


def _exclamations(text: str, limit: int) -> VoiceProblem | None:
    count = text.count("!")
    if count > limit:
        allowed = "none" if limit == 0 else f"at most {limit}"
        return VoiceProblem(
            WARN, "exclamations", f"{count} exclamation marks; the brand voice uses {allowed}"
        )
    if "!!" in text:
        return VoiceProblem(WARN, "exclamations", "'!!' reads as shouting; one exclamation mark is enough")
    return None


# --- the check --------------------------------------------------------------------------------------
def check_reply(
    text: str,
    *,
    platform: Platform,
    visibility: ReplyVisibility,
    voice: BrandVoice,
    masking: Masking,
    agent_initials: str | None,
    count: Callable[[str], int] | None = None,
    platform_limit: int | None = None,
) -> VoiceReport:
    """Check a reply against the brand voice and safety rules; never raises on any text.

    `count` and `platform_limit` are the platform's own counting and limit, as its source declares them
    (`ReplyCapabilities.length`, `.max_length`); the brand's `max_length` for the platform wins where it
    sets one. Without them (no source at hand), `platform_length` counts."""
    body = text.strip()
    problems: list[VoiceProblem] = []
    if not body:
        problems.append(VoiceProblem(BLOCK, "empty", "The reply is empty"))

    final_text = body
    signed = False
    template = voice.signature or ""
    if template.strip():
        agent_initials = (agent_initials or "").strip()
        if "{initials}" in template and not agent_initials:
            if not _signature_pattern(template).search(body):
                problems.append(
                    VoiceProblem(
                        BLOCK,
                        "signature_unfilled",
                        f"The brand signs replies with {template.strip()!r}, but your initials are "
                        "unknown; set a display name in Slack or type the signature yourself",
                    )
                )
        else:
            final_text = _sign(body, template.strip().replace("{initials}", agent_initials))
            signed = True

    spans = _urls(body)
    length = count(final_text) if count is not None else platform_length(final_text, platform)
    limit = voice.max_length.get(platform, platform_limit)
    if limit is not None and length > limit:
        notes = ["signature included"] if signed else []
        link_note = facts_for(platform).link_note
        if link_note and _urls(final_text):
            notes.append(link_note)
        extra = f" ({'; '.join(notes)})" if notes else ""
        problems.append(
            VoiceProblem(
                BLOCK, "too_long", f"Too long for {platform.label}: {length} of {limit} characters{extra}"
            )
        )

    for phrase in _found_phrases(body, voice.banned_phrases):
        problems.append(
            VoiceProblem(BLOCK, "banned_phrase", f"Contains '{phrase}', which the brand voice forbids")
        )

    if visibility is ReplyVisibility.PUBLIC and body:
        kinds = _personal_data(body, voice, masking)
        if kinds:
            problems.append(
                VoiceProblem(
                    BLOCK,
                    "personal_data",
                    f"Public reply contains personal data ({_and_list(kinds)}); "
                    "send it as a private reply instead",
                )
            )

    for phrase in _found_phrases(body, voice.discouraged_phrases):
        problems.append(
            VoiceProblem(
                WARN, "discouraged_phrase", f"Contains '{phrase}', which the brand voice discourages"
            )
        )
    for problem in (
        _shouting(body, spans, voice.max_uppercase_ratio),
        _exclamations(body, voice.max_exclamations),
    ):
        if problem is not None:
            problems.append(problem)
    problems += _sensitive_requests(body, visibility)

    return VoiceReport(final_text=final_text, problems=tuple(problems), length=length, max_length=limit)
