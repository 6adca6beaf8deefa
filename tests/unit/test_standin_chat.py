"""chat.* on the stand-in, through the real slack_sdk WebClient and through raw httpx."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from socialdesk.clock import ManualClock
from socialdesk.standin import SlackStandin

# slack_sdk warns when a message has no top-level text; these tests leave it out on purpose.
missing_text_is_deliberate = pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")

CHANNELS = {"social-support": "C0SUPPORT1", "social-billing": "C0BILLING1"}
START = datetime.fromtimestamp(1732500000, tz=UTC)
TS = re.compile(r"^\d{10}\.\d{6}$")
CARD: list[dict[str, Any]] = [
    {"type": "header", "text": {"type": "plain_text", "text": "#12 · P2"}},
    {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Claim"},
                "action_id": "case.claim",
                "value": "12",
            }
        ],
    },
]


@pytest.fixture
def slack() -> Iterator[SlackStandin]:
    with SlackStandin(channels=CHANNELS, clock=ManualClock(START)) as server:
        yield server


@pytest.fixture
def client(slack: SlackStandin) -> WebClient:
    return WebClient(base_url=slack.url, token=slack.token)


def api_error(call: Any) -> dict[str, Any]:
    with pytest.raises(SlackApiError) as caught:
        call()
    data = caught.value.response.data
    assert isinstance(data, dict)
    return data


def raw_form(slack: SlackStandin, method: str, **fields: str) -> dict[str, Any]:
    response = httpx.post(f"{slack.url}{method}", data={"token": slack.token, **fields})
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def test_post_message_by_name_answers_in_slacks_shape(slack: SlackStandin, client: WebClient) -> None:
    response = client.chat_postMessage(channel="#social-support", text="New case #12", blocks=CARD)
    assert response["ok"] is True
    assert response["channel"] == "C0SUPPORT1"
    assert TS.match(response["ts"])
    message = response["message"]
    assert message["text"] == "New case #12"
    assert message["ts"] == response["ts"]
    assert message["type"] == "message"
    assert message["bot_id"] and message["user"] and message["bot_profile"]["id"] == message["bot_id"]
    assert [b["type"] for b in message["blocks"]] == ["header", "actions"]
    assert all(b["block_id"] for b in message["blocks"]), "Slack gives every block a block_id"


def test_channel_is_accepted_as_id_name_or_hash_name(slack: SlackStandin, client: WebClient) -> None:
    for channel in ("C0SUPPORT1", "social-support", "#social-support"):
        assert client.chat_postMessage(channel=channel, text=channel)["channel"] == "C0SUPPORT1"
    assert [m.text for m in slack.messages("social-support")] == [
        "C0SUPPORT1",
        "social-support",
        "#social-support",
    ]


def test_ts_values_are_realistic_and_strictly_increasing(client: WebClient) -> None:
    stamps = [client.chat_postMessage(channel="C0SUPPORT1", text=str(i))["ts"] for i in range(5)]
    assert stamps[0] == "1732500000.000000"  # the clock stood still: microseconds still advance
    assert stamps == sorted(stamps) and len(set(stamps)) == 5
    assert all(TS.match(ts) for ts in stamps)


def test_asking_for_an_unknown_channel_is_a_lookup_error(slack: SlackStandin) -> None:
    with pytest.raises(LookupError, match="no-such-channel"):
        slack.messages("no-such-channel")


def test_posting_to_a_user_id_goes_to_the_bots_dm_with_them(slack: SlackStandin, client: WebClient) -> None:
    response = client.chat_postMessage(channel="U0AGENT01", text="You have an SLA breach")
    assert response["channel"].startswith("D")
    assert slack.messages("U0AGENT01")[0].text == "You have an SLA breach"


@missing_text_is_deliberate
@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"channel": "C0NOPE0001", "text": "x"}, "channel_not_found"),
        ({"channel": "#no-such-channel", "text": "x"}, "channel_not_found"),
        ({"channel": "C0SUPPORT1"}, "no_text"),
        ({"channel": "C0SUPPORT1", "text": "", "blocks": []}, "no_text"),
        ({"channel": "C0SUPPORT1", "text": "x", "thread_ts": "1700000000.000001"}, "thread_not_found"),
    ],
)
def test_post_message_refusals(client: WebClient, kwargs: dict[str, Any], error: str) -> None:
    assert api_error(lambda: client.chat_postMessage(**kwargs))["error"] == error


def test_missing_channel_is_channel_not_found(slack: SlackStandin) -> None:
    assert raw_form(slack, "chat.postMessage", text="x") == {"ok": False, "error": "channel_not_found"}


@missing_text_is_deliberate
def test_blocks_or_attachments_alone_are_enough(client: WebClient) -> None:
    assert client.chat_postMessage(channel="C0SUPPORT1", blocks=CARD)["ok"]
    assert client.chat_postMessage(
        channel="C0SUPPORT1", attachments=[{"text": "legacy", "fallback": "legacy"}]
    )["ok"]


def test_invalid_blocks_come_back_with_slacks_error_shape(slack: SlackStandin, client: WebClient) -> None:
    too_long = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    data = api_error(lambda: client.chat_postMessage(channel="C0SUPPORT1", text="t", blocks=too_long))
    assert data["error"] == "invalid_blocks"
    assert data["errors"] == ["must be less than 3001 characters [json-pointer:/blocks/0/text/text]"]
    assert data["response_metadata"]["messages"] == [f"[ERROR] {data['errors'][0]}"]
    fifty_one = [{"type": "divider"}] * 51
    assert api_error(lambda: client.chat_postMessage(channel="C0SUPPORT1", text="t", blocks=fifty_one))[
        "errors"
    ] == ["no more than 50 items allowed [json-pointer:/blocks]"]
    assert slack.messages("C0SUPPORT1") == []


def test_form_encoded_blocks_arrive_as_a_json_string(slack: SlackStandin) -> None:
    body = raw_form(slack, "chat.postMessage", channel="social-support", text="t", blocks=json.dumps(CARD))
    assert body["ok"] is True
    assert slack.messages("social-support")[0].blocks is not None
    assert slack.calls_to("chat.postMessage")[0].args["blocks"][0]["type"] == "header"


def test_blocks_that_are_not_json_are_invalid_blocks_format(slack: SlackStandin) -> None:
    body = raw_form(slack, "chat.postMessage", channel="social-support", text="t", blocks="[{not json")
    assert body == {"ok": False, "error": "invalid_blocks_format"}


def test_json_body_with_bearer_token(slack: SlackStandin) -> None:
    response = httpx.post(
        f"{slack.url}chat.postMessage",
        json={"channel": "C0SUPPORT1", "text": "json!", "blocks": CARD},
        headers={"Authorization": f"Bearer {slack.token}"},
    )
    assert response.json()["ok"] is True
    assert slack.messages("C0SUPPORT1")[0].text == "json!"


def test_thread_replies_are_recorded_under_their_parent(slack: SlackStandin, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="social-support", text="card")
    reply = client.chat_postMessage(channel="C0SUPPORT1", text="follow-up", thread_ts=parent["ts"])
    assert reply["message"]["thread_ts"] == parent["ts"]
    assert reply["message"]["parent_user_id"]
    # Replying to a reply files it in the parent's thread, as Slack does.
    client.chat_postMessage(channel="C0SUPPORT1", text="second", thread_ts=reply["ts"])
    [card] = slack.messages("social-support")
    assert [r.text for r in card.replies] == ["follow-up", "second"]
    assert all(r.thread_ts == parent["ts"] for r in card.replies)


def test_chat_update_replaces_text_and_blocks(slack: SlackStandin, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="social-support", text="New", blocks=CARD)
    updated = client.chat_update(channel=posted["channel"], ts=posted["ts"], text="Claimed", blocks=CARD[:1])
    assert updated["ok"] and updated["ts"] == posted["ts"] and updated["channel"] == "C0SUPPORT1"
    assert updated["text"] == "Claimed"
    assert updated["message"]["text"] == "Claimed"
    assert updated["message"]["edited"]["ts"] > posted["ts"]
    [message] = slack.messages("social-support")
    assert message.text == "Claimed"
    assert message.blocks is not None and [b["type"] for b in message.blocks] == ["header"]
    assert message.edited_ts is not None


def test_chat_update_keeps_what_it_does_not_name(slack: SlackStandin, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="social-support", text="New", blocks=CARD)
    client.chat_update(channel="C0SUPPORT1", ts=posted["ts"], text="Claimed")
    [message] = slack.messages("social-support")
    assert message.blocks is not None and len(message.blocks) == 2


def test_chat_update_of_a_thread_reply(slack: SlackStandin, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C0SUPPORT1", text="card")
    reply = client.chat_postMessage(channel="C0SUPPORT1", text="note", thread_ts=parent["ts"])
    client.chat_update(channel="C0SUPPORT1", ts=reply["ts"], text="edited note")
    assert slack.messages("C0SUPPORT1")[0].replies[0].text == "edited note"


@missing_text_is_deliberate
def test_chat_update_refusals(client: WebClient) -> None:
    posted = client.chat_postMessage(channel="C0SUPPORT1", text="card")
    assert (
        api_error(lambda: client.chat_update(channel="C0SUPPORT1", ts="1.000001", text="x"))["error"]
        == "message_not_found"
    )
    # chat.update needs the channel id; only chat.postMessage resolves names.
    assert (
        api_error(lambda: client.chat_update(channel="social-support", ts=posted["ts"], text="x"))["error"]
        == "channel_not_found"
    )
    assert api_error(lambda: client.chat_update(channel="C0SUPPORT1", ts=posted["ts"]))["error"] == "no_text"
    assert (
        api_error(lambda: client.chat_update(channel="C0SUPPORT1", ts=posted["ts"], text="x" * 40_001))[
            "error"
        ]
        == "msg_too_long"
    )


def test_over_long_text_is_truncated_by_post_message(slack: SlackStandin, client: WebClient) -> None:
    client.chat_postMessage(channel="C0SUPPORT1", text="x" * 40_010)
    assert len(slack.messages("C0SUPPORT1")[0].text) == 40_000


def test_metadata_is_stored_and_checked(slack: SlackStandin, client: WebClient) -> None:
    metadata = {"event_type": "socialdesk_case", "event_payload": {"case": 12}}
    client.chat_postMessage(channel="C0SUPPORT1", text="t", metadata=metadata)
    assert slack.messages("C0SUPPORT1")[0].metadata == metadata
    assert raw_form(slack, "chat.postMessage", channel="C0SUPPORT1", text="t", metadata="{oops")["error"] == (
        "invalid_metadata_format"
    )


def test_post_ephemeral_is_seen_by_one_member_only(slack: SlackStandin, client: WebClient) -> None:
    response = client.chat_postEphemeral(
        channel="social-support", user="U0AGENT01", text="Only you can see this"
    )
    assert TS.match(response["message_ts"])
    [ephemeral] = slack.ephemerals("social-support", user="U0AGENT01")
    assert ephemeral.text == "Only you can see this" and ephemeral.source == "chat.postEphemeral"
    assert slack.messages("social-support") == []


def test_post_ephemeral_needs_the_user_in_the_channel(client: WebClient) -> None:
    created = client.conversations_create(name="crisis-outage")["channel"]["id"]
    refused = api_error(lambda: client.chat_postEphemeral(channel=created, user="U0AGENT01", text="x"))
    assert refused["error"] == "user_not_in_channel"
    client.conversations_invite(channel=created, users=["U0AGENT01"])
    assert client.chat_postEphemeral(channel=created, user="U0AGENT01", text="x")["ok"]
    assert api_error(lambda: client.chat_postEphemeral(channel=created, user="U0NOBODY1", text="x"))[
        "error"
    ] == ("user_not_in_channel")


def test_get_permalink(client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C0SUPPORT1", text="card")
    reply = client.chat_postMessage(channel="C0SUPPORT1", text="r", thread_ts=parent["ts"])
    link = client.chat_getPermalink(channel="C0SUPPORT1", message_ts=parent["ts"])["permalink"]
    assert link.endswith(f"/archives/C0SUPPORT1/p{parent['ts'].replace('.', '')}")
    reply_link = client.chat_getPermalink(channel="C0SUPPORT1", message_ts=reply["ts"])["permalink"]
    assert f"thread_ts={parent['ts']}" in reply_link
    assert api_error(lambda: client.chat_getPermalink(channel="C0SUPPORT1", message_ts="1.1"))["error"] == (
        "message_not_found"
    )


def test_calls_are_recorded_with_decoded_args_and_headers(slack: SlackStandin, client: WebClient) -> None:
    client.chat_postMessage(channel="social-support", text="hello", blocks=CARD)
    [call] = slack.calls_to("chat.postMessage")
    assert call.method == "chat.postMessage" and call.status == 200
    assert call.args["channel"] == "social-support" and call.args["blocks"][0]["type"] == "header"
    assert "token" not in call.args
    assert call.headers["authorization"] == f"Bearer {slack.token}"
    assert isinstance(call.response, dict) and call.response["ok"] is True
    assert call.path == "/api/chat.postMessage"
    slack.reset_calls()
    assert slack.calls == []
    assert len(slack.messages("social-support")) == 1, "reset_calls forgets calls, not messages"


def test_on_call_listener_sees_each_call(slack: SlackStandin, client: WebClient) -> None:
    seen: list[str] = []
    slack.on_call(lambda call: seen.append(call.method))
    client.chat_postMessage(channel="C0SUPPORT1", text="x")
    client.auth_test()
    assert seen == ["chat.postMessage", "auth.test"]


def test_concurrent_posts_are_all_kept_with_unique_increasing_ts(slack: SlackStandin) -> None:
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        client = WebClient(base_url=slack.url, token=slack.token)
        try:
            for i in range(10):
                client.chat_postMessage(channel="C0SUPPORT1", text=f"{n}-{i}")
        except BaseException as exc:  # surfaced below; a thread cannot fail the test itself
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    messages = slack.messages("C0SUPPORT1")
    stamps = [m.ts for m in messages]
    assert len(messages) == 80
    assert stamps == sorted(stamps) and len(set(stamps)) == 80
