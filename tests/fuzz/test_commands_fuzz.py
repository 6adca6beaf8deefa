"""`/social` and `/crisis` over arbitrary text: a command or a UsageError/DomainError, never another
exception; through the real endpoint, signed: 200 and a private answer (or a modal), never a 5xx."""

from __future__ import annotations

import contextlib
import itertools

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialdesk.app import Runtime
from socialdesk.domain.commands import SOCIAL_USAGE, SocialCommand, parse_social, unescape_slack
from socialdesk.domain.errors import DomainError
from socialdesk.handlers.crisis import SUBCOMMANDS
from socialdesk.standin import SlackStandin
from tests import support

_tokens = itertools.count(1)
FUZZ = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
words = st.sampled_from(
    [
        *SOCIAL_USAGE,
        *SUBCOMMANDS,
        "#1",
        "1",
        "#999999999",
        "<@U0AGENT01|maria>",
        "'",
        '"',
        "--mine",
        "sev1",
        "x",
        "outage",
        "<https://x|x>",
        "&amp;",
        "retry",
        "crisis#1",
    ]
)
texts = st.text(max_size=60) | st.lists(words | st.text(max_size=8), max_size=5).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(text=texts)
def test_parse_social_gives_a_command_or_a_usage_error(text: str) -> None:
    try:
        command = parse_social(text)
    except DomainError as exc:
        assert str(exc)
        return
    assert isinstance(command, SocialCommand) and command.name in SOCIAL_USAGE
    with contextlib.suppress(DomainError):
        command.case_id()
    assert isinstance(unescape_slack(text), str)


def _run(server: str, runtime: Runtime, standin: SlackStandin, slash: str, text: str) -> None:
    token = f"fz{next(_tokens)}"
    views_before = len(standin.calls_to("views.open"))
    body = support.slash_command_body(slash, text, response_url=standin.response_url(token))
    response = httpx.post(
        f"{server}/slack/events",
        content=body.encode(),
        headers=support.slack_headers(body, content_type="application/x-www-form-urlencoded"),
        timeout=10,
    )
    runtime.wait_for_listeners()
    assert response.status_code == 200, response.text
    answers = [c for c in standin.calls_to("response_url") if c.path.endswith(f"/response/{token}")]
    opened = len(standin.calls_to("views.open")) > views_before
    assert answers or opened, (slash, text)
    for answer in answers:
        assert answer.args.get("response_type", "ephemeral") == "ephemeral"
        assert "Traceback" not in str(answer.args.get("text"))


@FUZZ
@given(text=texts)
def test_signed_random_social_commands(
    server: str, runtime: Runtime, standin: SlackStandin, text: str
) -> None:
    _run(server, runtime, standin, "/social", text)


@FUZZ
@given(text=texts)
def test_signed_random_crisis_commands(
    server: str, runtime: Runtime, standin: SlackStandin, text: str
) -> None:
    _run(server, runtime, standin, "/crisis", text)
