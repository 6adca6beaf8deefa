"""XMentionsPoller against the X API stand-in over real loopback HTTP, with a SQLite cursor."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlmodel import SQLModel

# `tests` is not an installed package: tests/conftest.py normally gets the project root onto sys.path,
# this keeps the module importable without it (`--noconftest`, a lone-file run); otherwise a no-op.
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from socialdesk.clock import ManualClock  # noqa: E402
from socialdesk.domain.models import Cursor  # noqa: E402
from socialdesk.sources.x.timeline import TOKEN_REJECTED, XMentionsPoller, make_x_client  # noqa: E402
from socialdesk.standin.platforms.x_api import UNAUTHORIZED, XApiStandIn  # noqa: E402
from socialdesk.store.db import make_engine, session_scope  # noqa: E402

TOKEN = "x-test-bearer"
USER_ID = "2244994945"
MENTIONS = f"/2/users/{USER_ID}/mentions"  # as recorded by the stand-in
PATH = f"users/{USER_ID}/mentions"  # as requested against the /2/ base URL
RECORDINGS = ROOT.parent / "shared" / "data" / "social" / "x_api_v2"


class Sink:
    def __init__(self, fail_times: int = 0) -> None:
        self.pages: list[bytes] = []
        self.fail_times = fail_times

    def __call__(self, body: bytes) -> None:
        if self.fail_times:
            self.fail_times -= 1
            raise OSError("disk full")
        self.pages.append(body)

    def ids(self) -> list[str]:
        return [t["id"] for page in self.pages for t in json.loads(page)["data"]]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2024, 5, 1, 12, 0, tzinfo=UTC))


@pytest.fixture
def xapi(clock: ManualClock) -> Iterator[XApiStandIn]:
    with XApiStandIn(now=lambda: clock.now().timestamp(), bearer_token=TOKEN, user_id=USER_ID) as server:
        yield server


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine("sqlite:///" + str(tmp_path / "t.db"))
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def client(xapi: XApiStandIn) -> Iterator[httpx.Client]:
    with make_x_client(xapi.base_url) as client:
        yield client


@pytest.fixture
def sink() -> Sink:
    return Sink()


@pytest.fixture
def make_poller(
    client: httpx.Client, engine: Engine, sink: Sink, clock: ManualClock
) -> Any:  # a fresh instance is what a restarted process would build
    def make(**overrides: Any) -> XMentionsPoller:
        kwargs: dict[str, Any] = {"user_id": USER_ID, "bearer_token": TOKEN, "engine": engine}
        kwargs |= {"sink": sink, "clock": clock, **overrides}
        return XMentionsPoller(kwargs.pop("client", client), **kwargs)

    return make


def cursor_value(engine: Engine) -> str | None:
    with session_scope(engine) as session:
        row = session.get(Cursor, f"x:mentions:{USER_ID}")
        return row.value if row else None


def add_mentions(xapi: XApiStandIn, count: int) -> list[str]:
    """Ids newest first, as X returns them."""
    return [xapi.add_mention(f"@socialdesk help #{i}", f"user{i % 4}")["id"] for i in range(count)][::-1]


def test_first_poll_pages_the_backlog_then_only_newer_mentions(xapi, make_poller, sink, engine) -> None:
    backlog = add_mentions(xapi, 25)
    report = make_poller(page_size=10).poll_once()

    assert (report.pages, report.tweets, report.error, report.rate_limited) == (3, 25, None, False)
    assert sink.ids() == backlog
    calls = xapi.requests_to("GET", MENTIONS)
    assert [c.query.get("pagination_token") for c in calls] == [
        None,
        *(json.loads(p)["meta"]["next_token"] for p in sink.pages[:2]),
    ]
    assert all("since_id" not in c.query and c.headers["authorization"] == f"Bearer {TOKEN}" for c in calls)
    assert calls[0].query["expansions"] == "author_id" and calls[0].query["max_results"] == "10"
    first = json.loads(sink.pages[0])
    assert {"author_id", "created_at", "conversation_id"} <= set(first["data"][0])
    assert {u["username"] for u in first["includes"]["users"]} == {"user0", "user1", "user2", "user3"}
    assert json.loads(cursor_value(engine) or "") == {"since_id": backlog[0]}

    fresh = add_mentions(xapi, 3)
    report = make_poller(page_size=10).poll_once()
    assert (report.pages, report.tweets) == (1, 3)
    assert xapi.requests_to("GET", MENTIONS)[-1].query["since_id"] == backlog[0]
    assert sink.ids()[25:] == fresh

    report = make_poller().poll_once()  # nothing new: one call, nothing handed to the inbox
    assert (report.pages, report.tweets, len(sink.pages)) == (1, 0, 4)
    assert json.loads(cursor_value(engine) or "") == {"since_id": fresh[0]}


def test_exhausted_window_holds_calls_until_reset_even_across_restart(
    xapi, make_poller, sink, clock, engine
) -> None:
    xapi.limits["mentions"] = 2
    backlog = add_mentions(xapi, 25)
    report = make_poller(page_size=10).poll_once()

    _, reset = xapi.rate_limit()
    assert (report.pages, report.rate_limited) == (2, True)
    assert report.next_allowed_at == datetime.fromtimestamp(reset, UTC)
    saved = json.loads(cursor_value(engine) or "")
    assert "next_token" in saved and saved["pending_newest_id"] == backlog[0]

    clock.advance(timedelta(minutes=10))
    report = make_poller(page_size=10).poll_once()  # a new instance, as after a restart
    assert (report.pages, report.rate_limited, report.error) == (0, True, None)
    assert len(xapi.requests) == 2  # X was not called before the reset

    clock.set(datetime.fromtimestamp(reset, UTC))
    report = make_poller(page_size=10).poll_once()
    assert (report.pages, report.tweets, report.rate_limited) == (1, 5, False)
    assert xapi.requests_to("GET", MENTIONS)[-1].query["pagination_token"] == saved["next_token"]
    assert sink.ids() == backlog
    assert json.loads(cursor_value(engine) or "") == {"since_id": backlog[0]}


def test_429_mid_backlog_resumes_from_the_page_it_stopped_at(xapi, make_poller, sink, clock, engine) -> None:
    backlog = add_mentions(xapi, 25)
    xapi.fail_next(429, after=1)
    report = make_poller(page_size=10).poll_once()

    _, reset = xapi.rate_limit()
    assert (report.pages, report.rate_limited, report.error) == (1, True, None)
    assert report.next_allowed_at == datetime.fromtimestamp(reset, UTC)
    token = json.loads(sink.pages[0])["meta"]["next_token"]
    assert json.loads(cursor_value(engine) or "")["next_token"] == token

    late = xapi.add_mention("@socialdesk arrived while we were paging")["id"]
    clock.advance(60)
    assert make_poller().poll_once().pages == 0 and len(xapi.requests) == 2

    clock.set(datetime.fromtimestamp(reset, UTC))
    report = make_poller(page_size=10).poll_once()
    resumed = xapi.requests_to("GET", MENTIONS)[2]
    assert resumed.query["pagination_token"] == token and "since_id" not in resumed.query
    assert (report.pages, report.tweets) == (2, 15)
    assert sink.ids() == backlog  # nothing skipped, nothing fetched twice, the late one not mixed in

    make_poller(page_size=10).poll_once()
    assert xapi.requests_to("GET", MENTIONS)[-1].query["since_id"] == backlog[0]
    assert sink.ids()[-1:] == [late]


@pytest.mark.parametrize("failure", [500, 503, "disconnect"])
def test_server_and_network_errors_leave_the_cursor_alone(xapi, make_poller, sink, engine, failure) -> None:
    add_mentions(xapi, 3)
    make_poller().poll_once()
    before = cursor_value(engine)
    add_mentions(xapi, 2)
    xapi.fail_next(failure)

    report = make_poller().poll_once()

    assert report.pages == 0 and report.error is not None
    assert str(failure) in report.error or "RemoteProtocolError" in report.error
    assert cursor_value(engine) == before and len(sink.pages) == 1
    assert make_poller().poll_once().tweets == 2  # the next poll picks up where it was


def test_error_mid_backlog_keeps_the_page_position(xapi, make_poller, sink, engine) -> None:
    backlog = add_mentions(xapi, 12)
    xapi.fail_next(500, after=1)
    report = make_poller(page_size=5).poll_once()
    assert (report.pages, report.error) == (1, "X answered 500: Internal Server Error")
    saved = json.loads(cursor_value(engine) or "")
    assert saved["next_token"] == json.loads(sink.pages[0])["meta"]["next_token"]

    assert make_poller(page_size=5).poll_once().pages == 2
    assert sink.ids() == backlog


def test_x_unreachable_is_reported(make_poller, engine, clock) -> None:
    server = XApiStandIn(now=lambda: clock.now().timestamp()).start()
    url = server.base_url
    server.stop()  # the port is now closed
    with make_x_client(url) as dead:
        report = make_poller(client=dead).poll_once()
    assert report.error is not None and report.error.startswith("X request failed (ConnectError)")
    assert cursor_value(engine) is None


def test_rejected_token_is_reported_without_the_token(xapi, make_poller, engine, caplog) -> None:
    caplog.set_level("DEBUG")
    secret = "AAAAAAAAAAAAAAAAAAAAAsecret-bearer-value"
    poller = make_poller(bearer_token=SecretStr(secret))
    report = poller.poll_once()

    assert report.error == TOKEN_REJECTED
    assert xapi.requests[0].headers["authorization"] == f"Bearer {secret}"  # it was really sent
    assert secret not in caplog.text and secret not in repr(poller)
    assert cursor_value(engine) is None


def test_sink_failure_keeps_the_page_for_the_next_poll(xapi, make_poller, engine) -> None:
    ids = add_mentions(xapi, 3)
    flaky = Sink(fail_times=1)
    report = make_poller(sink=flaky).poll_once()
    assert report.error is not None and "could not store the page (OSError)" in report.error
    assert cursor_value(engine) is None

    assert make_poller(sink=flaky).poll_once().error is None
    assert flaky.ids() == ids


def test_refused_pagination_token_restarts_the_backlog(xapi, make_poller, sink, engine) -> None:
    backlog = add_mentions(xapi, 12)
    make_poller(page_size=5, max_pages_per_poll=1).poll_once()
    xapi.forget_pagination_tokens()

    report = make_poller(page_size=5).poll_once()
    assert report.error is not None and "pagination token" in report.error
    assert cursor_value(engine) == "{}"

    make_poller(page_size=5).poll_once()
    assert sink.ids() == backlog[:5] + backlog  # the first page again: duplicates are fine, gaps are not
    assert json.loads(cursor_value(engine) or "") == {"since_id": backlog[0]}


def test_unknown_user_is_an_error_not_an_empty_page(xapi, make_poller, engine) -> None:
    report = make_poller(user_id="999").poll_once()
    assert report.error == "X returned no mentions page: Could not find user with id: [999]."


def test_poller_refuses_bad_settings(make_poller) -> None:
    with pytest.raises(ValueError, match="page_size"):
        make_poller(page_size=101)
    with pytest.raises(ValueError, match="numeric"):
        make_poller(user_id="../users/1")


# -- the stand-in itself, against the real recordings ---------------------------------------------------


def recording(name: str) -> Path:
    path = RECORDINGS / name
    if not path.exists():
        pytest.skip(f"reference recordings not found at {RECORDINGS} (../shared/data absent in this clone)")
    return path


def test_recorded_mentions_pages_replay_through_the_poller(clock, engine) -> None:
    path = recording("test_client_get_users_mentions.decoded.json")
    recorded = json.loads(path.read_text())["interactions"][0]
    page = recorded["response"]["body"]
    user_id = recorded["request"]["uri"].rsplit("/", 2)[-2]
    with XApiStandIn(now=lambda: clock.now().timestamp(), bearer_token=TOKEN, user_id=user_id) as xapi:
        xapi.load_recording(path)
        with make_x_client(xapi.base_url) as client:
            raw = client.get(f"users/{user_id}/mentions", headers={"Authorization": f"Bearer {TOKEN}"})
            sink = Sink()
            poller = XMentionsPoller(
                client,
                user_id=user_id,
                bearer_token=TOKEN,
                engine=engine,
                sink=sink,
                clock=clock,
                page_size=5,
            )
            report = poller.poll_once()

    # Without fields asked for, the stand-in answers what X answered (minus next_token: no older tweets).
    body = raw.json()
    assert body["data"] == page["data"]
    assert body["meta"] == {k: v for k, v in page["meta"].items() if k != "next_token"}
    recorded_headers = {k for k in recorded["response"]["headers"] if k.startswith("x-rate-limit")}
    assert recorded_headers <= set(raw.headers) and raw.headers["x-rate-limit-limit"] == "450"

    assert (report.pages, report.tweets, report.error) == (2, 10, None)
    assert sink.ids() == [t["id"] for t in page["data"]]
    delivered = [t for p in sink.pages for t in json.loads(p)["data"]]
    assert all(set(t) == {"id", "text", "edit_history_tweet_ids"} for t in delivered)
    with session_scope(engine) as session:
        row = session.get(Cursor, f"x:mentions:{user_id}")
        assert row is not None and json.loads(row.value) == {"since_id": page["meta"]["newest_id"]}


def test_docs_example_query_gets_the_documented_shape(xapi, client) -> None:
    example = json.loads(recording("x_api_v2_docs_mentions_example.json").read_text())
    xapi.load_page(example)
    query = {
        "tweet.fields": "created_at,public_metrics,author_id",
        "expansions": "author_id",
        "user.fields": "username,verified",
        "max_results": "10",
    }
    response = client.get(PATH, params=query, headers={"Authorization": f"Bearer {TOKEN}"})
    body = response.json()
    assert body["data"] == example["data"] and body["includes"] == example["includes"]
    assert body["meta"] == {k: v for k, v in example["meta"].items() if k != "next_token"}


def test_standin_rate_limit_auth_and_validation(xapi, client, clock) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    first = client.get(PATH, headers=auth)
    second = client.get(PATH, headers=auth)
    assert first.json() == {"meta": {"result_count": 0}}
    assert [r.headers["x-rate-limit-remaining"] for r in (first, second)] == ["449", "448"]
    clock.set(datetime.fromtimestamp(int(second.headers["x-rate-limit-reset"]), UTC))
    assert client.get(PATH, headers=auth).headers["x-rate-limit-remaining"] == "449"

    xapi.exhaust()
    limited = client.get(PATH, headers=auth)
    assert limited.status_code == 429 and "retry-after" not in limited.headers
    assert limited.headers["x-rate-limit-reset"].isdigit()

    bad = client.get(PATH, headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    assert (
        bad.json()
        == UNAUTHORIZED
        == {
            "title": "Unauthorized",
            "type": "about:blank",
            "status": 401,
            "detail": "Unauthorized",
        }
    )
    clock.advance(timedelta(minutes=16))
    too_many = client.get(PATH, params={"max_results": 101}, headers=auth)
    assert too_many.status_code == 400 and "between 5 and 100" in too_many.json()["errors"][0]["message"]
    assert client.get("users/me", headers=auth).json()["data"]["id"] == USER_ID


def test_standin_records_posted_replies(xapi, client) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    mention = xapi.add_mention("@socialdesk my order is late", "jane")
    reply = {"text": "@jane sorry, we are on it", "reply": {"in_reply_to_tweet_id": mention["id"]}}

    created = client.post("tweets", json=reply, headers=auth)
    assert created.status_code == 201 and created.json()["data"]["text"] == reply["text"]
    assert xapi.posted == [{**reply, "id": created.json()["data"]["id"]}]
    assert xapi.requests_to("POST", "/2/tweets")[0].json == reply

    assert client.post("tweets", json=reply, headers=auth).status_code == 403  # duplicate content
    ghost = {"text": "hello", "reply": {"in_reply_to_tweet_id": "1"}}
    assert client.post("tweets", json=ghost, headers=auth).status_code == 403
    assert client.post("tweets", json={"text": "x" * 281}, headers=auth).status_code == 400
    assert client.post("tweets", json={}, headers=auth).status_code == 400
