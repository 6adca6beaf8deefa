"""pins.add / pins.list, conversations.setTopic / setPurpose and conversations.history on the Slack
stand-in, called over HTTP with slack_sdk's WebClient: the successes, Slack's refusals, cursor paging and
message metadata coming back from history."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from socialdesk.clock import ManualClock
from socialdesk.standin import SlackStandin, StandInUser
from socialdesk.standin.workspace import BOT_USER_ID

ROOM = "C0CRISIS01"
CHANNELS = {"crisis-room": ROOM, "social-support": "C0SUPPORT1"}
USERS = [StandInUser("U0AGENT01", "maria", "Maria Agent")]
CRISIS_METADATA = {"event_type": "socialdesk_crisis", "event_payload": {"crisis_id": 7, "kind": "holding"}}


@pytest.fixture
def slack(clock: ManualClock) -> Iterator[SlackStandin]:
    with SlackStandin(channels=CHANNELS, users=USERS, clock=clock) as server:
        yield server


@pytest.fixture
def client(slack: SlackStandin) -> WebClient:
    return WebClient(base_url=slack.url, token=slack.token)


def error_of(call: Any) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()
    return str(caught.value.response["error"])


def post(client: WebClient, text: str, channel: str = ROOM, **extra: Any) -> str:
    return str(client.chat_postMessage(channel=channel, text=text, **extra)["ts"])


def channel_without_bot(slack: SlackStandin, name: str, *, private: bool) -> str:
    """A channel the bot was never added to: the Web API has no call that makes one, so arrange it."""
    ws = slack._workspace
    with ws.lock:
        channel = ws.add_channel(name, is_private=private, members={"U0AGENT01"})
        channel.members.discard(BOT_USER_ID)
        return channel.id


def texts(response: Any) -> list[str]:
    return [m["text"] for m in response["messages"]]


# -- pins ----------------------------------------------------------------------------------------


def test_a_pinned_message_is_listed_with_its_message(slack, client, clock) -> None:
    post(client, "before")
    ts = post(client, "Holding statement approved", metadata=CRISIS_METADATA)
    clock.advance(timedelta(minutes=3))

    assert client.pins_add(channel=ROOM, timestamp=ts)["ok"] is True

    [item] = client.pins_list(channel=ROOM)["items"]
    assert item["type"] == "message" and item["channel"] == ROOM
    assert item["created_by"] == BOT_USER_ID and item["created"] == int(clock.now().timestamp())
    message = item["message"]
    assert message["ts"] == ts and message["text"] == "Holding statement approved"
    assert message["pinned_to"] == [ROOM] and message["permalink"].endswith(f"p{ts.replace('.', '')}")
    history = client.conversations_history(channel=ROOM)
    assert history["pin_count"] == 1
    assert [m.get("pinned_to") for m in history["messages"]] == [[ROOM], None]


def test_pins_are_listed_latest_first_and_per_channel(client) -> None:
    first, second = post(client, "one"), post(client, "two")
    client.pins_add(channel=ROOM, timestamp=first)
    client.pins_add(channel=ROOM, timestamp=second)

    assert [i["message"]["text"] for i in client.pins_list(channel=ROOM)["items"]] == ["two", "one"]
    assert client.pins_list(channel="C0SUPPORT1")["items"] == []


def test_a_thread_reply_can_be_pinned(client) -> None:
    parent = post(client, "war room opened")
    reply = post(client, "update 1", thread_ts=parent)

    client.pins_add(channel=ROOM, timestamp=reply)

    [item] = client.pins_list(channel=ROOM)["items"]
    assert item["message"]["ts"] == reply and item["message"]["thread_ts"] == parent


def test_pins_add_refusals(slack, client) -> None:
    ts = post(client, "statement")
    client.pins_add(channel=ROOM, timestamp=ts)
    outside = channel_without_bot(slack, "crisis-private", private=True)
    in_other_channel = post(client, "elsewhere", channel="C0SUPPORT1")

    assert error_of(lambda: client.pins_add(channel=ROOM, timestamp=ts)) == "already_pinned"
    assert error_of(lambda: client.pins_add(channel="C0NOPE0001", timestamp=ts)) == "channel_not_found"
    assert error_of(lambda: client.pins_add(channel="#crisis-room", timestamp=ts)) == "channel_not_found"
    assert error_of(lambda: client.pins_add(channel=ROOM, timestamp="1.000001")) == "message_not_found"
    assert error_of(lambda: client.pins_add(channel=ROOM, timestamp=in_other_channel)) == "message_not_found"
    assert error_of(lambda: client.pins_add(channel=ROOM, timestamp="yesterday")) == "bad_timestamp"
    assert error_of(lambda: client.pins_add(channel=ROOM)) == "no_item_specified"
    assert error_of(lambda: client.pins_add(channel=outside, timestamp=ts)) == "not_in_channel"
    assert len(client.pins_list(channel=ROOM)["items"]) == 1  # nothing refused was pinned


def test_pins_list_of_an_unknown_channel(client) -> None:
    assert error_of(lambda: client.pins_list(channel="C0NOPE0001")) == "channel_not_found"


# -- topic and purpose ---------------------------------------------------------------------------


def test_topic_and_purpose_are_stored_and_shown_by_info(client, clock) -> None:
    topic = "SEV1 payments outage · lead @maria · next update 15:00"
    set_topic = client.conversations_setTopic(channel=ROOM, topic=topic)
    clock.advance(timedelta(minutes=1))
    set_purpose = client.conversations_setPurpose(channel=ROOM, purpose="War room for crisis #7")

    assert set_topic["channel"]["topic"]["value"] == topic
    assert set_purpose["channel"]["purpose"]["value"] == "War room for crisis #7"
    channel = client.conversations_info(channel=ROOM)["channel"]
    assert channel["topic"] == {
        "value": topic,
        "creator": BOT_USER_ID,
        "last_set": int((clock.now() - timedelta(minutes=1)).timestamp()),
    }
    assert channel["purpose"] == {
        "value": "War room for crisis #7",
        "creator": BOT_USER_ID,
        "last_set": int(clock.now().timestamp()),
    }
    other = client.conversations_info(channel="C0SUPPORT1")["channel"]
    assert other["topic"]["value"] == "" and other["purpose"]["value"] == ""


def test_topic_and_purpose_refusals(slack, client) -> None:
    outside = channel_without_bot(slack, "crisis-public", private=False)
    dm = client.chat_postMessage(channel="U0AGENT01", text="hi")["channel"]

    assert error_of(lambda: client.conversations_setTopic(channel=ROOM, topic="x" * 251)) == "too_long"
    assert client.conversations_setTopic(channel=ROOM, topic="x" * 250)["ok"]
    assert error_of(lambda: client.conversations_setPurpose(channel=ROOM, purpose="y" * 251)) == "too_long"
    assert error_of(lambda: client.conversations_setTopic(channel=outside, topic="t")) == "not_in_channel"
    assert error_of(lambda: client.conversations_setPurpose(channel=outside, purpose="p")) == "not_in_channel"
    assert error_of(lambda: client.conversations_setTopic(channel="C0NOPE0001", topic="t")) == (
        "channel_not_found"
    )
    assert error_of(lambda: client.conversations_setTopic(channel=dm, topic="t")) == (
        "method_not_supported_for_channel_type"
    )
    assert error_of(lambda: client.conversations_setTopic(channel=ROOM, topic="")) == "invalid_arguments"
    assert client.conversations_info(channel=ROOM)["channel"]["topic"]["value"] == "x" * 250


# -- history -------------------------------------------------------------------------------------


def test_history_is_newest_first_with_slacks_envelope(client) -> None:
    for text in ("one", "two", "three"):
        post(client, text)

    history = client.conversations_history(channel=ROOM)

    assert texts(history) == ["three", "two", "one"]
    assert history["has_more"] is False and "response_metadata" not in history.data
    assert history["pin_count"] == 0 and history["channel_actions_count"] == 0
    assert all(m["user"] == BOT_USER_ID and m["type"] == "message" for m in history["messages"])


def test_history_pages_with_a_cursor(client) -> None:
    for n in range(1, 8):
        post(client, f"m{n}")

    first = client.conversations_history(channel=ROOM, limit=3)
    assert texts(first) == ["m7", "m6", "m5"] and first["has_more"] is True
    post(client, "m8")  # arrives mid-paging: newer than the cursor, so it does not shift the pages
    second = client.conversations_history(
        channel=ROOM, limit=3, cursor=first["response_metadata"]["next_cursor"]
    )
    assert texts(second) == ["m4", "m3", "m2"] and second["has_more"] is True
    last = client.conversations_history(
        channel=ROOM, limit=3, cursor=second["response_metadata"]["next_cursor"]
    )
    assert texts(last) == ["m1"] and last["has_more"] is False and "response_metadata" not in last.data


def test_slack_sdk_iterates_every_page(client) -> None:
    for n in range(1, 6):
        post(client, f"m{n}")

    # SlackResponse fetches each next page into itself, so read every page while iterating.
    pages = [texts(page) for page in client.conversations_history(channel=ROOM, limit=2)]

    assert pages == [["m5", "m4"], ["m3", "m2"], ["m1"]]


def test_history_between_oldest_and_latest(client) -> None:
    ts = [post(client, f"m{n}") for n in range(1, 6)]

    exclusive = client.conversations_history(channel=ROOM, oldest=ts[1], latest=ts[3])
    inclusive = client.conversations_history(channel=ROOM, oldest=ts[1], latest=ts[3], inclusive=True)
    since = client.conversations_history(channel=ROOM, oldest=ts[2])
    before = client.conversations_history(channel=ROOM, latest=ts[1], inclusive=True)

    assert texts(exclusive) == ["m3"]
    assert texts(inclusive) == ["m4", "m3", "m2"]
    assert texts(since) == ["m5", "m4"]
    assert texts(before) == ["m2", "m1"]


def test_history_limit_defaults_to_100_and_is_capped_at_999(slack, client) -> None:
    ws = slack._workspace  # a thousand posts over HTTP would only slow the test down
    with ws.lock:
        channel = ws.channels[ROOM]
        for n in range(1001):
            ws.post(channel, text=f"m{n}")

    default = client.conversations_history(channel=ROOM)
    capped = client.conversations_history(channel=ROOM, limit=5000)

    assert len(default["messages"]) == 100 and default["has_more"] is True
    assert len(capped["messages"]) == 999 and capped["has_more"] is True
    assert capped["messages"][0]["text"] == "m1000" and capped["messages"][-1]["text"] == "m2"


def test_history_returns_metadata_only_when_asked(client) -> None:
    post(client, "Holding statement published", metadata=CRISIS_METADATA)
    post(client, "plain")

    with_metadata = client.conversations_history(channel=ROOM, include_all_metadata=True)
    without = client.conversations_history(channel=ROOM)

    assert [m.get("metadata") for m in with_metadata["messages"]] == [None, CRISIS_METADATA]
    assert all("metadata" not in m for m in without["messages"])


def test_metadata_changed_by_an_update_comes_back(client) -> None:
    ts = post(client, "draft", metadata=CRISIS_METADATA)
    changed = {"event_type": "socialdesk_crisis", "event_payload": {"crisis_id": 7, "kind": "update"}}
    client.chat_update(channel=ROOM, ts=ts, text="update 1", metadata=changed)

    [message] = client.conversations_history(channel=ROOM, include_all_metadata=True)["messages"]

    assert message["metadata"] == changed and message["text"] == "update 1"
    assert message["edited"]["ts"] > ts


def test_thread_replies_show_only_as_a_summary_unless_broadcast(client) -> None:
    parent = post(client, "war room")
    post(client, "quiet reply", thread_ts=parent)
    last = post(client, "broadcast reply", thread_ts=parent, reply_broadcast=True)

    messages = client.conversations_history(channel=ROOM)["messages"]

    assert [m["text"] for m in messages] == ["broadcast reply", "war room"]
    broadcast, root = messages
    assert broadcast["subtype"] == "thread_broadcast" and broadcast["thread_ts"] == parent
    assert root["reply_count"] == 2 and root["latest_reply"] == last and root["thread_ts"] == parent


def test_history_refusals(slack, client) -> None:
    private = channel_without_bot(slack, "crisis-private", private=True)
    post(client, "m1")

    assert error_of(lambda: client.conversations_history(channel=private)) == "not_in_channel"
    assert error_of(lambda: client.conversations_history(channel="C0NOPE0001")) == "channel_not_found"
    assert error_of(lambda: client.conversations_history(channel=ROOM, cursor="bm9wZQ==")) == "invalid_cursor"
    assert error_of(lambda: client.conversations_history(channel=ROOM, cursor="%%%")) == "invalid_cursor"
    assert error_of(lambda: client.conversations_history(channel=ROOM, oldest="soon")) == "invalid_ts_oldest"
    assert error_of(lambda: client.conversations_history(channel=ROOM, latest="-1")) == "invalid_ts_latest"
    assert error_of(lambda: client.conversations_history(channel=ROOM, limit="many")) == "invalid_arguments"
