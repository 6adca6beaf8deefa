"""The stand-in's embedded Slack knowledge, checked against Slack's own reference material.

`../shared/data/slack/method_refs` (Slack's method docs, scraped) gives required arguments, JSON support
and the errors each method can return; `../shared/data/slack/response_shapes` holds the union of real
responses. Every response the stand-in gives must fit inside the real shape: no invented keys, and the
same JSON type for each key Slack has.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient

from socialdesk.standin import SlackStandin
from socialdesk.standin.spec import GENERIC_ERRORS, SPECS

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA = REPO_ROOT.parent / "shared" / "data" / "slack"
STANDIN_SOURCE = REPO_ROOT / "bot" / "standin"

pytestmark = pytest.mark.skipif(
    not DATA.is_dir(),
    reason=f"Slack reference data not found at {DATA} (it ships beside the repo in CI, not in a fresh clone)",
)

# Keys whose content is the caller's own input echoed back (Block Kit), not Slack's envelope.
ECHOED = frozenset({"blocks"})
# Refusals of a response_url post: hooks.slack.com answers, not Web API methods, so no method lists them.
RESPONSE_URL_ERRORS = frozenset({"expired_url", "used_url", "invalid_payload", "no_text", "invalid_blocks"})


def method_refs() -> dict[str, dict[str, Any]]:
    return {p.stem: json.loads(p.read_text()) for p in sorted((DATA / "method_refs").glob("*.json"))}


def shape_of(method: str) -> dict[str, Any]:
    shape: dict[str, Any] = json.loads((DATA / "response_shapes" / f"{method}.json").read_text())
    return shape


def misfits(actual: Any, shape: Any, path: str = "") -> list[str]:
    """Where `actual` strays from the real response `shape` (an empty object or array allows anything)."""
    if actual is None:
        return []  # Slack sends null for absent optional values (close, submit, previous_view_id)
    if isinstance(shape, dict):
        if not isinstance(actual, dict):
            return [f"{path or '/'}: expected an object, got {type(actual).__name__}"]
        problems: list[str] = []
        for key, value in actual.items():
            if not shape or key in ECHOED:
                continue
            if key not in shape:
                problems.append(f"{path}/{key}: not in Slack's response")
            else:
                problems.extend(misfits(value, shape[key], f"{path}/{key}"))
        return problems
    if isinstance(shape, list):
        if not isinstance(actual, list):
            return [f"{path}: expected an array, got {type(actual).__name__}"]
        return (
            [p for i, item in enumerate(actual) for p in misfits(item, shape[0], f"{path}/{i}")]
            if shape
            else []
        )
    same = (
        isinstance(actual, bool)
        if isinstance(shape, bool)
        else isinstance(actual, int | float) and not isinstance(actual, bool)
        if isinstance(shape, int | float)
        else isinstance(actual, str)
    )
    return (
        [] if same else [f"{path}: expected {type(shape).__name__}, got {type(actual).__name__} {actual!r}"]
    )


def test_every_referenced_method_is_embedded_with_the_same_facts() -> None:
    refs = method_refs()
    assert refs, "no method_refs found"
    for method, ref in refs.items():
        spec = SPECS.get(method)
        assert spec is not None, f"{method} is in Slack's reference but not in the stand-in"
        assert spec.required == frozenset(ref["args"]["required"]), method
        assert spec.json_input == bool(ref.get("json_input_supported")), method
        assert spec.http_method == ref["http_method"], method
        documented = set(ref.get("errors", {}))
        undocumented = spec.errors - documented - GENERIC_ERRORS
        assert not undocumented, f"{method}: errors Slack does not list: {sorted(undocumented)}"
        for name, error in spec.missing_errors.items():
            assert error in documented | GENERIC_ERRORS, (
                f"{method}: missing {name} -> {error} is not a Slack error"
            )
        assert not set(spec.standin_only_errors) & documented, (
            f"{method}: Slack lists these, so they are not stand-in only"
        )


def test_every_error_the_stand_in_can_return_is_accounted_for() -> None:
    raised = set()
    for source in STANDIN_SOURCE.glob("*.py"):
        raised |= set(re.findall(r'ApiError\(\s*"([a-z_]+)"', source.read_text()))
    known = set(GENERIC_ERRORS) | RESPONSE_URL_ERRORS
    for spec in SPECS.values():
        known |= spec.errors | set(spec.standin_only_errors) | set(spec.missing_errors.values())
    assert raised, "found no ApiError(...) in the stand-in source"
    assert raised <= known, f"errors no spec declares: {sorted(raised - known)}"


def test_misfits_finds_invented_keys_and_wrong_types() -> None:
    shape = {"ok": False, "channel": {"id": "C0", "created": 1, "topic": {}}, "users": [""]}
    assert (
        misfits(
            {"ok": True, "channel": {"id": "C1", "created": 2, "topic": {"x": 1}}, "users": ["U1"]}, shape
        )
        == []
    )
    assert misfits({"ok": "yes", "channel": {"created": True, "bogus": 1}, "users": [1]}, shape) == [
        "/ok: expected bool, got str 'yes'",
        "/channel/created: expected int, got bool True",
        "/channel/bogus: not in Slack's response",
        "/users/0: expected str, got int 1",
    ]


@pytest.fixture
def slack() -> Iterator[SlackStandin]:
    with SlackStandin(channels={"social-support": "C0SUPPORT1"}) as server:
        yield server


@pytest.fixture
def client(slack: SlackStandin) -> WebClient:
    return WebClient(base_url=slack.url, token=slack.token)


BLOCKS: list[dict[str, Any]] = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "*#12* P2"}},
    {
        "type": "actions",
        "elements": [{"type": "button", "text": {"type": "plain_text", "text": "Claim"}, "value": "12"}],
    },
]
MODAL = {
    "type": "modal",
    "title": {"type": "plain_text", "text": "Reply"},
    "blocks": BLOCKS,
    "callback_id": "c",
}


def _post(client: WebClient, **extra: Any) -> dict[str, Any]:
    data = client.chat_postMessage(
        channel="C0SUPPORT1",
        text="t",
        blocks=BLOCKS,
        metadata={"event_type": "socialdesk_case", "event_payload": {"case": 12}},
        **extra,
    ).data
    assert isinstance(data, dict)
    return data


def _update(client: WebClient, slack: SlackStandin) -> dict[str, Any]:
    ts = _post(client)["ts"]
    data = client.chat_update(channel="C0SUPPORT1", ts=ts, text="claimed", blocks=BLOCKS).data
    assert isinstance(data, dict)
    return data


def _complete_upload(client: WebClient, slack: SlackStandin) -> dict[str, Any]:
    issued = client.files_getUploadURLExternal(filename="chart.png", length=3, alt_txt="SLA chart")
    httpx.post(issued["upload_url"], content=b"png")
    data = client.files_completeUploadExternal(
        files=[{"id": issued["file_id"], "title": "SLA"}], channel_id="C0SUPPORT1"
    ).data
    assert isinstance(data, dict)
    return data


def _data(response: Any) -> dict[str, Any]:
    assert isinstance(response.data, dict)
    return response.data


HAPPY_PATHS: dict[str, Callable[[WebClient, SlackStandin], dict[str, Any]]] = {
    "chat.postMessage": lambda client, slack: _post(client),
    "chat.update": _update,
    "chat.postEphemeral": lambda client, slack: _data(
        client.chat_postEphemeral(channel="C0SUPPORT1", user="U0AGENT01", text="psst", blocks=BLOCKS)
    ),
    "conversations.create": lambda client, slack: _data(client.conversations_create(name="crisis-room")),
    "conversations.invite": lambda client, slack: _data(
        client.conversations_invite(
            channel=client.conversations_create(name="room")["channel"]["id"], users="U0AGENT01"
        )
    ),
    "files.getUploadURLExternal": lambda client, slack: _data(
        client.files_getUploadURLExternal(filename="a.png", length=1)
    ),
    "files.completeUploadExternal": _complete_upload,
    "usergroups.users.list": lambda client, slack: _data(
        client.usergroups_users_list(usergroup="S0SOCIAL01")
    ),
    "users.info": lambda client, slack: _data(client.users_info(user="U0AGENT01", include_locale=True)),
    "views.open": lambda client, slack: _data(
        client.views_open(trigger_id=slack.new_trigger_id(), view=MODAL)
    ),
    "views.publish": lambda client, slack: _data(
        client.views_publish(user_id="U0AGENT01", view={"type": "home", "blocks": BLOCKS})
    ),
}


def test_every_shape_on_file_has_a_happy_path_here() -> None:
    on_file = {p.stem for p in (DATA / "response_shapes").glob("*.json")}
    assert on_file == set(HAPPY_PATHS)


@pytest.mark.parametrize("method", sorted(HAPPY_PATHS))
def test_responses_fit_slacks_real_shape(method: str, slack: SlackStandin, client: WebClient) -> None:
    response = HAPPY_PATHS[method](client, slack)
    assert response["ok"] is True
    assert misfits(response, shape_of(method)) == []
    required = method_refs()[method].get("output", {}).get("required", [])
    assert set(required) <= response.keys(), f"{method} lacks {set(required) - response.keys()}"


def test_the_reply_in_a_thread_fits_the_post_message_shape(client: WebClient) -> None:
    parent = _post(client)["ts"]
    assert misfits(_post(client, thread_ts=parent), shape_of("chat.postMessage")) == []


@pytest.mark.parametrize(
    ("method", "call"),
    [
        (
            "chat.postMessage",
            lambda slack: {
                "channel": "C0SUPPORT1",
                "text": "t",
                "blocks": [{"type": "header", "text": {"type": "mrkdwn", "text": "x"}}],
            },
        ),
        (
            "views.open",
            lambda slack: {"trigger_id": slack.new_trigger_id(), "view": {"type": "modal", "blocks": []}},
        ),
        ("files.getUploadURLExternal", lambda slack: {"filename": "a.txt"}),
    ],
)
def test_refusals_fit_slacks_real_shape(
    method: str, call: Callable[[SlackStandin], dict[str, Any]], slack: SlackStandin
) -> None:
    response = httpx.post(f"{slack.url}{method}", data={"token": slack.token, **_form(call(slack))}).json()
    assert response["ok"] is False
    assert misfits(response, shape_of(method)) == []


def _form(args: dict[str, Any]) -> dict[str, str]:
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in args.items()}
