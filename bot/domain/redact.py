"""Personal-data masking for everything Slack sees (emails, phones, cards, IBANs, postcodes, order numbers).

Customers paste card numbers and phone numbers into public posts and DMs; Slack channels are wide and
long-lived, so cards show a masked copy; the caller keeps the raw text where replies need it.

Design choices:

* Passes run in a fixed order, most specific first: email (its local part may hold digits), IBAN
  (its digits would otherwise look like a card), card, configured order patterns, postcode, phone.
* Text already replaced by a placeholder is never looked at again: each pass runs on the pieces
  between placeholders, so a pattern can neither match "[order]" nor join two fragments across it.
  Passes repeat until nothing changes, which makes `mask` idempotent by construction.
* Number runs are matched maximally (possessive quantifiers) and then judged in code: a card must pass
  Luhn, a phone must have a plausible digit count and must not look like a date, price or year list.
  A run holding a card or phone plus other numbers ("room 12 07700 900123") is searched group by
  group, and every group of every plausible span is masked, so we err towards masking.
* Starts are anchored with look-behinds so a long text is scanned in linear time, not quadratic.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, field_validator


class Masking(BaseModel):
    """The config's `masking:` section: which kinds of personal data are masked."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    emails: bool = True
    phones: bool = True
    cards: bool = True
    postcodes: bool = True
    # "order|ref|booking", an optional "number/no/id" and "is", then a code that has a digit in it.
    order_patterns: list[str] = [
        r"\b(?:order|ord|ticket|ref|reference|booking)(?:\s*(?:no\.?|num(?:ber)?|id)\b)?(?:\s+is)?"
        r"[\s#:.\-]*(?=[A-Z\-]*\d)[A-Z0-9][A-Z0-9\-]{4,}\b"
    ]

    @field_validator("order_patterns")
    @classmethod
    def _compiles(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{pattern!r} is not a valid regular expression: {exc}") from exc
        return value


EMAIL, PHONE, CARD, IBAN, POSTCODE, ORDER = "email", "phone", "card", "iban", "postcode", "order"
KINDS = (EMAIL, IBAN, CARD, ORDER, POSTCODE, PHONE)  # also the order the passes run in
_PLACEHOLDER = {kind: f"[{kind}]" for kind in KINDS}
_PLACEHOLDER_SPLIT = re.compile(r"(\[(?:email|phone|card|iban|postcode|order)\])")
_MAX_ROUNDS = 8  # a round repeats only if the last one masked something; a third is already rare


@dataclass(frozen=True, slots=True)
class MaskResult:
    text: str
    counts: dict[str, int] = field(default_factory=dict)  # kind -> how many, only kinds found

    @property
    def total(self) -> int:
        return sum(self.counts.values())


Pass = Callable[[str, Counter[str]], str]

# --- email ------------------------------------------------------------------------------------------
_LOCAL_CHARS = r"\w.!#$%&'*+/=?^`{|}~\-"  # RFC 5322 atext plus dot
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
_EMAIL_RE = re.compile(rf"(?<![{_LOCAL_CHARS}])[{_LOCAL_CHARS}]++@(?:{_LABEL}\.)+{_LABEL}", re.IGNORECASE)
# The same address percent-encoded inside a link ("?u=jane.doe%40example.com"), as share links write it.
_ENCODED_EMAIL_RE = re.compile(rf"(?<![\w.+\-])[\w.+\-]++%40(?:{_LABEL}\.)+{_LABEL}", re.IGNORECASE)
# "/", "?", "=" and "&" are legal in a local part, so a match can start at a link around the address
# ("https://x.com/share?u=jane@example.com"). When the local part reads like a URL ("//" or "?"), the
# link up to its last such character is kept and only the address is masked.
_URL_PREFIX_RE = re.compile(r".*[/?=&#]")


def _mask_emails(text: str, counts: Counter[str]) -> str:
    def repl(m: re.Match[str]) -> str:
        counts[EMAIL] += 1
        local = m.group().partition("@")[0]
        if "//" in local or "?" in local:
            prefix = _URL_PREFIX_RE.match(local)
            if prefix is not None and prefix.end() < len(local):
                return local[: prefix.end()] + _PLACEHOLDER[EMAIL]
        return _PLACEHOLDER[EMAIL]

    def repl_encoded(m: re.Match[str]) -> str:
        counts[EMAIL] += 1
        return _PLACEHOLDER[EMAIL]

    return _ENCODED_EMAIL_RE.sub(repl_encoded, _EMAIL_RE.sub(repl, text))


# --- IBAN (switched by the `cards` flag: it is payment data too) ----------------------------------
_IBAN_RE = re.compile(r"(?<!\w)[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}(?!\w)", re.IGNORECASE)


def iban_ok(candidate: str) -> bool:
    """ISO 13616 mod-97 check on a compact IBAN; at least 8 digits keeps ordinary words out."""
    iban = candidate.upper()
    if not (15 <= len(iban) <= 34 and iban[:2].isalpha() and iban[2:4].isdecimal()):
        return False
    if sum(ch.isdecimal() for ch in iban[4:]) < 8:
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def _mask_ibans(text: str, counts: Counter[str]) -> str:
    def repl(m: re.Match[str]) -> str:
        # The regex may run on into the next words ("... 32 thanks"); keep the longest valid prefix.
        tokens = m.group().split(" ")
        for k in range(len(tokens), 0, -1):
            if iban_ok("".join(tokens[:k])):
                counts[IBAN] += 1
                return " ".join([_PLACEHOLDER[IBAN], *tokens[k:]])
        return m.group()

    return _IBAN_RE.sub(repl, text)


# --- shared: runs of digit groups -------------------------------------------------------------------
_DIGITS_RE = re.compile(r"\d+")


def _mask_groups(
    run: str,
    chunks: list[tuple[int, int]],
    min_digits: int,
    max_digits: int,
    ok: Callable[[str, str], bool],
) -> list[tuple[int, int]]:
    """Blocks of chunks to mask: the union of every span of consecutive chunks that `ok` accepts.

    `ok` gets the span as written and its digits alone.

    Masking the union rather than one chosen span means a valid card is always covered even when a
    neighbouring number happens to form another valid span with part of it. Spans are bounded by
    digit count, so a run of thousands of groups costs linear time.
    """
    chunk_digits = ["".join(_DIGITS_RE.findall(run[start:end])) for start, end in chunks]
    marked = [False] * len(chunks)
    for i in range(len(chunks)):
        digits = ""
        for j in range(i, len(chunks)):
            digits += chunk_digits[j]
            if len(digits) > max_digits:
                break
            if len(digits) >= min_digits and ok(run[chunks[i][0] : chunks[j][1]], digits):
                for k in range(i, j + 1):
                    marked[k] = True
    blocks: list[tuple[int, int]] = []
    for k, is_marked in enumerate(marked):
        if not is_marked:
            continue
        if blocks and marked[k - 1]:
            blocks[-1] = (blocks[-1][0], chunks[k][1])
        else:
            blocks.append(chunks[k])
    return blocks


def _replace_blocks(run: str, blocks: list[tuple[int, int]], placeholder: str) -> str:
    out: list[str] = []
    pos = 0
    for start, end in blocks:
        out.append(run[pos:start])
        out.append(placeholder)
        pos = end
    out.append(run[pos:])
    return "".join(out)


# --- payment card -----------------------------------------------------------------------------------
# Digit groups joined by single spaces or dashes. Not after "+": that is an international phone.
_CARD_RUN_RE = re.compile(r"(?<![\d+])\d++(?:[ \-]\d++)*+")


def luhn_ok(digits: str) -> bool:
    """The Luhn (mod 10) check every payment card number passes; ~90% of random numbers fail it."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card_ok(span: str, digits: str) -> bool:
    return 13 <= len(digits) <= 19 and luhn_ok(digits)


def _mask_cards(text: str, counts: Counter[str]) -> str:
    def repl(m: re.Match[str]) -> str:
        run = m.group()
        if sum(ch.isdecimal() for ch in run) < 13:
            return run
        chunks = [g.span() for g in _DIGITS_RE.finditer(run)]
        blocks = _mask_groups(run, chunks, 13, 19, _card_ok)
        counts[CARD] += len(blocks)
        return _replace_blocks(run, blocks, _PLACEHOLDER[CARD])

    return _CARD_RUN_RE.sub(repl, text)


# --- order numbers (configured patterns) ------------------------------------------------------------
def _order_pass(patterns: tuple[re.Pattern[str], ...]) -> Pass:
    def mask_orders(text: str, counts: Counter[str]) -> str:
        def repl(m: re.Match[str]) -> str:
            if not m.group():  # a pattern that can match "" must not insert placeholders everywhere
                return ""
            counts[ORDER] += 1
            return _PLACEHOLDER[ORDER]

        for pattern in patterns:
            text = pattern.sub(repl, text)
        return text

    return mask_orders


# --- postcodes --------------------------------------------------------------------------------------
# Only real UK postcode areas: that list is what keeps "PS5 2nd hand" or "MP3 4me" from matching.
# fmt: off
_UK_AREAS = (
    "AB", "AL", "B", "BA", "BB", "BD", "BF", "BH", "BL", "BN", "BR", "BS", "BT", "CA", "CB", "CF", "CH",
    "CM", "CO", "CR", "CT", "CV", "CW", "DA", "DD", "DE", "DG", "DH", "DL", "DN", "DT", "DY", "E", "EC",
    "EH", "EN", "EX", "FK", "FY", "G", "GL", "GU", "GY", "HA", "HD", "HG", "HP", "HR", "HS", "HU", "HX",
    "IG", "IM", "IP", "IV", "JE", "KA", "KT", "KW", "KY", "L", "LA", "LD", "LE", "LL", "LN", "LS", "LU",
    "M", "ME", "MK", "ML", "N", "NE", "NG", "NN", "NP", "NR", "NW", "OL", "OX", "PA", "PE", "PH", "PL",
    "PO", "PR", "RG", "RH", "RM", "S", "SA", "SE", "SG", "SK", "SL", "SM", "SN", "SO", "SP", "SR", "SS",
    "ST", "SW", "SY", "TA", "TD", "TF", "TN", "TQ", "TR", "TS", "TW", "UB", "W", "WA", "WC", "WD", "WF",
    "WN", "WR", "WS", "WV", "YO", "ZE",
)
# fmt: on
_UK_POSTCODE_RE = re.compile(
    r"(?<!\w)(?:(?:" + "|".join(sorted(_UK_AREAS, key=len, reverse=True)) + r")\d[A-Z\d]?|GIR)"
    r"(?P<space> ?)(?P<inward>\d[ABD-HJLNP-UW-Z]{2})(?!\w)",
    re.IGNORECASE,
)
_ORDINAL_SUFFIXES = {"st", "nd", "rd", "th"}
_ZIP4_RE = re.compile(r"(?<![\d\-])\d{5}-\d{4}(?![\d\-])")


def _uk_postcode_ok(m: re.Match[str]) -> bool:
    text = m.group()
    if text.isupper():
        return True
    # Lower or mixed case is how people type postcodes too, but then two shapes are ordinary words:
    if not m.group("space"):
        return False  # "b12ab" reads like a product code
    return m.group("inward")[1:].lower() not in _ORDINAL_SUFFIXES  # "m8 2nd" is not M8 2ND


def _mask_postcodes(text: str, counts: Counter[str]) -> str:
    def repl_uk(m: re.Match[str]) -> str:
        if not _uk_postcode_ok(m):
            return m.group()
        counts[POSTCODE] += 1
        return _PLACEHOLDER[POSTCODE]

    def repl_zip(m: re.Match[str]) -> str:
        counts[POSTCODE] += 1
        return _PLACEHOLDER[POSTCODE]

    return _ZIP4_RE.sub(repl_zip, _UK_POSTCODE_RE.sub(repl_uk, text))


# --- phone numbers ----------------------------------------------------------------------------------
# A run: optional "+", optional "(", digit groups joined by one of space . - or parentheses.
# Not right after a word, "+", a currency sign, or "digit + punctuation" (tail of a date, time or price);
# not followed by a word, or by ":5" "/5" ".5" ",5" (a time, date or decimal continuing).
_PHONE_RUN_RE = re.compile(
    r"(?<![\w+$£€¥])(?<!\d[.,:/\-])"
    r"\+?\(?\d++(?:(?:[ .\-]|\) ?| ?\()\d++)*+"
    r"(?!\w|[.,:/]\d)"
)
_DATE_CHUNK_RE = re.compile(r"\d{4}[\-.]\d{1,2}[\-.]\d{1,2}|\d{1,2}[\-.]\d{1,2}[\-.]\d{2,4}")
_YEAR_RE = re.compile(r"(?:19|20)\d\d")


def _phone_ok(span: str) -> bool:
    groups = _DIGITS_RE.findall(span)
    digits = sum(len(g) for g in groups)
    if span.startswith("+"):
        low, high = 8, 15
    elif span.lstrip("(").startswith("00"):  # 0044 ... international without the plus
        low, high = 10, 15
    else:
        low, high = 10, 12  # national numbers; longer bare numbers are ids, not phones
    if not low <= digits <= high:
        return False
    separators = set(re.findall(r"[ .\-]", span))
    if "." in separators and (len(separators) > 1 or span.count(".") == 1):
        return False  # "12.99 15.99 20.00" or one decimal point
    if any(_DATE_CHUNK_RE.fullmatch(chunk) for chunk in span.split(" ")):
        return False  # "2024-05-01 12 people"
    if len(groups) > 1 and all(_YEAR_RE.fullmatch(g) for g in groups):
        return False  # "2019 2020 2021"
    # "sizes 10 12 14 16 18" is not a phone, but "01 23 45 67 89" (French, trunk prefix 0) is.
    short = sum(len(g) <= 2 for g in groups)
    french_style = len(groups[0]) == 2 and groups[0][0] == "0"
    return span.startswith(("+", "(")) or short <= 1 or french_style


def _mask_phones(text: str, counts: Counter[str]) -> str:
    def repl(m: re.Match[str]) -> str:
        run, lead = m.group(), ""
        if sum(ch.isdecimal() for ch in run) < 8:
            return run
        if run.startswith("(") and ")" not in run:
            # "(020 7946 0958)": the parenthesis encloses the number; it does not open an area code.
            lead, run = "(", run[1:]
        chunks = [c.span() for c in re.finditer(r"\S+", run)]

        def ok(span: str, digits: str) -> bool:
            # A part of a longer run counts only when it starts like a phone number ("room 12
            # 07700 900123"); otherwise any long id or non-Luhn card would hide a "phone" inside.
            return (len(span) == len(run) or span.startswith(("+", "(", "0"))) and _phone_ok(span)

        blocks = _mask_groups(run, chunks, 8, 15, ok)
        counts[PHONE] += len(blocks)
        return lead + _replace_blocks(run, blocks, _PLACEHOLDER[PHONE])

    return _PHONE_RUN_RE.sub(repl, text)


# --- plan and entry point ---------------------------------------------------------------------------
@lru_cache(maxsize=64)
def _plan(
    emails: bool, phones: bool, cards: bool, postcodes: bool, orders: tuple[str, ...]
) -> tuple[Pass, ...]:
    """The passes for one Masking, with its order patterns compiled once.

    Keyed on the field values because Masking holds a list and so is not hashable, frozen or not.
    """
    passes: list[Pass] = []
    if emails:
        passes.append(_mask_emails)
    if cards:
        passes += [_mask_ibans, _mask_cards]
    if orders:
        passes.append(_order_pass(tuple(re.compile(p, re.IGNORECASE) for p in orders)))
    if postcodes:
        passes.append(_mask_postcodes)
    if phones:
        passes.append(_mask_phones)
    return tuple(passes)


def _outside_placeholders(text: str, apply: Pass, counts: Counter[str]) -> str:
    pieces = _PLACEHOLDER_SPLIT.split(text)
    # Even indexes are free text, odd indexes the placeholders that split them.
    return "".join(p if i % 2 else apply(p, counts) for i, p in enumerate(pieces))


def mask(text: str, masking: Masking) -> MaskResult:
    """Replace personal data in `text` with placeholders like "[email]"; report how many of each."""
    m = masking
    passes = _plan(m.emails, m.phones, m.cards, m.postcodes, tuple(m.order_patterns))
    counts: Counter[str] = Counter()
    for _ in range(_MAX_ROUNDS):
        before = text
        for apply in passes:
            text = _outside_placeholders(text, apply, counts)
        if text == before:
            break
    return MaskResult(text, {kind: counts[kind] for kind in KINDS if counts[kind]})


def find_personal_data(text: str, masking: Masking) -> dict[str, int]:
    """The kinds of personal data in `text` (kind -> count), by exactly the rules `mask` uses.

    For checks that must refuse text rather than clean it, such as a public reply about to be posted.
    """
    return mask(text, masking).counts
