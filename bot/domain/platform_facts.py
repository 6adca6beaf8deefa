"""What the core needs to know about a platform, as plain data the platform's source declares.

The domain imports nothing of the plugins, so the facts come in here: a source's `PlatformSpec`
(socialdesk.plugins.source) declares them when it is created, and the voice checks, the survey rules and
the brand-account matching read them by platform name. A platform nobody declared gets `NEUTRAL`: counted
with `len`, no note, no shared accounts, no private limit of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class PlatformFacts:
    length: Callable[[str], int] = len  # how the platform counts a text against its limit
    # Told to the agent with a "too long" when the text has links (X: "each link counts as 23").
    link_note: str | None = None
    # Platforms whose accounts are the same ids and handles (Meta: a Page is also its Messenger inbox).
    shares_accounts_with: tuple[str, ...] = ()
    public: bool = True  # a public answer exists (Messenger: no)
    private: bool = False  # a private answer exists
    private_max_length: int | None = None  # the limit of a private message, where it has its own
    private_window: timedelta | None = None  # how long after the customer's message a private reply may go
    # One public answer per item: a review store (Google, the App Store, Trustpilot). Its SLA default is a
    # day where the config names no target for the platform (socialdesk.config.SlaTargets).
    one_answer: bool = False


NEUTRAL = PlatformFacts()
_FACTS: dict[str, PlatformFacts] = {}


def declare(platform: str, facts: PlatformFacts) -> None:
    """The facts of `platform`; declared again (a plugin reloaded), the last declaration holds."""
    _FACTS[platform] = facts


def facts_for(platform: str) -> PlatformFacts:
    return _FACTS.get(str(platform), NEUTRAL)
