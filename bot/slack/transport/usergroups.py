"""Members of a Slack user group, for role checks (cached by `socialdesk.casework.roles.RoleDirectory`)."""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk import WebClient


def group_members_via(client: WebClient) -> Callable[[str], list[str]]:
    def members(group_id: str) -> list[str]:
        response = client.usergroups_users_list(usergroup=group_id)
        return [str(user) for user in response.get("users") or []]

    return members
