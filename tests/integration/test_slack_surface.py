"""/social, buttons and the Events API through POST /slack/events with real Slack signatures."""

from __future__ import annotations

import json

import httpx

from socialdesk.app import Runtime
from socialdesk.clock import ManualClock
from socialdesk.slack.ids import ActionId, encode_case_value
from socialdesk.standin import SlackStandin
from tests import support
from tests.integration.helpers import generic_mention, post_generic, post_slack


def _responses(standin: SlackStandin) -> list[dict]:
    return [call.args for call in standin.calls_to("response_url")]


def test_bad_slack_signature_is_refused(server: str, standin: SlackStandin) -> None:
    body = support.slash_command_body("/social", "help", response_url=standin.response_url("r1"))
    headers = support.slack_headers(body, content_type="application/x-www-form-urlencoded")
    headers["X-Slack-Signature"] = "v0=" + "0" * 64
    response = httpx.post(f"{server}/slack/events", content=body, headers=headers)
    assert response.status_code == 401
    assert _responses(standin) == []


def test_url_verification_is_answered(server: str) -> None:
    body = json.dumps(
        {
            "token": "t",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    )
    response = post_slack(server, body, content_type="application/json")
    assert response.status_code == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in response.text


def test_social_help_is_private(server: str, runtime: Runtime, standin: SlackStandin) -> None:
    body = support.slash_command_body("/social", "help", response_url=standin.response_url("r2"))
    response = post_slack(server, body)
    assert response.status_code == 200
    runtime.wait_for_listeners()
    answers = _responses(standin)
    assert len(answers) == 1
    assert answers[0]["response_type"] == "ephemeral"
    assert "/social queue" in json.dumps(answers[0])


def test_unknown_subcommand_gets_usage_privately(
    server: str, runtime: Runtime, standin: SlackStandin
) -> None:
    post_slack(
        server,
        support.slash_command_body("/social", "frobnicate 42", response_url=standin.response_url("r3")),
    )
    runtime.wait_for_listeners()
    answer = _responses(standin)[0]
    assert answer["response_type"] == "ephemeral"
    assert "`frobnicate` is not a /social command" in answer["text"]


def test_show_missing_case_and_bad_reference(server: str, runtime: Runtime, standin: SlackStandin) -> None:
    post_slack(
        server, support.slash_command_body("/social", "show 999", response_url=standin.response_url("r4"))
    )
    post_slack(
        server, support.slash_command_body("/social", "show abc", response_url=standin.response_url("r5"))
    )
    runtime.wait_for_listeners()
    texts = sorted(a["text"] for a in _responses(standin))
    assert any("There is no case #999." in t for t in texts)
    assert any("`abc` is not a case number" in t for t in texts)
    assert all(a["response_type"] == "ephemeral" for a in _responses(standin))


def test_queue_and_show_list_real_cases(
    server: str, runtime: Runtime, standin: SlackStandin, clock: ManualClock
) -> None:
    post_generic(server, generic_mention("q-1", "app is down!!", created_at=clock.now(), handle="a"))
    post_generic(
        server, generic_mention("q-2", "how do I reset my password?", created_at=clock.now(), handle="b")
    )
    runtime.drain()
    post_slack(
        server, support.slash_command_body("/social", "queue", response_url=standin.response_url("r6"))
    )
    post_slack(
        server, support.slash_command_body("/social", "show #1", response_url=standin.response_url("r7"))
    )
    post_slack(
        server,
        support.slash_command_body("/social", "queue nowhere", response_url=standin.response_url("r8")),
    )
    runtime.wait_for_listeners()
    answers = json.dumps(_responses(standin))
    assert "#1" in answers and "#2" in answers
    assert "app is down" in answers
    assert "`nowhere` is neither a team nor a platform" in answers


def test_show_history_from_the_cards_overflow(
    server: str, runtime: Runtime, standin: SlackStandin, clock: ManualClock
) -> None:
    post_generic(server, generic_mention("s-1", "my parcel never came", created_at=clock.now(), handle="kim"))
    runtime.drain()
    card = standin.messages("social-support")[0]
    overflow = next(
        el
        for block in card.blocks
        if block["type"] == "actions"
        for el in block["elements"]
        if el["action_id"] == ActionId.OVERFLOW.value
    )
    option = next(o for o in overflow["options"] if "history" in o["text"]["text"].lower())
    action = {
        "type": "overflow",
        "action_id": overflow["action_id"],
        "block_id": "b",
        "selected_option": option,
        "action_ts": "1.2",
    }
    body = support.block_action_body(action, response_url=standin.response_url("r9"), message_ts=card.ts)
    assert post_slack(server, body).status_code == 200
    runtime.wait_for_listeners()
    answer = _responses(standin)[0]
    assert answer["response_type"] == "ephemeral"
    assert "parcel never came" in json.dumps(answer)
    assert encode_case_value(1)  # the value codec is what the card used
