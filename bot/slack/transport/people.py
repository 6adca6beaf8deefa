"""Display names of Slack users (users.info), cached: the reply form signs with the agent's name."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)


def display_names_via(client: WebClient) -> Callable[[str], str]:
    cache: dict[str, str] = {}
    lock = threading.Lock()

    def name_of(user_id: str) -> str:
        with lock:
            if user_id in cache:
                return cache[user_id]
        try:
            user = client.users_info(user=user_id).get("user") or {}
        except SlackApiError as exc:
            log.warning("users.info %s failed: %s", user_id, exc.response.get("error"))
            return ""
        profile = user.get("profile") or {}
        name = str(profile.get("real_name") or user.get("real_name") or profile.get("display_name") or "")
        with lock:
            cache[user_id] = name
        return name

    return name_of
