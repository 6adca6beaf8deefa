"""Does a mention belong to a playbook's topic? The same whole-word matching as routing and priority."""

from __future__ import annotations

from socialdesk.domain.enums import Platform
from socialdesk.domain.keywords import matcher_for
from socialdesk.domain.playbooks.schema import Detection


def topic_keyword(detection: Detection, text: str) -> str | None:
    """The playbook keyword found in `text` (as the playbook spells it), or None."""
    return matcher_for(tuple(detection.keywords)).first_match(text)


def watches(detection: Detection, platform: Platform) -> bool:
    return not detection.platforms or platform in detection.platforms
