"""The Slack app manifest: everything a workspace admin needs to create a working app in one paste."""

from __future__ import annotations

from typing import Any

BOT_SCOPES = [
    "chat:write",  # case cards, updates, thread follow-ups, alerts, digests
    "chat:write.public",  # post in public team channels without being invited first
    "commands",  # /social and /crisis
    "channels:read",  # resolve configured channel names
    "channels:join",  # join public team channels
    "channels:manage",  # create missing team channels and crisis war rooms
    "groups:read",
    "groups:write",  # private war-room channels
    "files:write",  # digest charts
    "pins:write",  # the crisis card and checklist pinned in the war room
    "users:read",  # names in cards and digests
    "usergroups:read",  # on-call groups and role lists given as user groups
    "channels:history",  # messages typed in case threads become internal notes
    "groups:history",
    "app_mentions:read",
    "im:write",
]


def build_manifest(url: str, *, name: str = "socialdesk") -> dict[str, Any]:
    base = url.rstrip("/")
    events_url = f"{base}/slack/events"
    return {
        "display_information": {
            "name": name,
            "description": "Social customer service: case cards, replies, SLA alerts, crisis playbooks.",
            "background_color": "#1d3b53",
        },
        "features": {
            "bot_user": {"display_name": name, "always_online": True},
            # Without home_tab_enabled Slack shows no Home tab and never sends app_home_opened for it.
            "app_home": {"home_tab_enabled": True, "messages_tab_enabled": True},
            # Escaped text carries user ids (`<@U123|maria>`), which `assign` and crisis roles need.
            "slash_commands": [
                {
                    "command": "/social",
                    "url": events_url,
                    "description": (
                        "Work the social queue: queue, claim, reply, escalate, resolve, triage, show"
                    ),
                    "usage_hint": "queue | claim 42 | reply 42 | escalate 42 billing | triage 42 P2 | help",
                    "should_escape": True,
                },
                {
                    "command": "/crisis",
                    "url": events_url,
                    "description": "Run a crisis playbook: list, start, status, approve, end, review",
                    "usage_hint": 'list | start service-outage sev2 "Login failures" | status',
                    "should_escape": True,
                },
            ],
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": {
            "event_subscriptions": {
                "request_url": events_url,
                # app_home_opened: publish the Home tab (own cases, team queue, today's numbers).
                "bot_events": ["app_home_opened", "app_mention", "message.channels", "message.groups"],
            },
            "interactivity": {"is_enabled": True, "request_url": events_url},
            "org_deploy_enabled": False,
            "socket_mode_enabled": False,
            "token_rotation_enabled": False,
        },
    }
