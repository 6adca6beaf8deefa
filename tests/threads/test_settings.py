"""The Threads plugin's settings: off without its account, when it polls, the SLA it gets by default."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from socialdesk.config import load_config
from socialdesk.domain.enums import Platform, Priority
from socialdesk.samples import sample_config_path
from socialdesk.sources import threads
from socialdesk.sources.threads.settings import ThreadsSettings
from socialdesk.testing import DeskFactory


def test_without_user_id_and_token_the_plugin_is_off(socialdesk_desk: DeskFactory) -> None:
    desk = socialdesk_desk(plugins=[threads.plugin], env={"THREADS_USER_ID": "", "THREADS_TOKEN": ""})

    [record] = [r for r in desk.runtime.plugins.records if r.name == "threads"]
    assert record.status == "off"
    assert "THREADS_USER_ID and THREADS_TOKEN" in record.problems[0]
    assert desk.post_webhook("threads", b"{}").status_code == 404  # no route for a source that is off


def test_it_polls_only_where_webhooks_cannot_come_unless_told() -> None:
    base = {"threads_user_id": "1", "threads_token": "t"}
    assert ThreadsSettings.model_validate(base).poll_every() == 120
    assert ThreadsSettings.model_validate({**base, "meta_app_secret": "s"}).poll_every() == 0
    assert (
        ThreadsSettings.model_validate(
            {**base, "meta_app_secret": "s", "threads_poll_seconds": 60}
        ).poll_every()
        == 60
    )
    assert ThreadsSettings.model_validate({**base, "threads_poll_seconds": 0}).poll_every() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("threads_user_id", "@acme"), ("threads_api_url", "graph.threads.net"), ("threads_poll_seconds", 5)],
)
def test_wrong_values_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValidationError, match=field):
        ThreadsSettings.model_validate({field: value})


def test_the_sample_config_answers_threads_like_x() -> None:
    sla = load_config(sample_config_path()).sla
    for priority in Priority:
        assert sla.first_response_minutes(Platform.THREADS, priority) == sla.first_response_minutes(
            Platform.X, priority
        )
