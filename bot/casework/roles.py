"""Who may do what. Roles come from the config as Slack user ids or user-group ids; a user group is
expanded through a lookup (Slack's usergroups.users.list) and cached, so a permission check costs a
dictionary read on the hot path.

Rules: with no agents configured every workspace member is an agent (a small team starting out);
leads and managers must be listed. Managers may do everything leads may.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from socialdesk.clock import Clock
from socialdesk.config import Roles
from socialdesk.domain.errors import DomainError

log = logging.getLogger(__name__)

GROUP_CACHE_SECONDS = 300


class Role(StrEnum):
    AGENT = "agent"
    LEAD = "lead"
    MANAGER = "manager"


class Capability(StrEnum):
    WORK_CASES = "work cases"  # claim, reply, escalate, resolve, note
    ASSIGN = "assign cases to others"
    ACT_ON_OTHERS = "act on a case someone else holds"  # unclaim / reopen / reply over another agent
    RUN_CRISIS = "run crisis playbooks"
    SNOOZE_ALERTS = "snooze a case's SLA alerts"
    PRIVACY = "export or erase a customer's personal data"


# The one table of permissions: each capability and the roles that grant it.
GRANTS: dict[Capability, frozenset[Role]] = {
    Capability.WORK_CASES: frozenset({Role.AGENT, Role.LEAD, Role.MANAGER}),
    Capability.ASSIGN: frozenset({Role.LEAD, Role.MANAGER}),
    Capability.ACT_ON_OTHERS: frozenset({Role.LEAD, Role.MANAGER}),
    Capability.RUN_CRISIS: frozenset({Role.LEAD, Role.MANAGER}),
    Capability.SNOOZE_ALERTS: frozenset({Role.LEAD, Role.MANAGER}),
    Capability.PRIVACY: frozenset({Role.LEAD, Role.MANAGER}),
}


class NotPermitted(DomainError):
    def __init__(self, capability: Capability) -> None:
        needed = " or ".join(sorted(r.value for r in GRANTS[capability]))
        super().__init__(
            f"You need the {needed} role to {capability.value}. Ask an admin to add you under "
            "`roles:` in the socialdesk config."
        )
        self.capability = capability


@dataclass(frozen=True, slots=True)
class Actor:
    """The Slack user behind a request, with the roles resolved once for that request."""

    user_id: str
    name: str
    roles: frozenset[Role]

    def can(self, capability: Capability) -> bool:
        return bool(self.roles & GRANTS[capability])

    def require(self, capability: Capability) -> None:
        if not self.can(capability):
            raise NotPermitted(capability)


GroupLookup = Callable[[str], Iterable[str]]


class RoleDirectory:
    def __init__(self, roles: Roles, *, group_members: GroupLookup, clock: Clock) -> None:
        self._roles = roles
        self._group_members = group_members
        self._clock = clock
        self._groups: dict[str, tuple[frozenset[str], datetime]] = {}
        self._lock = threading.Lock()

    def actor(self, user_id: str, name: str = "") -> Actor:
        return Actor(user_id=user_id, name=name or user_id, roles=self.roles_of(user_id))

    def roles_of(self, user_id: str) -> frozenset[Role]:
        found: set[Role] = set()
        for role, members in (
            (Role.AGENT, self._roles.agents),
            (Role.LEAD, self._roles.leads),
            (Role.MANAGER, self._roles.managers),
        ):
            if self._listed(user_id, members):
                found.add(role)
        if not self._roles.agents:
            found.add(Role.AGENT)
        return frozenset(found)

    def in_group(self, user_id: str, group: str) -> bool:
        """Whether `user_id` belongs to the Slack user group `group` (cached like the config roles)."""
        return user_id in self._members(group)

    def group_members(self, group: str) -> frozenset[str]:
        return self._members(group)

    def _listed(self, user_id: str, members: list[str]) -> bool:
        if user_id in members:
            return True
        return any(user_id in self._members(group) for group in members if group.startswith("S"))

    def _members(self, group: str) -> frozenset[str]:
        now = self._clock.now()
        with self._lock:
            cached = self._groups.get(group)
            if cached is not None and cached[1] > now:
                return cached[0]
        try:
            members = frozenset(self._group_members(group))
        except Exception as exc:  # Slack unreachable: keep the last answer rather than lock people out
            log.warning("user group %s could not be read: %s", group, type(exc).__name__)
            return cached[0] if cached is not None else frozenset()
        with self._lock:
            self._groups[group] = (members, now + timedelta(seconds=GROUP_CACHE_SECONDS))
        return members
