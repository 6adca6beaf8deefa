"""Who holds a playbook role in a crisis: the playbook's members (config roles, users, user groups)
plus the people the incident lead added to the role for this crisis (`/crisis role legal @ana`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from socialdesk.casework.roles import Role, RoleDirectory
from socialdesk.config import Config
from socialdesk.domain.playbooks.schema import Playbook

_CONFIG_ROLE = {"agents": Role.AGENT, "leads": Role.LEAD, "managers": Role.MANAGER}
MAX_INVITES = 50  # a user group of hundreds does not all belong in the war room


class PlaybookRoles:
    def __init__(self, config: Config, directory: RoleDirectory) -> None:
        self._config = config
        self._directory = directory

    def held_by(
        self, user_id: str, playbook: Playbook, assignments: Mapping[str, list[str]] | None = None
    ) -> frozenset[str]:
        """Every playbook role `user_id` holds in this crisis."""
        held = {
            name
            for name, role in playbook.roles.items()
            if self._member(user_id, role.members) or user_id in (assignments or {}).get(name, [])
        }
        return frozenset(held)

    def holds_any(
        self,
        user_id: str,
        roles: Iterable[str],
        playbook: Playbook,
        assignments: Mapping[str, list[str]] | None = None,
    ) -> bool:
        return bool(self.held_by(user_id, playbook, assignments) & set(roles))

    def mentions(
        self, role: str, playbook: Playbook, assignments: Mapping[str, list[str]] | None = None
    ) -> list[str]:
        """How to @-mention the role's people in Slack: users and user groups as configured."""
        found: list[str] = [f"<@{u}>" for u in (assignments or {}).get(role, [])]
        definition = playbook.roles.get(role)
        for member in definition.members if definition else []:
            for ref in self._refs(member):
                mention = f"<!subteam^{ref}>" if ref.startswith("S") else f"<@{ref}>"
                if mention not in found:
                    found.append(mention)
        return found

    def people(
        self, roles: Iterable[str], playbook: Playbook, assignments: Mapping[str, list[str]] | None = None
    ) -> list[str]:
        """User ids to invite to the war room for `roles` (user groups expanded; at most MAX_INVITES)."""
        users: list[str] = []
        for role in roles:
            candidates = list((assignments or {}).get(role, []))
            definition = playbook.roles.get(role)
            for member in definition.members if definition else []:
                for ref in self._refs(member):
                    candidates.extend(
                        sorted(self._directory.group_members(ref)) if ref.startswith("S") else [ref]
                    )
            for user in candidates:
                if user not in users and user.startswith(("U", "W")):
                    users.append(user)
        return users[:MAX_INVITES]

    def _refs(self, member: str) -> list[str]:
        """A playbook member as Slack ids: a config role name becomes its listed users and groups."""
        if member == "duty_leads":
            return list(self._config.duty_leads)
        if member in _CONFIG_ROLE:
            return list(getattr(self._config.roles, member))
        return [member]

    def _member(self, user_id: str, members: list[str]) -> bool:
        for member in members:
            if member in _CONFIG_ROLE:
                if _CONFIG_ROLE[member] in self._directory.roles_of(user_id):
                    return True
                continue
            for ref in self._refs(member):
                if ref == user_id or (ref.startswith("S") and self._directory.in_group(user_id, ref)):
                    return True
        return False
