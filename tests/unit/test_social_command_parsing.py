"""Parsing `/social` text: subcommands, case references, usage messages, Slack's escaping."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from socialdesk.domain.commands import SOCIAL_USAGE, UsageError, parse_case_ref, parse_social, unescape_slack
from socialdesk.domain.errors import DomainError, InvalidCaseRef


@pytest.mark.parametrize(("text", "case_id"), [("42", 42), ("#42", 42), (" #7 ", 7)])
def test_case_references_with_or_without_hash(text: str, case_id: int) -> None:
    assert parse_case_ref(text) == case_id


@pytest.mark.parametrize("text", ["abc", "#", "4 2", "-3", "1234567890", "#x1"])
def test_bad_case_references_say_how_to_write_one(text: str) -> None:
    with pytest.raises(InvalidCaseRef, match="use `42` or `#42`"):
        parse_case_ref(text)


def test_empty_text_is_help_and_unknown_words_get_usage() -> None:
    assert parse_social("").name == "help"
    with pytest.raises(UsageError, match="`frob` is not a /social command"):
        parse_social("frob 1")
    cmd = parse_social('escalate 42 billing "charged twice"')
    assert cmd.args == ("42", "billing", "charged twice")
    with pytest.raises(UsageError) as missing:
        parse_social("claim").case_id()
    assert SOCIAL_USAGE["claim"] in str(missing.value)


def test_an_unbalanced_quote_still_parses() -> None:
    assert parse_social("note 4 we're on it").args == ("4", "we're", "on", "it")


def test_slack_escaping_is_undone_for_prose() -> None:
    escaped = "see <https://acme.com/help|acme.com/help> &amp; ask <@U123|maria> in <#C1|billing> &lt;3"
    assert unescape_slack(escaped) == "see https://acme.com/help & ask @maria in #billing <3"
    assert unescape_slack("<mailto:care@acme.com|care@acme.com>") == "care@acme.com"
    assert unescape_slack("<!here> now") == "@here now"


@given(st.text(max_size=200))
def test_parsing_never_raises_anything_but_a_domain_error(text: str) -> None:
    with contextlib.suppress(DomainError):
        parse_social(text)
    assert isinstance(unescape_slack(text), str)
