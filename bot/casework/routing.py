"""Ordered routing rules pick the team (and so the channel) of a new case; a default team takes the rest."""

from __future__ import annotations

from dataclasses import dataclass

from socialdesk.config import Routing, RoutingRule
from socialdesk.domain.enums import Category, Platform, Priority
from socialdesk.domain.keywords import matcher_for


@dataclass(frozen=True, slots=True)
class RouteInput:
    platform: Platform
    text: str
    category: Category
    priority: Priority
    is_private: bool


@dataclass(frozen=True, slots=True)
class RouteDecision:
    team: str
    rule: str  # the rule's name, or "default"


def _matches(rule: RoutingRule, item: RouteInput) -> bool:
    m = rule.match
    if m.platforms and item.platform not in m.platforms:
        return False
    if m.categories and item.category not in m.categories:
        return False
    if m.priorities and item.priority not in m.priorities:
        return False
    if m.private is not None and m.private != item.is_private:
        return False
    return not (m.keywords_any and matcher_for(tuple(m.keywords_any)).first_match(item.text) is None)


def route(routing: Routing, item: RouteInput) -> RouteDecision:
    for rule in routing.rules:
        if _matches(rule, item):
            return RouteDecision(team=rule.team, rule=rule.name)
    return RouteDecision(team=routing.default_team, rule="default")
