"""Canned replies (the knowledge base): which ones to offer for a case, and how they render.

Templates are Jinja2, written by whoever edits the config, and rendered with text that customers
chose (their display names). So they run in a `SandboxedEnvironment` with no globals, and
`StrictUndefined` turns a misspelt placeholder into an error instead of a reply that says "Hi ,".
`check_template` runs when the config loads (see `CannedReply` in socialdesk.config), which is where a bad
template should fail: at deploy, naming the reply, not in front of an agent with a customer waiting.

Output is plain text for social platforms, so nothing is HTML-escaped.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Final

from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from socialdesk.domain.enums import Category, Platform
from socialdesk.domain.errors import DomainError
from socialdesk.domain.voice import initials

if TYPE_CHECKING:  # the config's schema, for annotations only: the domain imports nothing of the project
    from socialdesk.config import CannedReply

PLACEHOLDERS: Final[tuple[str, ...]] = (
    "customer_name",
    "customer_handle",
    "case_ref",
    "agent_name",
    "agent_initials",
    "platform",
    "team",
)


class CannedTemplateError(ValueError):
    """A template does not compile, or uses a placeholder or attribute it may not."""


class CannedRenderError(DomainError):
    """Rendering a canned reply failed; the message names the reply and is safe to show the agent."""

    def __init__(self, reply_id: str, reason: str) -> None:
        super().__init__(f"Canned reply '{reply_id}' could not be filled in: {reason}")
        self.reply_id = reply_id


def _environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
    # range, cycler, joiner, namespace, lipsum: nothing a reply needs, and each is surface to attack.
    env.globals.clear()
    return env


_ENV: Final = _environment()


@lru_cache(maxsize=512)
def _compile(source: str) -> Template:
    return _ENV.from_string(source)


def check_template(source: str) -> None:
    """Raise `CannedTemplateError` unless `source` compiles and uses only `PLACEHOLDERS`."""
    try:
        _compile(source)  # compiling, unlike parsing, also catches unknown filters and tests
        tree = _ENV.parse(source)
    except TemplateSyntaxError as exc:
        raise CannedTemplateError(f"line {exc.lineno}: {exc.message}") from None
    unknown = sorted(meta.find_undeclared_variables(tree) - set(PLACEHOLDERS))
    if unknown:
        names = ", ".join(f"{{{{ {name} }}}}" for name in unknown)
        raise CannedTemplateError(
            f"unknown placeholder {names}; the known ones are {', '.join(PLACEHOLDERS)}"
        )
    # The sandbox would refuse these when rendering; refusing them at load says so at deploy instead.
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        name: str | None = None
        if isinstance(node, nodes.Getattr):
            name = node.attr
        elif isinstance(node, nodes.Getitem):
            name = _const_str(node.arg)
        if name is not None and name.startswith("_"):
            raise CannedTemplateError(f"line {node.lineno}: access to '{name}' is not allowed")


def _const_str(node: nodes.Node) -> str | None:
    if isinstance(node, nodes.Const) and isinstance(node.value, str):
        return node.value
    return None


# --- context ----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ReplyContext:
    """What a template may say. Every field is text, so a template never renders "None"."""

    customer_name: str
    customer_handle: str
    case_ref: str
    agent_name: str
    agent_initials: str
    platform: str
    team: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def reply_context(
    *,
    platform: Platform,
    case_number: int,
    agent_name: str,
    team: str = "",
    customer_display_name: str | None = None,
    customer_handle: str | None = None,
    agent_initials: str | None = None,
) -> ReplyContext:
    """Build the context: the customer is greeted by display name, else @handle, else "there"."""
    handle = (customer_handle or "").strip().lstrip("@")
    at_handle = f"@{handle}" if handle else ""
    name = (customer_display_name or "").strip() or at_handle or "there"
    return ReplyContext(
        customer_name=name,
        customer_handle=at_handle,
        case_ref=f"#{case_number}",
        agent_name=agent_name.strip(),
        agent_initials=agent_initials if agent_initials is not None else initials(agent_name),
        platform=platform.label,
        team=team,
    )


# --- rendering --------------------------------------------------------------------------------------
def template_for(reply: CannedReply, platform: Platform) -> str:
    """The platform's variant if the reply has one, else its default text."""
    return reply.variants.get(platform, reply.text)


