"""What the listeners may use: the services, never the raw environment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from socialdesk.casework.replies import ReplyDesk
from socialdesk.casework.roles import Actor, RoleDirectory
from socialdesk.casework.service import CaseWork
from socialdesk.clock import Clock
from socialdesk.config import Config
from socialdesk.crisis.service import CrisisDesk
from socialdesk.domain.notify import CaseNotifier
from socialdesk.plugin_host.registry import EMPTY, PluginSet


@dataclass(frozen=True)
class HandlerContext:
    engine: Engine
    config: Config
    clock: Clock
    notifier: CaseNotifier
    work: CaseWork
    roles: RoleDirectory
    replies: ReplyDesk
    crisis: CrisisDesk | None = None  # None when no playbooks are installed
    plugins: PluginSet = EMPTY  # the running plugins: their subcommands, card sections

    def actor(self, body: dict[str, Any]) -> Actor:
        """The Slack user behind a slash command, an action or a view submission."""
        user = body.get("user")
        if isinstance(user, dict):
            return self.roles.actor(
                str(user.get("id", "")), str(user.get("name") or user.get("username") or "")
            )
        return self.roles.actor(str(body.get("user_id", "")), str(body.get("user_name", "")))
