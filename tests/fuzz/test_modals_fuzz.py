"""Random modal submissions for every callback id through the real endpoint: 200 with an ack or with
`response_action: errors`, never a 5xx, and nothing written when the submission is refused."""

from __future__ import annotations

import itertools
import json
from typing import Any
from urllib.parse import urlencode

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, func, select

from socialdesk.app import Runtime
from socialdesk.clock import ManualClock
from socialdesk.domain.crisis_models import CrisisEvent
from socialdesk.domain.models import CaseEvent, PlatformReply
from socialdesk.slack.blocks.crisis_modals import CrisisInput
from socialdesk.slack.ids import (
    CallbackId,
    CrisisCallbackId,
    CrisisValue,
    InputId,
    encode_case_value,
    encode_crisis_value,
)
from socialdesk.standin.workspace import TEAM_ID
from tests import support
from tests.fuzz.strategies import json_values
from tests.integration.helpers import generic_mention, post_generic

FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# case.private_reply_modal has no submission listener of its own (the reply modal's callback is reused).
CALLBACKS = [c.value for c in CallbackId if c is not CallbackId.PRIVATE_REPLY_MODAL] + [
    c.value for c in CrisisCallbackId
]
_triggers = itertools.count(1)
BLOCKS = [i.value for i in InputId] + [
    CrisisInput.PLAYBOOK,
    CrisisInput.SEVERITY,
    CrisisInput.SUMMARY,
    CrisisInput.REASON,
    CrisisInput.NEWS,
    CrisisInput.LESSONS,
    f"{CrisisInput.SLOT_PREFIX}headline",
    f"{CrisisInput.TEXT_PREFIX}x",
]
small_text = st.text(max_size=30) | st.sampled_from(
    ["1", "support", "billing", "U0AGENT01", "answered", "outage"]
)
element = st.fixed_dictionaries(
    {
        "type": st.sampled_from(
            ["plain_text_input", "static_select", "users_select", "checkboxes", "radio_buttons"]
        )
    },
    optional={
        "value": st.none() | small_text | json_values,
        "selected_option": st.none() | st.fixed_dictionaries({"value": small_text}) | json_values,
        "selected_user": st.none() | small_text,
        "selected_options": st.lists(st.fixed_dictionaries({"value": small_text}), max_size=2) | json_values,
    },
)
values = st.dictionaries(st.sampled_from(BLOCKS) | st.text(max_size=8), element, max_size=6).map(
    lambda blocks: {block: {block.split("~")[0]: el} for block, el in blocks.items()}
)
metadata = (
    st.integers(-2, 3).map(lambda i: encode_case_value(i) if i > 0 else str(i))
    | st.builds(
        CrisisValue, crisis_id=st.none() | st.integers(0, 3), statement_id=st.none() | st.integers(0, 3)
    ).map(encode_crisis_value)
    | st.text(max_size=40)
)


def _written(runtime: Runtime) -> tuple[int, ...]:
    with Session(runtime.engine) as s:
        return tuple(
            int(s.exec(select(func.count()).select_from(model)).one())
            for model in (CaseEvent, CrisisEvent, PlatformReply)
        )


def _submit(server: str, callback: str, private_metadata: str, state: Any) -> httpx.Response:
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "standin"},
        "user": {"id": "U0AGENT01", "username": "maria", "name": "maria"},
        "api_app_id": "A0SDAPP001",
        "token": "legacy",
        "trigger_id": f"1.2.{next(_triggers)}",  # hypothesis re-runs examples: a same body would be a replay
        "view": {
            "id": "V0FUZZ",
            "type": "modal",
            "callback_id": callback,
            "private_metadata": private_metadata,
            "hash": "1.a",
            "state": state,
        },
    }
    body = urlencode({"payload": json.dumps(payload)})
    headers = support.slack_headers(body, content_type="application/x-www-form-urlencoded")
    return httpx.post(f"{server}/slack/events", content=body.encode(), headers=headers, timeout=10)


def _one_case(server: str, runtime: Runtime, clock: ManualClock) -> None:
    mention = generic_mention("modal-fuzz-1", "My order never arrived", created_at=clock.now())
    assert post_generic(server, mention).status_code == 200
    runtime.drain()


@FUZZ
@given(
    callback=st.sampled_from(CALLBACKS),
    private_metadata=metadata,
    # Slack's own shape (state.values.<block>.<action> = element), with arbitrary element contents;
    # a body of another shape would need the signing secret, and Bolt's own parsing expects this one.
    state=st.fixed_dictionaries({"values": values}),
)
def test_random_submissions(
    server: str, runtime: Runtime, clock: ManualClock, callback: str, private_metadata: str, state: Any
) -> None:
    _one_case(server, runtime, clock)  # a duplicate after the first example: case #1 exists
    before = _written(runtime)
    response = _submit(server, callback, private_metadata, state)
    runtime.wait_for_listeners()
    assert response.status_code == 200, response.text
    if response.content:
        answer = response.json()
        assert answer.get("response_action") == "errors" and answer.get("errors"), answer
        assert _written(runtime) == before, (callback, state)
