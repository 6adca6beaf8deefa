"""Slack's external upload flow: getUploadURLExternal, a POST of the bytes, completeUploadExternal."""

from __future__ import annotations

import mimetypes
from typing import Any

from socialdesk.standin.args import ApiError, Args, blocks_error, invalid_arguments
from socialdesk.standin.blockkit import validate_blocks
from socialdesk.standin.models import StoredFile
from socialdesk.standin.spec import ALT_TXT_MAX
from socialdesk.standin.workspace import BOT_USER_ID, TEAM_DOMAIN, TEAM_ID, Workspace


def get_upload_url(ws: Workspace, args: Args) -> dict[str, Any]:
    length = args.integer("length")
    if length is None or length <= 0:
        raise invalid_arguments("length must be a positive integer")
    alt_txt = args.string("alt_txt")
    if alt_txt is not None and len(alt_txt) > ALT_TXT_MAX:
        raise ApiError("alt_txt_too_large")
    file_id = ws.new_id("F")
    ws.files[file_id] = StoredFile(
        id=file_id,
        filename=args.string("filename") or "",
        length=length,
        created=ws.now(),
        user=BOT_USER_ID,
        alt_txt=alt_txt,
    )
    return {"upload_url": f"{ws.root_url}/upload/{file_id}", "file_id": file_id}


def receive_upload(ws: Workspace, file_id: str, data: bytes) -> StoredFile:
    """Keep the bytes POSTed to an upload URL; Slack answers an unknown URL with 404."""
    stored = ws.files.get(file_id)
    if stored is None or stored.completed:
        raise ApiError("file_not_found", status=404)
    stored.content = data
    return stored


def complete_upload(ws: Workspace, args: Args) -> dict[str, Any]:
    entries = args.document("files", error="invalid_arguments")
    if not isinstance(entries, list) or not entries:
        raise invalid_arguments("files must be a non-empty JSON array of {id, title}")
    chosen: list[tuple[StoredFile, str | None]] = []
    for entry in entries:
        stored = ws.files.get(entry.get("id", "")) if isinstance(entry, dict) else None
        # A file whose bytes never arrived cannot be completed: Slack has nothing to share.
        if stored is None or stored.content is None or stored.completed:
            raise ApiError("file_not_found")
        title = entry.get("title")
        chosen.append((stored, title if isinstance(title, str) else None))
    targets = args.csv("channels") or args.csv("channel_id")
    channels = [ws.resolve_channel(c, allow_name=False) for c in targets]
    blocks = args.document("blocks", error="invalid_blocks")
    if blocks is not None:
        problems = validate_blocks(blocks, surface="message")
        if problems:
            raise blocks_error(problems)
    thread_ts = args.string("thread_ts")
    roots = {c.id: ws.thread_root(c.id, thread_ts) if thread_ts else None for c in channels}
    for stored, title in chosen:
        stored.completed = True
        stored.title = title or stored.filename
        stored.channels = [c.id for c in channels]
    for channel in channels:
        ws.post(
            channel,
            text=args.string("initial_comment") or "",
            blocks=blocks,
            thread_ts=roots[channel.id],
            files=[f.id for f, _ in chosen],
        )
    return {"files": [file_json(f, ws) for f, _ in chosen]}


def file_json(stored: StoredFile, ws: Workspace) -> dict[str, Any]:
    mimetype = mimetypes.guess_type(stored.filename)[0] or "application/octet-stream"
    extension = stored.filename.rsplit(".", 1)[-1].lower() if "." in stored.filename else "binary"
    public = [c for c in stored.channels if not ws.channels[c].is_private and not ws.channels[c].is_im]
    body: dict[str, Any] = {
        "id": stored.id,
        "created": stored.created,
        "timestamp": stored.created,
        "name": stored.filename,
        "title": stored.title or stored.filename,
        "mimetype": mimetype,
        "filetype": extension,
        "pretty_type": extension.upper(),
        "user": stored.user,
        "user_team": TEAM_ID,
        "editable": False,
        "size": len(stored.content or b""),
        "mode": "hosted",
        "is_external": False,
        "external_type": "",
        "is_public": bool(public),
        "public_url_shared": False,
        "display_as_bot": False,
        "username": "",
        "url_private": f"https://files.slack.com/files-pri/{TEAM_ID}-{stored.id}/{stored.filename}",
        "url_private_download": (
            f"https://files.slack.com/files-pri/{TEAM_ID}-{stored.id}/download/{stored.filename}"
        ),
        "permalink": f"https://{TEAM_DOMAIN}.slack.com/files/{stored.user}/{stored.id}/{stored.filename}",
        "permalink_public": f"https://slack-files.com/{TEAM_ID}-{stored.id}-standin",
        "comments_count": 0,
        "is_starred": False,
        "shares": {},
        "channels": public,
        "groups": [c for c in stored.channels if ws.channels[c].is_private],
        "ims": [c for c in stored.channels if ws.channels[c].is_im],
        "has_rich_preview": False,
        "file_access": "visible",
    }
    if stored.alt_txt:
        body["alt_txt"] = stored.alt_txt
    return body
