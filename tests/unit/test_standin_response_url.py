"""Posts to response_urls made by the stand-in: ephemeral, in-channel, replace and delete the original."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from socialdesk.standin import SlackStandin


@pytest.fixture
def slack() -> Iterator[SlackStandin]:
    with SlackStandin(channels={"social-support": "C0SUPPORT1"}) as server:
        yield server


@pytest.fixture
def client(slack: SlackStandin) -> WebClient:
    return WebClient(base_url=slack.url, token=slack.token)


def test_the_url_is_absolute_on_the_stand_in(slack: SlackStandin) -> None:
    url = slack.response_url("cmd-1", channel="social-support", user="U0AGENT01")
    assert url == f"{slack.root_url}/response/cmd-1"


def test_default_response_is_ephemeral(slack: SlackStandin) -> None:
    url = slack.response_url("cmd-1", channel="social-support", user="U0AGENT01")
    response = WebhookClient(url).send(text="Case #12 claimed")
    assert response.status_code == 200 and response.body == "ok"
    [ephemeral] = slack.ephemerals("social-support", user="U0AGENT01")
    assert ephemeral.text == "Case #12 claimed" and ephemeral.source == "response_url"
    assert slack.messages("social-support") == []
    [call] = slack.calls_to("response_url")
    assert call.args == {"text": "Case #12 claimed"} and call.path == "/response/cmd-1"


def test_in_channel_response_is_a_channel_message(slack: SlackStandin) -> None:
    url = slack.response_url("cmd-2", channel="C0SUPPORT1", user="U0AGENT01")
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Queue*: 3 open"}}]
    assert (
        httpx.post(url, json={"response_type": "in_channel", "text": "Queue", "blocks": blocks}).status_code
        == 200
    )
    [message] = slack.messages("social-support")
    assert message.text == "Queue" and message.blocks is not None
    assert slack.ephemerals() == []


def test_replace_original_updates_the_clicked_message(slack: SlackStandin, client: WebClient) -> None:
    card = client.chat_postMessage(channel="C0SUPPORT1", text="New case")["ts"]
    url = slack.response_url("act-1", channel="C0SUPPORT1", user="U0AGENT01", message_ts=card)
    assert httpx.post(url, json={"replace_original": True, "text": "Claimed by maria"}).status_code == 200
    [message] = slack.messages("social-support")
    assert message.ts == card and message.text == "Claimed by maria" and message.edited_ts


def test_delete_original_removes_it(slack: SlackStandin, client: WebClient) -> None:
    card = client.chat_postMessage(channel="C0SUPPORT1", text="Confirm?")["ts"]
    url = slack.response_url("act-2", channel="C0SUPPORT1", message_ts=card)
    assert httpx.post(url, json={"delete_original": "true"}).status_code == 200
    assert slack.messages("social-support") == []


def test_in_channel_reply_into_a_thread(slack: SlackStandin, client: WebClient) -> None:
    card = client.chat_postMessage(channel="C0SUPPORT1", text="card")["ts"]
    url = slack.response_url("cmd-3", channel="C0SUPPORT1")
    httpx.post(url, json={"response_type": "in_channel", "text": "note", "thread_ts": card})
    assert [r.text for r in slack.messages("social-support")[0].replies] == ["note"]


def test_refusals_are_http_errors_with_a_plain_text_reason(slack: SlackStandin) -> None:
    url = slack.response_url("cmd-4", channel="C0SUPPORT1", user="U0AGENT01")
    bad_blocks = {
        "text": "x",
        "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
    }
    refused = httpx.post(url, json=bad_blocks)
    assert (refused.status_code, refused.text) == (400, "invalid_blocks")
    assert httpx.post(url, json={}).text == "no_text"
    assert httpx.post(url, content=b"not json").text == "invalid_payload"
    unknown = httpx.post(f"{slack.root_url}/response/never-issued", json={"text": "x"})
    assert (unknown.status_code, unknown.text) == (404, "expired_url")


def test_a_response_url_works_five_times(slack: SlackStandin) -> None:
    url = slack.response_url("cmd-5", channel="C0SUPPORT1", user="U0AGENT01")
    assert [httpx.post(url, json={"text": str(i)}).status_code for i in range(5)] == [200] * 5
    sixth = httpx.post(url, json={"text": "6"})
    assert (sixth.status_code, sixth.text) == (404, "used_url")
    assert len(slack.ephemerals()) == 5
