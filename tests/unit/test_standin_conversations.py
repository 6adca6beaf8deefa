"""conversations.* on the stand-in: create, invite, join, info, list."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from socialdesk.standin import SlackStandin, StandInUser

CHANNELS = {"social-support": "C0SUPPORT1", "social-billing": "C0BILLING1", "general": "C0GENERAL1"}
USERS = [StandInUser("U0AGENT01", "maria", "Maria Agent"), StandInUser("U0AGENT02", "sam", "Sam Agent")]


@pytest.fixture
def slack() -> Iterator[SlackStandin]:
    with SlackStandin(channels=CHANNELS, users=USERS) as server:
        yield server


@pytest.fixture
def client(slack: SlackStandin) -> WebClient:
    return WebClient(base_url=slack.url, token=slack.token)


def error_of(call: Any) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()
    return str(caught.value.response["error"])


def test_create_answers_with_a_conversation_object(slack: SlackStandin, client: WebClient) -> None:
    channel = client.conversations_create(name="crisis-2024-outage")["channel"]
    assert channel["id"].startswith("C") and channel["name"] == "crisis-2024-outage"
    assert channel["is_channel"] is True and channel["is_private"] is False and channel["is_member"] is True
    assert channel["creator"] == client.auth_test()["user_id"]
    assert slack.channel_id("crisis-2024-outage") == channel["id"]
    assert client.chat_postMessage(channel="#crisis-2024-outage", text="war room")["channel"] == channel["id"]


def test_create_private_channel(client: WebClient) -> None:
    channel = client.conversations_create(name="crisis-private", is_private=True)["channel"]
    assert channel["id"].startswith("G") and channel["is_private"] is True and channel["is_group"] is True


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("social-support", "name_taken"),
        ("Has Caps", "invalid_name_specials"),
        ("no spaces", "invalid_name_specials"),
        ("emoji-🔥", "invalid_name_specials"),
        ("x" * 81, "invalid_name_maxlength"),
        ("---", "invalid_name_punctuation"),
        ("", "invalid_name_required"),
    ],
)
def test_create_refuses_bad_or_taken_names(client: WebClient, name: str, error: str) -> None:
    assert error_of(lambda: client.conversations_create(name=name)) == error


def test_eighty_characters_is_the_longest_name(client: WebClient) -> None:
    assert client.conversations_create(name="x" * 80)["ok"]


def test_invite_adds_members(slack: SlackStandin, client: WebClient) -> None:
    channel_id = client.conversations_create(name="crisis-room")["channel"]["id"]
    response = client.conversations_invite(channel=channel_id, users=["U0AGENT01", "U0AGENT02"])
    assert response["channel"]["id"] == channel_id
    assert {"U0AGENT01", "U0AGENT02"} <= slack.channel_members("crisis-room")


@pytest.mark.parametrize(
    ("users", "error"),
    [
        ("U0NOBODY1", "user_not_found"),
        ("U0SDBOT001", "cant_invite_self"),
        ("", "no_user"),
    ],
)
def test_invite_refusals(slack: SlackStandin, users: str, error: str) -> None:
    channel_id = WebClient(base_url=slack.url, token=slack.token).conversations_create(name="room")[
        "channel"
    ]["id"]
    body = httpx.post(
        f"{slack.url}conversations.invite", data={"token": slack.token, "channel": channel_id, "users": users}
    )
    assert body.json() == {"ok": False, "error": error}


def test_invite_someone_already_there(client: WebClient) -> None:
    assert (
        error_of(lambda: client.conversations_invite(channel="C0SUPPORT1", users="U0AGENT01"))
        == "already_in_channel"
    )


def test_invite_needs_a_channel_id(client: WebClient) -> None:
    assert error_of(lambda: client.conversations_invite(channel="social-support", users="U0AGENT01")) == (
        "channel_not_found"
    )


def test_join_and_join_again(client: WebClient) -> None:
    first = client.conversations_join(channel="C0BILLING1")
    assert first["channel"]["id"] == "C0BILLING1" and first["channel"]["is_member"] is True
    again = client.conversations_join(channel="C0BILLING1")
    assert again["warning"] == "already_in_channel"
    assert again["response_metadata"]["warnings"] == ["already_in_channel"]


def test_join_refuses_private_channels_and_unknown_ids(client: WebClient) -> None:
    private = client.conversations_create(name="secret", is_private=True)["channel"]["id"]
    assert (
        error_of(lambda: client.conversations_join(channel=private))
        == "method_not_supported_for_channel_type"
    )
    assert error_of(lambda: client.conversations_join(channel="C0NOPE0001")) == "channel_not_found"


def test_info(client: WebClient) -> None:
    channel = client.conversations_info(channel="C0SUPPORT1", include_num_members=True)["channel"]
    assert channel["name"] == "social-support" and channel["num_members"] == 3  # two people and the bot
    assert error_of(lambda: client.conversations_info(channel="C0NOPE0001")) == "channel_not_found"
    assert error_of(lambda: client.conversations_info(channel="social-support")) == "channel_not_found"


def test_info_over_get_with_query_string(slack: SlackStandin) -> None:
    response = httpx.get(
        f"{slack.url}conversations.info",
        params={"channel": "C0GENERAL1"},
        headers={"Authorization": f"Bearer {slack.token}"},
    )
    assert response.json()["channel"]["is_general"] is True


def test_list_filters_by_type_and_pages_with_a_cursor(client: WebClient) -> None:
    client.conversations_create(name="secret", is_private=True)
    for i in range(3):
        client.conversations_create(name=f"extra-{i}")
    public = client.conversations_list()["channels"]
    assert {c["name"] for c in public} == {
        "social-support",
        "social-billing",
        "general",
        "extra-0",
        "extra-1",
        "extra-2",
    }
    names: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = client.conversations_list(types="public_channel,private_channel", limit=2, cursor=cursor)
        names += [c["name"] for c in page["channels"]]
        pages += 1
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert pages == 4 and len(names) == 7 and "secret" in names


def test_list_refuses_a_bad_cursor_or_limit(client: WebClient) -> None:
    assert error_of(lambda: client.conversations_list(cursor="not-a-cursor")) == "invalid_cursor"
    assert error_of(lambda: client.conversations_list(limit=1001)) == "invalid_limit"
