"""Who is who: auth.test for the bot itself, users.info and usergroups.users.list for everyone else."""

from __future__ import annotations

import hashlib
from typing import Any

from socialdesk.standin.args import ApiError, Args
from socialdesk.standin.models import StandInUser
from socialdesk.standin.workspace import (
    APP_ID,
    BOT_ID,
    BOT_NAME,
    BOT_USER_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    TEAM_NAME,
    Workspace,
)


def auth_test(ws: Workspace, args: Args) -> dict[str, Any]:
    return {
        "url": f"https://{TEAM_DOMAIN}.slack.com/",
        "team": TEAM_NAME,
        "user": BOT_NAME,
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "app_id": APP_ID,
        "is_enterprise_install": False,
    }


def users_info(ws: Workspace, args: Args) -> dict[str, Any]:
    user = ws.users.get(args.string("user") or "")
    if user is None:
        raise ApiError("user_not_found")
    return {"user": user_json(user, ws, include_locale=args.flag("include_locale"))}


def usergroup_members(ws: Workspace, args: Args) -> dict[str, Any]:
    group = ws.usergroups.get(args.string("usergroup") or "")
    if group is None:
        raise ApiError("no_such_subteam")
    return {"users": list(group.users)}


def user_json(user: StandInUser, ws: Workspace, *, include_locale: bool = False) -> dict[str, Any]:
    avatar = hashlib.sha1(user.id.encode()).hexdigest()[:12]
    images = {
        f"image_{size}": f"https://avatars.slack-edge.com/standin/{avatar}_{size}.png"
        for size in (24, 32, 48, 72, 192, 512)
    }
    first, _, last = user.real_name.partition(" ")
    profile: dict[str, Any] = {
        "title": "",
        "phone": "",
        "skype": "",
        "real_name": user.real_name,
        "real_name_normalized": user.real_name,
        "display_name": user.name,
        "display_name_normalized": user.name,
        "first_name": first,
        "last_name": last,
        "status_text": "",
        "status_emoji": "",
        "status_expiration": 0,
        "avatar_hash": avatar,
        "team": TEAM_ID,
        **images,
    }
    if user.email:
        profile["email"] = user.email
    if user.is_bot:
        profile["bot_id"] = BOT_ID
        profile["api_app_id"] = APP_ID
        profile["always_active"] = True
    body: dict[str, Any] = {
        "id": user.id,
        "team_id": TEAM_ID,
        "name": user.name,
        "deleted": False,
        "color": "9f69e7",
        "real_name": user.real_name,
        "tz": user.tz,
        "tz_label": user.tz,
        "tz_offset": user.tz_offset,
        "profile": profile,
        "is_admin": user.is_admin,
        "is_owner": False,
        "is_primary_owner": False,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "is_bot": user.is_bot,
        "is_app_user": False,
        "updated": ws.now(),
        "is_email_confirmed": bool(user.email),
        "who_can_share_contact_card": "EVERYONE",
    }
    if include_locale:
        body["locale"] = "en-US"
    return body
