"""Plugins' card sections for one case, computed before the pure renderer draws the card.

Each section's `fields` is called through the guard: a section that raises is switched off and the card
goes out without it. Values are turned into short plain strings here; the renderer escapes them.
"""

from __future__ import annotations

import dataclasses
from functools import partial

from socialdesk.domain.case_view import CardSectionView, CaseView
from socialdesk.domain.models import Case
from socialdesk.plugin_host.facts import case_facts
from socialdesk.plugin_host.registry import PluginSet
from socialdesk.plugins.kinds import CardSection, CaseFacts

MAX_FIELDS = 10
MAX_LABEL = 50
MAX_VALUE = 500


def _short(value: object, limit: int) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def sections_for(plugins: PluginSet, case: Case) -> tuple[CardSectionView, ...]:
    sections = plugins.card_sections()
    if not sections:
        return ()
    facts = case_facts(case)
    found = []
    for section in sections:
        # Converted inside the guard: a section returning something else than pairs is broken too.
        view = plugins.guarded(section, "card_section", partial(_view, section, facts), None)
        if view is not None and view.fields:
            found.append(view)
    return tuple(found)


def _view(section: CardSection, facts: CaseFacts) -> CardSectionView:
    pairs = list(section.fields(facts))[:MAX_FIELDS]
    fields = tuple((_short(label, MAX_LABEL), _short(value, MAX_VALUE)) for label, value in pairs)
    return CardSectionView(title=_short(section.title, MAX_LABEL), fields=fields)


def with_sections(plugins: PluginSet, view: CaseView, case: Case) -> CaseView:
    sections = sections_for(plugins, case)
    return dataclasses.replace(view, sections=sections) if sections else view
