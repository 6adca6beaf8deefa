"""How the stand-in reads tokens and arguments, and who it says everyone is (auth, users, usergroups)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from socialdesk.standin import SlackStandin, StandInUser, StandInUsergroup

USERS = [
    StandInUser("U0AGENT01", "maria", "Maria Lopez", "maria@example.com", tz="Europe/Madrid", tz_offset=3600),
    StandInUser("U0BOSS001", "dana", "Dana Boss", is_admin=True),
]
GROUPS = [StandInUsergroup("S0ONCALL01", "social-oncall", "Social on-call", ("U0AGENT01", "U0BOSS001"))]


@pytest.fixture
def slack() -> Iterator[SlackStandin]:
    with SlackStandin(users=USERS, usergroups=GROUPS, extra_tokens=["xoxb-second-workspace"]) as server:
        yield server


@pytest.fixture
def client(slack: SlackStandin) -> WebClient:
    return WebClient(base_url=slack.url, token=slack.token)


def test_url_ends_in_api_and_is_on_loopback(slack: SlackStandin) -> None:
    assert slack.url.startswith("http://127.0.0.1:") and slack.url.endswith("/api/")


def test_url_before_start_is_an_error() -> None:
    with pytest.raises(RuntimeError):
        _ = SlackStandin().url


def test_missing_token_is_not_authed_with_http_200(slack: SlackStandin) -> None:
    response = httpx.post(f"{slack.url}auth.test")
    assert response.status_code == 200
    assert response.json() == {"ok": False, "error": "not_authed"}


def test_wrong_token_is_invalid_auth(slack: SlackStandin) -> None:
    with pytest.raises(SlackApiError) as caught:
        WebClient(base_url=slack.url, token="xoxb-wrong").auth_test()
    assert caught.value.response.status_code == 200
    assert caught.value.response["error"] == "invalid_auth"


def test_token_as_a_form_field_or_query_parameter(slack: SlackStandin) -> None:
    assert httpx.post(f"{slack.url}auth.test", data={"token": slack.token}).json()["ok"] is True
    assert httpx.get(f"{slack.url}auth.test", params={"token": slack.token}).json()["ok"] is True
    assert httpx.post(f"{slack.url}auth.test", data={"token": "xoxb-second-workspace"}).json()["ok"] is True


def test_a_token_inside_a_json_body_is_ignored_as_slack_ignores_it(slack: SlackStandin) -> None:
    response = httpx.post(
        f"{slack.url}chat.postMessage", json={"token": slack.token, "channel": "general", "text": "x"}
    )
    assert response.json() == {"ok": False, "error": "not_authed"}


def test_a_json_body_to_a_form_only_method_loses_its_arguments(slack: SlackStandin) -> None:
    bearer = {"Authorization": f"Bearer {slack.token}"}
    as_json = httpx.post(
        f"{slack.url}files.getUploadURLExternal", json={"filename": "a.txt", "length": 1}, headers=bearer
    )
    assert as_json.json()["error"] == "invalid_arguments"
    as_form = httpx.post(
        f"{slack.url}files.getUploadURLExternal", data={"filename": "a.txt", "length": "1"}, headers=bearer
    )
    assert as_form.json()["ok"] is True


def test_malformed_json_and_unknown_methods(slack: SlackStandin) -> None:
    bearer = {"Authorization": f"Bearer {slack.token}", "Content-Type": "application/json"}
    assert (
        httpx.post(f"{slack.url}chat.postMessage", content=b"{nope", headers=bearer).json()["error"]
        == "invalid_json"
    )
    unknown = httpx.post(f"{slack.url}chat.teleport", headers=bearer).json()
    assert unknown == {"ok": False, "error": "unknown_method", "req_method": "chat.teleport"}
    assert httpx.get(f"{slack.root_url}/nowhere").status_code == 404


def test_a_chunked_body_is_read(slack: SlackStandin) -> None:
    def chunks() -> Iterator[bytes]:
        yield f"token={slack.token}&".encode()
        yield b"user=U0AGENT01"

    response = httpx.post(
        f"{slack.url}users.info",
        content=chunks(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.json()["user"]["id"] == "U0AGENT01"


def test_a_nonsense_content_length_is_a_400(slack: SlackStandin) -> None:
    host, port = slack.root_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"POST /api/auth.test HTTP/1.1\r\nHost: x\r\nContent-Length: lots\r\n\r\n")
        answer = b""
        while chunk := sock.recv(4096):  # the server closes after a framing error
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400")


def test_auth_test_names_the_bot(client: WebClient) -> None:
    response = client.auth_test()
    assert response["user_id"].startswith("U") and response["bot_id"].startswith("B")
    assert response["team_id"].startswith("T") and response["url"].startswith("https://")


def test_users_info(client: WebClient) -> None:
    user = client.users_info(user="U0AGENT01")["user"]
    assert user["name"] == "maria" and user["real_name"] == "Maria Lopez"
    assert user["profile"]["email"] == "maria@example.com" and user["profile"]["display_name"] == "maria"
    assert user["tz"] == "Europe/Madrid" and user["tz_offset"] == 3600 and user["is_bot"] is False
    assert client.users_info(user="U0BOSS001")["user"]["is_admin"] is True
    bot = client.users_info(user=client.auth_test()["user_id"])["user"]
    assert bot["is_bot"] is True


def test_users_info_unknown_or_missing_user(slack: SlackStandin, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as caught:
        client.users_info(user="U0NOBODY1")
    assert caught.value.response["error"] == "user_not_found"
    assert (
        httpx.get(f"{slack.url}users.info", params={"token": slack.token}).json()["error"] == "user_not_found"
    )


def test_usergroup_members(client: WebClient) -> None:
    assert client.usergroups_users_list(usergroup="S0ONCALL01")["users"] == ["U0AGENT01", "U0BOSS001"]
    with pytest.raises(SlackApiError) as caught:
        client.usergroups_users_list(usergroup="S0NOPE0001")
    assert caught.value.response["error"] == "no_such_subteam"


def test_default_workspace_has_people_and_a_group() -> None:
    with SlackStandin() as slack:
        client = WebClient(base_url=slack.url, token=slack.token)
        members = client.usergroups_users_list(usergroup="S0SOCIAL01")["users"]
        assert all(client.users_info(user=m)["ok"] for m in members)
        assert slack.channel_id("#social-support") == "C0SUPPORT1"
