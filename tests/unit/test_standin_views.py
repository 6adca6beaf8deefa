"""views.* on the stand-in: modals (open, push, update) and Home tabs (publish)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from socialdesk.standin import SlackStandin


@pytest.fixture
def slack() -> Iterator[SlackStandin]:
    with SlackStandin() as server:
        yield server


@pytest.fixture
def client(slack: SlackStandin) -> WebClient:
    return WebClient(base_url=slack.url, token=slack.token)


def modal(title: str = "Reply to #12", **extra: Any) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "case.reply",
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Send"},
        "private_metadata": '{"case": 12}',
        "blocks": [
            {
                "type": "input",
                "block_id": "reply",
                "label": {"type": "plain_text", "text": "Reply"},
                "element": {"type": "plain_text_input", "action_id": "text", "multiline": True},
            }
        ],
        **extra,
    }


def home(text: str = "3 open cases") -> dict[str, Any]:
    return {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


def failure(call: Any) -> dict[str, Any]:
    with pytest.raises(SlackApiError) as caught:
        call()
    data = caught.value.response.data
    assert isinstance(data, dict)
    return data


def test_open_answers_with_the_view_slack_fills_in(slack: SlackStandin, client: WebClient) -> None:
    view = client.views_open(trigger_id=slack.new_trigger_id("U0AGENT01"), view=modal())["view"]
    assert view["id"].startswith("V") and view["root_view_id"] == view["id"]
    assert view["type"] == "modal" and view["callback_id"] == "case.reply"
    assert view["private_metadata"] == '{"case": 12}' and view["hash"]
    assert view["state"] == {"values": {}} and view["previous_view_id"] is None
    [stored] = slack.views()
    assert (
        stored.id == view["id"]
        and stored.user == "U0AGENT01"
        and stored.payload["title"]["text"] == "Reply to #12"
    )


def test_a_trigger_id_can_be_used_once(slack: SlackStandin, client: WebClient) -> None:
    trigger = "1234.5678.abcdef"  # the shape Slack's payloads carry
    assert client.views_open(trigger_id=trigger, view=modal())["ok"]
    assert (
        failure(lambda: client.views_open(trigger_id=trigger, view=modal()))["error"]
        == "exchanged_trigger_id"
    )


def test_trigger_id_must_look_like_one_and_be_present(slack: SlackStandin, client: WebClient) -> None:
    assert (
        failure(lambda: client.views_open(trigger_id="nonsense", view=modal()))["error"]
        == "invalid_trigger_id"
    )
    response = httpx.post(
        f"{slack.url}views.open", json={"view": modal()}, headers={"Authorization": f"Bearer {slack.token}"}
    ).json()
    assert response["error"] == "invalid_arguments"
    assert response["response_metadata"]["messages"] == ["[ERROR] missing required field: trigger_id"]


def test_an_invalid_view_is_invalid_arguments_with_the_reasons(
    slack: SlackStandin, client: WebClient
) -> None:
    data = failure(lambda: client.views_open(trigger_id=slack.new_trigger_id(), view=modal(title="t" * 25)))
    assert data["error"] == "invalid_arguments"
    assert data["response_metadata"]["messages"] == [
        "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]"
    ]
    too_many = modal(blocks=[{"type": "divider"}] * 101)
    data = failure(lambda: client.views_open(trigger_id=slack.new_trigger_id(), view=too_many))
    assert (
        "[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]"
        in data["response_metadata"]["messages"]
    )
    assert failure(lambda: client.views_open(trigger_id=slack.new_trigger_id(), view=home()))["error"] == (
        "invalid_arguments"
    )
    assert slack.views() == []


def test_view_as_a_json_string_in_a_form(slack: SlackStandin) -> None:
    response = httpx.post(
        f"{slack.url}views.open",
        data={"token": slack.token, "trigger_id": slack.new_trigger_id(), "view": json.dumps(modal())},
    ).json()
    assert response["ok"] is True and response["view"]["title"]["text"] == "Reply to #12"


def test_push_stacks_on_the_open_modal_up_to_three(slack: SlackStandin, client: WebClient) -> None:
    root = client.views_open(trigger_id=slack.new_trigger_id("U0AGENT01"), view=modal())["view"]
    second = client.views_push(trigger_id=slack.new_trigger_id("U0AGENT01"), view=modal("Confirm"))["view"]
    assert second["root_view_id"] == root["id"] and second["previous_view_id"] == root["id"]
    third = client.views_push(trigger_id=slack.new_trigger_id("U0AGENT01"), view=modal("Really?"))["view"]
    assert third["previous_view_id"] == second["id"]
    data = failure(
        lambda: client.views_push(trigger_id=slack.new_trigger_id("U0AGENT01"), view=modal("Too deep"))
    )
    assert data["error"] == "push_limit_reached"


def test_update_by_view_id_or_external_id_with_hash_check(slack: SlackStandin, client: WebClient) -> None:
    opened = client.views_open(trigger_id=slack.new_trigger_id(), view=modal(external_id="case-12-reply"))[
        "view"
    ]
    updated = client.views_update(view_id=opened["id"], view=modal("Sending…"), hash=opened["hash"])["view"]
    assert updated["id"] == opened["id"] and updated["hash"] != opened["hash"]
    assert updated["title"]["text"] == "Sending…"
    stale = failure(
        lambda: client.views_update(view_id=opened["id"], view=modal("Late"), hash=opened["hash"])
    )
    assert stale["error"] == "hash_conflict"
    by_external = client.views_update(
        external_id="case-12-reply", view=modal("Sent", external_id="case-12-reply")
    )
    assert by_external["view"]["id"] == opened["id"]
    assert failure(lambda: client.views_update(view_id="V0NOPE0001", view=modal()))["error"] == "not_found"


def test_external_ids_are_unique(slack: SlackStandin, client: WebClient) -> None:
    client.views_open(trigger_id=slack.new_trigger_id(), view=modal(external_id="x1"))
    data = failure(lambda: client.views_open(trigger_id=slack.new_trigger_id(), view=modal(external_id="x1")))
    assert data["error"] == "duplicate_external_id"


def test_publish_home_tab_keeps_one_view_per_user(slack: SlackStandin, client: WebClient) -> None:
    first = client.views_publish(user_id="U0AGENT01", view=home())["view"]
    assert first["type"] == "home" and first["close"] is None and first["submit"] is None
    second = client.views_publish(user_id="U0AGENT01", view=home("2 open cases"), hash=first["hash"])["view"]
    assert second["id"] == first["id"]
    stored = slack.home_view("U0AGENT01")
    assert stored is not None and stored.payload["blocks"][0]["text"]["text"] == "2 open cases"
    assert slack.home_view("U0AGENT02") is None
    assert failure(lambda: client.views_publish(user_id="U0AGENT01", view=home(), hash="1.stale"))[
        "error"
    ] == ("hash_conflict")


def test_publish_refusals(client: WebClient) -> None:
    assert (
        failure(lambda: client.views_publish(user_id="U0NOBODY1", view=home()))["error"] == "user_not_found"
    )
    assert (
        failure(lambda: client.views_publish(user_id="U0AGENT01", view=modal()))["error"]
        == "invalid_arguments"
    )
    hundred = {"type": "home", "blocks": [{"type": "divider"}] * 100}
    assert client.views_publish(user_id="U0AGENT01", view=hundred)["ok"]