def render_template(source: str, context: ReplyContext) -> str:
    """Render one template; raises jinja2 errors (`SecurityError`, `UndefinedError`) unchanged."""
    return _compile(source).render(context.as_dict()).strip()


def render(reply: CannedReply, *, platform: Platform, context: ReplyContext) -> str:
    try:
        return render_template(template_for(reply, platform), context)
    except TemplateError as exc:
        raise CannedRenderError(reply.id, exc.message or type(exc).__name__) from exc


# --- suggestions ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CannedSuggestion:
    reply: CannedReply
    template: str  # the source for the platform asked about: its variant or the default text
    category_match: bool
    matched_terms: tuple[str, ...]  # keywords and title words found in the customer's text
    score: int  # keyword overlap: 2 per keyword, 1 per title word

    @property
    def id(self) -> str:
        return self.reply.id

    @property
    def title(self) -> str:
        return self.reply.title


_WORD_RE = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
# Function words only: a title word like "refund" or "thanks" is exactly the signal we want.
_STOPWORDS = frozenset(
    (
        *("a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "i", "in"),
        *("is", "it", "its", "me", "my", "of", "on", "or", "our", "so", "that", "the", "this", "to"),
        *("us", "we", "was", "were", "with", "you", "your", "after", "before", "about", "into"),
    )
)


def _stem(word: str) -> str:
    """Crude on purpose: plural "s" off, then the first six letters, so "refunded" meets "refund",
    "delivery" meets "delivered" and "cards" meets "card"; a real stemmer is not worth a dependency."""
    word = word.casefold().replace("\u2019", "'")
    word = word.removesuffix("'s")
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return word[:6]


def _stems(text: str) -> list[str]:
    return [_stem(w) for w in _WORD_RE.findall(text)]


def _contains(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return n > 0 and any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


def _overlap(reply: CannedReply, text_stems: list[str]) -> tuple[tuple[str, ...], int]:
    matched: list[str] = []
    covered: set[str] = set()
    score = 0
    for keyword in reply.keywords:
        stems = _stems(keyword)
        if _contains(text_stems, stems):
            matched.append(keyword)
            covered.update(stems)
            score += 2
    present = set(text_stems)
    for word in _WORD_RE.findall(reply.title):
        stem = _stem(word)
        if word.casefold() in _STOPWORDS or stem in covered or stem not in present:
            continue
        matched.append(word)
        covered.add(stem)
        score += 1
    return tuple(matched), score


def suggest(
    replies: list[CannedReply] | tuple[CannedReply, ...],
    *,
    category: Category,
    platform: Platform,
    text: str,
    limit: int = 5,
) -> list[CannedSuggestion]:
    """Canned replies worth offering for a case, best first.

    Replies for the case's category come first; then the rest that overlap with what the customer
    wrote, together with replies that name no category (those fit any case). Within each group, more
    overlap ranks higher, then the title alphabetically. A reply for another category and with no
    overlap is left out: offering "Thanks for the kind words" on a complaint invites a bad click.
    """
    text_stems = _stems(text)
    ranked: list[tuple[tuple[int, int, str, str], CannedSuggestion]] = []
    for reply in replies:
        matched, score = _overlap(reply, text_stems)
        category_match = category in reply.categories
        if not (category_match or score or not reply.categories):
            continue
        suggestion = CannedSuggestion(
            reply=reply,
            template=template_for(reply, platform),
            category_match=category_match,
            matched_terms=matched,
            score=score,
        )
        key = (0 if category_match else 1, -score, reply.title.casefold(), reply.id)
        ranked.append((key, suggestion))
    ranked.sort(key=lambda pair: pair[0])
    return [suggestion for _, suggestion in ranked[: max(limit, 0)]]
